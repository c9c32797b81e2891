import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.similarity.cluster import min_labels
from audit.similarity.stars import Stars, converged, labels, large_star, small_star, split, total


def _in_partitions(i: np.ndarray, j: np.ndarray, partitions: int) -> dict[int, int]:
    """The rounds run here as a cluster runs them: edges in `partitions` shares, each half-round a
    shuffle of every share's split rows; each node's label as the settled stars give it."""
    rounds: list[int] = []

    def half_round(shares: list[Stars], large: bool) -> list[Stars]:
        rounds.append(large)
        pieces = [split(s, partitions, both=large) for s in shares]
        return [(large_star if large else small_star)([p[k] for p in pieces]) for k in range(partitions)]

    # The edges start in shares other than the partitions', some repeated, as blocks of pairs do.
    cut = np.array_split(np.arange(len(i)), 3)
    shares = [Stars.of(i[rows], j[rows]) for rows in cut] + [Stars.of(i[:2], j[:2])]
    settled = converged(shares, half_round, lambda shares: total(s.seen for s in shares))
    assert len(rounds) <= 2 * 2 * (int(np.log2(max(2, len(i) + 1))) + 2)
    found: dict[int, int] = {}
    for share in settled:
        node, label = labels(share.big, share.small)
        for n, lab in zip(node.tolist(), label.tolist()):
            assert found.setdefault(n, lab) == lab  # a node in two shares is one star's, once
    return found


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)).filter(lambda e: e[0] != e[1]), max_size=80),
       st.integers(1, 5))
def test_stars_settle_on_the_components_min_labels_finds(edges, partitions):
    i = np.array([a for a, _ in edges], dtype=np.int64)
    j = np.array([b for _, b in edges], dtype=np.int64)
    found = _in_partitions(i, j, partitions)
    expected = min_labels(i, j, 41)
    nodes = set(i.tolist()) | set(j.tolist())
    # Every node not its component's smallest has the smallest as its label; the smallest has none.
    assert found == {n: int(expected[n]) for n in nodes if expected[n] != n}


def test_a_long_path_settles_in_few_rounds():
    # Min-label propagation without jumps would take as many rounds as the path is long.
    order = np.random.default_rng(1).permutation(2000)
    found = _in_partitions(order[:-1], order[1:], 4)
    assert found == {n: 0 for n in range(1, 2000)}
