"""The command line: `python -m reloader --version`."""

import argparse
import sys
from typing import List, Optional

from . import __version__


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line with `argv` (default: sys.argv[1:]); return the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m reloader",
        description="Reload changed Python code inside interpreters that never restart.",
    )
    parser.add_argument("--version", action="version", version="reloader " + __version__)
    parser.parse_args(argv)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
