"""The Dask engine's tasks on one part of the corpus, run where the part is.

A part's task analyzes its documents and keeps on its worker what LSH and the template count are
made of (:class:`PartKeys`, :class:`PartLines`) and what verification and the template findings
read of the texts (:class:`Kept`: the compared lines, compressed); later tasks take a part's
wanted documents from those for verification (:class:`Reread`), route each document to the
blocks of pairs and passages that compare it (:func:`routed`), and verify those blocks. No
document is read or prepared twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from itertools import islice

import numpy as np
import zstandard

from audit.analyze import Analyzer
from audit.engines.blocks import Block
from audit.engines.dask.frames import Items, one_frame, weighed
from audit.engines.local import BATCH_SIZE
from audit.lines.templates import Hits, TemplateInput, Templates, present, template_input
from audit.read.readers import Fields, Part, read_part, reason
from audit.read.spool import Pickles
from audit.records import HELD, DocumentSummary, InputProblem
from audit.settings import ScanSettings, SimilaritySettings
from audit.similarity.candidates import anchored
from audit.similarity.passage_table import PassageTable
from audit.similarity.verify import (Edges, Quoted, lines_on, load_sets, pair_counts, quoted_lines,
                                     shared_passages, verify)

# A task's shared passages cross as the columns they are (one pickle, not a frame an array).
one_frame(PassageTable)


@weighed
@dataclass
class Owned:
    """Keys kept on a worker, each row with its document's position in the part: the anchors of
    the documents that may be inside others, or the documents' prose-line keys."""

    owner: np.ndarray
    keys: np.ndarray

    @classmethod
    def of(cls, held: list[tuple[int, np.ndarray]]) -> Owned:
        """From some documents' (position, keys)."""
        return cls(np.repeat(np.array([p for p, _ in held], dtype=np.int64), [len(k) for _, k in held]),
                   np.concatenate([k for _, k in held] or [np.zeros(0, dtype=np.uint64)]))


@weighed
@dataclass
class PartKeys:
    """What a part's candidate rows are made of, kept on its worker: the signatures of its signed
    documents, its passages' band keys and the anchors of the documents that may be inside
    others, each row with its document's position in the part."""

    signed: np.ndarray
    #: One row of uint32 per signed document.
    signatures: np.ndarray
    passage_owner: np.ndarray
    #: Each passage row's index among its document's passages.
    passage_index: np.ndarray
    #: One row of uint64 band keys per passage.
    passage_keys: np.ndarray
    anchors: Owned


@weighed
@dataclass
class PartLines:
    """What a part's template lines are made of, kept on its worker: the distinct line keys of
    each document (:func:`audit.lines.templates.present`), each with the document's position in the
    part, the documents' prose-line keys (which find the copies), and each document's line keys
    and claimed lines by position (which find its template lines once they are counted)."""

    owner: np.ndarray
    keys: np.ndarray
    prose: Owned
    inputs: list[TemplateInput | None]


def part_lines(records: list[DocumentSummary | InputProblem]) -> PartLines:
    """The part's :class:`PartLines`, the line keys and prose keys taken out of its summaries
    (which then hold none, and :data:`audit.records.HELD`)."""
    owner, keys = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.uint64)]
    prose = []
    inputs: list[TemplateInput | None] = []
    for p, r in enumerate(records):
        if not isinstance(r, DocumentSummary):
            inputs.append(None)
            continue
        inputs.append(template_input(r))
        if r.line_keys is not None:
            keys.append(present(r.line_keys))
            owner.append(np.full(len(keys[-1]), p, dtype=np.int64))
            r.line_keys = None
        if r.prose_keys is not None:
            prose.append((p, r.prose_keys))
            r.prose_keys = HELD
    return PartLines(np.concatenate(owner), np.concatenate(keys), Owned.of(prose), inputs)


def template_hits(lines: PartLines, numbers: np.ndarray, templates: Templates) -> Items[tuple[int, Hits]]:
    """One task: the template lines no leftover finding claimed of a part's documents that have
    any, as (index among the scan's summaries, hits), in order (`numbers` as :func:`wanted_in`'s)."""
    found = []
    for position, given in enumerate(lines.inputs):
        index = int(numbers[position])
        if given is not None and index >= 0 and (hits := templates.unclaimed(given)):
            found.append((index, hits))
    return Items(found)


