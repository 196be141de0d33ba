"""Fitting alignment from data (SPEC.md §10).

A :class:`UtilityTable` holds the utilities of providers and of user groups on the same
(item, action) pairs, read exactly from a CSV file. Each group is fitted as a non-negative
combination of a set T of provider columns with a free intercept:

- in the least-squares sense (:func:`fit_nonnegative`): centre, then non-negative least squares
  (:func:`scipy.optimize.nnls`). The weights, intercept, RMSE and transfer factor are
  **floating-point estimates**, labelled so wherever they are reported;
- in the sup norm (:func:`fit_sup_norm`): the exact linear program of SPEC.md §7 (weights on the
  simplex over T, free offset), solved and certified by :func:`solver.responses.alignment.weak_alignment`.
  Its error, weights and transfer factor are exact rationals.

Baselines (:func:`fit_best_single`, :func:`fit_uniform`) and sweeps over the number of providers
and over subsets T (:func:`sweep_providers`, :func:`sweep_subsets`) complete the picture.

Which comparison between the two fits is a theorem. For *fixed* weights and offset with residuals
``e_1..e_n``, ``max_r |e_r| ≥ sqrt(mean_r e_r²)``. Hence over the §7 feasible set
``F = {w ∈ Δ(T), c ∈ ℝ}`` the sup-norm optimum satisfies ``ε*(T) = min_F max|e| ≥ min_F RMS(e)``,
and since the NNLS feasible set ``F' = {w ≥ 0, c ∈ ℝ}`` contains F, ``min_F RMS ≥ min_F' RMS``,
the NNLS RMSE. So ``ε*(T) ≥ RMSE_NNLS(T)`` always; the reverse comparison, or one between the two
transfer factors, is not a theorem (NNLS weights need not sum to one).
"""

from __future__ import annotations

import csv
import io
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from solver.core.documents import read_text
from solver.core.errors import InstanceError, ModelError
from solver.core.model import Instance, Protocol, Provider, Stake, User, World
from solver.core.numbers import ONE, ZERO, parse_number

PROVIDER_PREFIX = "provider:"
GROUP_PREFIX = "group:"
_ROW_KEYS = ("item", "action")


class TableError(InstanceError):
    """A utility table or stakes file breaks a rule of its format (place, then the remedy)."""


# -- the table -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UtilityTable:
    """Utilities of providers and user groups on (item, action) pairs, exact (SPEC.md §10).

    Attributes
    ----------
    rows : tuple of (str, str)
        The (item, action) pairs, in file order.
    providers, groups : tuple of str
        Column labels, without their ``provider:`` / ``group:`` prefix.
    provider_values : tuple of tuple of Fraction
        ``provider_values[j][r]``: provider j's utility on row r.
    group_values : tuple of tuple of Fraction
        ``group_values[i][r]``: group i's utility on row r.
    stakes : tuple of tuple of Fraction
        ``stakes[j][i] = λ_{j,i} ≥ 0``; all ones unless a stakes file was given.
    comments : tuple of str
        Leading ``#`` lines of the file (a synthetic table says so there).
    """

    rows: tuple[tuple[str, str], ...]
    providers: tuple[str, ...]
    groups: tuple[str, ...]
    provider_values: tuple[tuple[Fraction, ...], ...]
    group_values: tuple[tuple[Fraction, ...], ...]
    stakes: tuple[tuple[Fraction, ...], ...] = ()
    comments: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.stakes:
            object.__setattr__(self, "stakes", tuple(tuple(ONE for _ in self.groups) for _ in self.providers))
        if not self.rows:
            raise TableError("rows", "the table has no (item, action) rows")
        if not self.providers or not self.groups:
            raise TableError("header", "the table needs at least one provider column and one group column")
        for kind, labels, values in (
            ("provider", self.providers, self.provider_values),
            ("group", self.groups, self.group_values),
        ):
            if len(set(labels)) != len(labels):
                raise TableError("header", f"a {kind} label appears twice; labels must be unique")
            if len(values) != len(labels) or any(len(v) != len(self.rows) for v in values):
                raise TableError(kind, f"give one value per row for every {kind}")
        if len(set(self.rows)) != len(self.rows):
            raise TableError("rows", "an (item, action) pair appears twice; each pair has one row")
        if len(self.stakes) != len(self.providers) or any(len(s) != len(self.groups) for s in self.stakes):
            raise TableError("stakes", "give one stake per (provider, group) pair")
        for j, row in enumerate(self.stakes):
            for i, weight in enumerate(row):
                if weight < 0:
                    raise TableError(
                        f"stakes[{self.providers[j]}][{self.groups[i]}]", f"stake {weight} is negative"
                    )

    @cached_property
    def provider_matrix(self) -> np.ndarray:
        """Floating-point copy of the provider columns, shape (rows, providers)."""
        return np.array([[float(v) for v in column] for column in self.provider_values]).T

    @cached_property
    def group_matrix(self) -> np.ndarray:
        """Floating-point copy of the group columns, shape (rows, groups)."""
        return np.array([[float(v) for v in column] for column in self.group_values]).T

    def provider_index(self, label: str) -> int:
        """Position of a provider column, by label.

        Parameters
        ----------
        label : str
            The provider label.

        Returns
        -------
        int
            Its index.
        """
        if label not in self.providers:
            raise ModelError(f"unknown provider {label!r}; known: {', '.join(self.providers)}")
        return self.providers.index(label)

    def group_index(self, label: str) -> int:
        """Position of a group column, by label.

        Parameters
        ----------
        label : str
            The group label.

        Returns
        -------
        int
            Its index.
        """
        if label not in self.groups:
            raise ModelError(f"unknown group {label!r}; known: {', '.join(self.groups)}")
        return self.groups.index(label)

    def with_stakes(self, stakes: Sequence[Sequence[Fraction]]) -> UtilityTable:
        """The same table with other stakes.

        Parameters
        ----------
        stakes : sequence of sequence of Fraction
            ``stakes[j][i]``.

        Returns
        -------
        UtilityTable
            A new table.
        """
        return UtilityTable(
            self.rows,
            self.providers,
            self.groups,
            self.provider_values,
            self.group_values,
            tuple(tuple(row) for row in stakes),
            self.comments,
        )


