"""Each user's worst and best equilibrium utility without enumerating profiles (SPEC.md §4, §5, §9).

Enumeration (:mod:`solver.equilibria.enumeration`) visits every profile; the all-equilibria MIP of
:mod:`solver.equilibria.mip` writes every deviation of every provider into one program. Both stop
being practical near 10^6 profiles. This engine answers the questions that matter on larger
games, **whether an equilibrium exists and each user's lowest and highest equilibrium utility**, by
a master program relaxed over deviations and tightened lazily:

- ``x[k,r] ∈ {0,1}``, ``Σ_r x[k,r] = 1``: provider k plays its r-th rule (one binary per listed
  rule: the class is listed once, by :attr:`Game.rules`, never the profiles).
- ``w[u,k,r,l] ∈ {0,1}``, ``Σ w[u,·] = 1``, ``Σ_l w[u,k,r,l] ≤ x[k,r]``: user u's selection b_u,
  provider k with its r-th rule and the l-th distinct payoff vector of her optimal responses.
- Best responses, written exactly (no tolerance decides a tie): for her provider k, each value
  ``L`` of k's rules and each other provider k', ``Σ_{r: V(k,r) = L} Σ_l w[u,k,r,l] +
  Σ_{r': V(k',r') > L} x[k',r'] ≤ 1`` (nobody offers her more than the provider she uses).
- ``Π_j = Σ_u Σ P_j(u,k,r,l) · w[u,k,r,l]`` on the common integer scale of
  :class:`~solver.equilibria.regret.RegretKernel`.

A master solution (σ, b) is verified by the regret kernel
(:func:`~solver.equilibria.regret.examine`). When σ is no equilibrium, a provider j has a profitable
deviation r' at b; the cut ``Π_j ≥ Σ_u pay[j,r',u] − δ − ½ − M·x[j,r']`` is added (switched off when
j already plays r': case 1 of SPEC.md §4), where ``pay[j,r',u] ≥ 0`` is bounded below by linear
expressions valid at every (σ, b), each a product of 0/1 conditions written as
``F · (Σ c − (|c| − 1))``:

- case 2, she is attracted: ``own(r') · Π_{k ≠ j} (1 − blocks_k)``, where a rival blocks when it
  offers more than ``V(r')`` (deviator-favourable), or as much and comes first in file order
  (canonical), or as much (adversarial), each a sum of x;
- case 3, she stays with a rival whose rule blocks j: her current payoff to j,
  ``Σ P_j w`` over those (rule, law) pairs (adversarial ties: the smaller of that and own(r'));
- at the point where the kernel found the deviation, any user whose reaction these do not yet
  bound exactly (case 4, she leaves j; a canonical tie broken by an earlier rival) gets the
  product of the conditions that fix her reaction there: her selection, the rules of the rivals
  that decide her choice, and that no other rival reaches their value.

Every such bound is valid at every (σ, b), so every equilibrium satisfies every cut; at the point
that produced it the cut is violated by at least ½ on the integer scale, so no point is returned
twice and the loop ends. For user i and a sense, the master's objective is her utility; each
verified equilibrium raises the bar with an exact combinatorial constraint (her utility is the
largest value offered, so "below v" is "no provider plays a rule worth ≥ v to her", and "above v"
is "some provider plays a rule worth > v"), until the master is infeasible. The extreme then
rests on the solver's verdict of infeasibility (labelled: optimal by the MIP), and the
equilibrium attaining it is certified exactly by the kernel. Cuts and every equilibrium found are
shared by all users and both senses.

The personalized game with δ = 0 splits (SPEC.md §5): each one-user game is solved for its user,
and an equilibrium exists exactly when every one-user game has one.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import pulp

from solver.conversation.classes import StrategyClass
from solver.core.errors import ModelError
from solver.core.numbers import ZERO
from solver.core.progress import ProgressHook, report
from solver.equilibria.games import Game, Mode
from solver.equilibria.regret import DEFAULT_SELECTION_LIMIT, Option, RegretKernel, examine
from solver.equilibria.results import Equilibrium, Method, SolveResult
from solver.responses.response import TiePolicy

LABEL = "extreme optimal by the MIP, equilibrium certified exactly"
"""How a finished extreme is labelled: its optimality rests on the solver's infeasibility verdict."""

EXTREMES_NOTE = "extremes only"
"""How the note of :meth:`EquilibriumExtremes.to_solve_result` begins: its list holds witnesses only."""

SOLVER_OPTIONS: dict[str, Any] = {"mip_max_improving_sols": 1}
"""HiGHS options of every master solve: stop at the first solution, since each is verified and the
bar, not the solver's bound, closes the search."""

LISTING_PROFILE_LIMIT = 10_000
"""Above this many profiles, ``--engine mip`` answers existence and extremes instead of listing."""

DEVIATIONS_PER_PROVIDER = 3
"""Profitable deviations turned into cuts per provider and master solution, best first."""

