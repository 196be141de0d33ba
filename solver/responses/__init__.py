"""Users' best responses, information and benchmarks, and the alignment linear programs."""