def parse_table(text: str, name: str = "<table>") -> UtilityTable:
    """Read a utility table from CSV text.

    The header is ``item,action`` followed by columns named ``provider:LABEL`` and
    ``group:LABEL`` (in any order); every other cell holds an exact number (an int, ``"p/q"`` or a
    decimal such as ``0.125``, read exactly). Lines starting with ``#`` before the header are kept
    as comments.

    Parameters
    ----------
    text : str
        The CSV text.
    name : str
        Its name, for messages.

    Returns
    -------
    UtilityTable
        The table, with unit stakes.
    """
    lines = text.splitlines()
    comments = []
    while lines and lines[0].startswith("#"):
        comments.append(lines.pop(0)[1:].strip())
    records = list(csv.reader(io.StringIO("\n".join(lines))))
    records = [r for r in records if any(cell.strip() for cell in r)]
    if not records:
        raise TableError(
            name, "the table is empty; the first line is the header item,action,provider:..,group:.."
        )
    header = [cell.strip() for cell in records[0]]
    if tuple(header[:2]) != _ROW_KEYS:
        raise TableError(f"{name}: header", "must start with the columns item,action")
    providers: list[tuple[int, str]] = []
    groups: list[tuple[int, str]] = []
    for k, cell in enumerate(header[2:], start=2):
        if cell.startswith(PROVIDER_PREFIX) and cell[len(PROVIDER_PREFIX) :]:
            providers.append((k, cell[len(PROVIDER_PREFIX) :]))
        elif cell.startswith(GROUP_PREFIX) and cell[len(GROUP_PREFIX) :]:
            groups.append((k, cell[len(GROUP_PREFIX) :]))
        else:
            raise TableError(
                f"{name}: header[{k}]",
                f"column {cell!r} is neither 'provider:LABEL' nor 'group:LABEL'; mark which it is",
            )
    rows: list[tuple[str, str]] = []
    values: dict[int, list[Fraction]] = {k: [] for k, _ in (*providers, *groups)}
    for line, record in enumerate(records[1:], start=2):
        if len(record) != len(header):
            raise TableError(f"{name}: row {line}", f"has {len(record)} cells, the header {len(header)}")
        rows.append((record[0].strip(), record[1].strip()))
        for k in values:
            values[k].append(parse_number(record[k].strip(), f"{name}: row {line}, column {header[k]}"))
    return UtilityTable(
        tuple(rows),
        tuple(label for _, label in providers),
        tuple(label for _, label in groups),
        tuple(tuple(values[k]) for k, _ in providers),
        tuple(tuple(values[k]) for k, _ in groups),
        comments=tuple(comments),
    )


def parse_stakes(text: str, table: UtilityTable, name: str = "<stakes>") -> UtilityTable:
    """Attach stakes ``λ_{j,i}`` read from CSV text with header ``provider,group,weight``.

    Pairs not listed keep stake 1.

    Parameters
    ----------
    text : str
        The CSV text (``#`` lines are skipped).
    table : UtilityTable
        The table the stakes belong to.
    name : str
        Its name, for messages.

    Returns
    -------
    UtilityTable
        The table with these stakes.
    """
    lines = [line for line in text.splitlines() if not line.startswith("#") and line.strip()]
    records = list(csv.reader(io.StringIO("\n".join(lines))))
    if not records or [c.strip() for c in records[0]] != ["provider", "group", "weight"]:
        raise TableError(f"{name}: header", "must be provider,group,weight")
    stakes = [list(row) for row in table.stakes]
    for line, record in enumerate(records[1:], start=2):
        if len(record) != 3:
            raise TableError(f"{name}: row {line}", "give provider,group,weight")
        place = f"{name}: row {line}"
        provider, group = record[0].strip(), record[1].strip()
        if provider not in table.providers:
            raise TableError(place, f"unknown provider {provider!r}; known: {', '.join(table.providers)}")
        if group not in table.groups:
            raise TableError(place, f"unknown group {group!r}; known: {', '.join(table.groups)}")
        stakes[table.providers.index(provider)][table.groups.index(group)] = parse_number(
            record[2].strip(), f"{place}, weight"
        )
    return table.with_stakes(stakes)