Profile = tuple[int, ...]

Key = tuple[int, ...]
"""A binary of the master: ``(k, r)`` for x, ``(u, k, r, l)`` for w."""


@dataclass(frozen=True)
class _Row:
    """A linear lower bound ``constant + Σ coefficient · binary`` on one pay variable."""

    constant: int
    terms: tuple[tuple[int, Key], ...]

    def at(self, active: set[Key]) -> int:
        return self.constant + sum(c for c, key in self.terms if key in active)


def _product(value: int, positive: Sequence[Iterable[Key]], negative: Sequence[Iterable[Key]]) -> _Row:
    """``value · (Σ c − (|c| − 1))`` with conditions ``Σ keys`` (positive) and ``1 − Σ keys`` (negative).

    Every condition is 0 or 1 at every point of the master, so the row is ``value`` where all hold
    and at most 0 elsewhere: a valid lower bound on any payoff that is ``value`` where all hold.
    """
    terms: dict[Key, int] = {}
    for keys in positive:
        for key in keys:
            terms[key] = terms.get(key, 0) + value
    for keys in negative:
        for key in keys:
            terms[key] = terms.get(key, 0) - value
    # Σ c − (|c| − 1) with each negative condition contributing its constant 1.
    constant = value * (len(negative) - (len(positive) + len(negative) - 1))
    return _Row(constant, tuple(sorted((c, k) for k, c in terms.items() if c)))


@dataclass(frozen=True)
class UserExtremes:
    """One user's worst and best equilibrium utility, with an equilibrium attaining each.

    Attributes
    ----------
    user : int
        Her index in the instance.
    worst, best : Fraction or None
        Her lowest and highest utility over all equilibria, exact; None when there is none (or
        when the search stopped before finding one).
    worst_witness, best_witness : tuple of Equilibrium
        An equilibrium attaining each: one of the anonymous game, or one per user's game of the
        personalized game (together a whole-game equilibrium), each verified exactly.
    optimal : bool
        Whether both extremes were closed by the solver's verdict that nothing better remains.
    """

    user: int
    worst: Fraction | None
    best: Fraction | None
    worst_witness: tuple[Equilibrium, ...]
    best_witness: tuple[Equilibrium, ...]
    optimal: bool


@dataclass(frozen=True)
class EquilibriumExtremes:
    """Existence and every user's extreme equilibrium utilities, from the lazy-cut MIP.

    Attributes
    ----------
    mode : Mode
        Personalized or anonymous.
    strategy_class : StrategyClass
        The finite class.
    policy : TiePolicy
        Ties when deviations are evaluated (SPEC.md §4).
    delta : Fraction
        δ of δ-equilibrium.
    profiles : int
        The number of profiles of the game (of each user's game, when personalized), never
        enumerated.
    exists : bool or None
        Whether an equilibrium exists; None when the search stopped before deciding.
    users : tuple of UserExtremes
        One per user of the instance.
    optimal : bool
        Whether every extreme was closed by the solver's infeasibility verdict (label
        :data:`LABEL`). False when the time limit or a solver failure stopped a search.
    exact : bool
        Whether the solver and exact verification agreed throughout (every reported number comes
        from the verification regardless).
    iterations : int
        Master solves.
    cuts : int
        Deviation cuts ``(j, r')`` added, with ``rows`` lower bounds on their payoffs.
    rows : int
        Lower-bound rows added to the cuts.
    notes : tuple of str
        Disagreements, incompleteness, warnings.
    """

    mode: Mode
    strategy_class: StrategyClass
    policy: TiePolicy
    delta: Fraction
    profiles: int
    exists: bool | None
    users: tuple[UserExtremes, ...]
    optimal: bool
    exact: bool
    iterations: int
    cuts: int
    rows: int
    notes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """How the extremes are established: :data:`LABEL`, or why they are not."""
        return LABEL if self.optimal and self.exact else "NOT optimal: " + "; ".join(self.notes)

    def witnesses(self) -> tuple[Equilibrium, ...]:
        """Every distinct equilibrium attaining some user's extreme, in profile order.

        Returns
        -------
        tuple of Equilibrium
            Distinct by (users, profile).
        """
        found: dict[tuple[tuple[int, ...], tuple[int, ...]], Equilibrium] = {}
        for user in self.users:
            for equilibrium in (*user.worst_witness, *user.best_witness):
                found.setdefault(equilibrium.key(), equilibrium)
        return tuple(found[key] for key in sorted(found))

    def _listed_count(self, witnesses: Sequence[Equilibrium]) -> int:
        """Whole-game equilibrium profiles the listed equilibria form.

        In the personalized game at δ = 0 every combination of the users' listed equilibria is one
        (SPEC.md §5), as :func:`solver.equilibria.regret.recombine` counts them.
        """
        if self.mode is Mode.ANONYMOUS:
            return len(witnesses)
        count = 1
        for user in {e.users for e in witnesses}:
            count *= sum(1 for e in witnesses if e.users == user)
        return count if witnesses else 0

    def to_solve_result(self) -> SolveResult:
        """The extremes as a :class:`SolveResult` whose list holds the witnesses only.

        ``complete`` is False, as it is for every list that does not hold all equilibria, and
        ``count`` is the number of equilibrium profiles the listed ones form; ``worst`` and
        ``best`` are the extremes over all equilibria. A note says so and carries :attr:`label`.

        Returns
        -------
        SolveResult
            With ``method=Method.MIP``.
        """
        witnesses = self.witnesses()
        note = (
            f"{EXTREMES_NOTE} ({self.label}): the list holds the equilibria attaining each user's worst "
            f"and best utility among the game's {self.profiles} profiles"
            + ("" if self.mode is Mode.ANONYMOUS else " per user's game")
            + "; worst and best are over all equilibria"
        )
        return SolveResult(
            self.mode,
            self.strategy_class,
            self.policy,
            self.delta,
            Method.MIP,
            self.exact and self.optimal,
            False,
            witnesses,
            self._listed_count(witnesses),
            tuple(u.worst for u in self.users),
            tuple(u.best for u in self.users),
            (note, *self.notes),
        )


