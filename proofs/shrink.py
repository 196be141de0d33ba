"""Greedy shrinking of instances that keep a property: small, readable witnesses.

Given an instance on which a predicate holds (a claim fails, or a witness is found), try simpler
instances one edit at a time and keep every edit after which the predicate still holds, until no
edit helps or the budget is spent. Edits, tried in this order: drop a user, a provider, a state,
a world, an action, a provider message, the user's turn or her private features; merge two
signals of a provider; drop unused signals; make the prior uniform; set a stake weight to 1;
set a stake weight to 0 (a provider without a stake in the user, the edge of SPEC.md §8's support
rule; on request); and replace a number by a simpler one (0, 1, then 1/2). Every candidate is
validated by the loader.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from solver.core.errors import PluralisError
from solver.core.model import Instance
from solver.core.numbers import format_number
from solver.core.serialization import instance_from_dict, instance_to_dict

Document = dict[str, Any]


@dataclass(frozen=True)
class Shrunk:
    """The result of shrinking.

    Attributes
    ----------
    instance : Instance
        The smallest instance found on which the predicate holds.
    steps : tuple of str
        The edits kept, in order.
    evaluations : int
        How many times the predicate was evaluated.
    complete : bool
        False when the budget ran out before no edit helped.
    """

    instance: Instance
    steps: tuple[str, ...]
    evaluations: int
    complete: bool


def _fraction(value: Any) -> Fraction:
    return Fraction(value) if isinstance(value, int) else Fraction(str(value))


def _renormalize(doc: Document) -> None:
    total = sum((_fraction(w["prob"]) for w in doc["worlds"].values()), Fraction(0))
    for w in doc["worlds"].values():
        w["prob"] = format_number(_fraction(w["prob"]) / total)


def _drop_kernel_worlds(doc: Document, worlds: set[str]) -> None:
    for body in doc["users"].values():
        if "feature_kernel" in body:
            body["feature_kernel"] = {w: r for w, r in body["feature_kernel"].items() if w not in worlds}


def _merge_duplicate_worlds(doc: Document) -> None:
    """Merge worlds with the same state and signals (after a provider is dropped)."""
    if any("feature_kernel" in body for body in doc["users"].values()):
        return
    seen: dict[tuple[Any, ...], str] = {}
    merged: dict[str, Any] = {}
    for label, w in doc["worlds"].items():
        key = (w["state"], tuple(sorted(w["signals"].items())))
        if key in seen:
            first = merged[seen[key]]
            first["prob"] = format_number(_fraction(first["prob"]) + _fraction(w["prob"]))
        else:
            seen[key] = label
            merged[label] = w
    doc["worlds"] = merged


def _tables(doc: Document) -> Iterator[tuple[str, dict[str, dict[str, Any]]]]:
    for u, body in doc["users"].items():
        yield f"users.{u}.utility", body["utility"]
    for p, row in doc["stakes"].items():
        for u, stake in row.items():
            yield f"stakes.{p}.{u}.utility", stake["utility"]


def _edits(doc: Document, zero_stakes: bool = True) -> Iterator[tuple[str, Document]]:
    """Every single-edit simplification of a document, simplest-first (stakes to 0 if asked)."""
    users = list(doc["users"])
    providers = list(doc["providers"])
    states = list(doc["states"])
    worlds = list(doc["worlds"])
    if len(users) > 1:
        for u in users:
            new = copy.deepcopy(doc)
            del new["users"][u]
            for row in new["stakes"].values():
                del row[u]
            yield f"drop user {u}", new
    if len(providers) > 1:
        for p in providers:
            new = copy.deepcopy(doc)
            del new["providers"][p]
            del new["stakes"][p]
            for w in new["worlds"].values():
                del w["signals"][p]
            _merge_duplicate_worlds(new)
            yield f"drop provider {p}", new
    if len(states) > 1:
        for y in states:
            gone = {w for w, body in doc["worlds"].items() if body["state"] == y}
            if len(gone) == len(worlds):
                continue
            new = copy.deepcopy(doc)
            new["states"] = [s for s in states if s != y]
            new["worlds"] = {w: b for w, b in new["worlds"].items() if w not in gone}
            _drop_kernel_worlds(new, gone)
            _renormalize(new)
            for _, table in _tables(new):
                for row in table.values():
                    del row[y]
            yield f"drop state {y}", new
    if len(worlds) > 1:
        for w in worlds:
            new = copy.deepcopy(doc)
            del new["worlds"][w]
            _drop_kernel_worlds(new, {w})
            _renormalize(new)
            yield f"drop world {w}", new
    for u, body in doc["users"].items():
        if len(body["actions"]) > 1:
            for a in body["actions"]:
                new = copy.deepcopy(doc)
                new["users"][u]["actions"] = [b for b in body["actions"] if b != a]
                del new["users"][u]["utility"][a]
                for row in new["stakes"].values():
                    del row[u]["utility"][a]
                yield f"drop action {a} of {u}", new
    protocol = doc["protocol"]
    if len(protocol["provider_messages"]) > 1:
        new = copy.deepcopy(doc)
        dropped = new["protocol"]["provider_messages"].pop()
        yield f"drop provider message {dropped}", new
    if list(protocol["turns"]) == ["U", "P"]:
        new = copy.deepcopy(doc)
        new["protocol"]["turns"] = ["P"]
        new["protocol"]["user_messages"] = []
        yield "drop the user's turn", new
    for u, body in doc["users"].items():
        if "features" in body:
            new = copy.deepcopy(doc)
            new["users"][u].pop("features")
            new["users"][u].pop("feature_kernel", None)
            yield f"drop the features of {u}", new
    for p, body in doc["providers"].items():
        used = {w["signals"][p] for w in doc["worlds"].values()}
        unused = [s for s in body["signals"] if s not in used]
        if unused and len(unused) < len(body["signals"]):
            new = copy.deepcopy(doc)
            new["providers"][p]["signals"] = [s for s in body["signals"] if s in used]
            yield f"drop unused signals of {p}", new
        signals = [s for s in body["signals"] if s in used]
        for k in range(1, len(signals)):
            new = copy.deepcopy(doc)
            for w in new["worlds"].values():
                if w["signals"][p] == signals[k]:
                    w["signals"][p] = signals[k - 1]
            new["providers"][p]["signals"] = [s for s in body["signals"] if s != signals[k]]
            yield f"merge signal {signals[k]} of {p} into {signals[k - 1]}", new
    probabilities = {_fraction(w["prob"]) for w in doc["worlds"].values()}
    if len(probabilities) > 1 and not any("feature_kernel" in b for b in doc["users"].values()):
        new = copy.deepcopy(doc)
        for w in new["worlds"].values():
            w["prob"] = format_number(Fraction(1, len(worlds)))
        yield "make the prior uniform", new
    for p, row in doc["stakes"].items():
        for u, stake in row.items():
            weight = _fraction(stake["weight"])
            # A zero stake is as simple as it gets when stakes may go to 0: raising it would cycle.
            if weight != 1 and not (zero_stakes and weight == 0):
                new = copy.deepcopy(doc)
                new["stakes"][p][u]["weight"] = 1
                yield f"set the weight of {p} on {u} to 1", new
    if zero_stakes:
        for p, row in doc["stakes"].items():
            for u, stake in row.items():
                if _fraction(stake["weight"]) != 0:
                    new = copy.deepcopy(doc)
                    new["stakes"][p][u]["weight"] = 0
                    yield f"set the weight of {p} on {u} to 0", new
    for place, table in _tables(doc):
        for a, row in table.items():
            for y, value in row.items():
                current = _fraction(value)
                for simpler in (Fraction(0), Fraction(1), Fraction(1, 2)):
                    if simpler != current and simpler.denominator < current.denominator:
                        new = copy.deepcopy(doc)
                        target = new
                        for key in place.split("."):
                            target = target[key]
                        target[a][y] = format_number(simpler)
                        yield f"{place}[{a}][{y}] = {simpler}", new


def shrink_instance(
    instance: Instance,
    predicate: Callable[[Instance], bool],
    max_evaluations: int = 300,
    time_limit: float = 120.0,
    zero_stakes: bool = True,
) -> Shrunk:
    """Shrink an instance greedily while a predicate keeps holding.

    Parameters
    ----------
    instance : Instance
        An instance on which the predicate holds.
    predicate : callable
        The property to keep; errors raised on purpose (:class:`PluralisError`) count as False.
    max_evaluations : int
        At most this many evaluations of the predicate.
    time_limit : float
        At most this many seconds.
    zero_stakes : bool
        Also try setting a stake weight to 0 (after trying 1): a provider that gains nothing from
        the user. Off, shrinking keeps every provider interested in every user it was.

    Returns
    -------
    Shrunk
        The smallest instance reached and the edits kept.
    """
    if instance.parameters:
        return Shrunk(instance, (), 0, True)
    deadline = time.monotonic() + time_limit
    document = instance_to_dict(instance)
    current = instance
    steps: list[str] = []
    evaluations = 0
    improved = True
    while improved:
        improved = False
        for step, candidate in _edits(document, zero_stakes):
            if evaluations >= max_evaluations or time.monotonic() > deadline:
                return Shrunk(current, tuple(steps), evaluations, False)
            try:
                trial = instance_from_dict(candidate)
            except PluralisError:
                continue
            evaluations += 1
            try:
                keeps = predicate(trial)
            except PluralisError:
                keeps = False
            if keeps:
                document, current = candidate, trial
                steps.append(step)
                improved = True
                break
    return Shrunk(current, tuple(steps), evaluations, True)
