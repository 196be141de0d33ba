"""Synthetic utility tables for the fits of SPEC.md §10: generated data, not measurements.

The tables let the fitting sweeps run without outside data. Their structure:

- a few **latent preference directions**: for every item, each direction holds a belief over the
  item's categorical answers (a softmax of Gaussian logits);
- **providers** are noisy, biased variants of one direction each: their logits add a fixed
  provider bias per answer position, fresh noise per item, and a miscalibration (a temperature,
  log-uniform in ``[1/calibration, calibration]``);
- **user groups** hold mixtures of the latent beliefs, with Dirichlet mixture weights;
- an agent with belief ``q`` values answer ``a`` by a proper **scoring rule**: ``log q(a)``
  (floored at ``q = 1/1000``), Brier ``2 q(a) − Σ q²`` or spherical ``q(a) / ‖q‖``;
- **stakes** ``λ_{j,i}`` are drawn from ``{1/4, 1/2, 3/4, 1}``, independently of everything else.

Values are rounded to a fixed number of decimals and stored as exact rationals, so a table reads
back exactly. Generation is deterministic given the settings (numpy's generator with the seed).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from fractions import Fraction

import numpy as np

from fitting.estimation import UtilityTable
from solver.core.errors import ModelError

SCORING_RULES = ("log", "brier", "spherical")
_LOG_FLOOR = 1e-3


@dataclass(frozen=True)
class SyntheticSettings:
    """The knobs of a synthetic table (statistical settings, not model numbers).

    Attributes
    ----------
    items : int
        Number of items (questions).
    answers : int
        Categorical answers per item; each is an action.
    directions : int
        Latent preference directions.
    providers, groups : int
        Number of provider and group columns.
    rule : str
        Scoring rule: ``log``, ``brier`` or ``spherical``.
    sharpness : float
        Standard deviation of the latent logits.
    noise : float
        Standard deviation of each provider's per-item logit noise.
    bias : float
        Standard deviation of each provider's fixed bias per answer position.
    calibration : float
        Providers' temperatures are log-uniform in ``[1/calibration, calibration]`` (≥ 1).
    concentration : float
        Dirichlet concentration of the groups' mixture weights (small: nearly pure groups).
    digits : int
        Decimals kept in every value.
    seed : int
        Seed of numpy's generator.
    """

    items: int = 40
    answers: int = 4
    directions: int = 3
    providers: int = 10
    groups: int = 5
    rule: str = "log"
    sharpness: float = 1.5
    noise: float = 0.5
    bias: float = 0.3
    calibration: float = 2.0
    concentration: float = 0.5
    digits: int = 6
    seed: int = 0

    def __post_init__(self) -> None:
        if self.rule not in SCORING_RULES:
            raise ModelError(f"unknown scoring rule {self.rule!r}; use one of {', '.join(SCORING_RULES)}")
        for name in ("items", "answers", "directions", "providers", "groups", "digits"):
            if getattr(self, name) < 1:
                raise ModelError(f"{name} must be at least 1")
        if self.answers < 2:
            raise ModelError("answers must be at least 2")
        if self.calibration < 1:
            raise ModelError("calibration must be at least 1")
        if min(self.sharpness, self.noise, self.bias) < 0 or self.concentration <= 0:
            raise ModelError("sharpness, noise and bias must be ≥ 0 and concentration > 0")


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    result: np.ndarray = exp / exp.sum(axis=-1, keepdims=True)
    return result


def score(beliefs: np.ndarray, rule: str) -> np.ndarray:
    """The utility of each answer for agents with the given beliefs, by a proper scoring rule.

    Parameters
    ----------
    beliefs : numpy.ndarray
        Probabilities over answers along the last axis.
    rule : str
        ``log`` (``log q(a)``, floored at ``q = 1/1000``), ``brier`` (``2 q(a) − Σ q²``) or
        ``spherical`` (``q(a) / ‖q‖``).

    Returns
    -------
    numpy.ndarray
        Same shape as ``beliefs``.
    """
    if rule == "log":
        result: np.ndarray = np.log(np.maximum(beliefs, _LOG_FLOOR))
    elif rule == "brier":
        result = 2 * beliefs - (beliefs**2).sum(axis=-1, keepdims=True)
    elif rule == "spherical":
        result = beliefs / np.sqrt((beliefs**2).sum(axis=-1, keepdims=True))
    else:
        raise ModelError(f"unknown scoring rule {rule!r}; use one of {', '.join(SCORING_RULES)}")
    return result


def generate_table(settings: SyntheticSettings | None = None) -> UtilityTable:
    """Generate a synthetic utility table with stakes (see the module docstring).

    Parameters
    ----------
    settings : SyntheticSettings, optional
        The knobs (defaults when omitted).

    Returns
    -------
    UtilityTable
        Rows ``(item, answer)``, providers ``P01..``, groups ``G1..``, stakes, and comments that
        say the data are synthetic and how they were made.
    """
    s = settings or SyntheticSettings()
    rng = np.random.default_rng(s.seed)
    latent = rng.normal(0.0, s.sharpness, (s.directions, s.items, s.answers))
    types = np.arange(s.providers) % s.directions
    biases = rng.normal(0.0, s.bias, (s.providers, s.answers))
    temperatures = np.exp(rng.uniform(-np.log(s.calibration), np.log(s.calibration), s.providers))
    provider_beliefs = np.stack(
        [
            _softmax(
                (latent[types[j]] + biases[j] + rng.normal(0.0, s.noise, (s.items, s.answers)))
                / temperatures[j]
            )
            for j in range(s.providers)
        ]
    )
    mixtures = rng.dirichlet(np.full(s.directions, s.concentration), s.groups)
    group_beliefs = np.einsum("gd,dta->gta", mixtures, _softmax(latent))
    stakes = rng.integers(1, 5, (s.providers, s.groups))

    def column(values: np.ndarray) -> tuple[Fraction, ...]:
        return tuple(Fraction(f"{v:.{s.digits}f}") for v in values.reshape(-1))

    width = len(str(s.providers))
    settings_text = ", ".join(f"{k}={v}" for k, v in asdict(s).items())
    return UtilityTable(
        rows=tuple((f"q{t + 1}", f"a{a + 1}") for t in range(s.items) for a in range(s.answers)),
        providers=tuple(f"P{j + 1:0{width}d}" for j in range(s.providers)),
        groups=tuple(f"G{i + 1}" for i in range(s.groups)),
        provider_values=tuple(column(score(provider_beliefs[j], s.rule)) for j in range(s.providers)),
        group_values=tuple(column(score(group_beliefs[i], s.rule)) for i in range(s.groups)),
        stakes=tuple(tuple(Fraction(int(k), 4) for k in row) for row in stakes),
        comments=(
            "SYNTHETIC DATA generated by pluralis (fitting.synthetic), not measurements.",
            f"settings: {settings_text}",
            "providers: noisy, biased, miscalibrated variants of latent preference directions; "
            "groups: mixtures of the latent beliefs; utilities: scoring rule of each belief.",
            "provider types (latent direction of each provider): " + " ".join(str(int(k)) for k in types),
        ),
    )
