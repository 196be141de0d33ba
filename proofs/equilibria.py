"""The equilibria a claim quantifies over: a finite class, optionally certified in ``full``."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol, TypeVar

from proofs.claim import CheckOptions, Setting
from solver.certificates.certification import certify_result
from solver.conversation.classes import parse_class
from solver.core.model import Instance
from solver.equilibria.enumeration import solve_equilibria
from solver.equilibria.games import Game, Mode
from solver.equilibria.results import Equilibrium


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
    equilibria : tuple of Equilibrium
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
    equilibria: tuple[Equilibrium, ...]
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


def quantify(instance: Instance, mode: Mode, options: CheckOptions) -> Quantified:
    """Find the equilibria a claim is checked on (SPEC.md §5).

    Parameters
    ----------
    instance : Instance
        The game.
    mode : Mode
        Personalized or anonymous.
    options : CheckOptions
        Class, δ, tie policy and whether to certify in ``full``.

    Returns
    -------
    Quantified
        The equilibria and each user's worst utility.
    """
    game = Game(
        instance,
        mode,
        parse_class(options.class_name, instance),
        limit=options.limit,
        law_limit=options.law_limit,
    )
    finite = finished(
        solve_equilibria(game, options.delta, options.policy, selection_limit=options.selection_limit)
    )
    if not options.full:
        setting = Setting(mode, options.class_name, options.policy, options.delta, False)
        return Quantified(game, finite.equilibria, finite.count, finite.worst, setting)
    full = finished(certify_result(game, finite, options.oracle))
    survivors = tuple(c.equilibrium for c in full.certifications if c.survives)
    setting = Setting(
        mode, f"full (from {options.class_name})", options.policy, options.delta, full.certified
    )
    return Quantified(game, survivors, full.count, full.worst, setting)