def read_table(path: str | Path, stakes: str | Path | None = None) -> UtilityTable:
    """Read a utility table file, and optionally its stakes file.

    Parameters
    ----------
    path : str or Path
        The table CSV (see :func:`parse_table`).
    stakes : str or Path, optional
        The stakes CSV (see :func:`parse_stakes`); unit stakes when omitted.

    Returns
    -------
    UtilityTable
        The table.
    """
    table = parse_table(_read_text(Path(path)), str(path))
    if stakes is not None:
        table = parse_stakes(_read_text(Path(stakes)), table, str(stakes))
    return table


def _read_text(path: Path) -> str:
    # Bounded like every file read (--max-file-size); UTF-8, a BOM accepted.
    return read_text(path, error=TableError)


def table_to_csv(table: UtilityTable) -> str:
    """Write a table as CSV text (comments first), readable by :func:`parse_table`.

    Parameters
    ----------
    table : UtilityTable
        The table.

    Returns
    -------
    str
        The text; numbers as ints or ``p/q``.
    """
    out = io.StringIO()
    for comment in table.comments:
        out.write(f"# {comment}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            *_ROW_KEYS,
            *(PROVIDER_PREFIX + p for p in table.providers),
            *(GROUP_PREFIX + g for g in table.groups),
        ]
    )
    for r, (item, action) in enumerate(table.rows):
        writer.writerow(
            [
                item,
                action,
                *(str(column[r]) for column in table.provider_values),
                *(str(column[r]) for column in table.group_values),
            ]
        )
    return out.getvalue()