def _quiet_highs(time_limit: float | None) -> Any:
    """pulp's HiGHS interface on the bare binding, which prints no banner on standard output."""

    class QuietHiGHS(pulp.HiGHS):  # type: ignore[misc]
        def createAndConfigureSolver(self, lp: Any) -> None:
            import highspy

            base = next((k for k in type.mro(highspy.Highs) if k.__name__ == "_Highs"), highspy.Highs)
            lp.solverModel = base()
            lp.solverModel.setOptionValue("output_flag", False)
            lp.solverModel.setOptionValue("log_to_console", False)
            for option, value in SOLVER_OPTIONS.items():
                lp.solverModel.setOptionValue(option, value)

        def findSolutionValues(self, lp: Any) -> Any:
            import highspy

            try:
                return super().findSolutionValues(lp)
            except KeyError:
                # pulp does not know HiGHS' "solution limit" (its first solution was asked for);
                # the solution's values are assigned by then.
                if lp.solverModel.getModelStatus() != highspy.HighsModelStatus.kSolutionLimit:
                    raise
                return pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible
            if self.timeLimit is not None:
                lp.solverModel.setOptionValue("time_limit", float(self.timeLimit))

    return QuietHiGHS(msg=False, timeLimit=time_limit)


class _Stop(Exception):
    """The search cannot go on (time limit, solver failure); the reason is in the notes."""


