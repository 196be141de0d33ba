"""What an instance file is, for every command that reads a library folder.

A library folder holds instance files (SPEC.md §11) beside the records a counterexample search
writes next to each instance it keeps: ``NAME.certificate.yml`` (an equilibrium certificate),
``NAME.verdict.json`` (the verdict record) and ``search-state.json`` (the resumable state), and
possibly ``catalog`` files. :func:`is_instance_file` is the one rule that tells them apart;
``reproduce``, ``batch`` and the tests use it through :func:`instance_files`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

INSTANCE_SUFFIXES = (".yaml", ".yml", ".json")
"""The suffixes of instance files (YAML, or the same structure as JSON)."""
RECORD_SUFFIXES = (
    ".certificate.yml",
    ".certificate.yaml",
    ".certificate.json",
    ".verdict.json",
)
"""The suffixes of the records written beside an instance: certificates and verdict records."""
RECORD_NAMES = ("search-state.json",)
"""Files of a search that are not instances."""


def bundled_library() -> Path:
    """The folder of the instance library shipped with pluralis (the ``instances`` package).

    Returns
    -------
    Path
        The folder.
    """
    return Path(str(resources.files("instances")))


def is_instance_file(path: Path) -> bool:
    """Whether a file name is that of an instance file.

    An instance file ends in ``.yaml``, ``.yml`` or ``.json`` (any case) and is not hidden, not a
    catalog (``catalog.yaml``), not a certificate or verdict record (``NAME.certificate.yml``,
    ``NAME.verdict.json``) and not a search's ``search-state.json``.

    Parameters
    ----------
    path : Path
        The file (only its name is read).

    Returns
    -------
    bool
        True for an instance file.
    """
    name = path.name.lower()
    return (
        name.endswith(INSTANCE_SUFFIXES)
        and not name.startswith(".")
        and path.stem.lower() != "catalog"
        and not name.endswith(RECORD_SUFFIXES)
        and name not in RECORD_NAMES
    )


def instance_files(directory: Path | None = None, exclude: Path | None = None) -> list[Path]:
    """Every instance file under a folder, recursively, sorted.

    Parameters
    ----------
    directory : Path, optional
        The library folder (default: :func:`bundled_library`).
    exclude : Path, optional
        A folder to skip (a results folder that lies inside the library).

    Returns
    -------
    list of Path
        The files :func:`is_instance_file` accepts, outside hidden folders and ``exclude``.
    """
    root = bundled_library() if directory is None else directory
    skip = exclude.resolve() if exclude is not None else None
    files = []
    for path in root.rglob("*"):
        if not is_instance_file(path) or not path.is_file():
            continue
        if any(part.startswith(".") for part in path.relative_to(root).parts[:-1]):
            continue
        if skip is not None and skip in path.resolve().parents:
            continue
        files.append(path)
    return sorted(files)
