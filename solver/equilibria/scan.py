"""Every profile of an anonymous game at once: which are equilibria (SPEC.md §4, §5, §9).

The per-profile path (:func:`solver.equilibria.regret.examine`) decides one profile at a time and
builds an :class:`~solver.equilibria.results.Equilibrium` for each equilibrium. This module decides
them all with numpy on the integer scale of a :class:`~solver.equilibria.regret.RegretKernel`, exactly
(int64, after checking that no sum can overflow), in two passes.

**Deviation tables.** Fix a provider j and the others' rules ``q = σ_{-j}``. Each user's reaction to
j's rule r (attracted, stays, or tied under adversarial ties) and the payoff she leaves j when she
was with j and re-chooses (``left``, :meth:`RegretKernel.deviation`) depend on ``(r, q)`` only. What
depends on the selection b is what she keeps when she stays: ``b_i``'s payoff to j if she was with a
rival, ``left`` if she was with j. Over all her selections at σ = (s, q) that is at least

- ``left``, when j is her only optimal provider at σ (every selection is with j);
- ``low = min`` over her optimal rivals of their worst payoff to j, otherwise (a selection with a
  rival keeps at least that; ``left ≥ low`` under every policy).

A user's contribution to j's deviation total grows with what she keeps, so with ``G(s)`` the users
for whom j is the only optimal provider, every selection b has
``Dev_j(σ, b) ≥ max_{r ≠ s} Σ_i c_i(r, kept_i)`` with ``kept_i = left_i`` for i in ``G(s)`` and
``low_i`` otherwise. For each ``q`` and each set ``G`` the first pass keeps the two best rules of that
total (the best one may be s itself, which is no deviation). Under adversarial ties ``left = low``
and ``G`` does not matter.

**The scan.** Per profile: each user's optimal providers and the number of her selections, an upper
bound ``Σ_i max_b Π_j`` on each provider's payoff, and the lower bound above on its deviation. A
profile where some provider's bound fails has no admissible selection. Where every user has one
selection the two bounds are ``Π_j(σ, b)`` and ``Dev_j(σ, b)`` themselves, so the test is SPEC.md §5's
condition, exactly. The other profiles that pass (users with ties between providers or between
optimal outcome laws) are decided by :func:`~solver.equilibria.regret.examine`.

Profiles are scanned in blocks in product order (the first provider's rule changing slowest), with
progress reported per block; Ctrl-C keeps the blocks finished.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, SupportsIndex, overload

import numpy as np

from solver.core.progress import ProgressHook, report
from solver.equilibria.games import Game
from solver.equilibria.regret import RegretKernel, examine
from solver.equilibria.results import Equilibrium
from solver.responses.response import TiePolicy

if TYPE_CHECKING:
    import numpy.typing as npt

    Array = npt.NDArray[np.int64]
    Mask = npt.NDArray[np.bool_]

BLOCK = 1 << 16
"""Profiles per block of the scan."""

CHUNK = 1 << 20
"""Entries ``(q, r)`` per block of the deviation tables."""

PATTERN_LIMIT = 1 << 22
"""The most entries ``(q, G)`` a provider's deviation table may hold; above it, no vectorised scan."""

_BOUND = 1 << 62
"""Every integer of the scan stays below this in absolute value."""
_NEG = -(1 << 62)
"""Minus infinity on the scan's scale."""
SET_PASSES = 64
"""Passes from tables by attracted set to tables by kept set always made (three users or fewer)."""

COMBINATIONS = 1 << 12
"""The most combinations of selections tried at once per tied profile; above it, ``examine``."""
_SELECTIONS = 1 << 40
"""Counts of selections are clipped here (a larger limit is checked by the per-profile path)."""


@dataclass(frozen=True)
class ScanResult:
    """What a vectorised scan of an anonymous game found.

    Attributes
    ----------
    profiles : sequence of tuple of int
        The equilibrium profiles, in product order (:class:`Profiles`).
    built : dict of int to Equilibrium
        Equilibria already built during the scan (profiles decided by ``examine``), by position.
    worst, best : tuple of (Fraction or None)
        Per user of the game, her lowest and highest utility over the equilibria found.
    complete : bool
        False when the scan was interrupted: the profiles are those of the blocks finished.
    """

    profiles: Sequence[tuple[int, ...]]
    built: dict[int, Equilibrium]
    worst: tuple[Fraction | None, ...]
    best: tuple[Fraction | None, ...]
    complete: bool


