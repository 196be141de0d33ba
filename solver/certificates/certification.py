"""Equilibria of ``full``: finite-class equilibria certified against every mixed deviation (SPEC.md §5, §9).

An equilibrium found in a finite class says only that no rule *of that class* does better. Here
each provider's supremum over all mixed rules is computed exactly by the deviation oracle, and the
equilibrium survives in ``full`` when some admissible best-response selection pays every provider
at least that supremum minus δ.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import NoReturn

from solver.conversation.rules import Rule
from solver.core.errors import ModelError
from solver.core.numbers import ZERO
from solver.core.progress import ProgressHook, report
from solver.equilibria.games import Game, Mode, respond_to_rules
from solver.equilibria.results import Equilibrium, SolveResult
from solver.oracle.deviation import DeviationBound, OracleOptions, solve_deviation

Option = tuple[int, tuple[Fraction, ...]]
"""A user's best-response selection at a profile: the provider she uses and every provider's payoff."""


class CertificationStatus(enum.Enum):
    """The verdict on one finite-class equilibrium in ``full``; each value is its text (printed, JSON).

    ``CertificationStatus("refuted")`` reads the text; any other text is refused with a
    :class:`ModelError` that names the allowed ones.
    """

    CERTIFIED = "certified"
    """Every deviation bound is certified exactly, so whether it survives is exact."""
    REFUTED = "refuted"
    """It is certainly not an equilibrium of ``full``: a certified deviation beats it."""
    SURVIVES_CANDIDATES = "survives the MIP candidates (not certified)"
    """No certified deviation beats it, but some bounds are MIP candidates only."""
    NOT_CERTIFIED = "NOT certified"
    """Some deviation bound could not be certified exactly."""

    @classmethod
    def _missing_(cls, value: object) -> NoReturn:
        raise ModelError(f"unknown certification status {value!r}; use one of {_allowed(cls)}")


class FullResultStatus(enum.Enum):
    """How far the survivors of a :class:`FullResult` can be trusted; each value is its text.

    ``FullResultStatus("certified exact")`` reads the text; any other text is refused with a
    :class:`ModelError` that names the allowed ones.
    """

    CERTIFIED_EXACT = "certified exact"
    """Every deviation bound of the equilibria checked is certified exactly."""
    CANDIDATES = (
        "not certified: some deviation bounds are MIP candidates, so every refutation is exact "
        "but a survivor may still have a better deviation"
    )
    """Every bound is at least a certified MIP candidate: an exact lower bound on the supremum."""
    NOT_CERTIFIED = "NOT certified"
    """Some deviation bound could not be certified exactly."""

    @classmethod
    def _missing_(cls, value: object) -> NoReturn:
        raise ModelError(f"unknown full result status {value!r}; use one of {_allowed(cls)}")


def _allowed(statuses: type[enum.Enum]) -> str:
    """The texts of an Enum's members, quoted, for a message."""
    return ", ".join(repr(member.value) for member in statuses)


@dataclass(frozen=True)
class SelectionCheck:
    """One best-response selection b at a profile, checked against every mixed deviation.

    Attributes
    ----------
    selection : tuple of Option
        Per user, her provider and the providers' payoffs from her under b.
    bounds : tuple of DeviationBound
        Each provider's supremum deviation payoff over all mixed rules, users reacting to a
        deviation as SPEC.md §4 says given b.
    regrets : tuple of Fraction
        Each provider's ``bound − payoff`` (0 for a provider with no other rule: one message).
    """

    selection: tuple[Option, ...]
    bounds: tuple[DeviationBound, ...]
    regrets: tuple[Fraction, ...]


@dataclass(frozen=True)
class FullCertification:
    """One finite-class equilibrium checked against every mixed deviation.

    Attributes
    ----------
    equilibrium : Equilibrium
        The equilibrium of the finite class.
    checks : tuple of SelectionCheck
        One per best-response selection b at the profile: deviation payoffs depend on b
        (SPEC.md §4, case 3), so each selection has its own bounds and regrets.
    survives : bool
        Whether some selection has every regret ≤ δ (for a personalized slice: ≤ δ on its own).
    certified : bool
        Whether every bound was certified exactly, so that ``survives`` is exact.
    delta : Fraction
        δ of δ-equilibrium.
    """

    equilibrium: Equilibrium
    checks: tuple[SelectionCheck, ...]
    survives: bool
    certified: bool
    delta: Fraction = ZERO

    @property
    def regrets(self) -> tuple[tuple[Fraction, ...], ...]:
        """For every best-response selection, each provider's ``bound − payoff``."""
        return tuple(c.regrets for c in self.checks)

    @property
    def reported(self) -> SelectionCheck:
        """The selection reported: the first that survives, else the first."""
        return next((c for c in self.checks if all(r <= self.delta for r in c.regrets)), self.checks[0])

    @property
    def bounds(self) -> tuple[DeviationBound, ...]:
        """Each provider's deviation bound at the reported selection."""
        return self.reported.bounds

    @property
    def all_bounds(self) -> tuple[DeviationBound, ...]:
        """Every bound computed, over all selections."""
        return tuple(b for c in self.checks for b in c.bounds)

    @property
    def refuted_exactly(self) -> bool:
        """Whether the profile is certainly not an equilibrium of ``full``.

        A bound that is only a MIP candidate is still certified as an exact lower bound on the
        supremum: regrets computed from it are lower bounds too, so a profile they reject is
        rejected exactly.
        """
        return not self.survives and all(b.candidate_certified for b in self.all_bounds)

    @property
    def status(self) -> CertificationStatus:
        """The verdict: certified, refuted, surviving the MIP candidates only, or not certified."""
        if self.certified:
            return CertificationStatus.CERTIFIED
        if self.refuted_exactly:
            return CertificationStatus.REFUTED
        if self.survives and all(b.candidate_certified for b in self.all_bounds):
            return CertificationStatus.SURVIVES_CANDIDATES
        return CertificationStatus.NOT_CERTIFIED


