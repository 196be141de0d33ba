"""What every claim of SPEC.md §8 shares: verdicts, settings, result rows and proof steps.

A claim has an id, a status (theorem, existence, open) and a checker that reads the instance's
:class:`~solver.analysis.Analysis` (shared by every claim checked on it) and returns a
:class:`ClaimResult`: **holds** (with the exact numbers), **vacuous** (which hypothesis fails) or
**counterexample** (an exact witness). An open question has no verdict of its own to report: its
result carries a **finding** (C7: the record ratio; C4: which theorem fails with which ties), and
reports show that instead of "holds" (:attr:`ClaimResult.outcome`). A claim made of parts (C5 (a)
and (b)) keeps each part's own result. Theorems can also instantiate their proof for one
equilibrium and user as a list of :class:`Step` inequalities, each re-checked exactly. A claim
also says what the counterexample search looks for on it (:class:`Search`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Protocol

from instances.generators import Sizes
from solver.analysis import Analysis
from solver.conversation.classes import DEFAULT_CLASS_LIMIT, Deterministic, StrategyClass
from solver.core.numbers import ZERO
from solver.equilibria.games import Mode
from solver.equilibria.regret import DEFAULT_SELECTION_LIMIT
from solver.oracle.problem import DEFAULT_CHOICE_LIMIT, OracleOptions
from solver.responses.information import DEFAULT_BENCHMARK_LIMIT
from solver.responses.response import DEFAULT_LAW_LIMIT, TiePolicy


class Verdict(enum.Enum):
    """A checker's verdict on one instance."""

    HOLDS = "holds"
    VACUOUS = "vacuous"
    COUNTEREXAMPLE = "counterexample"


FINDING = "finding"
"""The outcome shown for an open question's result: what was found, not whether a claim holds."""


class Status(enum.Enum):
    """What SPEC.md §8 says of a claim."""

    THEOREM = "theorem"
    EXISTENCE = "existence"
    OPEN = "open"


@dataclass(frozen=True)
class Setting:
    """How a claim was checked: the game, the class, ties for deviations, δ, and certification.

    Attributes
    ----------
    mode : Mode or None
        The game quantified over (None when the claim looks at both).
    class_name : str
        The strategy class of the equilibria.
    policy : TiePolicy
        Ties when deviations are evaluated.
    delta : Fraction
        δ of δ-equilibrium.
    certified_in_full : bool
        Whether the equilibria quantified over were certified against every mixed deviation.
    """

    mode: Mode | None
    class_name: str
    policy: TiePolicy = TiePolicy.FAVOURABLE
    delta: Fraction = ZERO
    certified_in_full: bool = False

    def to_json(self) -> dict[str, Any]:
        """The setting with exact strings."""
        return {
            "mode": None if self.mode is None else self.mode.value,
            "class": self.class_name,
            "tie_policy": self.policy.value,
            "delta": str(self.delta),
            "certified_in_full": self.certified_in_full,
        }


class Witness(Protocol):
    """An exact witness of a verdict (an equilibrium and the numbers that make it), as JSON."""

    def to_json(self) -> dict[str, Any]:
        """The witness with every number an exact string."""
        ...


@dataclass(frozen=True)
class Row:
    """One line of a verdict table: a user, a set T, the bound, the worst utility and the margin.

    Attributes
    ----------
    user : str
        The user's label.
    subset : tuple of int
        The set T: its provider indices in file order.
    subset_label : str
        T as printed (:func:`solver.conversation.garblings.subset_label`, or a name such as
        ``pooled`` for a row about another benchmark).
    bound, worst : Fraction or None
        The bound and her worst equilibrium utility.
    verdict : Verdict
        The row's verdict.
    note : str
        What the row rests on.
    """

    user: str
    subset: tuple[int, ...]
    subset_label: str
    bound: Fraction | None
    worst: Fraction | None
    verdict: Verdict
    note: str = ""

    @property
    def margin(self) -> Fraction | None:
        """``worst − bound`` (negative for a counterexample)."""
        if self.bound is None or self.worst is None:
            return None
        return self.worst - self.bound

    def to_json(self) -> dict[str, Any]:
        """The row with exact strings."""
        return {
            "user": self.user,
            "T": self.subset_label,
            "bound": None if self.bound is None else str(self.bound),
            "worst": None if self.worst is None else str(self.worst),
            "margin": None if self.margin is None else str(self.margin),
            "verdict": self.verdict.value,
            "note": self.note,
        }