class Profiles(Sequence[tuple[int, ...]]):
    """Profiles held as the rows of an int64 array, each read as a tuple of rule indices.

    Parameters
    ----------
    rows : numpy.ndarray
        One row per profile, one column per provider.
    """

    def __init__(self, rows: Array) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: SupportsIndex) -> tuple[int, ...]: ...

    @overload
    def __getitem__(self, index: slice) -> Profiles: ...

    def __getitem__(self, index: SupportsIndex | slice) -> tuple[int, ...] | Profiles:
        if isinstance(index, slice):
            return Profiles(self.rows[index])
        return tuple(int(r) for r in self.rows[index])


class _Tables:
    """A kernel's lookups as int64 arrays: value ranks, selections, payoff vectors."""

    def __init__(self, kernel: RegretKernel) -> None:
        self.m = kernel.m
        self.n = len(kernel.values)
        self.sizes = kernel.sizes
        self.levels: list[list[Fraction]] = []
        self.rank: list[list[Array]] = []
        self.count: list[list[Array]] = []
        self.frontier: list[list[Array]] = []
        self.vectors: list[list[Array]] = []
        self.canonical: list[list[Array]] = []
        self.best: list[list[Array]] = []
        self.worst: list[list[Array]] = []
        for u in range(self.n):
            levels, ranks = _ranks(kernel.values[u])
            self.levels.append(levels)
            self.rank.append([np.array(r, dtype=np.int64) for r in ranks])
            # Her selections at a rule: its distinct payoff vectors (SPEC.md §4), padded to one length.
            distinct = [[list(dict.fromkeys(r)) for r in p] for p in kernel.payoffs[u]]
            self.count.append([np.array([len(r) for r in p], dtype=np.int64) for p in distinct])
            frontiers = [[_frontier(r) for r in p] for p in distinct]
            self.frontier.append([np.array([len(r) for r in p], dtype=np.int64) for p in frontiers])
            self.vectors.append([_padded(p, self.m) for p in frontiers])
            self.canonical.append([_matrix([r[0] for r in p], self.m) for p in kernel.payoffs[u]])
            self.best.append([_matrix(p, self.m) for p in kernel.best[u]])
            self.worst.append([_matrix(p, self.m) for p in kernel.worst[u]])

    def own(self, policy: TiePolicy, u: int, j: int) -> Array:
        """j's payoff from the u-th user when its rule r attracts her, per r (SPEC.md §4, case 2)."""
        if policy is TiePolicy.CANONICAL:
            payoffs = self.canonical[u][j]
        elif policy is TiePolicy.FAVOURABLE:
            payoffs = self.best[u][j]
        else:
            payoffs = self.worst[u][j]
        row: Array = payoffs[j]
        return row