def selections(game: Game, rules: Sequence[Rule], users: Sequence[int]) -> list[list[Option]]:
    """Every best-response selection of each user at a profile: (provider used, payoff vector).

    Parameters
    ----------
    game : Game
        The game.
    rules : sequence of Rule
        One rule per provider.
    users : sequence of int
        The users.

    Returns
    -------
    list of list of (int, tuple of Fraction)
        Per user, her distinct selections.
    """
    result = []
    for i in users:
        options: list[Option] = []
        for k, response in respond_to_rules(game.instance, i, rules, game.law_limit):
            options.extend((k, v) for v in response.payoffs if (k, v) not in options)
        result.append(options)
    return result


def certify_equilibrium(
    game: Game, equilibrium: Equilibrium, delta: Fraction = ZERO, options: OracleOptions | None = None
) -> FullCertification:
    """Check one equilibrium against every mixed deviation of every provider, exactly.

    Parameters
    ----------
    game : Game
        The game the equilibrium was found in (anonymous, or a personalized one-user game).
    equilibrium : Equilibrium
        The equilibrium.
    delta : Fraction
        δ of δ-equilibrium.
    options : OracleOptions, optional
        How the deviation oracle covers the users' choices (default: exhaustive up to its limit,
        the MIP candidate above it).

    Returns
    -------
    FullCertification
        The bounds, the regrets of each selection and whether the equilibrium survives in ``full``.
    """
    users = equilibrium.users
    rules = [list(equilibrium.rules) for _ in users]
    oracle = options or OracleOptions()
    m = len(game.instance.providers)
    # With one message a provider has one rule: it has no deviation (SPEC.md §4, case 1).
    single = len(game.instance.protocol.provider_messages) == 1
    cache: dict[tuple[int, tuple[tuple[int, Fraction], ...]], DeviationBound] = {}

    def bound(j: int, kept: tuple[tuple[int, Fraction], ...]) -> DeviationBound:
        # Only a user with another provider keeps b_i (case 3); who was with j re-chooses (case 4).
        key = (j, tuple((k, p) if k != j else (k, ZERO) for k, p in kept))
        if key not in cache:
            cache[key] = solve_deviation(
                game.instance,
                j,
                users,
                rules,
                oracle.limit,
                method=oracle.method,
                time_limit=oracle.time_limit,
                selection=key[1],
            )
        return cache[key]

    checks = []
    for combination in itertools.product(*selections(game, equilibrium.rules, users)):
        bounds = tuple(bound(j, tuple((o[0], o[1][j]) for o in combination)) for j in range(m))
        totals = [sum((o[1][j] for o in combination), ZERO) for j in range(m)]
        regrets = tuple(ZERO if single else b.value - t for b, t in zip(bounds, totals))
        checks.append(SelectionCheck(tuple(combination), bounds, regrets))
    survives = any(all(r <= delta for r in c.regrets) for c in checks)
    certified = all(b.certified for b in cache.values())
    return FullCertification(equilibrium, tuple(checks), survives, certified, delta)


