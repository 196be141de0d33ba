"""Export a game over a finite class to Gambit's strategic-form ``.nfg`` format (SPEC.md §4, §5).

The exported game is the anonymous game, or one user's game of a personalized game
(:meth:`solver.equilibria.games.Game.split`), as a plain strategic-form game: the players are the providers,
each provider's strategies are its rules in class order (labelled ``r0``, ``r1``, ...), and the
payoffs are exact rationals under the **canonical** ties of SPEC.md §4: each user uses the first
provider, in file order, whose rule she values most, with her canonical strategy against it, and
provider j receives ``Σ_i λ_{j,i} E[U_{j,i}]``.

A pure Nash equilibrium of the exported game is therefore a profile σ with
``Π_j(r', σ_{-j}) ≤ Π_j(σ)`` for every provider j and rule r', both sides under canonical ties: the
equilibria that :func:`solver.equilibria.enumeration.solve_equilibria` reports with
``policy=TiePolicy.CANONICAL`` and ``canonical=True``. Gambit's tools (``gambit-enumpure``,
``pygambit.read_nfg``) read the file; this module does not need Gambit.

The file uses the outcome version of the format: each distinct payoff vector is written once as an
outcome, followed by the outcome of every contingency, the first provider's rule changing fastest.
"""

from __future__ import annotations

import itertools
import math
import os
import re
from collections.abc import Iterator
from fractions import Fraction

from solver.core.errors import ModelError
from solver.equilibria.games import Game, Mode

NFG_VERSION = "NFG 1 R"
"""The header of a strategic-form file with rational payoffs."""

_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f\\]|\s\s|^\s|\s$")


def strategy_label(index: int) -> str:
    """The label of a provider's rule in the exported game.

    Parameters
    ----------
    index : int
        The rule's position in the provider's class.

    Returns
    -------
    str
        ``r0``, ``r1``, ...
    """
    return f"r{index}"


def _quote(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


def _label(label: str, place: str) -> str:
    """A label as Gambit stores it, refused when Gambit would reject or alter it."""
    if _FORBIDDEN.search(label):
        raise ModelError(
            f"{place} {label!r} cannot be a Gambit label: Gambit labels have no control characters, no "
            f"backslash, no leading or trailing whitespace and no two consecutive whitespace characters; "
            f"rename it in the instance file"
        )
    return _quote(label)


def _title(game: Game) -> str:
    instance = game.instance
    name = " ".join(instance.title.replace("\\", "/").split()) or "pluralis game"
    name = "".join(c for c in name if c.isprintable())
    if game.mode is Mode.ANONYMOUS:
        what = "anonymous game"
    else:
        what = f"personalized game of user {instance.users[game.users[0]].label}"
    return _quote(f"{name}: {what}, class {game.strategy_class.name}")


def _check_exportable(game: Game) -> None:
    if game.mode is Mode.PERSONALIZED and len(game.users) != 1:
        raise ModelError(
            "the personalized game is exported one user at a time: export each game of Game.split()"
        )


def _canonical_payoffs(game: Game) -> tuple[int, Iterator[tuple[int, ...]]]:
    """Each profile's payoffs under canonical ties, in Gambit's contingency order.

    Returns the common denominator ``scale`` and the scaled integer payoff vectors, the first
    provider's rule changing fastest.
    """
    table = game.table.responses
    m = len(game.instance.providers)
    scale = math.lcm(
        1, *(p.denominator for user in table for provider in user for r in provider for p in r.canonical)
    )
    # Per user: each provider's rules as (rank of her value, scaled canonical payoff vector).
    users = []
    for user in table:
        values = sorted({r.value for provider in user for r in provider})
        rank = {v: k for k, v in enumerate(values)}
        users.append(
            [
                [(rank[r.value], tuple(int(p * scale) for p in r.canonical)) for r in provider]
                for provider in user
            ]
        )
    zero = (0,) * m

    def vectors() -> Iterator[tuple[int, ...]]:
        for reversed_profile in itertools.product(*(range(len(rules)) for rules in reversed(game.rules))):
            profile = reversed_profile[::-1]
            total = zero
            for user in users:
                best, vector = -1, zero
                for k in range(m):
                    value, payoff = user[k][profile[k]]
                    # Strictly greater: the first maximising provider in file order keeps her.
                    if value > best:
                        best, vector = value, payoff
                total = tuple(a + b for a, b in zip(total, vector))
            yield total

    return scale, vectors()


def game_to_nfg(game: Game) -> str:
    """Write a game as a Gambit strategic-form file with exact payoffs under canonical ties.

    Players are the providers (by label), strategies are each provider's rules in class order
    (``r0``, ``r1``, ...), and each contingency's payoffs are ``Σ_i λ_{j,i} E[U_{j,i}]`` with every
    user taking the first provider she values most and her canonical strategy (SPEC.md §4). Its
    pure Nash equilibria are the profiles where the canonical selection is an equilibrium
    selection under canonical deviations (SPEC.md §5).

    Parameters
    ----------
    game : Game
        An anonymous game, or one user's game of a personalized game (:meth:`Game.split`).

    Returns
    -------
    str
        The file's text, version ``NFG 1 R``, outcome version, payoffs as ``p/q``.

    Raises
    ------
    ModelError
        For a personalized game over several users, or a provider label Gambit cannot store.
    """
    _check_exportable(game)
    instance = game.instance
    players = " ".join(_label(p.label, "provider") for p in instance.providers)
    strategies = "\n".join(
        "{ " + " ".join(_quote(strategy_label(r)) for r in range(len(rules))) + " }" for rules in game.rules
    )
    scale, vectors = _canonical_payoffs(game)
    outcomes: dict[tuple[int, ...], int] = {}
    contingencies = [str(outcomes.setdefault(vector, len(outcomes) + 1)) for vector in vectors]
    lines = [
        f"{NFG_VERSION} {_title(game)} {{ {players} }}",
        "",
        "{ " + strategies + "\n}",
        '""',
        "",
        "{",
    ]
    for vector, index in outcomes.items():
        numbers = ", ".join(str(Fraction(p, scale)) for p in vector)
        lines.append(f'{{ "o{index}" {numbers} }}')
    lines.append("}")
    lines.append(" ".join(contingencies))
    return "\n".join(lines) + "\n"


def write_nfg(game: Game, path: str | os.PathLike[str]) -> None:
    """Write :func:`game_to_nfg` of a game to a file, in UTF-8.

    Parameters
    ----------
    game : Game
        An anonymous game, or one user's game of a personalized game.
    path : str or path-like
        Where to write the ``.nfg`` file.
    """
    text = game_to_nfg(game)
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
