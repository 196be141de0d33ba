"""Command-line pieces for the class ``full``: certified equilibria, optimal commitments, certificates.

Certificates are written into the folder of ``--certificates DIR`` under numbered names, never
under a label: ``equilibrium-K.yaml`` for the K-th equilibrium of the table (the ``#`` column),
``commitment.yaml`` for the optimal commitment of the anonymous game and ``commitment-I.yaml``
for the commitment towards the I-th user of the file in the personalized game. Each is written
whole (a temporary file, then a rename) and listed in the output. The folder may hold nothing
else: a file this command never writes is refused before any work, and a certificate that this
run would not write in the same place, byte for byte (one of another instance, of other options,
or of a numbered equilibrium that does not survive) is refused too, or removed with
``--replace``. See :class:`CertificateFolder`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from pluralis.folders import FolderError, names, truncation_note, write_atomically, written_inside
from pluralis.interrupts import defer_interrupts, watch_interrupts
from pluralis.output import GROUPED_NOTE, json_text, shown_rows, users_table
from pluralis.progress import progress_bar
from solver.certificates.certification import FullResult, certify_result
from solver.certificates.records import build_certificate, certificate_from_certification, dumps_certificate
from solver.conversation.classes import parse_class
from solver.conversation.protocol import ConversationTree
from solver.core.errors import printable
from solver.core.model import Instance
from solver.core.serialization import content_hash
from solver.equilibria.enumeration import solve_equilibria
from solver.equilibria.games import Game, Mode
from solver.equilibria.regret import DEFAULT_SELECTION_LIMIT
from solver.equilibria.results import (
    SOLVE_SCHEMA,
    SolveResult,
    UserOutcome,
    describe_selection,
    equilibrium_to_json,
    find_user_selections,
    groups_to_json,
    listed_equilibria,
    outcome_to_json,
    relabelling_groups,
    relabelling_key,
    solve_document,
)
from solver.oracle.deviation import DeviationBound, OracleOptions, solve_commitment
from solver.responses.response import DEFAULT_LAW_LIMIT, TiePolicy, provider_payoff, solve_response

_CERTIFICATE = re.compile(r"(equilibrium|commitment)(?:-([1-9][0-9]{0,8}))?\.yaml")
_TEMPORARY = re.compile(r"\.(?:equilibrium|commitment)(?:-[1-9][0-9]{0,8})?\.yaml\.[0-9]+\.tmp")
_INSTANCE_HASH = re.compile(rb"^instance_hash: *['\"]?([0-9a-f]{64})", re.MULTILINE)
_HEADER_BYTES = 4096
"""How much of an existing certificate is read to find the instance it is about."""


@dataclass(frozen=True)
class Slot:
    """A certificate file name of ``solve --class full``, read back.

    Attributes
    ----------
    kind : str
        ``equilibrium`` or ``commitment``.
    number : int or None
        The equilibrium's number in the table, or the user's number in the file (from 1); None
        for ``commitment.yaml``.
    """

    kind: str
    number: int | None

    @property
    def name(self) -> str:
        """The file name."""
        return f"{self.kind}.yaml" if self.number is None else f"{self.kind}-{self.number}.yaml"

    @classmethod
    def of(cls, name: str) -> Slot | None:
        """The slot a file name spells, or None for a name this command never writes."""
        match = _CERTIFICATE.fullmatch(name)
        if match is None or (match.group(1) == "equilibrium" and match.group(2) is None):
            return None
        return cls(match.group(1), None if match.group(2) is None else int(match.group(2)))


def equilibrium_slot(k: int) -> Slot:
    """The certificate of the ``k``-th equilibrium of the table (from 0)."""
    return Slot("equilibrium", k + 1)


def commitment_slot(mode: Mode, users: tuple[int, ...]) -> Slot:
    """The certificate of the optimal commitment towards some users (all of them when anonymous)."""
    return Slot("commitment", None if mode is Mode.ANONYMOUS else users[0] + 1)


class CertificateFolder:
    """The ``--certificates`` folder of one run of ``solve --class full``.

    :meth:`check` runs before any computation and refuses a folder that holds a file the command
    never writes, or, without ``replace``, a certificate that this run cannot write (a name it
    never uses, or one of another instance, found from its ``instance_hash``). :meth:`settle`
    runs once the results are known: it writes this run's certificates and refuses (or, with
    ``replace``, removes) every certificate the run has decided on that differs from what it
    writes, byte for byte. A name the run has not decided on (an equilibrium not checked before
    an interruption) is left as it is.

    Parameters
    ----------
    folder : Path
        The folder asked for.
    instance : Instance
        The game.
    mode : Mode
        Personalized or anonymous.
    replace : bool
        Remove certificates this run would not write instead of refusing the folder.
    """

    def __init__(self, folder: Path, instance: Instance, mode: Mode, replace: bool) -> None:
        self.folder = folder
        self.hash = content_hash(instance)
        self.commitments = len(instance.providers) == 1
        self.mode = mode
        self.users = len(instance.users)
        self.replace = replace
        self.written: list[tuple[Slot, Path]] = []
        self.removed: list[Path] = []

    def never(self, slot: Slot) -> bool:
        """Whether this run never writes a slot, whatever it finds."""
        if not self.commitments:
            return slot.kind != "equilibrium"
        if slot.kind != "commitment":
            return True
        if self.mode is Mode.ANONYMOUS:
            return slot.number is not None
        return slot.number is None or slot.number > self.users

    def _entries(self) -> tuple[list[tuple[Path, Slot]], list[Path]]:
        """The folder's certificates (with their slots) and its foreign entries, refused at once."""
        if not self.folder.exists():
            return [], []
        if not self.folder.is_dir():
            raise FolderError(f"--certificates {printable(str(self.folder))} is not a folder")
        ours: list[tuple[Path, Slot]] = []
        debris: list[Path] = []
        foreign: list[Path] = []
        for entry in sorted(self.folder.iterdir()):
            regular = entry.is_file() and not entry.is_symlink()
            slot = Slot.of(entry.name)
            if regular and slot is not None:
                ours.append((entry, slot))
            elif regular and _TEMPORARY.fullmatch(entry.name):
                debris.append(entry)  # left by a run that was killed while writing
            else:
                foreign.append(entry)
        if foreign:
            raise FolderError(
                f"--certificates {printable(str(self.folder))} holds files that solve --class full does "
                f"not write ({names(foreign)}); choose an empty or new folder"
            )
        return ours, debris

    def _refuse(self, stale: list[Path]) -> None:
        raise FolderError(
            f"--certificates {printable(str(self.folder))} holds certificates that this run would not "
            f"write ({names(stale)}: another instance, other options or an earlier version); choose "
            "another folder, or pass --replace to remove them"
        )

    def _other_instance(self, path: Path) -> bool:
        with path.open("rb") as file:
            match = _INSTANCE_HASH.search(file.read(_HEADER_BYTES))
        return match is not None and match.group(1).decode("ascii") != self.hash

    def check(self) -> None:
        """Refuse the folder before any work when it cannot receive this run's certificates.

        Raises
        ------
        FolderError
            When the folder holds a file this command never writes, or (without ``replace``) a
            certificate this run never writes or one of another instance.
        """
        ours, _ = self._entries()
        stale = [path for path, slot in ours if self.never(slot) or self._other_instance(path)]
        if stale and not self.replace:
            self._refuse(stale)

    def settle(self, planned: dict[Slot, str], decided: Callable[[Slot], bool]) -> None:
        """Write this run's certificates, removing (with ``replace``) those it would not write.

        The files written (with their slots) and removed are listed in :attr:`written` and
        :attr:`removed` as they are, so that a Ctrl-C held back meanwhile (raised once the folder
        is settled) leaves them known.

        Parameters
        ----------
        planned : dict
            Slot to the text of its certificate, in the order they are written.
        decided : callable
            Whether the run has decided on a slot (computed it, whether or not it writes a file).

        Raises
        ------
        FolderError
            Without ``replace``, when the folder holds a certificate that this run has decided
            on and would not write as it is.
        """
        ours, debris = self._entries()
        stale = []
        for path, slot in ours:
            if slot in planned:
                if path.read_bytes() != planned[slot].encode("utf-8"):
                    stale.append(path)
            elif self.never(slot) or decided(slot):
                stale.append(path)
        if stale and not self.replace:
            self._refuse(stale)
        with defer_interrupts():  # the folder is settled whole: every file written or removed
            for path in debris:
                path.unlink(missing_ok=True)
            for path in stale:
                if Slot.of(path.name) not in planned:
                    path.unlink()
                    self.removed.append(path)
            if planned:
                self.folder.mkdir(parents=True, exist_ok=True)
            for slot, text in planned.items():
                path = written_inside(self.folder / slot.name, self.folder)
                write_atomically(path, text)
                self.written.append((slot, path))


