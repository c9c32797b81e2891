"""Load the tone signals (word lists and voice signals with their weights) from ``rules/tone/``.

A tone file is TOML with ``source`` and ``licence`` (where its words come from, and the terms
that let us ship them) and ``[[signal]]`` tables. Every signal has ``id`` (``tone.name``),
``kind``, ``description`` and ``weight`` (0 to 1: how strongly one occurrence loads a sentence).
Kinds:

- ``words``: ``words``, a list of base forms or phrases; a word matches in any regular inflection
  ("slam" matches "slammed"), a phrase as consecutive words. ``voice = "outlet"`` limits a signal
  to words outside quotation marks.
- ``weighted``: ``words``, a table of word = weight (0 to 1), multiplied by the signal's weight.
- ``rare``: a word rarer than ``max_zipf`` (its Zipf frequency in wordfreq's English list), not
  a name (capitalized inside the sentence) nor a number: unusual, vivid word choice.
- ``exclamation``, ``question``: a sentence in the outlet's voice ending in ``!`` or ``?``.
- ``scare_quote``: one to three words in quotation marks inside the outlet's own sentence.

A loader error names the file, the signal and the key.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from audit.errors import RuleError
from audit.lines.rules import builtin_rules_dir
from audit.text.frequency import zipf
from audit.text.sentences import stems

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SIGNAL_KINDS = ("words", "weighted", "rare", "exclamation", "question", "scare_quote")
VOICES = ("any", "outlet")
_KEYS = {"id", "kind", "description", "weight", "words", "voice", "max_zipf"}


@dataclass(frozen=True)
class Signal:
    """One tone signal as loaded: what it matches and how much one match weighs."""

    id: str
    kind: str
    weight: float
    description: str
    file: str
    voice: str = "any"
    #: For kind ``rare``: words under this Zipf frequency count (names and numbers never do).
    max_zipf: float = 0.0
    #: Word or phrase (words joined by spaces) -> weight before the signal's own weight.
    words: dict[str, float] = field(default_factory=dict)


class Match(NamedTuple):
    """What one word matches in a lexicon."""

    single: tuple[tuple[Signal, float], ...]
    phrases: tuple[tuple[tuple[str, ...], Signal, float], ...]
    rare: bool


#: The match of a word that matches nothing (most words).
NO_MATCH = Match((), (), False)


@dataclass(frozen=True)
class Lexicon:
    """All tone signals, indexed for matching: phrases by their first word."""

    signals: tuple[Signal, ...]
    #: Folded word -> (signal, weight) pairs for single-word entries.
    single: dict[str, tuple[tuple[Signal, float], ...]]
    #: First word of a phrase -> (the phrase's words, signal, weight) for multi-word entries.
    phrases: dict[str, tuple[tuple[tuple[str, ...], Signal, float], ...]]
    #: Signals that are not word lists, by kind.
    voice: dict[str, Signal]
    sources: tuple[tuple[str, str, str], ...]
    # What each folded word met so far matches (a cache: the same words recur in every text).
    _seen: dict[str, Match] = field(default_factory=dict, compare=False, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        # A copy starts with an empty cache. A Dask worker sends its analyzer to a peer that
        # lacks it (restarted after a loss, or joined late) while a task of its own adds to the
        # cache; pickling the cache then failed ("dictionary changed size during iteration") and
        # the peer's tasks waited forever.
        return {**self.__dict__, "_seen": {}}

    def match_all(self, words: tuple[str, ...]) -> list[Match]:
        """:meth:`lookup` of each word (the hot loop of tone: most words are met before)."""
        seen = self._seen
        return [seen.get(w) or self.lookup(w) for w in words]

    def lookup(self, word: str) -> Match:
        """What a folded word matches: single-word entries in any inflection, phrases that may
        start with it, and whether it is a rare word; :data:`NO_MATCH` for most words."""
        found = self._seen.get(word)
        if found is None:
            forms = stems(word)
            rare = self.voice.get("rare")
            found = Match(tuple(e for f in forms for e in self.single.get(f, ())),
                          tuple(e for f in forms for e in self.phrases.get(f, ())),
                          rare is not None and word[:1].isalpha() and zipf(word) < rare.max_zipf)
            if found == NO_MATCH:
                found = NO_MATCH
            self._seen[word] = found
        return found


def _fail(file: str, signal: str, key: str, reason: str) -> RuleError:
    return RuleError(f"{file}: signal {signal!r}: {key}: {reason}")


def _signal(table: dict[str, Any], file: str) -> Signal:
    sid = str(table.get("id", "?"))
    for key in ("id", "kind", "description", "weight"):
        if key not in table:
            raise _fail(file, sid, key, "missing")
    unknown = set(table) - _KEYS
    if unknown:
        raise _fail(file, sid, sorted(unknown)[0], "unknown key")
    if not sid.startswith("tone."):
        raise _fail(file, sid, "id", "must look like tone.name")
    kind = table["kind"]
    if kind not in SIGNAL_KINDS:
        raise _fail(file, sid, "kind", f"must be one of {', '.join(SIGNAL_KINDS)}")
    weight = table["weight"]
    if not isinstance(weight, (int, float)) or not 0 <= weight <= 1:
        raise _fail(file, sid, "weight", "must be a number from 0 to 1")
    voice = table.get("voice", "any")
    if voice not in VOICES:
        raise _fail(file, sid, "voice", f"must be one of {', '.join(VOICES)}")
    raw = table.get("words")
    words: dict[str, float] = {}
    if kind == "words":
        if not isinstance(raw, list) or not raw or not all(isinstance(w, str) and w.strip() for w in raw):
            raise _fail(file, sid, "words", "must be a list of words or phrases")
        words = {" ".join(w.lower().split()): 1.0 for w in raw}
    elif kind == "weighted":
        if not isinstance(raw, dict) or not raw:
            raise _fail(file, sid, "words", "must be a table of word = weight")
        for w, v in raw.items():
            if not isinstance(v, (int, float)) or not 0 <= v <= 1:
                raise _fail(file, sid, "words", f"weight of {w!r} must be a number from 0 to 1")
        words = {" ".join(w.lower().split()): float(v) for w, v in raw.items()}
    elif raw is not None:
        raise _fail(file, sid, "words", f"not used by kind {kind}")
    max_zipf = table.get("max_zipf", 0.0)
    if (kind == "rare") != ("max_zipf" in table) or not isinstance(max_zipf, (int, float)):
        raise _fail(file, sid, "max_zipf", "a number, given for kind rare and only for it")
    return Signal(sid, kind, float(weight), str(table["description"]), file, voice, float(max_zipf), words)


def load_file(path: Path) -> tuple[list[Signal], tuple[str, str, str]]:
    """The signals of one tone file and its (file, source, licence)."""
    name = path.name
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise RuleError(f"{name}: {e}") from None
    for key in ("source", "licence"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise RuleError(f"{name}: {key}: missing (every tone file says where its words come from)")
    tables = data.get("signal")
    if not isinstance(tables, list) or not tables:
        raise RuleError(f"{name}: no [[signal]] tables")
    return [_signal(t, name) for t in tables], (name, data["source"], data["licence"])


def build(signals: Iterable[Signal], sources: Iterable[tuple[str, str, str]] = ()) -> Lexicon:
    """Index signals for matching; a word listed by several signals keeps each."""
    signals = tuple(signals)
    seen: dict[str, str] = {}
    single: dict[str, list[tuple[Signal, float]]] = {}
    phrases: dict[str, list[tuple[tuple[str, ...], Signal, float]]] = {}
    voice: dict[str, Signal] = {}
    for s in signals:
        if s.id in seen:
            raise RuleError(f"{s.file}: signal {s.id!r}: id: already defined in {seen[s.id]}")
        seen[s.id] = s.file
        if s.kind not in ("words", "weighted"):
            voice[s.kind] = s
        for entry, weight in s.words.items():
            parts = tuple(entry.split())
            if len(parts) == 1:
                single.setdefault(parts[0], []).append((s, weight))
            else:
                phrases.setdefault(parts[0], []).append((parts, s, weight))
    return Lexicon(signals, {k: tuple(v) for k, v in single.items()},
                   {k: tuple(sorted(v, key=lambda e: -len(e[0]))) for k, v in phrases.items()},
                   voice, tuple(sources))


def load(dirs: Iterable[Path] = ()) -> Lexicon:
    """The built-in tone signals (``rules/tone/``) and those in the ``tone/`` of extra folders."""
    signals: list[Signal] = []
    sources: list[tuple[str, str, str]] = []
    for folder in [builtin_rules_dir() / "tone", *(Path(d) / "tone" for d in dirs)]:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            found, source = load_file(path)
            signals += found
            sources.append(source)
    return build(signals, sources)
