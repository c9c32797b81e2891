"""Train the line model on the two dev sets, judged on sites it was not trained on.

The data are ../shared/data/extraction-dev/ and ../shared/data/leftovers-dragnet-dev/ (read in
place). Every document goes through the same per-document work as a scan (rules, line statistics,
section leftovers; :func:`audit.analyze.prepare`), and each labelled line nobody flagged yet becomes
a row of :mod:`audit.lines.features`. A logistic regression (L2, Newton steps, numpy) is fitted.

Overfitting guard: the figures are those of a group split by site (``source``): each fold's
weights are fitted without any page of the fold's sites, and score only those, since the held-back
sets are other sites and years. The final weights are fitted on all rows and written, with their
provenance and this command, to ``rules/line-model.json``:

    python bench/line_model.py --write rules/line-model.json [--results bench/RESULTS.md]

Without ``--write`` it only prints the cross-validated curve of ``lines.model.min_score``.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from audit.analyze import prepare  # noqa: E402
from audit.lines import features  # noqa: E402
from audit.lines.rules import load_rules  # noqa: E402
from audit.lines.statistics import SIGNALS, blank  # noqa: E402
from audit.records import Document  # noqa: E402
from audit.settings import LineSettings  # noqa: E402
from extraction import CONFLICTS, PAGE_DUMP, read_jsonl, write_section  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SETS = {"extraction-dev": "extraction-dev", "dragnet-dev": "leftovers-dragnet-dev"}
START, END = "<!-- line-model:start -->", "<!-- line-model:end -->"
FOLDS = 5
L2 = 1.0
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97, 0.99)


def load_set(folder: Path) -> tuple[list[dict], dict[str, dict[int, str]]]:
    """The documents and line labels of one dev set."""
    name = "docs.jsonl" if (folder / "docs.jsonl").exists() else "docs.jsonl.gz"
    docs = read_jsonl(folder / name)
    labels: dict[str, dict[int, str]] = defaultdict(dict)
    for r in read_jsonl(folder / name.replace("docs", "lines")):
        labels[r["id"]][r["line"]] = r["label"]
    return docs, labels


@dataclass
class Rows:
    """The labelled lines of one document: which rule flagged each (or None) and the feature rows
    of the lines nobody flagged."""

    doc: str
    group: str
    site: str
    numbers: list[int]
    boilerplate: list[bool]
    rule: list[str | None]
    free: np.ndarray  # indexes into numbers of lines no rule or statistic flagged
    x: np.ndarray


_RULES = None


def _rows(args: tuple[dict, dict[int, str]]) -> Rows:
    global _RULES
    if _RULES is None:
        _RULES = load_rules(known=SIGNALS)
    doc, labels = args
    settings = LineSettings(model_min_score=None)
    prepared = prepare(Document(doc["id"], doc["source"], doc["text"]), _RULES, settings)
    by_line = {h.line: h.rule.id for h in prepared.hits}
    by_line.update({f.line: f.signal.id for f in prepared.flags if f.signal.kind == "boilerplate"})
    x, numbers = features.line_features(prepared.lines, prepared.layout, set(by_line))
    # Every labelled line counts (flagged or not); the scored ones carry a row.
    where = {n: i for i, n in enumerate(numbers.tolist())}
    labelled = sorted(n for n in labels if 0 < n <= len(prepared.lines) and not blank(prepared.lines[n - 1]))
    free = [k for k, n in enumerate(labelled) if n in where]
    return Rows(doc["id"], "page dump" if doc["tool"] == PAGE_DUMP else "extractors", doc["source"], labelled,
                [labels[n] == "boilerplate" for n in labelled], [by_line.get(n) for n in labelled],
                np.array(free, dtype=np.int64), x[[where[labelled[k]] for k in free]] if free else x[:0])


def gather(shared: Path, limit: int | None, jobs: int) -> dict[str, list[Rows]]:
    """The rows of every document of both sets (folders under `shared`)."""
    out = {}
    for name, folder in SETS.items():
        docs, labels = load_set(shared / folder)
        docs = [d for d in docs if labels.get(d["id"])][:limit]
        with ProcessPoolExecutor(jobs) as pool:
            out[name] = list(pool.map(_rows, [(d, labels[d["id"]]) for d in docs], chunksize=8))
        print(f"{name}: {len(out[name])} documents", file=sys.stderr)
    return out


def fit(x: np.ndarray, y: np.ndarray, l2: float = L2, steps: int = 25) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Logistic regression by Newton's method on standardized columns: (mean, scale, weights, bias)."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(z @ w, -30, 30)))
        grad = z.T @ (p - y) + penalty * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return mean, scale, w[:-1], float(w[-1])


def predict(model: tuple[np.ndarray, np.ndarray, np.ndarray, float], x: np.ndarray) -> np.ndarray:
    mean, scale, w, b = model
    return 1 / (1 + np.exp(-np.clip(((x - mean) / scale) @ w + b, -30, 30)))


@dataclass
class Count:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, flagged: bool, boilerplate: bool) -> None:
        self.tp += flagged and boilerplate
        self.fp += flagged and not boilerplate
        self.fn += boilerplate and not flagged

    def prf(self) -> tuple[float, float, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        return p, r, 2 * p * r / (p + r) if p + r else 0.0


def score(rows: list[Rows], scores: dict[str, np.ndarray], threshold: float | None,
          conflicts: tuple[str, ...]) -> dict[str, Count]:
    """Counts per group of rules, statistics and (at `threshold`) the model together; findings of
    the families in `conflicts` on lines labelled content are not counted."""
    out = {"extractors": Count(), "page dump": Count()}
    for r in rows:
        mine = scores.get(r.doc)
        model = set()
        if threshold is not None and mine is not None:
            model = {int(r.free[k]) for k in np.flatnonzero(mine >= threshold)}
        for k, (boiler, rule) in enumerate(zip(r.boilerplate, r.rule)):
            if rule and not boiler and rule.split(".")[0] in conflicts:
                continue
            out[r.group].add(rule is not None or k in model, boiler)
    return out


def cross_validate(data: dict[str, list[Rows]]) -> dict[str, np.ndarray]:
    """Each document's model scores from weights fitted without its site."""
    every = [r for rows in data.values() for r in rows]
    sites = sorted({f"{r.site}" for r in every})
    rng = np.random.default_rng(0)
    fold_of = dict(zip(sites, rng.permutation(len(sites)) % FOLDS))
    scores = {}
    for fold in range(FOLDS):
        train = [r for r in every if fold_of[r.site] != fold and len(r.free)]
        x = np.vstack([r.x for r in train])
        y = np.concatenate([np.array(r.boilerplate)[r.free] for r in train]).astype(float)
        model = fit(x, y)
        for r in every:
            if fold_of[r.site] == fold and len(r.free):
                scores[r.doc] = predict(model, r.x)
    return scores