def solve_full(
    console: Console,
    instance: Instance,
    mode: Mode,
    source_class: str,
    delta: Fraction,
    limit: int,
    as_json: bool,
    certificates: Path | None,
    oracle: OracleOptions | None = None,
    progress: bool = False,
    selection_limit: int = DEFAULT_SELECTION_LIMIT,
    law_limit: int = DEFAULT_LAW_LIMIT,
    replace: bool = False,
    max_listed: int | None = None,
    group: bool = True,
) -> None:
    """Equilibria in ``full``: a single provider's optimal commitment, or finite equilibria certified.

    Parameters
    ----------
    console : Console
        Where text goes.
    instance : Instance
        The game.
    mode : Mode
        Personalized or anonymous.
    source_class : str
        The finite class searched before certification (``deterministic`` or ``grid:Q``).
    delta : Fraction
        δ.
    limit : int
        Largest class enumerated.
    as_json : bool
        Print JSON instead of text.
    certificates : Path, optional
        Folder where a certificate is written for each certified equilibrium.
    oracle : OracleOptions, optional
        How the deviation oracle covers the users' choices.
    progress : bool
        Show progress bars on standard error.
    selection_limit : int
        The most best-response selections of one profile combined (δ > 0).
    law_limit : int
        The most outcome laws among a user's best responses to one rule.
    replace : bool
        Remove from the certificates folder the certificates this run would not write, instead
        of refusing it.
    max_listed : int, optional
        The most equilibria listed in the JSON output (all when None); the counts, worst and
        best stay over all of them.
    group : bool
        In the text output, show one equilibrium per group of renamings of the provider messages,
        with the group's size.

    Raises
    ------
    FolderError
        When the certificates folder holds other files (see :class:`CertificateFolder`).
    KeyboardInterrupt
        After printing what was finished, when interrupted (Ctrl-C): the equilibria checked so
        far, with a status line that says how many were checked and how far they are certified,
        and their certificates (each written whole).
    """
    folder = None if certificates is None else CertificateFolder(certificates, instance, mode, replace)
    if folder is not None:
        folder.check()
    oracle = oracle or OracleOptions()
    if len(instance.providers) == 1:
        _commitment(console, instance, mode, as_json, folder, oracle, law_limit)
        return
    game = Game(instance, mode, parse_class(source_class, instance), limit=limit, law_limit=law_limit)
    # Both stages stop at Ctrl-C and return what they finished; the watch says it was Ctrl-C.
    with watch_interrupts() as watch, progress_bar("solving", progress) as hook:
        finite = solve_equilibria(
            game, delta, TiePolicy.FAVOURABLE, progress=hook, selection_limit=selection_limit
        )
        full = (
            certify_result(game, finite, oracle, progress=hook)
            if finite.complete
            else _unchecked(finite, len(instance.users))
        )
    interrupted = watch.interrupted
    if folder is not None:
        planned = {
            equilibrium_slot(k): dumps_certificate(certificate_from_certification(instance, c, delta))
            for k, c in enumerate(full.certifications)
            if c.survives and c.certified
        }
        checked = len(full.certifications)
        listed = len(full.finite.equilibria) if full.finite.complete else None

        def decided(slot: Slot) -> bool:
            number = slot.number or 0
            return full.complete or number <= checked or (listed is not None and number > listed)

        try:
            folder.settle(planned, decided)
        except KeyboardInterrupt:
            interrupted = True
    written = [] if folder is None else folder.written
    removed = [] if folder is None else folder.removed
    if as_json:
        document = full_to_json(
            instance,
            full,
            source_class,
            oracle,
            max_listed,
            [str(path) for _, path in written],
            [str(path) for path in removed],
            law_limit,
        )
        click.echo(json_text(document, SOLVE_SCHEMA))
        if document["truncated"]:
            click.echo(truncation_note(len(full.certifications), document["equilibria_listed"]), err=True)
    else:
        _print_full(console, instance, full, source_class, group, law_limit)
        _print_certificates(console, written, removed, lambda slot: f"equilibrium #{slot.number}")
    if interrupted:
        raise KeyboardInterrupt


