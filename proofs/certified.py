"""Equilibria certified in ``full`` with a certificate the independent verifier accepts (SPEC.md §9).

The existence claims (C2, C5) back their witnesses with a certificate document: it embeds the
instance, the profile, the users' responses and every deviation LP's exact dual, and
:func:`solver.certificates.verify.verify_certificate` re-checks it without the search engines.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from solver.analysis import Analysis
from solver.certificates.certification import FullCertification
from solver.conversation.rules import Rule
from solver.core.errors import PluralisError
from solver.core.model import Instance
from solver.core.numbers import ZERO
from solver.equilibria.games import Game
from solver.equilibria.results import Equilibrium
from solver.oracle.problem import OracleOptions


@dataclass(frozen=True)
class Certified:
    """An equilibrium certified in ``full``, with its certificate and the verifier's verdict.

    Attributes
    ----------
    users : tuple of int
        The users of the game the equilibrium belongs to (all, or one personalized slice).
    rules : tuple of Rule
        Each provider's rule.
    utilities : tuple of Fraction
        Each of these users' utility.
    certificate : dict
        The certificate document (:mod:`solver.certificates.records`).
    valid : bool
        Whether :func:`solver.certificates.verify.verify_certificate` accepts it.
    reasons : tuple of str
        The verifier's reasons when it does not.
    """

    users: tuple[int, ...]
    rules: tuple[Rule, ...]
    utilities: tuple[Fraction, ...]
    certificate: dict[str, Any]
    valid: bool
    reasons: tuple[str, ...] = ()

    def to_json(self, instance: Instance) -> dict[str, Any]:
        """The certified equilibrium as JSON: its users, rules, utilities and verified certificate.

        Parameters
        ----------
        instance : Instance
            The game (for its labels).

        Returns
        -------
        dict
            ``{"users", "rules", "utilities", "certificate_valid", "certificate"}``.
        """
        return {
            "users": [instance.users[i].label for i in self.users],
            "rules": self.certificate["rules"],
            "utilities": {instance.users[i].label: str(u) for i, u in zip(self.users, self.utilities)},
            "certificate_valid": self.valid,
            "certificate": self.certificate,
        }


def _verified(users: tuple[int, ...], rules: tuple[Rule, ...], document: dict[str, Any]) -> Certified:
    # The certificates' writer and verifier are imported when a certificate is written (an
    # equilibrium certified in full, a commitment), not by every check.
    from solver.certificates.verify import verify_certificate

    verification = verify_certificate(document)
    utilities = tuple(Fraction(document["responses"][label]["utility"]) for label in document["users"])
    return Certified(users, rules, utilities, document, verification.valid, verification.reasons)


def certify_finite(
    analysis: Analysis,
    game: Game,
    equilibrium: Equilibrium,
    delta: Fraction = ZERO,
    oracle: OracleOptions | None = None,
) -> tuple[FullCertification, Certified | None]:
    """Certify a finite-class equilibrium in ``full`` and, when it survives, write its certificate.

    Parameters
    ----------
    analysis : Analysis
        The instance's analysis (it certifies each equilibrium once).
    game : Game
        The game the equilibrium was found in (anonymous, or a personalized one-user slice).
    equilibrium : Equilibrium
        The equilibrium.
    delta : Fraction
        δ.
    oracle : OracleOptions, optional
        How the deviation oracle covers the users' choices.

    Returns
    -------
    tuple
        The certification, and the verified certificate (None when the equilibrium does not
        survive every mixed deviation or a bound could not be certified exactly).
    """
    certification = analysis.certify_equilibrium(game, equilibrium, delta, oracle)
    if not (certification.survives and certification.certified):
        return certification, None
    from solver.certificates.records import certificate_from_certification

    document = certificate_from_certification(game.instance, certification, delta)
    return certification, _verified(equilibrium.users, equilibrium.rules, document)


def certify_commitment(
    analysis: Analysis, users: tuple[int, ...], oracle: OracleOptions | None = None
) -> Certified | None:
    """A single provider's optimal commitment towards some users, with its certificate.

    With one provider, an equilibrium of ``full`` is an optimal commitment: the persuasion
    optimum over every mixed rule (:func:`solver.oracle.deviation.solve_commitment`).

    Parameters
    ----------
    analysis : Analysis
        The analysis of a game with one provider.
    users : tuple of int
        The users the rule is offered to (one user: a personalized game's slice).
    oracle : OracleOptions, optional
        How the oracle covers the users' choices.

    Returns
    -------
    Certified or None
        The commitment and its verified certificate; None when the bound is not certified exactly.
    """
    from solver.certificates.records import build_certificate

    bound = analysis.commitment(users, oracle)
    if not bound.certified:
        return None
    try:
        document = build_certificate(analysis.instance, users, [bound.rule], [bound])
    except PluralisError:
        return None
    return _verified(users, (bound.rule,), document)


def is_uninformative(rule: Rule) -> bool:
    """Whether a rule is constant in the provider's signal: every signal row is the same.

    Parameters
    ----------
    rule : Rule
        A provider rule (one row per signal).

    Returns
    -------
    bool
        True when all rows are identical (the rule may still depend on what the user says).
    """
    return all(row == rule.table[0] for row in rule.table)