def part_keys(records: list[DocumentSummary | InputProblem], settings: ScanSettings) -> PartKeys:
    """The part's :class:`PartKeys`, taken out of its summaries (which then hold no passage keys,
    and :data:`audit.records.HELD` for a signature and for the anchors)."""
    sim = settings.similarity
    signed = [p for p, r in enumerate(records) if isinstance(r, DocumentSummary) and r.signature is not None]
    owner, index = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    keys = [np.zeros((0, sim.passage_bands), dtype=np.uint64)]
    for p, r in enumerate(records):
        if isinstance(r, DocumentSummary) and r.passage_keys is not None:
            owner.append(np.full(len(r.passage_keys), p, dtype=np.int64))
            index.append(np.arange(len(r.passage_keys), dtype=np.int64))
            keys.append(r.passage_keys)
            r.passage_keys = None
    signatures = [records[p].signature for p in signed]  # type: ignore[union-attr]
    for p in signed:
        records[p].signature = HELD  # type: ignore[union-attr]
    summaries = [(p, r) for p, r in enumerate(records) if isinstance(r, DocumentSummary)]
    inside = [(p, r.anchors) for p, r in summaries if anchored(r, sim)]
    for _, r in summaries:
        r.anchors = HELD
    return PartKeys(np.asarray(signed, dtype=np.int64),
                    np.stack(signatures) if signatures else np.zeros((0, sim.num_perm), dtype=np.uint32),
                    np.concatenate(owner), np.concatenate(index), np.concatenate(keys), Owned.of(inside))


@weighed
@dataclass
class Kept:
    """A part's documents' compared lines (:attr:`audit.analyze.Prepared.compared`), kept on its
    worker for verification and the template findings, by position in the part: each document's
    lines joined and compressed (about half the text's bytes, and Dask may spill them to disk
    as it would any result), None for a position that holds no summary; and where each of its
    passages is (:attr:`DocumentSummary.passages`), which verification reads to find and quote the
    candidate passages (a summary's largest array after its keys: the client needs none of it)."""

    texts: list[bytes | None]
    passages: list[np.ndarray | None]

    def lines(self, positions: list[int]) -> list[list[str]]:
        """The compared lines of the documents at `positions`."""
        decompressor = zstandard.ZstdDecompressor()  # one per read: it is not for two threads at once
        out = []
        for p in positions:
            text = self.texts[p]
            assert text is not None
            out.append(decompressor.decompress(text).decode("utf-8", "surrogatepass").split("\n"))
        return out


def part_kept(records: list[DocumentSummary | InputProblem]) -> Kept:
    """The part's :class:`Kept` lines and passages, taken out of its summaries (which then hold no
    lines, and :data:`audit.records.HELD` for the passages)."""
    texts: list[bytes | None] = []
    passages: list[np.ndarray | None] = []
    # Zstandard at level 1 compresses as far as zlib's level 1 in under half its time (a third on
    # real pages; bench/HISTORY.md, the eighteenth round); its frames record their size, which
    # decompress needs.
    compressor = zstandard.ZstdCompressor(level=1)
    for r in records:
        if isinstance(r, DocumentSummary) and r.compared is not None:
            # A line never holds a newline (the lines were split on them), so joining is lossless;
            # a lone surrogate the reader left in a text passes through as it is.
            texts.append(compressor.compress("\n".join(r.compared).encode("utf-8", "surrogatepass")))
            r.compared = None
        else:
            texts.append(None)
        if isinstance(r, DocumentSummary):
            passages.append(r.passages)  # type: ignore[arg-type]
            r.passages = HELD
        else:
            passages.append(None)
    return Kept(texts, passages)


@one_frame
@dataclass
class Analyzed:
    """A part's summaries and problems, in order, and the block of its summaries (the same
    objects: one pickle), their report content packed: what the client receives of its analysis."""

    records: list[DocumentSummary | InputProblem]
    block: Block


# Weighed by what they hold: a part's report content is most of what its analysis sends.
weighed(Block)
weighed(Pickles)


