"""Parametric sweeps: exact answers as functions of one parameter over an interval (SPEC.md §9)."""