def _unchecked(finite: SolveResult, users: int) -> FullResult:
    """The result in ``full`` of an interrupted search of the finite class: nothing was checked."""
    return FullResult(finite, (), 0, (None,) * users, (None,) * users, certified=False, complete=False)


def full_groups(instance: Instance, full: FullResult) -> tuple[int, ...]:
    """Each certified equilibrium's group of renamings of the provider messages, numbered from 1.

    Two equilibria share a group when one is a renaming of the other
    (:func:`solver.equilibria.results.relabelling_key`) and their certifications agree: whether
    they survive, whether that is certified, and every deviation bound.

    Parameters
    ----------
    instance : Instance
        The game.
    full : FullResult
        The certified equilibria.

    Returns
    -------
    tuple of int
        One group number per certification, in order of first appearance.
    """
    return relabelling_groups(
        [
            (
                relabelling_key(instance, c.equilibrium),
                c.survives,
                c.certified,
                tuple((b.value, b.certified, b.exhaustive) for b in c.bounds),
            )
            for c in full.certifications
        ]
    )


def full_to_json(
    instance: Instance,
    full: FullResult,
    source_class: str,
    oracle: OracleOptions,
    max_listed: int | None = None,
    certificates: Sequence[str] = (),
    removed: Sequence[str] = (),
    law_limit: int = DEFAULT_LAW_LIMIT,
) -> dict[str, Any]:
    """The JSON form of equilibria certified in ``full`` (``"kind": "full"``, README "JSON output").

    Parameters
    ----------
    instance : Instance
        The game.
    full : FullResult
        The certified equilibria of the finite class searched.
    source_class : str
        The finite class searched (``--from``).
    oracle : OracleOptions
        How the deviation oracle covered the users' choices.
    max_listed : int, optional
        The most equilibria listed (all when None); counts, extremes and groups stay over all.
    certificates, removed : sequence of str
        The certificate files written and removed.
    law_limit : int
        The most combinations of a user's optimal choices tried to play out one of her selections.

    Returns
    -------
    dict
        The fields of :data:`solver.equilibria.results.SOLVE_FIELDS`; each equilibrium also says
        whether it survives in ``full``, each provider's deviation bound and its status.
    """
    labels = [u.label for u in instance.users]
    listed = listed_equilibria(full.certifications, max_listed)
    groups = full_groups(instance, full)
    equilibria = []
    for c, group in zip(listed, groups):
        entry = equilibrium_to_json(instance, c.equilibrium, law_limit)
        entry["survives_in_full"] = c.survives
        entry["deviation_bounds"] = {instance.providers[b.provider].label: str(b.value) for b in c.bounds}
        entry["deviation_bound_status"] = {
            instance.providers[b.provider].label: b.status.value for b in c.bounds
        }
        entry["deviation_bound_estimates"] = {
            instance.providers[b.provider].label: str(b.estimate) for b in c.bounds if b.estimate is not None
        }
        entry["status"] = c.status.value
        entry["certified"] = c.certified
        entry["group"] = group
        equilibria.append(entry)
    return solve_document(
        kind="full",
        mode=full.finite.mode.value,
        **{"class": "full"},
        searched_class=source_class,
        tie_policy=TiePolicy.FAVOURABLE.value,
        delta=str(full.finite.delta),
        method=full.finite.method.value,
        oracle=oracle.method.value,
        exact=full.certified and full.finite.exact,
        status=full.describe(),
        complete=full.complete,
        count=full.count,
        finite_count=full.finite.count,
        finite_complete=full.finite.complete,
        checked=len(full.certifications),
        worst={label: None if v is None else str(v) for label, v in zip(labels, full.worst)},
        best={label: None if v is None else str(v) for label, v in zip(labels, full.best)},
        equilibria_listed=len(equilibria),
        truncated=len(equilibria) < len(full.certifications),
        group_count=len(set(groups)),
        groups=groups_to_json(groups, len(equilibria)),
        equilibria=equilibria,
        commitments=[],
        certificates=list(certificates),
        certificates_removed=list(removed),
        other_tie_policies=None,
        notes=list(full.finite.notes),
    )


