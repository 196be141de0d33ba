"""Games and their equilibria: the regret kernel, exhaustive enumeration and the MIP engine."""