def stakes_to_csv(table: UtilityTable) -> str:
    """Write a table's stakes as CSV text readable by :func:`parse_stakes`.

    Parameters
    ----------
    table : UtilityTable
        The table.

    Returns
    -------
    str
        ``provider,group,weight`` rows.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["provider", "group", "weight"])
    for j, provider in enumerate(table.providers):
        for i, group in enumerate(table.groups):
            writer.writerow([provider, group, str(table.stakes[j][i])])
    return out.getvalue()


# -- least-squares fits (floating-point estimates) ---------------------------------------------------


@dataclass(frozen=True)
class LeastSquaresFit:
    """A least-squares fit of one group by provider columns; every number a floating-point estimate.

    Attributes
    ----------
    group : str
        The group.
    providers : tuple of str
        The set T; ``weights`` follows it.
    weights : tuple of float
        ``w_{j,i} ≥ 0`` (not constrained to sum to one).
    intercept : float
        ``c_i``.
    rmse : float
        Root-mean-square residual over the rows.
    transfer_factor : float
        ``Σ_j w_{j,i}/λ_{j,i}`` (``inf`` when a positive weight meets a zero stake).
    method : str
        ``nnls``, ``best-single`` or ``uniform``.
    """

    group: str
    providers: tuple[str, ...]
    weights: tuple[float, ...]
    intercept: float
    rmse: float
    transfer_factor: float
    method: str


def _columns(table: UtilityTable, providers: Iterable[str | int] | None) -> tuple[int, ...]:
    if providers is None:
        return tuple(range(len(table.providers)))
    chosen = sorted({p if isinstance(p, int) else table.provider_index(p) for p in providers})
    if not chosen:
        raise ModelError("a set T of providers must not be empty")
    for p in chosen:
        if not 0 <= p < len(table.providers):
            raise ModelError(f"provider index {p} out of range")
    return tuple(chosen)


def _group(table: UtilityTable, group: str | int) -> int:
    index = group if isinstance(group, int) else table.group_index(group)
    if not 0 <= index < len(table.groups):
        raise ModelError(f"group index {index} out of range")
    return index


def _float_transfer(
    table: UtilityTable, group: int, columns: Sequence[int], weights: Sequence[float]
) -> float:
    total = 0.0
    for j, w in zip(columns, weights):
        if w > 0:
            stake = table.stakes[j][group]
            if stake == 0:
                return math.inf
            total += w / float(stake)
    return total


def _least_squares_fit(
    table: UtilityTable, group: int, columns: Sequence[int], weights: np.ndarray, method: str
) -> LeastSquaresFit:
    x = table.provider_matrix[:, list(columns)]
    y = table.group_matrix[:, group]
    intercept = float(np.mean(y - x @ weights))
    residual = x @ weights + intercept - y
    return LeastSquaresFit(
        table.groups[group],
        tuple(table.providers[j] for j in columns),
        tuple(float(w) for w in weights),
        intercept,
        float(np.sqrt(np.mean(residual**2))),
        _float_transfer(table, group, columns, [float(w) for w in weights]),
        method,
    )


def fit_nonnegative(
    table: UtilityTable, group: str | int, providers: Iterable[str | int] | None = None
) -> LeastSquaresFit:
    """Fit ``u_i ≈ Σ_{j∈T} w_j U_j + c`` with ``w ≥ 0`` by least squares (SPEC.md §10).

    The columns are centred, the weights found by non-negative least squares on the centred data
    (which makes the intercept free), and the intercept is the mean residual. Floating point.

    Parameters
    ----------
    table : UtilityTable
        The data.
    group : str or int
        Group i.
    providers : iterable of str or int, optional
        The set T (default: every provider).

    Returns
    -------
    LeastSquaresFit
        Weights, intercept, RMSE and transfer factor (floating-point estimates).
    """
    i = _group(table, group)
    columns = _columns(table, providers)
    x = table.provider_matrix[:, list(columns)]
    y = table.group_matrix[:, i]
    from scipy.optimize import nnls  # imported here: every other command starts without scipy

    weights, _ = nnls(x - x.mean(axis=0), y - y.mean())
    return _least_squares_fit(table, i, columns, weights, "nnls")


def fit_best_single(
    table: UtilityTable, group: str | int, providers: Iterable[str | int] | None = None
) -> LeastSquaresFit:
    """Baseline: the best single provider in T with an affine fit ``u_i ≈ a U_j + c``, ``a ≥ 0``.

    The slope is kept non-negative, as in every fit of SPEC.md §10 (this is the NNLS fit with
    ``T = {j}``), and the provider of least RMSE is returned. Floating point.

    Parameters
    ----------
    table : UtilityTable
        The data.
    group : str or int
        Group i.
    providers : iterable of str or int, optional
        The candidates (default: every provider).

    Returns
    -------
    LeastSquaresFit
        The best one-provider fit; ``providers`` names the chosen provider.
    """
    fits = [fit_nonnegative(table, group, [j]) for j in _columns(table, providers)]
    best = min(fits, key=lambda f: f.rmse)
    return LeastSquaresFit(
        best.group,
        best.providers,
        best.weights,
        best.intercept,
        best.rmse,
        best.transfer_factor,
        "best-single",
    )


def fit_uniform(
    table: UtilityTable, group: str | int, providers: Iterable[str | int] | None = None
) -> LeastSquaresFit:
    """Baseline: the uniform average of the providers in T plus the best intercept.

    Parameters
    ----------
    table : UtilityTable
        The data.
    group : str or int
        Group i.
    providers : iterable of str or int, optional
        The set T (default: every provider).

    Returns
    -------
    LeastSquaresFit
        Weights ``1/|T|``, intercept, RMSE and transfer factor (floating-point estimates).
    """
    i = _group(table, group)
    columns = _columns(table, providers)
    weights = np.full(len(columns), 1.0 / len(columns))
    return _least_squares_fit(table, i, columns, weights, "uniform")


def rmse_of(
    table: UtilityTable,
    group: str | int,
    providers: Iterable[str | int],
    weights: Sequence[Fraction],
    offset: Fraction,
) -> Fraction:
    """The exact mean squared residual of given weights and offset; its square root is the RMSE.

    Parameters
    ----------
    table : UtilityTable
        The data.
    group : str or int
        Group i.
    providers : iterable of str or int
        The set T; ``weights`` follows its table order.
    weights : sequence of Fraction
        ``w_j``.
    offset : Fraction
        ``c``.

    Returns
    -------
    Fraction
        ``mean_r (Σ_j w_j U_j(r) + c − u_i(r))²``, exactly.
    """
    i = _group(table, group)
    columns = _columns(table, providers)
    total = ZERO
    for r in range(len(table.rows)):
        residual = sum((w * table.provider_values[j][r] for j, w in zip(columns, weights)), ZERO)
        residual += offset - table.group_values[i][r]
        total += residual * residual
    return total / len(table.rows)


# -- the exact sup-norm fit (SPEC.md §7) -------------------------------------------------------------


@dataclass(frozen=True)
class SupNormFit:
    """The exact sup-norm fit of one group by a set T (the Weak Market Alignment LP of SPEC.md §7).

    Attributes
    ----------
    group : str
        The group.
    providers : tuple of str
        The set T; ``weights`` follows it.
    weights : tuple of Fraction
        On the simplex over T: among the least-error weights, those of least transfer factor.
    offset : Fraction
        ``c_i``, in table units.
    error : Fraction
        ``ε*_i(T) = min max_r |Σ_j w_j U_j(r) + c − u_i(r)|``, in table units, exact.
    transfer_factor : Fraction or None
        ``Σ_j w_j/λ_{j,i}`` (None: infinite).
    certified : bool
        Whether the linear programs' optima were certified in exact arithmetic.
    """

    group: str
    providers: tuple[str, ...]
    weights: tuple[Fraction, ...]
    offset: Fraction
    error: Fraction
    transfer_factor: Fraction | None
    certified: bool


@dataclass(frozen=True)
class AlignmentModel:
    """A table as an instance, so that the alignment LPs of SPEC.md §7 apply to it unchanged.

    One state per (item, action) row, one action per group, every value mapped into [0, 1] by one
    common affine map ``v ↦ (v − low) / scale``; weights on the simplex are unchanged by it, and
    errors and offsets are multiplied back by ``scale``.
    """

    table: UtilityTable
    instance: Instance
    low: Fraction
    scale: Fraction


def alignment_model(table: UtilityTable) -> AlignmentModel:
    """Build the :class:`AlignmentModel` of a table.

    Parameters
    ----------
    table : UtilityTable
        The data.

    Returns
    -------
    AlignmentModel
        The instance and the affine map.
    """
    values = [v for column in (*table.provider_values, *table.group_values) for v in column]
    low, high = min(values), max(values)
    scale = high - low if high > low else ONE

    def mapped(column: Sequence[Fraction]) -> tuple[tuple[Fraction, ...]]:
        return (tuple((v - low) / scale for v in column),)

    n = len(table.rows)
    states = tuple(f"r{r}" for r in range(n))
    providers = tuple(Provider(label, ("s",)) for label in table.providers)
    users = tuple(
        User(label, ("act",), mapped(column)) for label, column in zip(table.groups, table.group_values)
    )
    worlds = tuple(World(f"w{r}", Fraction(1, n), states[r], ("s",) * len(providers)) for r in range(n))
    stakes = tuple(
        tuple(Stake(table.stakes[j][i], mapped(column)) for i in range(len(table.groups)))
        for j, column in enumerate(table.provider_values)
    )
    instance = Instance(
        states,
        providers,
        users,
        worlds,
        stakes,
        Protocol(("P",), ("m",), ()),
        title="utility table",
    )
    return AlignmentModel(table, instance, low, scale)


def fit_sup_norm(
    table: UtilityTable | AlignmentModel, group: str | int, providers: Iterable[str | int] | None = None
) -> SupNormFit:
    """The exact sup-norm fit of SPEC.md §7 on a table (weights in the simplex, free offset).

    Solved by :func:`solver.responses.alignment.weak_alignment` on the table's :class:`AlignmentModel`;
    every number is exact.

    Parameters
    ----------
    table : UtilityTable or AlignmentModel
        The data (pass an :class:`AlignmentModel` to reuse it over many fits).
    group : str or int
        Group i.
    providers : iterable of str or int, optional
        The set T (default: every provider).

    Returns
    -------
    SupNormFit
        ``ε*_i(T)``, weights, offset and transfer factor, in table units.
    """
    from solver.responses.alignment import weak_alignment

    model = table if isinstance(table, AlignmentModel) else alignment_model(table)
    data = model.table
    i = _group(data, group)
    columns = _columns(data, providers)
    found = weak_alignment(model.instance, i, columns)
    return SupNormFit(
        data.groups[i],
        tuple(data.providers[j] for j in columns),
        tuple(found.weights),
        found.offset * model.scale,
        found.error * model.scale,
        found.transfer_factor,
        found.certified,
    )


@dataclass(frozen=True)
class BoundFit:
    """The weights minimising C1's loss ``2 ε + δ Σ_j w_j/λ_{j,i}`` on a table (SPEC.md §8, C1).

    Attributes
    ----------
    group : str
        The group.
    providers : tuple of str
        The set T; ``weights`` follows it.
    delta : Fraction
        δ, in table units.
    bound : Fraction or None
        The exact minimum of ``2 ε + δ Σ_j w_j/λ_{j,i}`` over the weights on the providers of T
        with a stake in the group (the support rule of SPEC.md §8), in table units; None when no
        provider of T has one.
    weights : tuple of Fraction or None
        A minimiser.
    error : Fraction or None
        Its sup-norm error (table units).
    transfer_factor : Fraction or None
        Its ``Σ_j w_j/λ_{j,i}``.
    certified : bool
        Whether the optimum was certified in exact arithmetic.
    """

    group: str
    providers: tuple[str, ...]
    delta: Fraction
    bound: Fraction | None
    weights: tuple[Fraction, ...] | None
    error: Fraction | None
    transfer_factor: Fraction | None
    certified: bool


def fit_bound(
    table: UtilityTable | AlignmentModel,
    group: str | int,
    providers: Iterable[str | int] | None = None,
    delta: Fraction = ONE,
) -> BoundFit:
    """The exact weights of least C1 loss ``2 ε + δ Σ_j w_j/λ_{j,i}`` (on the providers with a stake).

    Solved by :func:`solver.responses.alignment.best_bound_weights` on the table's :class:`AlignmentModel`
    with δ divided by the model's scale, so that the loss is in table units.

    Parameters
    ----------
    table : UtilityTable or AlignmentModel
        The data.
    group : str or int
        Group i.
    providers : iterable of str or int, optional
        The set T (default: every provider).
    delta : Fraction
        δ ≥ 0 in table units.

    Returns
    -------
    BoundFit
        The exact minimum and a minimiser.
    """
    from solver.responses.alignment import best_bound_weights

    model = table if isinstance(table, AlignmentModel) else alignment_model(table)
    data = model.table
    i = _group(data, group)
    columns = _columns(data, providers)
    found = best_bound_weights(model.instance, i, columns, Fraction(delta) / model.scale)
    return BoundFit(
        data.groups[i],
        tuple(data.providers[j] for j in columns),
        Fraction(delta),
        None if found.bound_term is None else found.bound_term * model.scale,
        found.weights,
        None if found.error is None else found.error * model.scale,
        found.transfer_factor,
        found.certified,
    )


# -- sweeps ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepPoint:
    """One fit of one group by one set T inside a sweep.

    Attributes
    ----------
    sweep : str
        ``providers`` (random markets of K providers) or ``subsets`` (every T of a size).
    size : int
        K, or ``|T|``.
    sample : int
        The seed (``providers`` sweep) or the subset's number (``subsets`` sweep).
    group : str
        The group.
    providers : tuple of str
        The set T.
    rmse : float
        NNLS RMSE (floating-point estimate).
    nnls_transfer_factor : float
        Transfer factor of the NNLS weights (floating-point estimate).
    error : Fraction or None
        Exact sup-norm error ``ε*_i(T)`` (None when the exact fit was not asked for).
    transfer_factor : Fraction or None
        Exact transfer factor of the sup-norm weights (None: infinite or not computed).
    bound : Fraction or None
        With δ given: the exact least C1 loss ``2 ε + δ Σ w/λ`` over the simplex (:func:`fit_bound`).
    bound_transfer_factor : Fraction or None
        With δ given: the transfer factor of the weights attaining ``bound``.
    """

    sweep: str
    size: int
    sample: int
    group: str
    providers: tuple[str, ...]
    rmse: float
    nnls_transfer_factor: float
    error: Fraction | None
    transfer_factor: Fraction | None
    bound: Fraction | None = None
    bound_transfer_factor: Fraction | None = None


def sweep_providers(
    table: UtilityTable,
    seeds: Sequence[int] = (0, 1, 2, 3),
    sizes: Sequence[int] | None = None,
    exact: bool = True,
    delta: Fraction | None = None,
) -> tuple[SweepPoint, ...]:
    """Fit every group against random markets of K providers, for several seeds (SPEC.md §10).

    For each seed the providers are put in a random order (numpy's generator with that seed) and
    the market of size K is its first K providers, so that markets grow by adding providers: the
    NNLS RMSE and ``ε*`` of one seed are then non-increasing in K (a larger feasible set).

    Parameters
    ----------
    table : UtilityTable
        The data.
    seeds : sequence of int
        One random order per seed.
    sizes : sequence of int, optional
        The values of K (default 1 .. number of providers).
    exact : bool
        Also compute the exact sup-norm fit of every point.
    delta : Fraction, optional
        Also compute, with this δ (table units), the least C1 loss of every point (:func:`fit_bound`).

    Returns
    -------
    tuple of SweepPoint
        One point per (seed, K, group).
    """
    m = len(table.providers)
    model = alignment_model(table) if exact else None
    points = []
    for seed in seeds:
        order = [int(k) for k in np.random.default_rng(seed).permutation(m)]
        for size in sizes or range(1, m + 1):
            columns = tuple(sorted(order[:size]))
            for i in range(len(table.groups)):
                points.append(_sweep_point(table, model, "providers", size, seed, i, columns, delta))
    return tuple(points)


def _sweep_point(
    table: UtilityTable,
    model: AlignmentModel | None,
    sweep: str,
    size: int,
    sample: int,
    group: int,
    columns: tuple[int, ...],
    delta: Fraction | None,
) -> SweepPoint:
    fit = fit_nonnegative(table, group, columns)
    found = fit_sup_norm(model, group, columns) if model is not None else None
    bound = fit_bound(model, group, columns, delta) if model is not None and delta is not None else None
    return SweepPoint(
        sweep,
        size,
        sample,
        table.groups[group],
        fit.providers,
        fit.rmse,
        fit.transfer_factor,
        found.error if found is not None else None,
        found.transfer_factor if found is not None else None,
        bound.bound if bound is not None else None,
        bound.transfer_factor if bound is not None else None,
    )


def sweep_subsets(
    table: UtilityTable,
    max_subsets: int = 20,
    seed: int = 0,
    sizes: Sequence[int] | None = None,
    exact: bool = True,
    delta: Fraction | None = None,
) -> tuple[SweepPoint, ...]:
    """Fit every group by every set T of each size (a seeded sample when there are too many).

    Parameters
    ----------
    table : UtilityTable
        The data.
    max_subsets : int
        Most sets T per size; above it, a sample drawn with ``seed``.
    seed : int
        Seed of the sample.
    sizes : sequence of int, optional
        The sizes ``|T|`` (default 1 .. number of providers).
    exact : bool
        Also compute the exact sup-norm fit of every point.
    delta : Fraction, optional
        Also compute, with this δ (table units), the least C1 loss of every point (:func:`fit_bound`).

    Returns
    -------
    tuple of SweepPoint
        One point per (size, T, group); :func:`subset_curves` gives best, mean and worst.
    """
    m = len(table.providers)
    model = alignment_model(table) if exact else None
    rng = np.random.default_rng(seed)
    points = []
    for size in sizes or range(1, m + 1):
        if math.comb(m, size) <= max_subsets:
            subsets = list(itertools.combinations(range(m), size))
        else:
            chosen: set[tuple[int, ...]] = set()
            while len(chosen) < max_subsets:
                chosen.add(tuple(sorted(int(k) for k in rng.choice(m, size, replace=False))))
            subsets = sorted(chosen)
        for number, columns in enumerate(subsets):
            for i in range(len(table.groups)):
                points.append(_sweep_point(table, model, "subsets", size, number, i, columns, delta))
    return tuple(points)


@dataclass(frozen=True)
class CurvePoint:
    """One point of a curve: a statistic of a sweep at one size (floating-point estimates).

    Attributes
    ----------
    sweep : str
        ``providers`` or ``subsets``.
    size : int
        K or ``|T|``.
    statistic : str
        ``mean`` (over seeds and groups), or for ``subsets``: ``best``, ``mean``, ``worst``
        (the set T of least, average, largest NNLS RMSE, per group, then averaged over groups).
    rmse, error : float
        Mean NNLS RMSE; mean exact sup-norm error (as a float; NaN when not computed).
    mean_transfer, worst_transfer : float
        Mean over groups, and largest over groups, of the transfer factor of the exact sup-norm
        weights, averaged over seeds (NaN when not computed).
    nnls_mean_transfer, nnls_worst_transfer : float
        The same for the NNLS weights.
    bound, bound_mean_transfer, bound_worst_transfer : float
        Mean least C1 loss ``2 ε + δ Σ w/λ``, and the mean and worst transfer factor of the weights
        attaining it (NaN when δ was not given).
    """

    sweep: str
    size: int
    statistic: str
    rmse: float
    error: float
    mean_transfer: float
    worst_transfer: float
    nnls_mean_transfer: float
    nnls_worst_transfer: float
    bound: float = math.nan
    bound_mean_transfer: float = math.nan
    bound_worst_transfer: float = math.nan


def _as_float(value: Fraction | None, missing: float = math.nan) -> float:
    return missing if value is None else float(value)


def _summary(sweep: str, size: int, statistic: str, batches: Sequence[Sequence[SweepPoint]]) -> CurvePoint:
    """Average over batches (seeds) of per-batch mean and worst over groups."""

    def exact_transfer(p: SweepPoint) -> float:
        return math.nan if p.error is None else _as_float(p.transfer_factor, math.inf)

    def bound_transfer(p: SweepPoint) -> float:
        return math.nan if p.bound is None else _as_float(p.bound_transfer_factor, math.inf)

    means = [float(np.mean([exact_transfer(p) for p in b])) for b in batches]
    worsts = [max(exact_transfer(p) for p in b) for b in batches]
    bound_means = [float(np.mean([bound_transfer(p) for p in b])) for b in batches]
    bound_worsts = [max(bound_transfer(p) for p in b) for b in batches]
    return CurvePoint(
        sweep,
        size,
        statistic,
        float(np.mean([p.rmse for b in batches for p in b])),
        float(np.mean([_as_float(p.error) for b in batches for p in b])),
        float(np.mean(means)),
        float(np.mean(worsts)),
        float(np.mean([np.mean([p.nnls_transfer_factor for p in b]) for b in batches])),
        float(np.mean([max(p.nnls_transfer_factor for p in b) for b in batches])),
        float(np.mean([_as_float(p.bound) for b in batches for p in b])),
        float(np.mean(bound_means)),
        float(np.mean(bound_worsts)),
    )


def provider_curves(points: Sequence[SweepPoint]) -> tuple[CurvePoint, ...]:
    """Mean curves of a ``providers`` sweep: one :class:`CurvePoint` per K.

    Parameters
    ----------
    points : sequence of SweepPoint
        The sweep (:func:`sweep_providers`).

    Returns
    -------
    tuple of CurvePoint
        Sorted by K.
    """
    by_size: dict[int, dict[int, list[SweepPoint]]] = {}
    for p in points:
        if p.sweep == "providers":
            by_size.setdefault(p.size, {}).setdefault(p.sample, []).append(p)
    return tuple(
        _summary("providers", size, "mean", list(by_size[size].values())) for size in sorted(by_size)
    )


def subset_curves(points: Sequence[SweepPoint]) -> tuple[CurvePoint, ...]:
    """Best, mean and worst curves of a ``subsets`` sweep, one point per (size, statistic).

    For each size and group, the best (worst) set T is the one of least (largest) NNLS RMSE; its
    numbers are averaged over groups. ``mean`` averages over every T and group.

    Parameters
    ----------
    points : sequence of SweepPoint
        The sweep (:func:`sweep_subsets`).

    Returns
    -------
    tuple of CurvePoint
        Sorted by size, then best, mean, worst.
    """
    by_size: dict[int, dict[str, list[SweepPoint]]] = {}
    for p in points:
        if p.sweep == "subsets":
            by_size.setdefault(p.size, {}).setdefault(p.group, []).append(p)
    curves = []
    for size in sorted(by_size):
        groups = by_size[size]
        best = [min(g, key=lambda p: p.rmse) for g in groups.values()]
        worst = [max(g, key=lambda p: p.rmse) for g in groups.values()]
        every = [p for g in groups.values() for p in g]
        curves.append(_summary("subsets", size, "best", [best]))
        curves.append(_summary("subsets", size, "mean", [every]))
        curves.append(_summary("subsets", size, "worst", [worst]))
    return tuple(curves)


# -- output ----------------------------------------------------------------------------------------------

POINT_COLUMNS = (
    "sweep",
    "size",
    "sample",
    "group",
    "providers",
    "rmse_float",
    "nnls_transfer_factor_float",
    "sup_norm_error_exact",
    "sup_norm_transfer_factor_exact",
    "bound_exact",
    "bound_transfer_factor_exact",
)

CURVE_COLUMNS = (
    "sweep",
    "size",
    "statistic",
    "rmse_float",
    "sup_norm_error_float",
    "mean_transfer_factor_float",
    "worst_transfer_factor_float",
    "nnls_mean_transfer_factor_float",
    "nnls_worst_transfer_factor_float",
    "bound_float",
    "bound_mean_transfer_factor_float",
    "bound_worst_transfer_factor_float",
)


def _exact_text(value: Fraction | None) -> str:
    return "inf" if value is None else str(value)


def points_to_csv(points: Sequence[SweepPoint]) -> str:
    """Every sweep point as CSV; ``_float`` columns are floating-point estimates, ``_exact`` exact.

    Parameters
    ----------
    points : sequence of SweepPoint
        The points.

    Returns
    -------
    str
        CSV text; an infinite exact transfer factor is written ``inf``.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(POINT_COLUMNS)
    for p in points:
        exact_factor = (
            "" if p.error is None else ("inf" if p.transfer_factor is None else str(p.transfer_factor))
        )
        writer.writerow(
            [
                p.sweep,
                p.size,
                p.sample,
                p.group,
                " ".join(p.providers),
                repr(p.rmse),
                repr(p.nnls_transfer_factor),
                "" if p.error is None else str(p.error),
                exact_factor,
                "" if p.bound is None else str(p.bound),
                "" if p.bound is None else _exact_text(p.bound_transfer_factor),
            ]
        )
    return out.getvalue()


def curves_to_csv(curves: Sequence[CurvePoint]) -> str:
    """Curve points as CSV (every value a floating-point estimate).

    Parameters
    ----------
    curves : sequence of CurvePoint
        The curves.

    Returns
    -------
    str
        CSV text.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CURVE_COLUMNS)
    for c in curves:
        writer.writerow(
            [
                c.sweep,
                c.size,
                c.statistic,
                repr(c.rmse),
                repr(c.error),
                repr(c.mean_transfer),
                repr(c.worst_transfer),
                repr(c.nnls_mean_transfer),
                repr(c.nnls_worst_transfer),
                repr(c.bound),
                repr(c.bound_mean_transfer),
                repr(c.bound_worst_transfer),
            ]
        )
    return out.getvalue()


def plot_curves(
    provider_points: Sequence[CurvePoint], subset_points: Sequence[CurvePoint], directory: Path
) -> list[Path]:
    """Draw the sweep curves as PNG files (matplotlib, Agg backend).

    Parameters
    ----------
    provider_points : sequence of CurvePoint
        :func:`provider_curves` output (may be empty).
    subset_points : sequence of CurvePoint
        :func:`subset_curves` output (may be empty).
    directory : Path
        Where to write ``error_vs_providers.png``, ``transfer_vs_providers.png``,
        ``error_vs_subset_size.png`` and ``transfer_vs_subset_size.png``.

    Returns
    -------
    list of Path
        The files written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    written = []

    def save(figure: Any, name: str) -> None:
        path = directory / name
        figure.tight_layout()
        figure.savefig(path, dpi=110)
        plt.close(figure)
        written.append(path)

    if provider_points:
        sizes = [c.size for c in provider_points]
        figure, axes = plt.subplots(figsize=(6, 4))
        axes.plot(sizes, [c.rmse for c in provider_points], "o-", label="NNLS RMSE (float estimate)")
        axes.plot(sizes, [c.error for c in provider_points], "s-", label="sup-norm error ε* (exact LP, §7)")
        if not all(math.isnan(c.bound) for c in provider_points):
            axes.plot(
                sizes, [c.bound for c in provider_points], "^-", label="least C1 loss 2ε + δ Σ w/λ (exact)"
            )
        axes.set_xlabel("number of providers K (random markets, mean over seeds and groups)")
        axes.set_ylabel("error (table units)")
        axes.legend()
        save(figure, "error_vs_providers.png")
        figure, axes = plt.subplots(figsize=(6, 4))
        axes.plot(sizes, [c.mean_transfer for c in provider_points], "o-", label="mean, sup-norm weights")
        axes.plot(sizes, [c.worst_transfer for c in provider_points], "o--", label="worst, sup-norm weights")
        axes.plot(sizes, [c.nnls_mean_transfer for c in provider_points], "s-", label="mean, NNLS weights")
        axes.plot(sizes, [c.nnls_worst_transfer for c in provider_points], "s--", label="worst, NNLS weights")
        if not all(math.isnan(c.bound_mean_transfer) for c in provider_points):
            axes.plot(
                sizes, [c.bound_mean_transfer for c in provider_points], "^-", label="mean, C1-loss weights"
            )
            axes.plot(
                sizes,
                [c.bound_worst_transfer for c in provider_points],
                "^--",
                label="worst, C1-loss weights",
            )
        axes.set_xlabel("number of providers K")
        axes.set_ylabel("transfer factor Σ w/λ")
        axes.legend()
        save(figure, "transfer_vs_providers.png")
    if subset_points:
        figure, axes = plt.subplots(figsize=(6, 4))
        figure2, axes2 = plt.subplots(figsize=(6, 4))
        for statistic, style in (("best", "o-"), ("mean", "s-"), ("worst", "^-")):
            chosen = [c for c in subset_points if c.statistic == statistic]
            sizes = [c.size for c in chosen]
            axes.plot(sizes, [c.rmse for c in chosen], style, label=f"{statistic} T: NNLS RMSE")
            axes.plot(sizes, [c.error for c in chosen], style, alpha=0.5, label=f"{statistic} T: ε*")
            axes2.plot(
                sizes, [c.mean_transfer for c in chosen], style, label=f"{statistic} T: mean over groups"
            )
        axes.set_xlabel("size of the set T")
        axes.set_ylabel("error (table units)")
        axes.legend(fontsize="small")
        axes2.set_xlabel("size of the set T")
        axes2.set_ylabel("transfer factor of the sup-norm weights")
        axes2.legend(fontsize="small")
        save(figure, "error_vs_subset_size.png")
        save(figure2, "transfer_vs_subset_size.png")
    return written
