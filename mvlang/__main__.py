"""`python -m mvlang` runs the command line."""

from mvlang.cli import main

if __name__ == "__main__":
    main()