def _ranks(values: list[list[Fraction]]) -> tuple[list[Fraction], list[list[int]]]:
    """A user's distinct values in increasing order, and each rule's value as its rank there.

    The values are compared as integers over their common denominator (hashing a Fraction costs
    far more than hashing an int).
    """
    denominators = {v.denominator for provider in values for v in provider}
    scale = math.lcm(*denominators)
    factor = {d: scale // d for d in denominators}
    keys = [[v.numerator * factor[v.denominator] for v in provider] for provider in values]
    original: dict[int, Fraction] = {}
    for provider, scaled in zip(values, keys):
        for v, key in zip(provider, scaled):
            original.setdefault(key, v)
    order = sorted(original)
    position = {key: k for k, key in enumerate(order)}
    return [original[key] for key in order], [[position[key] for key in scaled] for scaled in keys]


def _matrix(rows: list[tuple[int, ...]], m: int) -> Array:
    """Payoff vectors by rule, held by provider: entry ``[j, r]`` is rule r's payoff to provider j."""
    return np.ascontiguousarray(np.array(rows, dtype=np.int64).reshape(len(rows), m).T)


def _frontier(vectors: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """The vectors no other one is at least as large as in every component (in their order).

    Among a user's selections with one provider, such a vector is no worse for every provider's
    condition (SPEC.md §5): it gives each at least as much, and what she keeps when she stays is
    the payoff itself, or ``left`` for that provider (the same for all of them).
    """
    return [v for v in vectors if not any(w != v and all(a >= b for a, b in zip(w, v)) for w in vectors)]


def _padded(rules: list[list[tuple[int, ...]]], m: int) -> Array:
    """Each rule's payoff vectors, padded to one length, held as ``[law, provider, rule]``."""
    width = max((len(r) for r in rules), default=1)
    table = np.zeros((len(rules), width, m), dtype=np.int64)
    for k, vectors in enumerate(rules):
        table[k, : len(vectors)] = vectors
    return np.ascontiguousarray(table.transpose(1, 2, 0))


def fits(kernel: RegretKernel) -> bool:
    """Whether a kernel's sums fit the scan's int64 arithmetic and its tables a bounded memory.

    Parameters
    ----------
    kernel : RegretKernel
        The kernel of an anonymous game.

    Returns
    -------
    bool
        True when every payoff, summed over all users (and δ added), stays below ``2^62`` in
        absolute value, every provider's deviation table has at most :data:`PATTERN_LIMIT`
        entries (``2^n`` per profile of the other providers' rules), and, under deviator-favourable
        and canonical ties, the ``4^n`` passes that turn the tables by attracted set into tables
        by kept set are at most :data:`SET_PASSES` or ``n`` per profile of the game: beyond that
        (many users on a small game) the per-profile path, whose programme over users grows
        linearly in n, is faster.
    """
    # Every payoff lies between its rule's smallest and largest over the optimal laws.
    largest = max(
        (
            max(max(hi), -min(lo))
            for highs, lows in zip(kernel.best, kernel.worst)
            for provider_highs, provider_lows in zip(highs, lows)
            for hi, lo in zip(provider_highs, provider_lows)
            if hi
        ),
        default=0,
    )
    if (len(kernel.values) + 2) * largest + abs(kernel.delta) >= _BOUND:
        return False
    profiles = 1
    for size in kernel.sizes:
        profiles *= size
    n = len(kernel.values)
    patterns = 1 << n
    if kernel.policy is not TiePolicy.ADVERSARIAL and patterns * patterns > max(SET_PASSES, n * profiles):
        return False
    return all(profiles // size * patterns <= PATTERN_LIMIT for size in kernel.sizes if size > 1)


@dataclass(frozen=True)
class _Deviations:
    """Provider j's deviation tables, per profile q of the others' rules (module docstring).

    ``best[q, G]``, ``rule[q, G]``, ``second[q, G]``: the largest deviation total over j's rules when
    the users of the set G keep ``left`` and the others ``low``, the rule that reaches it, and the
    second largest. Under adversarial ties G is always empty. ``by_set[q, S]`` (same three tables,
    deviator-favourable and canonical ties only): the same over the rules that attract exactly the
    users of S, counting only what they bring. ``left[u]``, ``low[u]``: per user, per q.
    """

    best: Array
    rule: Array
    second: Array
    by_set: tuple[Array, Array, Array] | None
    left: list[Array]
    low: list[Array]


def _others(sizes: tuple[int, ...], j: int, q: Array) -> list[Array]:
    """The digits of the others' rules, by provider (j's entry is unused)."""
    reduced = tuple(size for k, size in enumerate(sizes) if k != j)
    digits = [d.astype(np.int64, copy=False) for d in np.unravel_index(q, reduced)] if reduced else []
    digits.insert(j, np.zeros_like(q))
    return digits


def _deviation_table(tables: _Tables, kernel: RegretKernel, j: int) -> _Deviations:
    """Provider j's deviation tables (the first pass of the module's docstring)."""
    policy = kernel.policy
    sizes, m, n = tables.sizes, tables.m, tables.n
    size = sizes[j]
    others = 1
    for k, s in enumerate(sizes):
        if k != j:
            others *= s
    adversarial = policy is TiePolicy.ADVERSARIAL
    patterns = 1 if adversarial else 1 << n
    tops = [np.full((others, patterns), _NEG, dtype=np.int64) for _ in range(2)]
    rules = np.zeros((others, patterns), dtype=np.int64)
    lefts = [np.zeros(others, dtype=np.int64) for _ in range(n)]
    lows = [np.zeros(others, dtype=np.int64) for _ in range(n)]
    rivals = [k for k in range(m) if k != j]
    step = max(1, CHUNK // (size * patterns))
    for start in range(0, others, step):
        q = np.arange(start, min(others, start + step), dtype=np.int64)
        digits = _others(sizes, j, q)
        total = np.zeros((len(q), size), dtype=np.int64)
        attracted_set = np.zeros((len(q), size), dtype=np.int64)
        for u in range(n):
            mine, own = tables.rank[u][j], tables.own(policy, u, j)
            if not rivals:
                # Alone, j keeps every user whatever its rule.
                total += own[None, :]
                attracted_set |= 1 << u
                continue
            values = [tables.rank[u][k][digits[k]] for k in rivals]
            top = values[0].copy()
            for v in values[1:]:
                np.maximum(top, v, out=top)
            optimal = [v == top for v in values]
            low = np.full(len(q), -_NEG, dtype=np.int64)
            for k, o in zip(rivals, optimal):
                np.minimum(low, np.where(o, tables.worst[u][k][j][digits[k]], -_NEG), out=low)
            if policy is TiePolicy.FAVOURABLE:
                left = np.full(len(q), _NEG, dtype=np.int64)
                for k, o in zip(rivals, optimal):
                    np.maximum(left, np.where(o, tables.best[u][k][j][digits[k]], _NEG), out=left)
            elif adversarial:
                left = low
            else:
                # The first optimal rival in file order keeps her, with her canonical law.
                left = np.zeros(len(q), dtype=np.int64)
                first = np.full(len(q), m, dtype=np.int64)
                for k, o in reversed(list(zip(rivals, optimal))):
                    left = np.where(o, tables.canonical[u][k][j][digits[k]], left)
                    first = np.where(o, k, first)
            lefts[u][q], lows[u][q] = left, low
            if adversarial:
                above = mine[None, :] > top[:, None]
                below = mine[None, :] < top[:, None]
                tied = np.minimum(own[None, :], low[:, None])
                total += np.where(above, own[None, :], np.where(below, low[:, None], tied))
                continue
            if policy is TiePolicy.FAVOURABLE:
                attracted = mine[None, :] >= top[:, None]
            else:
                attracted = (mine[None, :] > top[:, None]) | (
                    (mine[None, :] == top[:, None]) & (j < first)[:, None]
                )
            total += np.where(attracted, own[None, :], 0)
            attracted_set |= attracted.astype(np.int64) << u
        if adversarial:
            _top_two(total, tops[0], rules, tops[1], q, 0)
            continue
        groups = np.flatnonzero(np.bincount(attracted_set.ravel(), minlength=patterns))
        value = np.where(attracted_set[:, None, :] == groups[None, :, None], total[:, None, :], _NEG)
        _top_two(value, tops[0], rules, tops[1], q[:, None], groups[None, :])
    if adversarial:
        return _Deviations(tops[0], rules, tops[1], None, lefts, lows)
    best, rule, second = _by_kept(tops[0], rules, tops[1], lefts, lows, n)
    return _Deviations(best, rule, second, (tops[0], rules, tops[1]), lefts, lows)


def _by_kept(
    best: Array, rule: Array, second: Array, lefts: list[Array], lows: list[Array], n: int
) -> tuple[Array, Array, Array]:
    """From the tables by attracted set S to the tables by the set G of users who keep ``left``.

    A rule attracting S brings its total from S plus, from each user outside S, what she keeps:
    ``left`` if she is in G, ``low`` otherwise. Per G, the offsets of all sets S are one product.
    """
    patterns = 1 << n
    members = (np.arange(patterns, dtype=np.int64)[:, None] >> np.arange(n, dtype=np.int64)[None, :]) & 1
    outside = (1 - members).T
    low = np.stack(lows, axis=1) if n else np.zeros((best.shape[0], 0), dtype=np.int64)
    gain = np.stack(lefts, axis=1) - low if n else low
    base = low @ outside
    present, runner_present = best > _NEG, second > _NEG
    rows = np.arange(best.shape[0])
    out = [np.empty_like(best) for _ in range(3)]
    for group in range(patterns):
        offset = base + (gain * members[group]) @ outside
        first = np.where(present, best + offset, best)
        runner = np.where(runner_present, second + offset, second)
        arg = first.argmax(axis=1)
        out[0][:, group] = first[rows, arg]
        out[1][:, group] = rule[rows, arg]
        first[rows, arg] = runner[rows, arg]
        out[2][:, group] = first.max(axis=1)
    return out[0], out[1], out[2]


def _top_two(value: Array, best: Array, rule: Array, second: Array, q: Array, g: Array | int) -> None:
    """Store at ``[q, g]`` the best entry of ``value`` along its last axis, its index, and the second best."""
    shape = value.shape[:-1]
    flat = value.reshape(-1, value.shape[-1])
    rows = np.arange(len(flat))
    arg = flat.argmax(axis=1)
    best[q, g] = flat[rows, arg].reshape(shape)
    rule[q, g] = arg.reshape(shape)
    flat[rows, arg] = _NEG
    second[q, g] = flat.max(axis=1).reshape(shape)


def scan_anonymous(
    game: Game,
    kernel: RegretKernel,
    limit: int,
    progress: ProgressHook | None = None,
    task: str = "anonymous game",
) -> ScanResult:
    """Decide every profile of an anonymous game at once, exactly (SPEC.md §4, §5).

    Parameters
    ----------
    game : Game
        The anonymous game.
    kernel : RegretKernel
        Its kernel (:func:`fits` must hold).
    limit : int
        The most combinations of the users' best-response selections at one profile; a profile
        with more raises, as :func:`~solver.equilibria.regret.examine` does.
    progress : ProgressHook, optional
        Called once per block with the profiles scanned.
    task : str
        The task's name for the progress hook.

    Returns
    -------
    ScanResult
        The equilibrium profiles in product order, the equilibria built while deciding ties, and
        each user's worst and best equilibrium utility; ``complete=False`` after Ctrl-C, with the
        blocks finished.

    Raises
    ------
    ClassTooLargeError
        When some profile has more combinations of selections than ``limit``.
    """
    tables = _Tables(kernel)
    sizes, m, n = tables.sizes, tables.m, tables.n
    total = 1
    for s in sizes:
        total *= s
    strides = [1] * m
    for k in reversed(range(m - 1)):
        strides[k] = strides[k + 1] * sizes[k + 1]
    profiles: list[Array] = []
    ranks: list[Array] = []
    built: dict[tuple[int, ...], Equilibrium] = {}
    complete = True
    try:
        deviations = {j: _deviation_table(tables, kernel, j) for j in range(m) if sizes[j] > 1}
        for start in range(0, total, BLOCK):
            report(progress, task, start, total)
            index = np.arange(start, min(total, start + BLOCK), dtype=np.int64)
            found, top, decided = _scan_block(game, kernel, tables, deviations, index, limit)
            profiles.append(found)
            ranks.append(top)
            built.update(decided)
    except KeyboardInterrupt:
        complete = False
    if profiles:
        found_all = np.concatenate(profiles, axis=0)
        top_all = np.concatenate(ranks, axis=0)
    else:
        found_all = np.zeros((0, m), dtype=np.int64)
        top_all = np.zeros((0, n), dtype=np.int64)
    chosen = Profiles(found_all)
    flat = found_all @ np.array(strides, dtype=np.int64) if m else np.zeros(0, dtype=np.int64)
    positions = {p: int(np.searchsorted(flat, sum(r * s for r, s in zip(p, strides)))) for p in built}
    worst: list[Fraction | None] = [None] * len(game.instance.users)
    best: list[Fraction | None] = [None] * len(game.instance.users)
    if len(chosen):
        for u, user in enumerate(game.users):
            worst[user] = tables.levels[u][int(top_all[:, u].min())]
            best[user] = tables.levels[u][int(top_all[:, u].max())]
    return ScanResult(
        chosen,
        {positions[p]: e for p, e in built.items()},
        tuple(worst),
        tuple(best),
        complete,
    )


def _scan_block(
    game: Game,
    kernel: RegretKernel,
    tables: _Tables,
    deviations: dict[int, _Deviations],
    index: Array,
    limit: int,
) -> tuple[Array, Array, dict[tuple[int, ...], Equilibrium]]:
    """One block of profiles: the equilibria, each user's utility rank there, those built."""
    sizes, m, n = tables.sizes, tables.m, tables.n
    size = len(index)
    digits = [d.astype(np.int64, copy=False) for d in np.unravel_index(index, sizes)]
    alone = [np.zeros(size, dtype=np.int64) for _ in range(m)]
    single = np.ones(size, dtype=bool)
    selections = np.ones(size, dtype=np.int64)
    top_ranks = np.zeros((size, n), dtype=np.int64)
    optimal: list[list[Mask]] = []
    for u in range(n):
        values = [tables.rank[u][k].take(digits[k]) for k in range(m)]
        top = values[0].copy()
        for v in values[1:]:
            np.maximum(top, v, out=top)
        top_ranks[:, u] = top
        mine = [v == top for v in values]
        optimal.append(mine)
        count = np.zeros(size, dtype=np.int64)
        providers = np.zeros(size, dtype=np.int64)
        for k in range(m):
            count += np.where(mine[k], tables.count[u][k].take(digits[k]), 0)
            providers += mine[k]
        single &= count == 1
        selections = np.minimum(selections * count, min(limit, _SELECTIONS) + 1)
        for j in range(m):
            alone[j] |= (mine[j] & (providers == 1)).astype(np.int64) << u
    built: dict[tuple[int, ...], Equilibrium] = {}
    keep = np.zeros(size, dtype=bool)
    # Profiles with more selections than the limit go to examine, which refuses them as the
    # per-profile path does (first in product order) or decides them.
    over = selections > min(limit, _SELECTIONS)
    for row in np.flatnonzero(over):
        _examine(game, kernel, digits, int(row), limit, built, keep)
    # Each provider's bounds in turn, on the profiles that met the previous providers' bounds.
    rows = np.flatnonzero(~over)
    for j, table in deviations.items():
        if not len(rows):
            break
        whole = len(rows) == size
        at = digits if whole else [d[rows] for d in digits]
        upper = np.zeros(len(rows), dtype=np.int64)
        for u in range(n):
            most = np.full(len(rows), _NEG, dtype=np.int64)
            for k in range(m):
                chosen = optimal[u][k] if whole else optimal[u][k][rows]
                np.maximum(most, np.where(chosen, tables.best[u][k][j].take(at[k]), _NEG), out=most)
            upper += most
        flat = _others_index(at, sizes, j) * table.best.shape[1]
        if table.best.shape[1] > 1:
            flat += alone[j] if whole else alone[j][rows]
        deviation = np.where(table.rule.take(flat) == at[j], table.second.take(flat), table.best.take(flat))
        rows = rows[upper >= deviation - kernel.delta]
    passed = np.zeros(size, dtype=bool)
    passed[rows] = True
    keep |= passed & single
    ties = np.flatnonzero(passed & ~single)
    tied = [d[ties] for d in digits]
    if len(ties) and kernel.policy is not TiePolicy.ADVERSARIAL and _combinations(tables) <= COMBINATIONS:
        keep[ties] = _admissible(
            kernel, tables, deviations, tied, [[o[ties] for o in mine] for mine in optimal]
        )
    else:
        for row in ties:
            _examine(game, kernel, digits, int(row), limit, built, keep)
    kept = np.flatnonzero(keep)
    found = np.stack([d[kept] for d in digits], axis=1) if m else np.zeros((len(kept), 0), dtype=np.int64)
    return found, top_ranks[kept], built


def _others_index(digits: list[Array], sizes: tuple[int, ...], j: int) -> Array:
    """The flat index of the other providers' rules (product order), from every provider's digits."""
    q = np.zeros_like(digits[0])
    for k, d in enumerate(digits):
        if k != j:
            q *= sizes[k]
            q += d
    return q


def _examine(
    game: Game,
    kernel: RegretKernel,
    digits: list[Array],
    row: int,
    limit: int,
    built: dict[tuple[int, ...], Equilibrium],
    keep: Mask,
) -> None:
    """Decide one profile of a block with the per-profile path, keeping what it builds."""
    profile = tuple(int(d[row]) for d in digits)
    equilibrium = examine(game, kernel, profile, limit)
    if equilibrium is not None:
        built[profile] = equilibrium
        keep[row] = True


def _combinations(tables: _Tables) -> int:
    """An upper bound on the selections :func:`_admissible` tries per profile."""
    total = 1
    for u in range(tables.n):
        total *= sum(len(tables.vectors[u][k]) for k in range(tables.m))
    return total


def _admissible(
    kernel: RegretKernel,
    tables: _Tables,
    deviations: dict[int, _Deviations],
    digits: list[Array],
    optimal: list[list[Mask]],
) -> Mask:
    """Whether some selection b is admissible at each profile, by trying every b (SPEC.md §5).

    ``optimal[u][k]``: where provider k is among the u-th user's optimal providers.

    Deviator-favourable and canonical ties: ``Dev_j(σ, b)`` is the largest, over the sets S of users
    that a rule other than σ_j attracts, of that rule's total from S plus what the others keep.
    """
    sizes, m, n = tables.sizes, tables.m, tables.n
    patterns = 1 << n
    # Per user, her selections as (where she has it, its provider, its place among that rule's laws).
    slots: list[list[tuple[Mask, int, int]]] = []
    for u in range(n):
        mine = []
        for k in range(m):
            if not optimal[u][k].any():
                continue
            counts = tables.frontier[u][k].take(digits[k])
            for law in range(len(tables.vectors[u][k])):
                valid = optimal[u][k] & (law < counts)
                if valid.any():
                    mine.append((valid, k, law))
        slots.append(mine)
    excluded: dict[int, list[Array]] = {}
    lefts: dict[int, list[Array]] = {}
    for j, table in deviations.items():
        assert table.by_set is not None
        best, rule, second = table.by_set
        q = _others_index(digits, sizes, j)
        excluded[j] = []
        for attracted in range(patterns):
            flat = q * patterns + attracted
            excluded[j].append(np.where(rule.take(flat) == digits[j], second.take(flat), best.take(flat)))
        lefts[j] = [left.take(q) for left in table.left]
    found = np.zeros(len(digits[0]), dtype=bool)
    for combination in itertools.product(*slots):
        valid = ~found
        for mask, _, _ in combination:
            valid &= mask
        rows = np.flatnonzero(valid)
        if not len(rows):
            continue
        # Only the profiles where every user of the combination has that selection, not found yet;
        # each provider's condition then keeps the profiles that meet it.
        at = {k: digits[k][rows] for _, k, _ in combination}
        for j in excluded:
            columns = [tables.vectors[u][k][law][j].take(at[k]) for u, (_, k, law) in enumerate(combination)]
            payoff = columns[0].copy()
            for column in columns[1:]:
                payoff += column
            payoff += kernel.delta
            kept = [lefts[j][u][rows] if k == j else columns[u] for u, (_, k, _) in enumerate(combination)]
            ok = np.ones(len(rows), dtype=bool)
            for attracted in range(patterns):
                bound = excluded[j][attracted][rows]
                total = bound.copy()
                for u in range(n):
                    if not attracted >> u & 1:
                        total += kept[u]
                # An empty set of rules (-inf) is no deviation.
                ok &= (payoff >= total) | (bound == _NEG)
            rows = rows[ok]
            if not len(rows):
                break
            at = {k: d[ok] for k, d in at.items()}
        found[rows] = True
    return found
