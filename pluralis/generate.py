"""``pluralis generate``: write a seeded library of instances with a catalog."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from instances.generators import CATALOG_NAME, FAMILIES, Sizes, check_sizes, generate_library
from solver.core.numbers import parse_number

_DEFAULT = Sizes()


@click.command("generate")
@click.option("--family", type=click.Choice(list(FAMILIES)), required=True, help="The instance family.")
@click.option("--count", type=click.IntRange(min=0), required=True, help="How many instances.")
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed; the same seed writes the same bytes."
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Output folder.")
@click.option("--states", type=int, default=None, show_default=str(_DEFAULT.states))
@click.option("--providers", type=int, default=None, show_default=str(_DEFAULT.providers))
@click.option("--users", type=int, default=None, show_default=str(_DEFAULT.users))
@click.option("--actions", type=int, default=None, show_default=str(_DEFAULT.actions))
@click.option(
    "--signals", type=int, default=None, show_default=str(_DEFAULT.signals), help="Signals per provider."
)
@click.option("--worlds-per-state", type=int, default=None, show_default=str(_DEFAULT.worlds_per_state))
@click.option(
    "--messages",
    type=int,
    default=None,
    show_default=str(_DEFAULT.messages),
    help="Provider messages of the protocol [P].",
)
@click.option(
    "--denominator",
    type=int,
    default=None,
    show_default=str(_DEFAULT.denominator),
    help="Numbers are multiples of 1/denominator.",
)
@click.option(
    "--epsilon", default=None, show_default=str(_DEFAULT.epsilon), help="near-aligned: the target ε, exact."
)
@click.option(
    "--format", "file_format", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True
)
def generate_command(
    family: str,
    count: int,
    seed: int,
    out: Path,
    epsilon: str | None,
    file_format: str,
    **size_options: int | None,
) -> None:
    """Write COUNT instances of a FAMILY into OUT, with provenance and a catalog.json.

    Families: uniform, opposed (providers in opposed pairs), polarized (users in opposed pairs),
    complementary (provider j sees bit j of the state), persuader (one state-independent sender),
    near-aligned (every provider within ε of every user), divided (every provider sees the state
    and is aligned with or opposed to each user). A size the family makes itself (divided's
    signals, polarized's pairs of users, …) is refused when given, never ignored.
    """
    given: dict[str, Any] = {k: v for k, v in size_options.items() if v is not None}
    if epsilon is not None:
        given["epsilon"] = parse_number(epsilon, "--epsilon")
    sizes = replace(_DEFAULT, **given)
    check_sizes(family, sizes, given)
    entries = generate_library(family, count, seed, out, sizes, file_format)
    click.echo(f"wrote {len(entries)} {family} instance(s) (seed {seed}) and {out / CATALOG_NAME}")
