"""The deviation oracle: the best mixed deviation of a provider, exhaustively or by a MIP."""
