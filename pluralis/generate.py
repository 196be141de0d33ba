"""``pluralis generate``: write a seeded library of instances with a catalog."""

from __future__ import annotations

from pathlib import Path

import click

from instances.generators import CATALOG_NAME, FAMILIES, Sizes, generate_library
from solver.numbers import parse_number


@click.command("generate")
@click.option("--family", type=click.Choice(list(FAMILIES)), required=True, help="The instance family.")
@click.option("--count", type=click.IntRange(min=0), required=True, help="How many instances.")
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed; the same seed writes the same bytes."
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Output folder.")
@click.option("--states", type=int, default=2, show_default=True)
@click.option("--providers", type=int, default=2, show_default=True)
@click.option("--users", type=int, default=2, show_default=True)
@click.option("--actions", type=int, default=2, show_default=True)
@click.option("--signals", type=int, default=2, show_default=True, help="Signals per provider.")
@click.option("--worlds-per-state", type=int, default=2, show_default=True)
@click.option(
    "--messages", type=int, default=2, show_default=True, help="Provider messages of the protocol [P]."
)
@click.option(
    "--denominator", type=int, default=4, show_default=True, help="Numbers are multiples of 1/denominator."
)
@click.option("--epsilon", default="1/10", show_default=True, help="near-aligned: the target ε, exact.")
@click.option(
    "--format", "file_format", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True
)
def generate_command(
    family: str,
    count: int,
    seed: int,
    out: Path,
    states: int,
    providers: int,
    users: int,
    actions: int,
    signals: int,
    worlds_per_state: int,
    messages: int,
    denominator: int,
    epsilon: str,
    file_format: str,
) -> None:
    """Write COUNT instances of a FAMILY into OUT, with provenance and a catalog.json.

    Families: uniform, opposed (providers in opposed pairs), polarized (users in opposed pairs),
    complementary (provider j sees bit j of the state), persuader (one state-independent sender),
    near-aligned (every provider within ε of every user), divided (every provider sees the state
    and is aligned with or opposed to each user).
    """
    sizes = Sizes(
        states,
        providers,
        users,
        actions,
        signals,
        worlds_per_state,
        messages,
        denominator,
        parse_number(epsilon, "--epsilon"),
    )
    entries = generate_library(family, count, seed, out, sizes, file_format)
    click.echo(f"wrote {len(entries)} {family} instance(s) (seed {seed}) and {out / CATALOG_NAME}")