@dataclass(frozen=True)
class ClaimResult:
    """A checker's answer on one instance.

    Attributes
    ----------
    claim : str
        The claim id (``C1`` ... ``C7``).
    status : Status
        Theorem, existence or open.
    verdict : Verdict
        Holds, vacuous or counterexample.
    setting : Setting
        How it was checked.
    rows : tuple of Row
        The table per user and T.
    reasons : tuple of str
        Which hypothesis fails (vacuous), what was found (holds) or what breaks (counterexample).
    witness : Witness or None
        An exact witness: the equilibrium and numbers that make the verdict.
    finding : str
        For an open question, what was found, in a few words (``record ratio 2``, ``C1 fails with
        adversarial ties``); empty otherwise.
    parts : tuple of ClaimResult
        For a claim made of parts, each part's own result (C5: ``C5a``, ``C5b``).
    """

    claim: str
    status: Status
    verdict: Verdict
    setting: Setting
    rows: tuple[Row, ...] = ()
    reasons: tuple[str, ...] = ()
    witness: Witness | None = field(default=None, compare=False)
    finding: str = ""
    parts: tuple[ClaimResult, ...] = ()

    @property
    def outcome(self) -> str:
        """What a report shows: ``finding`` for an open question's non-vacuous result, else the verdict."""
        if self.status is Status.OPEN and self.verdict is not Verdict.VACUOUS:
            return FINDING
        return self.verdict.value

    def to_json(self) -> dict[str, Any]:
        """The result as JSON: ``{"verdict", "status", "outcome", "finding", "details": {...}}``.

        ``finding`` is null except for an open question's finding; ``parts`` (claim id to the
        part's JSON, without its witness, which the claim's own witness holds) is present for a
        claim made of parts.
        """
        document: dict[str, Any] = {
            "verdict": self.verdict.value,
            "status": self.status.value,
            "outcome": self.outcome,
            "finding": self.finding or None,
            "details": {
                "setting": self.setting.to_json(),
                "rows": [r.to_json() for r in self.rows],
                "reasons": list(self.reasons),
                "witness": None if self.witness is None else self.witness.to_json(),
            },
        }
        if self.parts:
            document["parts"] = {p.claim: p.to_json() for p in self.parts}
            for part in document["parts"].values():
                del part["details"]["witness"]
        return document


@dataclass(frozen=True)
class Step:
    """One inequality of an instantiated proof: ``left relation right`` with exact numbers."""

    statement: str
    left: Fraction
    relation: str
    right: Fraction

    @property
    def holds(self) -> bool:
        """Whether the inequality holds exactly."""
        if self.relation == "≤":
            return self.left <= self.right
        if self.relation == "≥":
            return self.left >= self.right
        if self.relation == "<":
            return self.left < self.right
        if self.relation == ">":
            return self.left > self.right
        return self.left == self.right

    def to_json(self) -> dict[str, Any]:
        """The step with exact strings."""
        return {
            "statement": self.statement,
            "left": str(self.left),
            "relation": self.relation,
            "right": str(self.right),
            "holds": self.holds,
        }


@dataclass(frozen=True)
class Instantiation:
    """A proof written out for one equilibrium, user and set T.

    Attributes
    ----------
    claim : str
        The claim id.
    user : int
        User i.
    subset : tuple of int
        The set T.
    steps : tuple of Step
        The inequalities, in the order of the proof.
    """

    claim: str
    user: int
    subset: tuple[int, ...]
    steps: tuple[Step, ...]

    @property
    def holds(self) -> bool:
        """Whether every step holds."""
        return all(s.holds for s in self.steps)