def analyze_part(part: Part, analyzer: Analyzer, fields: Fields,
                  max_bytes: int) -> tuple[Analyzed, PartKeys, PartLines, Kept]:
    """One task: the summaries and problems of a part, in order, and its LSH keys, line keys and
    compared lines apart. Read and analyzed a batch at a time, as locally: a compressed file is
    one part, and its texts need not fit in the worker's memory at once."""
    out: list[DocumentSummary | InputProblem] = []
    records = read_part(part, fields, max_bytes)
    while batch := list(islice(records, BATCH_SIZE)):
        docs = [r for r in batch if not isinstance(r, InputProblem)]
        summaries = iter(analyzer.batch(docs)) if docs else iter(())
        # A scan reports a problem by its place and message; what could be read of it is for
        # clean's log, and need not travel to the client (an invalid line may be megabytes).
        out += [replace(r, text="") if isinstance(r, InputProblem) else next(summaries) for r in batch]
    keys, lines, kept = part_keys(out, analyzer.settings), part_lines(out), part_kept(out)
    # Their report content crosses as the bytes the client spools, its figures counted here.
    block = Block.of([r for r in out if isinstance(r, DocumentSummary)], analyzer.render)
    return Analyzed(out, block), keys, lines, kept


@one_frame
@dataclass
class Reread:
    """What verification keeps on a worker of the wanted documents of a part (or what a block of
    pairs or passages is routed of them), by document index: their shingle sets, their
    signatures (from the analysis), and the lines candidate passages are on ({line index: text})."""

    sets: Mapping[int, np.ndarray]
    signatures: Mapping[int, np.ndarray]
    lines: Mapping[int, Mapping[int, str]]
    #: Where the passages are of the documents that have candidate passages (as
    #: :attr:`DocumentSummary.passages`): what quoting them needs.
    passages: Mapping[int, np.ndarray]


def unreadable(paths: list[str]) -> list[tuple[str, str]]:
    """One task: the files of `paths` this worker cannot read, with why."""
    missing = []
    for path in paths:
        try:
            with open(path, "rb"):
                pass
        except OSError as exc:
            missing.append((path, reason(exc)))
    return missing


def wanted_in(kept: Kept, numbers: np.ndarray, needed: np.ndarray) -> list[tuple[int, int, list[str]]]:
    """The wanted documents of a part (`needed`: sorted indexes among the scan's summaries;
    `numbers` the part's records' indexes by position, -1 for one the scan left out): (position
    in the part, index, compared lines), in the part's order."""
    positions = np.flatnonzero((numbers >= 0) & np.isin(numbers, needed)).tolist()
    return [(p, int(numbers[p]), lines) for p, lines in zip(positions, kept.lines(positions))]


def load_part(kept: Kept, numbers: np.ndarray, needed: np.ndarray) -> Items[tuple[int, list[str]]]:
    """One task: the compared lines of the wanted documents of a part, by index."""
    return Items([(i, lines) for _, i, lines in wanted_in(kept, numbers, needed)])


def sets_part(kept: Kept, signed: tuple[np.ndarray, np.ndarray], numbers: np.ndarray,
              wanted: tuple[np.ndarray, np.ndarray], size: int) -> Reread:
    """One task: the :class:`Reread` of a part's wanted documents: `wanted` holds their indexes
    (as :func:`wanted_in`'s `needed`) and their candidate passages as distinct (document, passage)
    rows, whose lines and places it keeps (:func:`audit.similarity.verify.quoted_lines`); `signed`
    is the part's signatures ((positions, rows), as :func:`signatures_of` keeps them)."""
    needed, sides = wanted
    positions, signatures = signed
    at: dict[int, int] = {}
    loaded = []
    for position, i, lines in wanted_in(kept, numbers, needed):
        at[i] = position
        loaded.append((i, lines))
    table_of = {i: kept.passages[at[i]] for i in np.unique(sides[:, 0]).tolist()}
    quoted = quoted_lines(sides, table_of.__getitem__)
    sets, signature_of, passage_lines = {}, {}, {}
    for i, body, shingles in load_sets(loaded, size):
        sets[i] = shingles
        row = int(np.searchsorted(positions, at[i]))
        if row < len(positions) and positions[row] == at[i]:
            signature_of[i] = signatures[row]
        if on := lines_on(quoted, i):
            passage_lines[i] = {n: body[n] for n in on}
    return Reread(sets, signature_of, passage_lines, table_of)


