"""``python -m cpq.cli``."""

from cpq.cli import main

main()
