"""The pluralis command line, on top of the solver, the instance library and the claims."""
