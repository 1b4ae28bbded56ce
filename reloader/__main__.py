"""The command line: `python -m reloader COMMAND ...` and `python -m reloader --version`.

Each command lives in its own module, which offers `add_command(subparsers)`;
the parser it adds carries the function to run as its `run` default.
"""

import argparse
import sys
from typing import List, Optional

from . import __version__

# Modules offering add_command(subparsers), in the order --help lists them.
_COMMANDS: List[str] = ["_cli_run", "_cli_install", "_cli_send"]


def parser() -> argparse.ArgumentParser:
    """The argument parser with every command added."""
    import importlib

    top = argparse.ArgumentParser(
        prog="python -m reloader",
        description="Reload changed Python code inside interpreters that never restart.",
    )
    top.add_argument("--version", action="version", version="reloader " + __version__)
    commands = top.add_subparsers(title="commands", metavar="COMMAND")
    for name in _COMMANDS:
        importlib.import_module("." + name, __package__).add_command(commands)
    return top


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line with `argv` (default: sys.argv[1:]); return the exit code."""
    top = parser()
    arguments = top.parse_args(argv)
    run = getattr(arguments, "run", None)
    if run is None:
        top.print_help()
        return 0
    return int(run(arguments))


if __name__ == "__main__":
    sys.exit(main())