class _Master:
    """The master program of one game (anonymous, or one user's game), its cuts and its verifier."""

    def __init__(
        self,
        game: Game,
        policy: TiePolicy,
        delta: Fraction,
        solver: Any,
        deadline: float | None,
        limit: int,
        notes: list[str],
        progress: ProgressHook | None = None,
    ) -> None:
        self.game = game
        self.progress = progress
        self.task = ""
        self.policy = policy
        self.kernel = RegretKernel(game, policy, delta)
        self.solver = solver
        self.deadline = deadline
        self.limit = limit
        self.notes = notes
        self.exact = True
        self.iterations = 0
        self.rows = 0
        kernel = self.kernel
        self.m = kernel.m
        self.n = len(game.users)
        self.sizes = kernel.sizes
        self.values = kernel.values
        # Distinct payoff vectors of her optimal responses to each rule, the canonical one first.
        self.laws = [[[tuple(dict.fromkeys(r)) for r in pr] for pr in u] for u in kernel.payoffs]
        m = self.m
        if kernel.scale > 10**6:
            notes.append(
                f"the exact payoffs have common denominator {kernel.scale}: the cuts' margin of 1/2 "
                "on that scale is close to the solver's tolerances"
            )
        problem = pulp.LpProblem("extremes", pulp.LpMinimize)
        self.problem = problem
        self.x: dict[Key, Any] = {
            (k, r): problem.add_variable(f"x_{k}_{r}", 0, 1, cat=pulp.LpBinary)
            for k in range(m)
            for r in range(self.sizes[k])
        }
        for k in range(m):
            problem += pulp.lpSum(self.x[k, r] for r in range(self.sizes[k])) == 1, f"one_rule_{k}"
        self.w: dict[Key, Any] = {}
        for u in range(self.n):
            for k in range(m):
                for r in range(self.sizes[k]):
                    for law in range(len(self.laws[u][k][r])):
                        self.w[u, k, r, law] = problem.add_variable(
                            f"w_{u}_{k}_{r}_{law}", 0, 1, cat=pulp.LpBinary
                        )
        for u in range(self.n):
            problem += pulp.lpSum(v for key, v in self.w.items() if key[0] == u) == 1, f"one_selection_{u}"
            for k in range(m):
                for r in range(self.sizes[k]):
                    laws = [self.w[u, k, r, law] for law in range(len(self.laws[u][k][r]))]
                    problem += pulp.lpSum(laws) <= self.x[k, r], f"selection_{u}_{k}_{r}"
                for level in sorted(set(self.values[u][k])):
                    mine = [
                        self.w[u, k, r, law]
                        for r in range(self.sizes[k])
                        if self.values[u][k][r] == level
                        for law in range(len(self.laws[u][k][r]))
                    ]
                    for other in range(m):
                        if other == k:
                            continue
                        above = self.above(u, other, level)
                        if above:
                            problem += (
                                pulp.lpSum(mine) + pulp.lpSum(self.x[key] for key in above) <= 1,
                                f"best_{u}_{k}_{other}_{self.level_name(u, k, level)}",
                            )
        self.payoff = [
            pulp.lpSum(
                self.laws[u][k][r][law][j] * v
                for (u, k, r, law), v in self.w.items()
                if self.laws[u][k][r][law][j]
            )
            for j in range(m)
        ]
        # The most provider j can get from each user: bounds every pay variable's smallest value.
        self.top = [
            [max((vec[j] for pr in self.laws[u] for r in pr for vec in r), default=0) for j in range(m)]
            for u in range(self.n)
        ]
        self.cuts: dict[tuple[int, int], tuple[list[Any], list[set[_Row]]]] = {}
        self.bars: list[Any] = []
        self.bar_count = 0
        self.seen: set[tuple[Profile, tuple[Key, ...]]] = set()

    # -- the building blocks -----------------------------------------------------------------------

    def level_name(self, u: int, k: int, level: Fraction) -> int:
        return sorted(set(self.values[u][k])).index(level)

    def above(self, u: int, k: int, level: Fraction, equal: bool = False) -> list[Key]:
        """The x of provider k's rules worth more than ``level`` to user u (or as much, if ``equal``)."""
        values = self.values[u][k]
        return [(k, r) for r in range(self.sizes[k]) if values[r] > level or (equal and values[r] == level)]

    def blocks(self, u: int, j: int, k: int, level: Fraction) -> list[Key]:
        """The x of rival k's rules that keep user u from j's rule of value ``level`` (SPEC.md §4)."""
        if self.policy is TiePolicy.FAVOURABLE:
            return self.above(u, k, level)
        if self.policy is TiePolicy.CANONICAL:
            return self.above(u, k, level, equal=k < j)
        return self.above(u, k, level, equal=True)

    def own(self, u: int, j: int, r: int) -> int:
        """Provider j's payoff from user u when she takes its rule r, under the policy's ties."""
        vectors = self.laws[u][j][r]
        if self.policy is TiePolicy.FAVOURABLE:
            return max(v[j] for v in vectors)
        if self.policy is TiePolicy.ADVERSARIAL:
            return min(v[j] for v in vectors)
        return vectors[0][j]

    # -- solving -----------------------------------------------------------------------------------

    def _solver(self) -> Any:
        if self.solver is not None:
            return self.solver
        remaining = None if self.deadline is None else max(1.0, self.deadline - time.monotonic())
        return _quiet_highs(remaining)

    def solve(self) -> bool:
        """True: the master has a solution (a candidate); False: the solver proved it infeasible."""
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise _Stop("the time limit was reached before the search finished")
        self.iterations += 1
        report(self.progress, self.task, self.iterations, 0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            status = self.problem.solve(self._solver())
        if status == pulp.LpStatusOptimal:
            return True
        if status == pulp.LpStatusInfeasible:
            return False
        raise _Stop(f"the MIP solver returned status {pulp.LpStatus.get(status, status)!r}")

    def point(self) -> tuple[Profile, list[tuple[int, int, int]], set[Key]]:
        """The profile σ, each user's selection ``(k, r, l)`` and the set of binaries at 1."""
        active = {key for key, v in self.x.items() if (v.varValue or 0.0) > 0.5}
        active |= {key for key, v in self.w.items() if (v.varValue or 0.0) > 0.5}
        profile = []
        for k in range(self.m):
            chosen = [r for r in range(self.sizes[k]) if (k, r) in active]
            if len(chosen) != 1:
                raise _Stop(f"the solver's binaries spell no rule for provider {k} ({chosen})")
            profile.append(chosen[0])
        selections = []
        for u in range(self.n):
            chosen_w = [(key[1], key[2], key[3]) for key in active if len(key) == 4 and key[0] == u]
            if len(chosen_w) != 1 or chosen_w[0][1] != profile[chosen_w[0][0]]:
                raise _Stop(f"the solver's binaries spell no selection for user {u} ({chosen_w})")
            selections.append(chosen_w[0])
        return tuple(profile), selections, active

    # -- separation --------------------------------------------------------------------------------

    def check(self) -> Equilibrium | None:
        """Verify the master's solution; add cuts when it is no equilibrium (None is returned then)."""
        profile, selections, active = self.point()
        state = (profile, tuple(sorted(k for k in active if len(k) == 4)))
        if state in self.seen:
            self.disagree(f"the solver returned the point {profile} with selections {selections} again")
            raise _Stop("the solver's solutions stopped being usable")
        self.seen.add(state)
        equilibrium = examine(self.game, self.kernel, profile, self.limit)
        if equilibrium is not None:
            return equilibrium
        kernel = self.kernel
        values = self.values
        for u, (k, r, _) in enumerate(selections):
            top = max(values[u][c][profile[c]] for c in range(self.m))
            if values[u][k][r] != top:
                self.disagree(f"the master's user {u} uses provider {k}, which is not optimal at {profile}")
                raise _Stop("the solver's solutions stopped being usable")
        selection: list[Option] = [(k, self.laws[u][k][r][law]) for u, (k, r, law) in enumerate(selections)]
        added = False
        for j in range(self.m):
            if self.sizes[j] == 1:
                continue
            current = sum(option[1][j] for option in selection)
            pays = self.pays(j, profile, selections)
            totals = [sum(p[rule] for p in pays) for rule in range(self.sizes[j])]
            others = [rule for rule in range(self.sizes[j]) if rule != profile[j]]
            expected = kernel.deviation(j, profile, selection)
            if max(totals[rule] for rule in others) != expected:
                self.disagree(
                    f"provider {j}'s best deviation at {profile}: the cuts' reactions give "
                    f"{max(totals[rule] for rule in others)}, the kernel {expected} (scaled)"
                )
            profitable = sorted(
                (rule for rule in others if totals[rule] > current + kernel.delta),
                key=lambda rule: -totals[rule],
            )
            for rule in profitable[:DEVIATIONS_PER_PROVIDER]:
                self.cut(j, rule, profile, selections, [p[rule] for p in pays], active)
                added = True
        if not added:
            self.disagree(f"the kernel rejects {profile}, yet no provider gains at the master's selection")
            raise _Stop("the solver's solutions stopped being usable")
        return None

    def pays(self, j: int, profile: Profile, selections: Sequence[tuple[int, int, int]]) -> list[list[int]]:
        """Per user, j's payoff from her after a switch to each rule, users reacting as SPEC.md §4 says."""
        result = []
        for u, (k, r, law) in enumerate(selections):
            result.append(
                [self.reaction(u, j, rule, profile, (k, r, law))[0] for rule in range(self.sizes[j])]
            )
        return result

    def reaction(
        self, u: int, j: int, rule: int, profile: Profile, chosen: tuple[int, int, int]
    ) -> tuple[int, _Row | None]:
        """User u's payoff to j after j switches to ``rule``, and a row bounding it where it is not generic.

        The row is None when the generic rows of the cut already bound the payoff exactly at this
        point (she is attracted, or she stays with a rival whose rule blocks j).
        """
        values = self.values[u]
        level = values[j][rule]
        own = self.own(u, j, rule)
        rivals = [k for k in range(self.m) if k != j]
        if not rivals:
            return own, None
        top = max(values[k][profile[k]] for k in rivals)
        optimal = [k for k in rivals if values[k][profile[k]] == top]
        policy = self.policy
        if level > top or (
            level == top
            and (policy is TiePolicy.FAVOURABLE or (policy is TiePolicy.CANONICAL and j < optimal[0]))
        ):
            return own, None
        tied = policy is TiePolicy.ADVERSARIAL and level == top
        k, r, law = chosen
        if k != j:
            # Case 3: she keeps b_u.
            kept = self.laws[u][k][r][law][j]
            pay = min(own, kept) if tied else kept
            if values[k][r] > level or (policy is TiePolicy.CANONICAL and k < j) or tied:
                return pay, None
            # A canonical tie at her provider k after j: the first optimal rival (before j) blocks.
            return pay, _product(pay, [[(u, k, r, law)], self.above(u, optimal[0], level, equal=True)], [])
        # Case 4: she leaves j and re-chooses among the optimal rivals.
        if policy is TiePolicy.FAVOURABLE:
            deciding = [max(optimal, key=lambda c: self.kernel.best[u][c][profile[c]][j])]
            left = self.kernel.best[u][deciding[0]][profile[deciding[0]]][j]
        elif policy is TiePolicy.ADVERSARIAL:
            deciding = optimal
            left = min(self.kernel.worst[u][c][profile[c]][j] for c in optimal)
        else:
            deciding = [optimal[0]]
            left = self.kernel.payoffs[u][optimal[0]][profile[optimal[0]]][0][j]
        pay = min(own, left) if tied else left
        leaving = [key for key in self.w if key[0] == u and key[1] == j]
        if policy is not TiePolicy.ADVERSARIAL or len(deciding) == 1:
            return pay, self.leaving_row(u, j, deciding[0], top, leaving, level, own)
        positive: list[list[Key]] = [leaving]
        for c in deciding:
            rule_key: Key = (c, profile[c])
            positive.append([rule_key])
        negative: list[list[Key]] = []
        for c in rivals:
            if c in deciding:
                continue
            # Another rival must not change the set that decides: favourable ties only need none
            # above it; canonical ones none reaching it earlier; adversarial ones none reaching it.
            equal = policy is TiePolicy.ADVERSARIAL or (policy is TiePolicy.CANONICAL and c < deciding[0])
            negative.append(self.above(u, c, top, equal=equal))
        return pay, _product(pay, positive, [keys for keys in negative if keys])

    def leaving_row(
        self, u: int, j: int, star: int, top: Fraction, leaving: list[Key], level: Fraction, own: int
    ) -> _Row:
        """Case 4, deviator-favourable or canonical ties: she leaves j for rival ``star``'s rule.

        ``Σ_{r: V(star,r) ≥ top} P_j(star,r) x[star,r] − F (1 − S_j) − F Σ_k above_k(top)``, with
        ``P_j`` j's payoff from her response to star's rule under the policy (the best for j;
        the canonical one) and ``above_k`` the rules of each other rival k worth more than
        ``top`` (canonical ties: as much, for k before star). Where she was with j (``S_j``) and
        no such rule is played, star's rule is among her best rivals (canonical: the first), at
        least ``top``, which kept her from j's rule at the point: j gets ``P_j`` of it. Adversarial
        ties, used when star is her only best rival at the point: no other rival may offer as much
        as ``top``, ``P_j`` is the worst for j, and where star's rule is worth exactly ``level``
        (j's new rule) she is tied and j gets the smaller of that and ``own``. Elsewhere the row
        is at most 0.
        """
        if self.policy is TiePolicy.FAVOURABLE:
            payoff = [vector[j] for vector in self.kernel.best[u][star]]
        elif self.policy is TiePolicy.CANONICAL:
            payoff = [laws[0][j] for laws in self.laws[u][star]]
        else:
            values = self.values[u][star]
            payoff = [
                worst[j] if values[r] > level else min(own, worst[j])
                for r, worst in enumerate(self.kernel.worst[u][star])
            ]
        coefficients: dict[Key, int] = {
            (star, r): payoff[r]
            for r in range(self.sizes[star])
            if self.values[u][star][r] >= top and payoff[r]
        }
        if not coefficients:
            return _Row(0, ())
        top_payoff = max(coefficients.values())
        terms = dict(coefficients)
        for key in leaving:
            terms[key] = terms.get(key, 0) + top_payoff
        for k in range(self.m):
            if k not in (j, star):
                equal = self.policy is TiePolicy.ADVERSARIAL or (
                    self.policy is TiePolicy.CANONICAL and k < star
                )
                for key in self.above(u, k, top, equal=equal):
                    terms[key] = terms.get(key, 0) - top_payoff
        return _Row(-top_payoff, tuple(sorted((c, k) for k, c in terms.items() if c)))

    def generic(self, u: int, j: int, rule: int) -> list[_Row]:
        """The rows valid everywhere: case 2 (attracted) and case 3 (she stays with a blocking rival)."""
        level = self.values[u][j][rule]
        own = self.own(u, j, rule)
        rows = []
        negative = [self.blocks(u, j, k, level) for k in range(self.m) if k != j]
        if own:
            rows.append(_product(own, [], [keys for keys in negative if keys]))
        terms: list[tuple[int, Key]] = []
        for (v, k, r, law), _ in self.w.items():
            if v != u or k == j:
                continue
            kept = self.laws[u][k][r][law][j]
            value = self.values[u][k][r]
            if value > level or (value == level and self.policy is TiePolicy.CANONICAL and k < j):
                coefficient = kept
            elif value == level and self.policy is TiePolicy.ADVERSARIAL:
                coefficient = min(own, kept)
            else:
                continue
            if coefficient:
                terms.append((coefficient, (u, k, r, law)))
        if terms:
            rows.append(_Row(0, tuple(sorted(terms))))
        return rows

    def variable(self, key: Key) -> Any:
        return self.x[key] if len(key) == 2 else self.w[key]

    def add_row(self, j: int, rule: int, u: int, row: _Row) -> None:
        pays, rows = self.cuts[j, rule]
        if row in rows[u]:
            return
        rows[u].add(row)
        self.rows += 1
        expression = pulp.lpSum(c * self.variable(key) for c, key in row.terms) + row.constant
        self.problem += pays[u] >= expression, f"pay_{j}_{rule}_{u}_{len(rows[u])}"

    def cut(
        self,
        j: int,
        rule: int,
        profile: Profile,
        selections: Sequence[tuple[int, int, int]],
        pays: Sequence[int],
        active: set[Key],
    ) -> None:
        """Add (or tighten) the cut of provider j's deviation to ``rule`` so that it excludes this point."""
        if (j, rule) not in self.cuts:
            variables = [
                self.problem.add_variable(f"pay_{j}_{rule}_{u}", 0, self.top[u][j], cat=pulp.LpContinuous)
                for u in range(self.n)
            ]
            self.cuts[j, rule] = (variables, [set() for _ in range(self.n)])
            for u in range(self.n):
                for row in self.generic(u, j, rule):
                    self.add_row(j, rule, u, row)
            big = sum(self.top[u][j] for u in range(self.n)) + self.kernel.delta + 1
            self.problem += (
                self.payoff[j] - pulp.lpSum(variables) + big * self.x[j, rule] >= -self.kernel.delta - 0.5,
                f"deviation_{j}_{rule}",
            )
        _, rows = self.cuts[j, rule]
        for u in range(self.n):
            bound = max((row.at(active) for row in rows[u]), default=0)
            if bound >= pays[u]:
                continue
            _, tight = self.reaction(u, j, rule, profile, selections[u])
            if tight is None or tight.at(active) != pays[u]:
                self.disagree(
                    f"no exact bound on provider {j}'s payoff from user {u} after a switch to {rule}"
                )
                continue
            self.add_row(j, rule, u, tight)

    def disagree(self, message: str) -> None:
        self.notes.append(f"DISAGREEMENT between the MIP and exact verification: {message}")
        self.exact = False

    # -- the bar -------------------------------------------------------------------------------------

    def clear_bars(self) -> None:
        """Switch off every bar: its slack may take any value from now on."""
        for slack in self.bars:
            slack.upBound = self.m
        self.bars = []

    def raise_bar(self, u: int, minimize: bool, value: Fraction) -> None:
        """Ask for an equilibrium strictly better than ``value`` for user u, exactly.

        The bar's slack is fixed at 0 while it holds; :meth:`clear_bars` frees it.
        """
        self.bar_count += 1
        slack = self.problem.add_variable(f"bar_slack_{self.bar_count}", 0, 0, cat=pulp.LpContinuous)
        name = f"bar_{self.bar_count}"
        if minimize:
            keys = [
                (k, r) for k in range(self.m) for r in range(self.sizes[k]) if self.values[u][k][r] >= value
            ]
            self.problem += pulp.lpSum(self.x[key] for key in keys) <= slack, name
        else:
            keys = [
                (k, r) for k in range(self.m) for r in range(self.sizes[k]) if self.values[u][k][r] > value
            ]
            self.problem += pulp.lpSum(self.x[key] for key in keys) + slack >= 1, name
        self.bars.append(slack)

    def objective(self, u: int, minimize: bool) -> None:
        self.problem.sense = pulp.LpMinimize if minimize else pulp.LpMaximize
        self.problem.setObjective(
            pulp.lpSum(float(self.values[u][k][r]) * v for (i, k, r, _), v in self.w.items() if i == u)
        )


def _utility(equilibrium: Equilibrium, user: int) -> Fraction:
    return next(o.utility for o in equilibrium.outcomes if o.user == user)


def _extreme(
    master: _Master, position: int, minimize: bool, found: list[Equilibrium]
) -> tuple[Equilibrium | None, bool]:
    """User ``position``'s extreme over the master's equilibria, starting from those already found.

    Returns the equilibrium attaining it (None when there is none) and whether the search closed.
    """
    user = master.game.users[position]
    label = master.game.instance.users[user].label
    master.task = f"{label}'s {'worst' if minimize else 'best'} equilibrium: master solves"
    master.clear_bars()
    master.objective(position, minimize)
    best: Equilibrium | None = None
    if found:
        best = (min if minimize else max)(found, key=lambda e: _utility(e, user))
    if best is not None:
        master.raise_bar(position, minimize, _utility(best, user))
    try:
        while master.solve():
            equilibrium = master.check()
            if equilibrium is None:
                continue
            found.append(equilibrium)
            value = _utility(equilibrium, user)
            if best is not None and (
                value >= _utility(best, user) if minimize else value <= _utility(best, user)
            ):
                master.disagree(f"the master proposed an equilibrium of utility {value}, past its bar")
                return best, False
            best = equilibrium
            master.raise_bar(position, minimize, value)
    except _Stop as stop:
        master.notes.append(f"INCOMPLETE: {stop}; the extreme is the best verified so far")
        return best, False
    return best, True


def _solve_game(
    game: Game,
    policy: TiePolicy,
    delta: Fraction,
    solver: Any,
    deadline: float | None,
    limit: int,
    notes: list[str],
    positions: Sequence[int],
    progress: ProgressHook | None,
) -> tuple[_Master, dict[tuple[int, bool], tuple[Equilibrium | None, bool]]]:
    master = _Master(game, policy, delta, solver, deadline, limit, notes, progress)
    found: list[Equilibrium] = []
    answers: dict[tuple[int, bool], tuple[Equilibrium | None, bool]] = {}
    for position in positions:
        for minimize in (True, False):
            if answers and not found and all(closed for _, closed in answers.values()):
                # A closed search without any equilibrium proved there is none.
                answers[position, minimize] = (None, True)
                continue
            answers[position, minimize] = _extreme(master, position, minimize, found)
    return master, answers


def find_equilibrium_extremes(
    game: Game,
    delta: Fraction = ZERO,
    policy: TiePolicy = TiePolicy.FAVOURABLE,
    solver: Any = None,
    time_limit: float | None = None,
    selection_limit: int = DEFAULT_SELECTION_LIMIT,
    progress: ProgressHook | None = None,
) -> EquilibriumExtremes:
    """Whether an equilibrium exists, and every user's worst and best equilibrium utility (SPEC.md §5).

    The lazy-cut MIP of this module's docstring: no profile is enumerated, every master solution
    is verified exactly by the regret kernel, and each extreme is closed by the solver's verdict
    that the master with the bar raised past it is infeasible (:data:`LABEL`).

    Parameters
    ----------
    game : Game
        An anonymous game, or a personalized game (then δ must be 0: it splits by user).
    delta : Fraction
        δ ≥ 0 of δ-equilibrium.
    policy : TiePolicy
        How users break ties when a deviation is evaluated (SPEC.md §4).
    solver : pulp.LpSolver, optional
        The MIP solver; HiGHS (through highspy) with a relative gap of 0 by default.
    time_limit : float, optional
        Seconds for the whole search; when reached, ``optimal`` is False and each extreme is the
        best verified so far.
    selection_limit : int
        The kernel's limit on the best-response selections of one profile.
    progress : ProgressHook, optional
        Called before every master solve with the search's name and the solves so far.

    Returns
    -------
    EquilibriumExtremes
        Existence, each user's extremes with the equilibria attaining them, and how they were
        established.

    Raises
    ------
    ModelError
        For a negative δ or time limit, or a personalized game with δ > 0.
    """
    if delta < 0:
        raise ModelError(f"δ must be non-negative, got {delta}")
    if time_limit is not None and not time_limit > 0:
        raise ModelError(f"time_limit must be a positive number of seconds, got {time_limit!r}")
    delta = Fraction(delta)
    deadline = None if time_limit is None else time.monotonic() + time_limit
    notes: list[str] = []
    n = len(game.instance.users)
    masters: list[_Master] = []
    if game.mode is Mode.ANONYMOUS:
        master, answers = _solve_game(
            game, policy, delta, solver, deadline, selection_limit, notes, range(len(game.users)), progress
        )
        masters.append(master)
        exists: bool | None = any(a[0] is not None for a in answers.values()) or (
            False if all(closed for _, closed in answers.values()) else None
        )
        users = []
        for user in range(n):
            if user not in game.users:
                users.append(UserExtremes(user, None, None, (), (), True))
                continue
            position = game.users.index(user)
            (low, low_closed), (high, high_closed) = answers[position, True], answers[position, False]
            users.append(
                UserExtremes(
                    user,
                    None if low is None else _utility(low, user),
                    None if high is None else _utility(high, user),
                    () if low is None else (low,),
                    () if high is None else (high,),
                    low_closed and high_closed,
                )
            )
        profiles = game.profile_count()
    else:
        if delta != 0:
            raise ModelError(
                "the extremes MIP splits the personalized game by user, which needs δ = 0 (SPEC.md §5); "
                "use the enumeration or solve_equilibria_mip for δ > 0"
            )
        slices = game.split()
        results = []
        for part in slices:
            master, answers = _solve_game(
                part, policy, delta, solver, deadline, selection_limit, notes, [0], progress
            )
            masters.append(master)
            results.append(answers)
        every = all(r[0, True][0] is not None for r in results)
        closed = all(c for r in results for _, c in r.values())
        exists = True if every else (False if closed else None)
        any_equilibrium = [r[0, True][0] for r in results]
        users = []
        for index, user in enumerate(game.users):
            (low, low_closed), (high, high_closed) = results[index][0, True], results[index][0, False]
            if not every or low is None or high is None:
                users.append(UserExtremes(user, None, None, (), (), closed))
                continue

            def whole(mine: Equilibrium, index: int = index) -> tuple[Equilibrium, ...]:
                return tuple(
                    mine if i == index else e for i, e in enumerate(any_equilibrium) if e is not None
                )

            users.append(
                UserExtremes(
                    user,
                    _utility(low, user),
                    _utility(high, user),
                    whole(low),
                    whole(high),
                    low_closed and high_closed,
                )
            )
        profiles = slices[0].profile_count() if slices else 0
    optimal = all(u.optimal for u in users) and exists is not None
    return EquilibriumExtremes(
        game.mode,
        game.strategy_class,
        policy,
        delta,
        profiles,
        exists,
        tuple(users),
        optimal,
        all(master.exact for master in masters),
        sum(master.iterations for master in masters),
        sum(len(master.cuts) for master in masters),
        sum(master.rows for master in masters),
        tuple(notes),
    )
