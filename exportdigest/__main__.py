"""`python -m exportdigest` runs the command."""

from .cli import main

main()
