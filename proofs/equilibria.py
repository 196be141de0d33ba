"""The equilibria a claim quantifies over: a finite class, optionally certified in ``full``.

Every claim reaches the equilibria through the instance's :class:`~solver.analysis.Analysis`, so
that a game solved for one claim is not solved again for another; the guarantees share their
preamble (:func:`quantify_guarantee`): vacuous when the class lacks the T-shared rules or the game
has no equilibrium.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol, TypeVar

from proofs.claim import CheckOptions, ClaimResult, Setting, Status, Verdict
from solver.analysis import Analysis
from solver.equilibria.games import Game, Mode
from solver.equilibria.results import Equilibrium, SolveResult


class _Stoppable(Protocol):
    @property
    def complete(self) -> bool: ...


_Result = TypeVar("_Result", bound=_Stoppable)


def finished(result: _Result) -> _Result:
    """The result of an engine, or ``KeyboardInterrupt`` when it stopped at Ctrl-C with a partial one.

    The enumeration and the certification in ``full`` catch Ctrl-C and return what they found; a
    claim's verdict over such a partial list would be wrong, so a checker passes the interruption on.

    Parameters
    ----------
    result : SolveResult or FullResult
        What the engine returned.

    Returns
    -------
    SolveResult or FullResult
        The same result, complete.

    Raises
    ------
    KeyboardInterrupt
        When the result is not complete.
    """
    if not result.complete:
        raise KeyboardInterrupt
    return result


@dataclass(frozen=True)
class Quantified:
    """Equilibria of one game with each user's worst utility and the equilibrium attaining it.

    Attributes
    ----------
    game : Game
        The game.
    equilibria : sequence of Equilibrium
        The equilibria quantified over (anonymous: whole profiles; personalized: users' slices that
        take part in an equilibrium of the whole game).
    count : int
        Number of equilibrium profiles of the whole game.
    worst : tuple of (Fraction or None)
        Per user, her lowest equilibrium utility.
    setting : Setting
        How they were obtained.
    """

    game: Game
    equilibria: Sequence[Equilibrium]
    count: int
    worst: tuple[Fraction | None, ...]
    setting: Setting

    def worst_equilibrium(self, user: int) -> Equilibrium | None:
        """An equilibrium in which the user gets her worst utility."""
        target = self.worst[user]
        for e in self.equilibria:
            for o in e.outcomes:
                if o.user == user and o.utility == target:
                    return e
        return None


def game(analysis: Analysis, mode: Mode, options: CheckOptions) -> Game:
    """The game a claim quantifies over, from the analysis (SPEC.md §5).

    Parameters
    ----------
    analysis : Analysis
        The instance's analysis.
    mode : Mode
        Personalized or anonymous.
    options : CheckOptions
        The class and the limits.

    Returns
    -------
    Game
        The analysis's game (its response tables shared with every other claim).
    """
    return analysis.game(mode, options.strategy_class, limit=options.limit, law_limit=options.law_limit)


def equilibria(analysis: Analysis, mode: Mode, options: CheckOptions) -> SolveResult:
    """Every equilibrium of the finite class, with the options' δ and tie policy (SPEC.md §5).

    Parameters
    ----------
    analysis : Analysis
        The instance's analysis.
    mode : Mode
        Personalized or anonymous.
    options : CheckOptions
        Class, δ, tie policy and limits.

    Returns
    -------
    SolveResult
        The equilibria, complete (:func:`finished`).
    """
    return finished(
        analysis.equilibria(
            mode,
            options.strategy_class,
            options.delta,
            options.policy,
            limit=options.limit,
            law_limit=options.law_limit,
            selection_limit=options.selection_limit,
        )
    )


def quantify(analysis: Analysis, mode: Mode, options: CheckOptions) -> Quantified:
    """Find the equilibria a claim is checked on (SPEC.md §5).

    Parameters
    ----------
    analysis : Analysis
        The instance's analysis.
    mode : Mode
        Personalized or anonymous.
    options : CheckOptions
        Class, δ, tie policy and whether to certify in ``full``.

    Returns
    -------
    Quantified
        The equilibria and each user's worst utility.
    """
    played = game(analysis, mode, options)
    finite = equilibria(analysis, mode, options)
    name = options.strategy_class.name
    if not options.full:
        setting = Setting(mode, name, options.policy, options.delta, False)
        return Quantified(played, finite.equilibria, finite.count, finite.worst, setting)
    full = finished(
        analysis.certification(
            mode,
            options.strategy_class,
            options.delta,
            options.policy,
            limit=options.limit,
            law_limit=options.law_limit,
            selection_limit=options.selection_limit,
            oracle=options.oracle,
        )
    )
    survivors = tuple(c.equilibrium for c in full.certifications if c.survives)
    setting = Setting(mode, f"full (from {name})", options.policy, options.delta, full.certified)
    return Quantified(played, survivors, full.count, full.worst, setting)


def vacuous(claim: str, status: Status, setting: Setting, reason: str) -> ClaimResult:
    """A vacuous result with its one reason: the hypothesis that fails.

    Parameters
    ----------
    claim : str
        The claim id.
    status : Status
        Its status.
    setting : Setting
        How it was checked.
    reason : str
        Which hypothesis fails.

    Returns
    -------
    ClaimResult
        The verdict VACUOUS.
    """
    return ClaimResult(claim, status, Verdict.VACUOUS, setting, reasons=(reason,))


def quantify_guarantee(
    analysis: Analysis,
    claim: str,
    status: Status,
    mode: Mode,
    options: CheckOptions,
    *,
    shown_mode: Mode | None = None,
    lacking: str = "every T-shared rule",
) -> Quantified | ClaimResult:
    """The equilibria a guarantee (C1, C3, C6, C7) is checked on, or why it is vacuous.

    A guarantee of SPEC.md §8 compares an equilibrium with a deviation to a T-shared rule: it is
    vacuous when the class lacks those rules (:attr:`StrategyClass.contains_shared_rules`), and
    when the game has no equilibrium in the class.

    Parameters
    ----------
    analysis : Analysis
        The instance's analysis.
    claim : str
        The claim id.
    status : Status
        Its status.
    mode : Mode
        The game quantified over.
    options : CheckOptions
        Class, δ, tie policy, certification in ``full`` and limits.
    shown_mode : Mode, optional
        The mode of the setting reported when the class lacks the rules (default: ``mode``).
    lacking : str
        What the class is said to lack.

    Returns
    -------
    Quantified or ClaimResult
        The equilibria, or the vacuous result with its reason.
    """
    name = options.strategy_class.name
    if not options.strategy_class.contains_shared_rules:
        setting = Setting(shown_mode or mode, name, options.policy, options.delta, False)
        return vacuous(claim, status, setting, f"class {name} does not contain {lacking}")
    quantified = quantify(analysis, mode, options)
    if quantified.count == 0:
        reason = f"the {mode.value} game has no equilibrium in this class"
        return vacuous(claim, status, quantified.setting, reason)
    return quantified
