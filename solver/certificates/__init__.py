"""Certification of equilibria, certificate files and the independent verifier."""