def _print_full(
    console: Console,
    instance: Instance,
    full: FullResult,
    source_class: str,
    group: bool = True,
    law_limit: int = DEFAULT_LAW_LIMIT,
) -> None:
    if full.complete:
        console.print(
            f"{full.finite.mode.value} game: {full.finite.count} equilibrium profile(s) in {source_class}; "
            f"{full.count} survive every mixed deviation ({full.describe()}, deviator-favourable ties, "
            f"δ = {full.finite.delta})",
            soft_wrap=True,
        )
    else:
        survivors = sum(1 for c in full.certifications if c.survives)
        console.print(
            f"{full.finite.mode.value} game, equilibria of {source_class} checked against every mixed "
            f"deviation (deviator-favourable ties, δ = {full.finite.delta}): {survivors} of the "
            f"{len(full.certifications)} checked survive; the table holds those checked",
            soft_wrap=True,
        )
        console.print(full.describe(), soft_wrap=True)
    tree = ConversationTree(instance.protocol)
    rows = shown_rows(full_groups(instance, full), group)
    table = Table(box=None, pad_edge=False)
    for column in ("#", "renamings", "rules", "utilities", "payoffs", "sup deviation", "in full"):
        if column != "renamings" or group:
            table.add_column(column, justify="right" if column in ("#", "renamings") else "left")
    for k, size in rows:
        c = full.certifications[k]
        e = c.equilibrium
        rules = "; ".join(
            f"{instance.providers[j].label}: {r.describe(instance.providers[j].signals, tree)}"
            for j, r in enumerate(e.rules)
        )
        utilities = ", ".join(f"{instance.users[o.user].label} {o.utility}" for o in e.outcomes)
        payoffs = ", ".join(
            f"{instance.providers[j].label} {lo}" + ("" if lo == hi else f"..{hi}")
            for j, (lo, hi) in enumerate(e.payoffs)
        )
        bounds = ", ".join(
            f"{instance.providers[b.provider].label} {'' if b.exhaustive else '≥ '}{b.value}"
            for b in c.bounds
        )
        verdict = "yes" if c.certified and c.survives else "no" if not c.survives else "yes?"
        renamings = [f"×{size}"] if group else []
        table.add_row(str(k + 1), *renamings, rules, utilities, payoffs, bounds, verdict)
    console.print(table)
    if group and len(rows) < len(full.certifications):
        console.print(GROUPED_NOTE, soft_wrap=True)
    if rows:
        shown = [(k + 1, full.certifications[k].equilibrium) for k, _ in rows]
        console.print(users_table(instance, shown, law_limit))
    if any(not b.exhaustive for c in full.certifications for b in c.bounds):
        console.print(
            "≥ v: a certified candidate from the MIP (an exact lower bound on the supremum, not certified "
            "optimal); yes?: survives those candidates only",
            soft_wrap=True,
        )
    partial = "" if full.complete else f" (over the {len(full.certifications)} equilibria checked only)"
    for i, user in enumerate(instance.users):
        if full.worst[i] is None:
            which = source_class if full.complete else f"{source_class} checked before the interruption"
            console.print(f"{user.label}: no equilibrium of {which} survives in full")
        else:
            console.print(
                f"{user.label}: worst surviving utility {full.worst[i]}, best {full.best[i]}{partial}"
            )


