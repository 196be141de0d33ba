"""pluralis: exact equilibria and claim checking for pluralistic alignment games."""

__version__ = "0.2.0"
