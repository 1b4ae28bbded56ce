"""Type-check the host adapters against the hosts' published stubs.

    python hosts/typecheck.py [--venv DIR]

Creates (once) a tools virtual environment with mypy and the stubs pinned
below, lays each adapter out the way `python -m reloader install` does (next
to its copy of reloader) in a temporary folder, and runs mypy with
hosts/mypy.ini on the adapter files, one host at a time. A misspelt host
call fails the check. Exits non-zero if any host fails.
"""

import argparse
import os
import subprocess
import sys
import tempfile
from typing import Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TOOLS = ["mypy==2.4.1", "sublime-text-stubs==4200.1", "types-maya==0.6.1",
         "types-nuke==13.2.8.0"]
# host -> (folder mypy runs from, adapter files), relative to the install folder
CHECKS: Dict[str, List[str]] = {
    "sublime": [".", "Reloader/reloader_commands.py"],
    "maya": ["reloader-maya/scripts", "reloader_maya.py"],
    "nuke": ["reloader-nuke", "reloader_nuke.py"],
    "abaqus": ["reloader-abaqus", "reloader_abaqus.py", "reloader_plugin.py"],
}


def tools_python(venv: str) -> str:
    """The venv's python, made and filled with TOOLS unless a stamp says it is complete."""
    python = os.path.join(venv, "Scripts" if os.name == "nt" else "bin", "python")
    stamp = os.path.join(venv, "tools.txt")
    wanted = "\n".join(TOOLS) + "\n"
    try:
        with open(stamp) as handle:
            if handle.read() == wanted and os.path.exists(python):
                return python
    except OSError:
        pass
    subprocess.check_call([sys.executable, "-m", "venv", "--clear", venv])
    subprocess.check_call([python, "-m", "pip", "install", "-q"] + TOOLS)
    with open(stamp, "w") as handle:
        handle.write(wanted)
    return python


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", default=os.path.join(ROOT, ".venv-hosts", "typecheck"))
    parser.add_argument("hosts", nargs="*", default=sorted(CHECKS))
    arguments = parser.parse_args()
    python = tools_python(arguments.venv)
    failed = []
    with tempfile.TemporaryDirectory(prefix="reloader-typecheck-") as staging:
        for host in arguments.hosts:
            dest = os.path.join(staging, host)
            subprocess.run([sys.executable, "-m", "reloader", "install", host, "--dest", dest],
                           cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
            folder, files = CHECKS[host][0], CHECKS[host][1:]
            command = [python, "-m", "mypy", "--config-file", os.path.join(HERE, "mypy.ini"),
                       "--cache-dir", os.path.join(staging, ".mypy_cache")] + files
            print("== {}: mypy {}".format(host, " ".join(files)), flush=True)
            result = subprocess.run(command, cwd=os.path.join(dest, folder))
            if result.returncode:
                failed.append(host)
    if failed:
        print("type check failed for: {}".format(", ".join(failed)))
        return 1
    print("type check passed for: {}".format(", ".join(arguments.hosts)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
