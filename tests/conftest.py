"""Shared test configuration: hypothesis profiles.

Locally the ``default`` profile runs a modest number of examples without deadlines (exact
arithmetic makes timings uneven). When ``CI`` (or another CI variable hypothesis knows) is set,
hypothesis itself loads its built-in ``ci`` profile, which is derandomized and has no example
database; it is re-registered here with the same settings and the same example count, never
replaced by a randomized one. ``HYPOTHESIS_PROFILE`` selects a profile by name.
"""

from __future__ import annotations

import os

from hypothesis import settings

EXAMPLES = 50

settings.register_profile("default", max_examples=EXAMPLES, deadline=None)
settings.register_profile("ci", settings.get_profile("ci"), max_examples=EXAMPLES)
settings.register_profile("thorough", max_examples=1000, deadline=None)

if "HYPOTHESIS_PROFILE" in os.environ:
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])
