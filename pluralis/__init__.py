"""pluralis: exact equilibria and claim checking for pluralistic alignment games.

The public API (:mod:`pluralis.api`) is reached from here and imported on first use, so that
``import pluralis`` and ``pluralis --help`` stay cheap::

    import pluralis

    game = pluralis.load("instances/prosecutor_judge.yaml")
    solution = pluralis.solve(game, mode="anonymous", cls="grid:7")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

_API = (
    "Certification",
    "CheckResult",
    "Commitment",
    "Equilibrium",
    "Group",
    "Kind",
    "Labelled",
    "Method",
    "Mode",
    "NormalForm",
    "OracleMethod",
    "ProviderRule",
    "Solution",
    "TiePolicy",
    "UserOutcome",
    "UserResponse",
    "certify",
    "check",
    "commit",
    "export_nfg",
    "load",
    "solve",
)
"""The names of :mod:`pluralis.api` that ``pluralis`` offers."""

if TYPE_CHECKING:
    from pluralis.api import (
        Certification as Certification,
    )
    from pluralis.api import (
        CheckResult as CheckResult,
    )
    from pluralis.api import (
        Commitment as Commitment,
    )
    from pluralis.api import (
        Equilibrium as Equilibrium,
    )
    from pluralis.api import (
        Group as Group,
    )
    from pluralis.api import (
        Kind as Kind,
    )
    from pluralis.api import (
        Labelled as Labelled,
    )
    from pluralis.api import (
        Method as Method,
    )
    from pluralis.api import (
        Mode as Mode,
    )
    from pluralis.api import (
        NormalForm as NormalForm,
    )
    from pluralis.api import (
        OracleMethod as OracleMethod,
    )
    from pluralis.api import (
        ProviderRule as ProviderRule,
    )
    from pluralis.api import (
        Solution as Solution,
    )
    from pluralis.api import (
        TiePolicy as TiePolicy,
    )
    from pluralis.api import (
        UserOutcome as UserOutcome,
    )
    from pluralis.api import (
        UserResponse as UserResponse,
    )
    from pluralis.api import (
        certify as certify,
    )
    from pluralis.api import (
        check as check,
    )
    from pluralis.api import (
        commit as commit,
    )
    from pluralis.api import (
        export_nfg as export_nfg,
    )
    from pluralis.api import (
        load as load,
    )
    from pluralis.api import (
        solve as solve,
    )


def __getattr__(name: str) -> Any:
    if name in _API:
        from pluralis import api

        return getattr(api, name)
    raise AttributeError(f"module 'pluralis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})


__all__ = ["__version__", *_API]
