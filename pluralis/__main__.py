"""Run the command line with ``python -m pluralis``."""

from pluralis.cli import main

main()