@dataclass(frozen=True)
class FullResult:
    """The finite-class result and each of its equilibria certified in ``full``.

    Attributes
    ----------
    finite : SolveResult
        Equilibria of the finite class searched.
    certifications : tuple of FullCertification
        One per equilibrium of ``finite``.
    count : int
        Number of equilibrium profiles of the whole game that survive in ``full`` (0 when an
        interrupted personalized certification leaves the users' games incomplete).
    worst, best : tuple of (Fraction or None)
        Per user, her lowest and highest utility over the surviving equilibria.
    certified : bool
        Whether every bound was certified exactly.
    complete : bool
        False when certification, or the search of the finite class before it (then
        ``finite.complete`` is False too), was interrupted: ``certifications`` holds the
        equilibria checked so far, and the counts and extremes are over those.
    """

    finite: SolveResult
    certifications: tuple[FullCertification, ...]
    count: int
    worst: tuple[Fraction | None, ...]
    best: tuple[Fraction | None, ...]
    certified: bool
    complete: bool = True

    @property
    def status(self) -> FullResultStatus:
        """How far the survivors can be trusted; interrupted, how far the equilibria checked can be."""
        # ``certified`` is False whenever the result is incomplete: judge the equilibria checked.
        if self.certified or (not self.complete and all(c.certified for c in self.certifications)):
            return FullResultStatus.CERTIFIED_EXACT
        if all(b.candidate_certified for c in self.certifications for b in c.all_bounds):
            return FullResultStatus.CANDIDATES
        return FullResultStatus.NOT_CERTIFIED

    def describe(self) -> str:
        """The status in words, as printed and in JSON.

        Returns
        -------
        str
            The text of :attr:`status` when complete. Interrupted, it says how many equilibria of
            the finite class were checked, how far their bounds are certified, and that the others
            are not certified at all.
        """
        trust = self.status.value
        if self.complete:
            return trust
        checked, found = len(self.certifications), len(self.finite.equilibria)
        name = self.finite.strategy_class.name
        searched = (
            f"the {found} equilibria of {name}"
            if self.finite.complete
            else f"the {found} equilibria found before the search of {name} was cut short (a partial list)"
        )
        if checked == 0:
            return f"INTERRUPTED: none of {searched} was checked in full; nothing is certified"
        return (
            f"INTERRUPTED: {checked} of {searched} checked ({trust}); "
            f"the other {found - checked} are not certified"
        )


def certify_result(
    game: Game,
    finite: SolveResult,
    options: OracleOptions | None = None,
    progress: ProgressHook | None = None,
) -> FullResult:
    """Certify every equilibrium of a finite-class result in ``full`` (SPEC.md §5).

    In the personalized game the whole game's condition is that, for every provider, the users'
    regrets add up to at most δ; the surviving profiles are recombined from the users' games.

    Parameters
    ----------
    game : Game
        The game searched.
    finite : SolveResult
        Its equilibria in a finite class.
    options : OracleOptions, optional
        How the deviation oracle covers the users' choices.
    progress : ProgressHook, optional
        Called after each equilibrium certified (:mod:`solver.core.progress`).

    Returns
    -------
    FullResult
        The certifications and the surviving counts and extremes. Interrupted (Ctrl-C), it holds
        the equilibria certified so far and says it is not complete.
    """
    delta = finite.delta
    slices = {} if game.mode is Mode.ANONYMOUS else {s.users[0]: s for s in game.split()}
    done: list[FullCertification] = []
    complete = True
    total = len(finite.equilibria)
    try:
        for e in finite.equilibria:
            done.append(certify_equilibrium(slices.get(e.users[0], game), e, delta, options))
            report(progress, "certifying in full", len(done), total)
    except KeyboardInterrupt:
        complete = False
    certifications = tuple(done)
    if game.mode is Mode.ANONYMOUS or not complete:
        survivors = [c for c in certifications if c.survives]
        count = len(survivors) if game.mode is Mode.ANONYMOUS else 0
    else:
        survivors, count = _recombine(game, certifications, delta)
    n = len(game.instance.users)
    worst: list[Fraction | None] = [None] * n
    best: list[Fraction | None] = [None] * n
    for c in survivors:
        for o in c.equilibrium.outcomes:
            low, high = worst[o.user], best[o.user]
            worst[o.user] = o.utility if low is None else min(low, o.utility)
            best[o.user] = o.utility if high is None else max(high, o.utility)
    return FullResult(
        finite,
        certifications,
        count,
        tuple(worst),
        tuple(best),
        complete and all(c.certified for c in certifications),
        complete,
    )


def _recombine(
    game: Game, certifications: Sequence[FullCertification], delta: Fraction
) -> tuple[list[FullCertification], int]:
    """Profiles of the whole personalized game whose users' regrets stay within δ.

    A deviation that changes provider j's rules for some users leaves the others' games, and so
    their responses, as they were: j's whole-game regret is the sum over users of the positive
    parts of its regrets in the users' games (SPEC.md §5: with δ = 0 the game splits).
    """
    by_user: dict[int, list[FullCertification]] = {i: [] for i in game.users}
    for c in certifications:
        by_user[c.equilibrium.users[0]].append(c)
    m = len(game.instance.providers)
    if delta == 0:
        survivors = [c for c in certifications if c.survives]
        count = 1
        for i in game.users:
            count *= sum(1 for c in by_user[i] if c.survives)
        return survivors, count
    users = list(by_user)
    used: set[int] = set()
    count = 0
    for combination in itertools.product(*(by_user[i] for i in users)):
        for regrets in itertools.product(*(c.regrets for c in combination)):
            if all(sum((max(r[j], ZERO) for r in regrets), ZERO) <= delta for j in range(m)):
                count += 1
                used.update(id(c) for c in combination)
                break
    return [c for c in certifications if id(c) in used], count
