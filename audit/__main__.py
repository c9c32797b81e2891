"""`python -m audit`: the same command line as `corpus-audit`."""

from audit.cli import main

if __name__ == "__main__":
    main()