@dataclass(frozen=True)
class CheckOptions:
    """What a checker quantifies over.

    Attributes
    ----------
    strategy_class : StrategyClass
        Finite class of the equilibria (``deterministic`` or ``grid:Q`` on the command line).
    delta : Fraction
        δ.
    policy : TiePolicy
        Ties for deviations.
    full : bool
        Certify the equilibria against every mixed deviation and quantify over the survivors.
    limit : int
        Largest class enumerated per provider (``--class-limit``).
    selection_limit : int
        Largest frontier of the users' tie selections kept at once (``--selection-limit``).
    choice_limit : int
        Most combinations of the users' choices the deviation oracle solves one by one; above it a
        bound is a MIP candidate, not certified exact (``--choice-limit``).
    law_limit : int
        Most distinct outcome laws among a user's best responses to one rule (``--law-limit``).
    benchmark_limit : int
        Most deterministic T-shared rules searched for a benchmark (``--benchmark-limit``).
    """

    strategy_class: StrategyClass = field(default_factory=Deterministic)
    delta: Fraction = ZERO
    policy: TiePolicy = TiePolicy.FAVOURABLE
    full: bool = False
    limit: int = DEFAULT_CLASS_LIMIT
    selection_limit: int = DEFAULT_SELECTION_LIMIT
    choice_limit: int = DEFAULT_CHOICE_LIMIT
    law_limit: int = DEFAULT_LAW_LIMIT
    benchmark_limit: int = DEFAULT_BENCHMARK_LIMIT

    @property
    def oracle(self) -> OracleOptions:
        """The deviation oracle's options for certification in ``full``."""
        return OracleOptions(limit=self.choice_limit)


def part_label(part: str) -> str:
    """How a part of a claim is written in reports: ``C5 (a)`` for the part ``C5a``.

    Parameters
    ----------
    part : str
        The part's id: the claim's id and a letter.

    Returns
    -------
    str
        The label.
    """
    return f"{part[:-1]} ({part[-1]})"


Checker = Callable[[Analysis, CheckOptions], ClaimResult]
"""A claim's checker: its result on the instance of an analysis, with the options given."""


class Kind(enum.Enum):
    """What a search for a claim looks for."""

    WITNESS = "witness"
    """An instance on which an existence claim's checker says HOLDS."""
    COUNTEREXAMPLE = "counterexample"
    """An instance on which the checker says COUNTEREXAMPLE."""
    RECORD = "record"
    """An instance that raises the record of an open claim's measured quantity (C7's ratio)."""


@dataclass(frozen=True)
class Search:
    """What the counterexample search looks for on a claim (or one of its parts), and where by default.

    Attributes
    ----------
    name : str
        The target's name (``C1``, ``C5a`` …).
    kind : Kind
        Witness, counterexample or record.
    family : str
        The default seeded family of :mod:`instances.generators`.
    sizes : Sizes
        The default sizes of that family.
    strategy : mapping
        Keyword arguments of :func:`proofs.strategies.search_instances`.
    description : str
        One line on what a kept instance shows.
    check : callable or None
        A part's own checker (C5's parts); None for the claim's.
    measure : callable or None
        For a record: the quantity a result measured (None when it measured none).
    goal : Fraction or None
        For a record: the value at which a measured quantity is a hit.
    note : callable or None
        The note recorded with a kept instance, from the checker's result (None: the verdict and
        its reasons).
    """

    name: str
    kind: Kind
    family: str
    sizes: Sizes = field(default_factory=Sizes)
    strategy: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    check: Checker | None = None
    measure: Callable[[ClaimResult], Fraction | None] | None = None
    goal: Fraction | None = None
    note: Callable[[ClaimResult], str | None] | None = None


@dataclass(frozen=True)
class Claim:
    """A claim of SPEC.md §8: its statement, its checker and what a search for it looks for.

    ``parts`` names a claim's parts and states each (C5: ``("C5a", "(a) ...")``), in the order of
    :attr:`ClaimResult.parts`; ``searches`` are its search targets (one per part for C5).
    """

    id: str
    title: str
    status: Status
    statement: str
    check: Checker
    modes: tuple[Mode, ...] = ()
    parts: tuple[tuple[str, str], ...] = ()
    searches: tuple[Search, ...] = ()
