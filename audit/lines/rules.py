"""The rule engine: load rule packs (TOML files in ``rules/``) and apply them to lines.

A rule file holds ``[[rule]]`` tables. Every rule has the common keys ``id`` (``family.name``),
``kind``, ``message``, ``severity``, ``action``, ``match`` and ``no_match`` (examples that must and
must not match, checked by ``corpus-audit rules test`` and the test suite), and optionally
``description``, ``scope``, ``within``, ``max_words``, ``case_sensitive``, ``language`` and
``block`` (true for a heading of a block of links: the rule also claims the list under it, up to
the next prose; see :func:`audit.lines.statistics.block_after`). Kinds:

- ``pattern``: a regular expression (``pattern``) searched in the line;
- ``phrases``: a list of phrases (``phrases``); a line matches when, folded and without
  surrounding punctuation, it is one of them.

Scopes: ``line`` (any line), ``head`` or ``tail`` (only the first or last ``within`` units of a
document: its non-empty lines, or the paragraphs of a hard-wrapped text, each read as one).

``language`` is the language of a rule's words (an ISO 639-1 code, or ``any`` for rules about
markup and symbols); a file sets it for all its rules with a top-level ``language = "en"``, and a
rule may set its own. A loader error names the file, the rule and the key.

Patterns run on the ``regex`` engine, which copes with most catastrophic-backtracking patterns.
Every search (in a scan and in ``rules test``) is bounded: by ``timeout`` seconds per line, and by
``budget`` seconds for all the rules' searches in one document. A rule that runs out of time on a
line gives up on it, and the line is reported instead of the run hanging; once a document's budget
is spent, its remaining lines are not searched and that is reported too. A pattern that matches
the empty string (it would claim every line) is refused at load.

Before the searches, a gate (:mod:`audit.lines.gate`) scans each unit once for all the patterns
and names those that may match it; only they are searched. The gate never changes what matches.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

import regex

from audit.cache import built
from audit.errors import RuleError
from audit.lines.gate import Gate, Pattern
from audit.records import SEVERITIES
from audit.settings import ACTIONS
from audit.text.normalize import fold

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

RULE_KINDS = ("pattern", "phrases")
SCOPES = ("line", "head", "tail")

_COMMON_KEYS = {"id", "kind", "message", "severity", "action", "match", "no_match", "description",
                "scope", "within", "max_words", "case_sensitive", "language", "block"}
_KIND_KEYS = {"pattern": {"pattern"}, "phrases": {"phrases"}}
_ID = re.compile(r"^[a-z0-9_-]+\.[a-z0-9_.-]+$")
_LANGUAGE = re.compile(r"^([a-z]{2}|any)$")
_EDGE_PUNCT = " \t\"'“”‘’«»()[]{}<>|•·*-–—:;,.!?"


def phrase_key(line: str) -> str:
    """A line as phrase rules compare it: folded, without surrounding punctuation.

    >>> phrase_key("  Share this Article: ")
    'share this article'
    """
    return fold(line.strip(_EDGE_PUNCT))


#: Seconds one pattern may spend on one line. The clock is the wall's: on a loaded machine a
#: sound pattern may wait its turn for a good part of a second (0.25 s was seen to trip there,
#: which made a report depend on the load), while a catastrophic one runs for minutes.
DEFAULT_TIMEOUT = 2.0
#: Seconds all the rules' searches may spend on one document, however many lines it has: bounded
#: per line alone, a few hostile lines would cost minutes (20 such lines took 83 s). Sound rules
#: spend milliseconds on a document.
DEFAULT_BUDGET = 10.0
#: Units a rule set reads before it compiles its gate when the cache folder has none: a small run
#: is done before compiling (seconds) would pay for itself. A gate in the cache is read at once.
GATE_AFTER = 2000


class Unit(NamedTuple):
    """A line (or a paragraph read as one) as the rules read it, prepared once for all of them:
    some eighty rules see each line, and most of them only its word count. A named tuple, not a
    frozen dataclass: one is made for every line, and :meth:`of` takes 2.4 µs, not 4.1."""

    text: str
    stripped: str
    folded: str
    words: int

    @classmethod
    def of(cls, text: str) -> Unit:
        return cls(text, text.strip(), phrase_key(text), len(text.split()))


class LazyPattern:
    """A rule's regular expression, compiled where it is first searched.

    Compiling the packs' seventy patterns took 0.23 to 0.34 s of every process's start, the Dask
    client's included, which searches nothing, and a small scan searches few of them: the gate
    names the patterns that may match a line (bench/HISTORY.md, the seventeenth round). Pickled,
    it is its source and flags, as a compiled pattern is too: the process that unpickles it
    compiles it again, here only when it searches.
    """

    __slots__ = ("pattern", "given", "flags", "_compiled")

    def __init__(self, pattern: str, given: int, flags: int, compiled: regex.Pattern[str] | None = None) -> None:
        self.pattern = pattern
        #: The flags it is compiled with.
        self.given = given
        #: The flags of the compiled pattern (the given ones, those the pattern sets inline and
        #: Unicode), as ``regex.Pattern.flags`` gives them: what the gate and a rule's digest read.
        self.flags = flags
        self._compiled = compiled

    def compiled(self) -> regex.Pattern[str]:
        """The compiled pattern (compiled now, the first time it is asked for)."""
        if self._compiled is None:
            self._compiled = regex.compile(self.pattern, self.given)
        return self._compiled

    def search(self, string: str, timeout: float | None = None) -> regex.Match[str] | None:
        return self.compiled().search(string, timeout=timeout)

    def __reduce__(self) -> tuple[type[LazyPattern], tuple[str, int, int]]:
        return LazyPattern, (self.pattern, self.given, self.flags)

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r}, {self.given!r}, {self.flags!r})"


@dataclass(frozen=True)
class Rule:
    """One rule, checked (its pattern compiled where it is first searched: :class:`LazyPattern`)."""

    id: str
    kind: str
    message: str
    severity: str
    action: str
    scope: str
    within: int
    max_words: int | None
    #: The rule file, as the folder it was loaded from names it.
    file: str
    language: str = "any"
    block: bool = False
    description: str = ""
    pattern: LazyPattern | None = None
    phrases: frozenset[str] = frozenset()
    match: tuple[str, ...] = ()
    no_match: tuple[str, ...] = ()

    def search(self, line: str, timeout: float = DEFAULT_TIMEOUT) -> tuple[int, int] | None:
        """The span of the match in `line`, or None (scope is the caller's business).

        Patterns see the line without its surrounding spaces (page dumps indent deeply, and a
        pattern need not spend time on it). Raises TimeoutError when the pattern takes longer than
        `timeout` seconds.
        """
        return self.find(Unit.of(line), timeout)

    def find(self, unit: Unit, timeout: float = DEFAULT_TIMEOUT) -> tuple[int, int] | None:
        """As :meth:`search`, in a unit prepared once for every rule."""
        if self.max_words is not None and unit.words > self.max_words:
            return None
        if self.pattern is not None:
            m = self.pattern.search(unit.stripped, timeout=timeout)
            if m is None:
                return None
            offset = len(unit.text) - len(unit.text.lstrip())
            return (offset + m.start(), offset + m.end())
        if unit.folded in self.phrases:
            stripped = unit.text.strip(_EDGE_PUNCT)
            start = unit.text.find(stripped)
            return (start, start + len(stripped))
        return None

    def check_examples(self, timeout: float = DEFAULT_TIMEOUT) -> list[str]:
        """Messages for the examples this rule gets wrong (or gives up on); empty when all pass."""
        problems = []
        for expected, examples in ((True, self.match), (False, self.no_match)):
            for ex in examples:
                try:
                    found = self.search(ex, timeout) is not None
                except TimeoutError:
                    problems.append(f"{self.id}: gave up after {timeout}s on {ex!r} (its pattern is too slow)")
                    continue
                if found != expected:
                    problems.append(f"{self.id}: should {'' if expected else 'not '}match {ex!r}")
        return problems


@dataclass(frozen=True)
class Hit:
    """A rule that matched a line, or (``timed_out``) gave up on it; ``budget_spent`` when that was
    for the document's budget (and the lines after it were not searched)."""

    line: int
    rule: Rule
    span: tuple[int, int]
    timed_out: bool = False
    budget_spent: bool = False




@dataclass
class RuleSet:
    """Rules in the order they were loaded.

    A line is claimed by the first rule that matches it and strips; failing that, by the first
    that matches and only flags (a line a strip rule would remove is not kept because a flag rule
    came first).
    """

    rules: list[Rule] = field(default_factory=list)
    timeout: float = DEFAULT_TIMEOUT
    budget: float = DEFAULT_BUDGET
    #: None: no gate (every rule searches every unit).
    gate_after: int | None = GATE_AFTER
    # Made in each process (a database is not pickled): read from the cache folder at the first
    # unit, compiled once `gate_after` units were read if the cache had none.
    _gate: Gate | None = field(default=None, init=False, repr=False, compare=False)
    _gate_done: bool = field(default=False, init=False, repr=False, compare=False)
    _read: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A unit's folded text names the phrase rules that can match it: one lookup, not a test
        # of every phrase rule on every unit.
        index: dict[str, list[int]] = {}
        for i, r in enumerate(self.rules):
            for phrase in r.phrases if r.pattern is None else ():
                index.setdefault(phrase, []).append(i)
        self._phrase_rules = {phrase: frozenset(rules) for phrase, rules in index.items()}
        self._phrase_ids = frozenset(i for i, r in enumerate(self.rules) if r.pattern is None)

    def __len__(self) -> int:
        return len(self.rules)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_gate": None, "_gate_done": False}

    def apply(self, lines: list[str], units: list[tuple[int, int]] | None = None) -> list[Hit]:
        """Match every rule against the lines of one document (1-based line numbers).

        `units` are the spans of lines read as one (0-based first and last line): the paragraphs
        of a hard-wrapped text, so that a rule sees a whole paragraph and not a fragment of a
        sentence; by default every non-empty line is a unit of its own. A rule that matches a unit
        of several lines claims each of its lines. Scopes count units.

        >>> rs = RuleSet([compile_rule({"id": "share.x", "kind": "phrases", "phrases": ["share"],
        ...   "message": "m", "match": ["Share"], "no_match": []}, "x.toml")])
        >>> [(h.line, h.rule.id) for h in rs.apply(["Body text.", "Share:"])]
        [(2, 'share.x')]
        """
        if units is None:
            units = [(i, i) for i, line in enumerate(lines) if line.strip()]
        gate = self._gate_for(len(units))
        deadline = time.monotonic() + self.budget
        hits: list[Hit] = []
        for rank, (first, last) in enumerate(units):
            text = lines[first] if first == last else " ".join(lines[i].strip() for i in range(first, last + 1))
            claim, gave_up, spent = self._claim(text, rank, len(units) - rank, gate, deadline)
            hits += [Hit(first + 1, rule, (0, 0), timed_out=True, budget_spent=spent) for rule in gave_up]
            if spent:
                break
            if claim is None:
                continue
            rule, span = claim
            if first == last:
                hits.append(Hit(first + 1, rule, span))
            else:
                hits += [Hit(i + 1, rule, (0, len(lines[i]))) for i in range(first, last + 1)]
        return hits

    def fingerprint(self) -> str:
        """A digest of what decides which lines the rules match (not messages or severities):
        feed indexes record it, since their signatures are made of the text the rules leave."""
        return hashlib.sha256(json.dumps([_matching(r) for r in self.rules]).encode("utf-8")).hexdigest()[:16]

    def digests(self) -> dict[str, str]:
        """Each rule's own digest of what decides the lines it matches, by rule id: what a feed
        index records to say which rules were added, removed or changed since it was made."""
        return {r.id: hashlib.sha256(json.dumps(_matching(r)).encode("utf-8")).hexdigest()[:12] for r in self.rules}

    def _gate_for(self, units: int) -> Gate | None:
        """The gate: from the cache folder at once, else compiled once this set has read
        `gate_after` units (the `units` of this call among them)."""
        self._read += units
        if self.gate_after is None or self._gate_done:
            return self._gate
        build = self._read >= self.gate_after
        if self._gate is None or build:
            gate = Gate([Pattern(i, r.pattern.pattern, bool(r.pattern.flags & regex.IGNORECASE))
                         for i, r in enumerate(self.rules) if r.pattern is not None], build=build)
            # Threads of one process (a Dask worker's) may make a gate at once: a ready one is kept.
            if self._gate is None or not self._gate.ready:
                self._gate = gate
            self._gate_done = build or self._gate.ready
        return self._gate

    def _claim(self, text: str, rank: int, from_end: int, gate: Gate | None,
               deadline: float) -> tuple[tuple[Rule, tuple[int, int]] | None, list[Rule], bool]:
        """The rule that claims a unit, with its span (or None), the rules that gave up on it, and
        whether the document's budget is spent."""
        flagged = None
        gave_up: list[Rule] = []
        unit = Unit.of(text)
        candidates = gate.candidates(unit.stripped) if gate is not None else None
        # In load order: which rule claims a unit depends on it.
        phrased = self._phrase_rules.get(unit.folded)
        if candidates is not None and time.monotonic() >= deadline:
            # The budget ran out on an earlier unit: every phrase rule is due, so that the first
            # rule due here gives up, as when each phrase rule was tried on each unit.
            phrased = self._phrase_ids
        order = range(len(self.rules)) if candidates is None else sorted(candidates.union(phrased) if phrased else candidates)
        for index in order:
            rule = self.rules[index]
            if rule.scope == "head" and rank >= rule.within:
                continue
            if rule.scope == "tail" and from_end > rule.within:
                continue
            if flagged is not None and rule.action != "strip":
                continue
            left = deadline - time.monotonic()
            try:
                if left <= 0:
                    raise TimeoutError
                span = rule.find(unit, min(self.timeout, left))
            except TimeoutError:
                gave_up.append(rule)
                if time.monotonic() >= deadline:
                    return None, gave_up, True
                continue
            if span is None:
                continue
            if rule.action == "strip":
                return (rule, span), gave_up, False
            flagged = (rule, span)
        return flagged, gave_up, False

    def check_examples(self) -> list[str]:
        """Every example failure of every rule."""
        return [problem for rule in self.rules for problem in rule.check_examples(self.timeout)]


def _fail(file: str, rule_id: str, key: str, reason: str) -> RuleError:
    return RuleError(f"{file}: rule {rule_id!r}: {key}: {reason}")


def _strings(file: str, rule_id: str, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(file, rule_id, key, "must be a list of strings")
    return tuple(value)


def _matching(r: Rule) -> list[Any]:
    """What decides which lines a rule matches (not its message or severity)."""
    return [r.id, r.kind, r.scope, r.within, r.max_words, r.pattern.pattern if r.pattern else None,
            r.pattern.flags if r.pattern else None, sorted(r.phrases)]


def _pattern_problem(source: str, flags: int) -> tuple[regex.Pattern[str] | None, str | None]:
    """The pattern compiled, or why it cannot be: it does not compile, or it matches the empty
    string (it would claim every line)."""
    try:
        pattern = regex.compile(source, flags)
    except (regex.error, ValueError) as exc:
        return None, f"invalid regular expression: {exc}"
    if pattern.search("") is not None:
        return None, "matches the empty string, so it would claim every line"
    return pattern, None


def _pattern_source(table: dict[str, Any]) -> tuple[str, int] | None:
    """A pattern rule's table's pattern and the flags it is compiled with (None for any other table)."""
    source = table.get("pattern")
    if table.get("kind") != "pattern" or not isinstance(source, str) or not source:
        return None
    return source, int(regex.VERSION0 | (0 if table.get("case_sensitive", False) else regex.IGNORECASE))


def sound_patterns(sources: Iterable[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """The patterns (source, flags) of `sources` that compile and do not match the empty string,
    with their compiled flags, from the cache folder when these were checked before by this
    version of ``regex``: a load then compiles none of them (each is compiled where it is first
    searched)."""
    wanted = sorted(set(sources))

    def check() -> list[list[Any]]:
        found = ((s, f, _pattern_problem(s, f)[0]) for s, f in wanted)
        return [[s, f, compiled.flags] for s, f, compiled in found if compiled is not None]
    checked = built(f"sound-patterns-1-regex-{regex.__version__}", json.dumps(wanted).encode("utf-8"), check)
    return {(s, f): flags for s, f, flags in checked}


def compile_rule(table: dict[str, Any], file: str, language: str = "any",
                 sound: Mapping[tuple[str, int], int] = MappingProxyType({})) -> Rule:
    """Check one ``[[rule]]`` table and compile it; errors name the file, the rule and the key.

    `language` is the file's language, which the rule's own ``language`` key overrides. A pattern
    among `sound` ones (:func:`sound_patterns`) is known to compile: it is compiled where it is
    first searched; any other is compiled and checked here.
    """
    rule_id = table.get("id")
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        raise _fail(file, str(rule_id), "id", "must look like 'family.name' (lower case)")
    kind = table.get("kind")
    if kind not in RULE_KINDS:
        raise _fail(file, rule_id, "kind", f"must be one of {', '.join(RULE_KINDS)}")
    unknown = set(table) - _COMMON_KEYS - _KIND_KEYS[kind]
    if unknown:
        raise _fail(file, rule_id, sorted(unknown)[0], f"unknown key for a {kind} rule")
    message = table.get("message")
    if not isinstance(message, str) or not message:
        raise _fail(file, rule_id, "message", "is required")
    severity = table.get("severity", "warning")
    if severity not in SEVERITIES:
        raise _fail(file, rule_id, "severity", f"must be one of {', '.join(SEVERITIES)}")
    action = table.get("action", "flag")
    if action not in ACTIONS:
        raise _fail(file, rule_id, "action", f"must be one of {', '.join(ACTIONS)}")
    scope = table.get("scope", "line")
    if scope not in SCOPES:
        raise _fail(file, rule_id, "scope", f"must be one of {', '.join(SCOPES)}")
    within = table.get("within", 3)
    if not isinstance(within, int) or within < 1:
        raise _fail(file, rule_id, "within", "must be a positive integer")
    max_words = table.get("max_words")
    if max_words is not None and (not isinstance(max_words, int) or max_words < 1):
        raise _fail(file, rule_id, "max_words", "must be a positive integer")
    block = table.get("block", False)
    if not isinstance(block, bool):
        raise _fail(file, rule_id, "block", "must be true or false")
    language = table.get("language", language)
    if not isinstance(language, str) or not _LANGUAGE.match(language):
        raise _fail(file, rule_id, "language", "must be a two-letter ISO 639-1 code or 'any'")
    match = _strings(file, rule_id, "match", table.get("match", []))
    no_match = _strings(file, rule_id, "no_match", table.get("no_match", []))
    if not match:
        raise _fail(file, rule_id, "match", "needs at least one example that must match")
    pattern = None
    phrases: frozenset[str] = frozenset()
    if kind == "pattern":
        given = _pattern_source(table)
        if given is None:
            raise _fail(file, rule_id, "pattern", "is required")
        if given in sound:
            pattern = LazyPattern(*given, sound[given])
        else:
            compiled, problem = _pattern_problem(*given)
            if compiled is None:
                raise _fail(file, rule_id, "pattern", str(problem))
            pattern = LazyPattern(*given, compiled.flags, compiled)
    else:
        phrases = frozenset(phrase_key(p) for p in _strings(file, rule_id, "phrases", table.get("phrases")))
        if not phrases:
            raise _fail(file, rule_id, "phrases", "needs at least one phrase")
    return Rule(id=rule_id, kind=kind, message=message, severity=severity, action=action, scope=scope,
                within=within, max_words=max_words, file=file, language=language, block=block,
                description=table.get("description", ""),
                pattern=pattern, phrases=phrases, match=match, no_match=no_match)


def load_file(path: Path) -> list[Rule]:
    """The rules of one TOML file, each pattern compiled and checked; errors name it as given (with
    its folder: two packs may hold files of one name)."""
    name = str(path)
    tables, language = _tables(path)
    return [compile_rule(t, name, language) for t in tables]


def _tables(path: Path) -> tuple[list[dict[str, Any]], str]:
    """The ``[[rule]]`` tables of one TOML file and its language."""
    name = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(f"{name}: cannot read rule file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{name}: not valid TOML: {exc}") from None
    unknown = set(data) - {"rule", "language"}
    if unknown:
        raise RuleError(f"{name}: unknown top-level key {sorted(unknown)[0]!r} (a file holds 'language' and [[rule]] tables)")
    tables = data.get("rule", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise RuleError(f"{name}: 'rule' must be an array of tables ([[rule]])")
    language = data.get("language", "any")
    if not isinstance(language, str) or not _LANGUAGE.match(language):
        raise RuleError(f"{name}: language: must be a two-letter ISO 639-1 code or 'any'")
    return tables, language


def builtin_rules_dir() -> Path:
    """The folder of rule packs that ships with corpus-audit (``rules/`` of the source tree)."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "rule_packs"
    return installed if installed.is_dir() else package.parent / "rules"


def load_rules(dirs: Iterable[Path] = (), disabled: Iterable[str] = (), builtin: bool = True,
               timeout: float = DEFAULT_TIMEOUT, known: Iterable[str] = (), budget: float = DEFAULT_BUDGET) -> RuleSet:
    """Load the built-in rule packs and those in `dirs`, without the rules whose id is disabled.

    `known` are other ids that may be switched off (the line statistics); a disabled id that is
    neither a rule's nor known is an error, so that a typo never leaves a rule on. Every file is
    read before any rule is checked (the patterns known sound are looked up all at once), so an
    error of a folder or a file (missing, not TOML) is reported before an error of a rule.
    """
    folders = ([builtin_rules_dir()] if builtin else []) + [Path(d) for d in dirs]
    reserved = set(known)
    files: list[tuple[Path, list[dict[str, Any]], str]] = []
    for folder in folders:
        if not folder.is_dir():
            raise RuleError(f"{folder}: rule folder not found")
        files += [(path, *_tables(path)) for path in sorted(folder.glob("*.toml"))]
    sound = sound_patterns(given for _, tables, _ in files for t in tables if (given := _pattern_source(t)))
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path, tables, language in files:
        for rule in (compile_rule(t, str(path), language, sound) for t in tables):
            if rule.id in reserved:
                raise RuleError(f"{path}: rule {rule.id!r}: id: already the id of a line statistic")
            if rule.id in seen:
                raise RuleError(f"{path}: rule {rule.id!r}: id: already defined in {seen[rule.id]}")
            seen[rule.id] = str(path)
            rules.append(rule)
    off = set(disabled)
    unknown = off - set(seen) - reserved
    if unknown:
        raise RuleError(f"no rule with id {sorted(unknown)[0]!r} to switch off")
    return RuleSet([r for r in rules if r.id not in off], timeout, budget)