def _print_certificates(
    console: Console, written: list[tuple[Slot, Path]], removed: list[Path], what: Callable[[Slot], str]
) -> None:
    """Every certificate removed and written, one line each, with what it certifies."""
    for path in removed:
        console.print(f"certificate removed (--replace): {path}", soft_wrap=True)
    for slot, path in written:
        console.print(f"certificate written: {path} ({what(slot)})", soft_wrap=True)


@dataclass(frozen=True)
class Commitment:
    """A single provider's optimal commitment towards some users, with their side of it.

    Attributes
    ----------
    users : tuple of int
        The users the rule is offered to (all of them in the anonymous game, one in the
        personalized game).
    bound : DeviationBound
        The optimal payoff and a rule attaining it (SPEC.md §9), with how far it is certified.
    certificate : dict or None
        The certificate document, when the optimum is certified exactly.
    outcomes : tuple of UserOutcome
        Per user, her utility and her selection: with the provider's rule, her optimal response
        best for the provider (deviator-favourable ties, SPEC.md §4).
    """

    users: tuple[int, ...]
    bound: DeviationBound
    certificate: dict[str, Any] | None
    outcomes: tuple[UserOutcome, ...]


def find_commitments(
    instance: Instance,
    mode: Mode,
    oracle: OracleOptions,
    users: Sequence[int] | None = None,
) -> tuple[list[Commitment], bool]:
    """The single provider's optimal commitments over all mixed rules (the persuasion optimum).

    Parameters
    ----------
    instance : Instance
        A game with one provider.
    mode : Mode
        Anonymous: one rule for every user. Personalized: one rule per user.
    oracle : OracleOptions
        How the deviation oracle covers the users' choices.
    users : sequence of int, optional
        In the personalized game, the users to commit towards (default: all, in file order).

    Returns
    -------
    commitments : list of Commitment
        The commitments computed, in order.
    interrupted : bool
        Whether Ctrl-C stopped the computation before the last one.
    """
    everyone = tuple(range(len(instance.users)))
    towards = everyone if users is None else tuple(users)
    groups = [everyone] if mode is Mode.ANONYMOUS else [(i,) for i in towards]
    found: list[Commitment] = []
    try:
        for group in groups:
            bound = solve_commitment(
                instance, group, oracle.limit, method=oracle.method, time_limit=oracle.time_limit
            )
            document = build_certificate(instance, group, [bound.rule], [bound]) if bound.certified else None
            outcomes = []
            for i in group:
                response = solve_response(instance, i, 0, bound.rule, TiePolicy.FAVOURABLE, 0)
                payoffs = (provider_payoff(instance, 0, i, response.law),)
                outcomes.append(UserOutcome(i, response.value, (0,), ((0, payoffs),)))
            found.append(Commitment(group, bound, document, tuple(outcomes)))
    except KeyboardInterrupt:
        return found, True
    return found, False