def found_documents(reread: Reread) -> np.ndarray:
    """What the client needs of a part's sets: which documents it holds."""
    return np.fromiter(reread.sets, dtype=np.int64, count=len(reread.sets))


def joined(pieces: list[list[Reread]]) -> Reread:
    """The pieces a comparing task is given (each lane's, :func:`routed`), in one mapping each:
    each document is held by one part. Merged once, not chained: a block may take a piece from
    every part, and a lookup through thousands of maps is thousands of times slower."""
    sets: dict[int, np.ndarray] = {}
    signatures: dict[int, np.ndarray] = {}
    lines: dict[int, Mapping[int, str]] = {}
    passages: dict[int, np.ndarray] = {}
    for piece in (p for lane in pieces for p in lane):
        sets.update(piece.sets)
        signatures.update(piece.signatures)
        lines.update(piece.lines)
        passages.update(piece.passages)
    return Reread(sets, signatures, lines, passages)


def routed(rereads: list[Reread], routes: list[tuple[np.ndarray, np.ndarray]],
           verifying: int) -> dict[int, list[Reread]]:
    """One task: the wanted documents of the parts a worker holds (:func:`sets_part`) routed to
    the blocks that compare them: `routes` hold each part's (document, block) rows, by block.
    Blocks under `verifying` verify pairs and take the documents' sets and signatures; the
    others compare passages and take the lines they are on and where they are. A document goes
    only where it is compared, not with its whole part; a block is given a piece of each part
    that holds some of its documents, and no piece of the others."""
    out: dict[int, list[Reread]] = {}
    for reread, (docs, block) in zip(rereads, routes):
        starts = np.flatnonzero(np.diff(block, prepend=-1))
        for start, end in zip(starts.tolist(), np.append(starts[1:], len(block)).tolist()):
            b, mine = int(block[start]), docs[start:end].tolist()
            if b < verifying:
                piece = Reread({i: reread.sets[i] for i in mine},
                               {i: reread.signatures[i] for i in mine if i in reread.signatures}, {}, {})
            else:
                piece = Reread({}, {}, {i: reread.lines[i] for i in mine if i in reread.lines},
                               {i: reread.passages[i] for i in mine if i in reread.passages})
            out.setdefault(b, []).append(piece)
    return out


def signatures_of(keys: PartKeys) -> tuple[np.ndarray, np.ndarray]:
    """One task: what verification needs of a part's LSH keys: its signed documents' positions
    and signatures (the passages' band keys, most of the weight, can go)."""
    return keys.signed, keys.signatures


def verified(pieces: list[list[Reread]], block: tuple[np.ndarray, np.ndarray], settings: SimilaritySettings) -> Edges:
    """One task: the pairs of a block that hold (:func:`audit.similarity.verify`; the block holds
    the pairs and their documents' word counts), counted in the sets and signatures routed to it."""
    pairs, words = block
    held = joined(pieces)
    return verify(pairs, pair_counts(pairs, held.sets, held.signatures.__getitem__, settings), words, settings)


@one_frame
@dataclass
class PassageBlock:
    """A block of candidate passages (rows of :func:`audit.similarity.candidates.apart`: all of
    some pairs of documents) and their documents' ids and sources, by index (where their passages
    are, the groups hold)."""

    rows: np.ndarray
    names: dict[int, tuple[str, str]]


def passages(pieces: list[list[Reread]], block: PassageBlock, settings: SimilaritySettings) -> PassageTable:
    """One task: the shared passages of a block, with their keys, from the lines and places
    routed to it."""
    held = joined(pieces)
    quoted = {i: Quoted(id, source, held.passages[i]) for i, (id, source) in block.names.items()}
    return shared_passages(block.rows, quoted, settings, held.lines)


def passage_counts(kept: Kept) -> tuple[int, int]:
    """One task: how many passages a part's documents have, in all and at most in one."""
    counts = [len(table) for table in kept.passages if table is not None]
    return sum(counts), max(counts, default=0)


def owned_count(owned: Owned) -> int:
    return len(owned.keys)
