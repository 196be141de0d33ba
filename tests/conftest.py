"""Shared test configuration: hypothesis profiles, selected by ``HYPOTHESIS_PROFILE``.

- ``default`` (local runs): a modest number of examples, random seeds, no deadline (exact
  arithmetic makes timings uneven).
- ``ci``: hypothesis loads its built-in ``ci`` profile by itself when ``CI`` (or another CI
  variable it knows) is set; it is derandomized and has no example database. It is re-registered
  here with the same settings and the default's example count, never replaced by a randomized one,
  so CI always draws the same examples.
- ``dev``: random seeds and four times the examples, no example database (nothing is written to
  the shared working tree; a failure prints the ``@reproduce_failure`` blob that replays it), and
  no health check for slow data: for a run of a few minutes before a change is merged.
- ``thorough``: thousands of examples per property, random seeds, no database: hours, for a sweep.

The theorem properties carry no example count of their own (no ``max_examples`` in their
``@settings``), so a profile raises them all at once.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

EXAMPLES = 50

settings.register_profile("default", max_examples=EXAMPLES, deadline=None)
settings.register_profile("ci", settings.get_profile("ci"), max_examples=EXAMPLES)
settings.register_profile(
    "dev",
    max_examples=4 * EXAMPLES,
    deadline=None,
    derandomize=False,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    derandomize=False,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

if "HYPOTHESIS_PROFILE" in os.environ:
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])