def commitments_to_json(
    instance: Instance,
    mode: Mode,
    commitments: Sequence[Commitment],
    oracle: OracleOptions,
    complete: bool = True,
    paths: Mapping[tuple[int, ...], str] | None = None,
    certificates: Sequence[str] = (),
    removed: Sequence[str] = (),
    law_limit: int = DEFAULT_LAW_LIMIT,
) -> dict[str, Any]:
    """The JSON form of a single provider's commitments (``"kind": "commitment"``, README "JSON output").

    Parameters
    ----------
    instance : Instance
        A game with one provider.
    mode : Mode
        Personalized or anonymous.
    commitments : sequence of Commitment
        The commitments computed.
    oracle : OracleOptions
        How the deviation oracle covered the users' choices.
    complete : bool
        False when interrupted before every commitment was computed.
    paths : mapping, optional
        The certificate file written for a commitment, by its users.
    certificates, removed : sequence of str
        The certificate files written and removed.
    law_limit : int
        The most combinations of a user's optimal choices tried to play out her selection.

    Returns
    -------
    dict
        The fields of :data:`solver.equilibria.results.SOLVE_FIELDS`, with ``commitments``: per
        commitment its ``users`` (a mapping from each user's label to her side, as in an
        equilibrium), ``payoff``, ``rule``, ``utilities``, ``certified``, ``status``, ``estimate``
        and ``certificate``. ``worst`` and ``best`` give each user's utility under the commitment
        towards her.
    """
    tree = ConversationTree(instance.protocol)
    provider = instance.providers[0]
    paths = paths or {}
    utilities: dict[str, str | None] = {u.label: None for u in instance.users}
    entries = []
    for c in commitments:
        users = {}
        for o in c.outcomes:
            selections = find_user_selections(instance, (c.bound.rule,), o, law_limit)
            users[instance.users[o.user].label] = outcome_to_json(instance, o, selections)
            utilities[instance.users[o.user].label] = str(o.utility)
        d = c.certificate
        entries.append(
            {
                "users": users,
                "payoff": str(c.bound.value),
                "rule": c.bound.rule.to_document(provider.signals, tree),
                "utilities": None if d is None else {k: v["utility"] for k, v in d["responses"].items()},
                "certified": c.bound.certified,
                "status": c.bound.status.value,
                "estimate": None if c.bound.estimate is None else str(c.bound.estimate),
                "certificate": paths.get(c.users),
            }
        )
    return solve_document(
        kind="commitment",
        mode=mode.value,
        **{"class": "full"},
        searched_class=None,
        tie_policy=TiePolicy.FAVOURABLE.value,
        delta=None,
        method=None,
        oracle=oracle.method.value,
        exact=all(c.bound.certified for c in commitments),
        status=None,
        complete=complete,
        count=None,
        finite_count=None,
        finite_complete=None,
        checked=None,
        worst=utilities,
        best=utilities,
        equilibria_listed=0,
        truncated=False,
        group_count=0,
        groups=[],
        equilibria=[],
        commitments=entries,
        certificates=list(certificates),
        certificates_removed=list(removed),
        other_tie_policies=None,
        notes=[],
    )