def curve(data: dict[str, list[Rows]], scores: dict[str, np.ndarray]) -> list[str]:
    """The Markdown table of the trade-off: rules and statistics alone, then with the model at each threshold."""
    out = ["| min_score | Set | Extractors P | Extractors R | Extractors F1 | Dump P | Dump R | Dump F1 |",
           "|---|---|---|---|---|---|---|---|"]
    for threshold in (None, *THRESHOLDS):
        for name, rows in data.items():
            c = score(rows, scores, threshold, CONFLICTS.get(SETS[name], ()))
            e, d = c["extractors"].prf(), c["page dump"].prf()
            label = "model off" if threshold is None else f"{threshold:.2f}"
            out.append(f"| {label} | {name} | {e[0]:.3f} | {e[1]:.3f} | {e[2]:.3f} | {d[0]:.3f} | {d[1]:.3f} | {d[2]:.3f} |")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", type=Path, help="write the weights fitted on all rows here (JSON)")
    parser.add_argument("--limit", type=int, help="documents per set (a quick look)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--results", type=Path, metavar="RESULTS_MD", help="write the curve into this file's section")
    parser.add_argument("--cache", type=Path, help="keep the gathered rows in this file (pickle) and reuse them")
    parser.add_argument("--shared", type=Path, default=SHARED, help="the folder holding both dev sets")
    args = parser.parse_args()
    if args.cache and args.cache.exists():
        data = pickle.loads(args.cache.read_bytes())
    else:
        data = gather(args.shared, args.limit, args.jobs)
        if args.cache:
            args.cache.write_bytes(pickle.dumps(data))
    scores = cross_validate(data)
    table = curve(data, scores)
    print("\n".join(table))
    if args.results:
        rows = sum(len(r.free) for rows in data.values() for r in rows)
        write_section(args.results, "\n".join([
            START,
            "## The line model's trade-off",
            "",
            f"Measured {date.today().isoformat()}: `python bench/line_model.py --results bench/RESULTS.md` "
            f"({', '.join(f'{k}: {len(v)} documents' for k, v in data.items())}; {rows} labelled lines the model scores: "
            "no rule, statistic, comments block or menu flagged them, and they are not prose of the main text). Each document's scores come from weights fitted "
            f"without any page of its site ({FOLDS} folds by site), and the figures are those of everything "
            "the per-document work flags (rules, statistics, `lines.section`, `lines.menu`) plus the model "
            "at each `lines.model-min-score`; template lines (counted over the corpus) are left out, so "
            "they differ a little from the scan's. On Dragnet a byline, credit or wire finding on a line "
            "labelled content is not counted, as in bench/extraction.py.",
            "",
            *table,
            "",
            "0.99 is the lowest threshold at which the model costs neither set's precision here, and there "
            "it flags nothing: on sites it was not fitted on, the model adds recall only at lower thresholds, "
            "where it costs more precision than it gains recall. So the default is the model off "
            "(`model-min-score = false`), which also spares its 7 to 9% of the analysis; set a threshold "
            "for recall.",
            END,
        ]) + "\n", START, END)
    if args.write:
        every = [r for rows in data.values() for r in rows if len(r.free)]
        x = np.vstack([r.x for r in every])
        y = np.concatenate([np.array(r.boilerplate)[r.free] for r in every]).astype(float)
        mean, scale, w, b = fit(x, y)
        names = features.feature_names()
        payload = {
            "provenance": {
                "command": "python bench/line_model.py --write rules/line-model.json",
                "trained": date.today().isoformat(),
                "data": "extraction-dev (Scrapinghub article-extraction-benchmark, MIT) and leftovers-dragnet-dev "
                        "(Dragnet pages, Peters & Lecocq 2013): labelled lines no rule or statistic flagged, not prose of the main text",
                "rows": int(len(y)),
                "boilerplate_rows": int(y.sum()),
                "method": f"logistic regression, L2 {L2}, Newton steps, standardized features (numpy)",
                "held_out": f"{FOLDS}-fold split by site; see bench/RESULTS.md for the curve",
            },
            "features": names,
            "mean": [round(v, 6) for v in mean.tolist()],
            "scale": [round(v, 6) for v in scale.tolist()],
            "weights": [round(v, 6) for v in w.tolist()],
            "bias": round(b, 6),
        }
        args.write.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.write}: {len(y)} rows", file=sys.stderr)


if __name__ == "__main__":
    main()