def _commitment(
    console: Console,
    instance: Instance,
    mode: Mode,
    as_json: bool,
    folder: CertificateFolder | None,
    oracle: OracleOptions,
    law_limit: int = DEFAULT_LAW_LIMIT,
) -> None:
    """The single provider's optimal commitment over all mixed rules (the persuasion optimum)."""
    everyone = tuple(range(len(instance.users)))
    groups = [everyone] if mode is Mode.ANONYMOUS else [(i,) for i in everyone]
    results, interrupted = find_commitments(instance, mode, oracle)
    missing = groups[len(results) :]
    paths: dict[tuple[int, ...], str] = {}
    if folder is not None:
        planned = {
            commitment_slot(mode, c.users): dumps_certificate(c.certificate)
            for c in results
            if c.certificate is not None
        }
        computed = {commitment_slot(mode, c.users) for c in results}
        try:
            folder.settle(planned, computed.__contains__)
        except KeyboardInterrupt:
            interrupted = True
        paths = {
            c.users: str(path)
            for c in results
            for slot, path in folder.written
            if slot == commitment_slot(mode, c.users)
        }
    if as_json:
        document = commitments_to_json(
            instance,
            mode,
            results,
            oracle,
            not interrupted,
            paths,
            [] if folder is None else [str(path) for _, path in folder.written],
            [] if folder is None else [str(path) for path in folder.removed],
            law_limit,
        )
        click.echo(json_text(document, SOLVE_SCHEMA))
    else:
        _print_commitments(console, instance, results, law_limit)
        if folder is not None:

            def towards(slot: Slot) -> str:
                who = "every user" if slot.number is None else instance.users[slot.number - 1].label
                return f"optimal commitment towards {who}"

            _print_certificates(console, folder.written, folder.removed, towards)
        if interrupted and missing:
            who = "; ".join(", ".join(instance.users[i].label for i in users) for users in missing)
            console.print(
                f"INTERRUPTED: the optimal commitments towards {who} were not computed", soft_wrap=True
            )
    if interrupted:
        raise KeyboardInterrupt


def _print_commitments(
    console: Console, instance: Instance, results: Sequence[Commitment], law_limit: int = DEFAULT_LAW_LIMIT
) -> None:
    tree = ConversationTree(instance.protocol)
    provider = instance.providers[0]
    for c in results:
        b = c.bound
        who = ", ".join(instance.users[i].label for i in c.users)
        console.print(
            f"optimal commitment of {provider.label} towards {who}: payoff {b.value} ({b.status.value})",
            soft_wrap=True,
        )
        if b.estimate is not None:
            console.print(f"  the MIP solver's estimate of the optimum: {b.estimate} (floating point)")
        console.print(f"  rule: {b.rule.describe(provider.signals, tree)}")
        for o in c.outcomes:
            (selection,) = find_user_selections(instance, (b.rule,), o, law_limit)
            side = describe_selection(instance, o.user, selection)
            console.print(f"  {instance.users[o.user].label} {o.utility}: {side}")


__all__ = [
    "Commitment",
    "commitments_to_json",
    "find_commitments",
    "full_groups",
    "full_to_json",
    "solve_full",
]
