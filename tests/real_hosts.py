"""Run reloader's tests inside the real hosts: gdb, Vim, IPython/Jupyter and Blender (bpy).

The "serve" host runs the listener inside gdb and a Jupyter kernel, and the Vim binding.

    python3 tests/real_hosts.py            install what is missing, then run every host
    python3 tests/real_hosts.py gdb vim    only these hosts

Installs what the tests need: gdb and vim-nox through apt-get when missing
(CI runs as root), and virtual environments under .venv-hosts/ for bpy
(CPython 3.11, bpy==5.0.1) and for ipykernel + jupyter_client, made with the
pyenv Pythons by full path and reused on later runs. The tests then run with
RELOADER_REAL_HOSTS=1, so a host that could not be installed fails instead of
skipping. Prints one line per host and a closing "N passed, M failed"; exits
non-zero on any failure.
"""

import glob
import os
import shutil
import subprocess
import sys
import time
from typing import Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENVS = os.path.join(ROOT, ".venv-hosts")
BPY = "bpy==5.0.1"  # wheels exist for CPython 3.11 only
# IPython pinned to the release whose autoreload behaviours tests/test_notebook.py follows.
KERNEL = ("ipykernel==7.4.0", "jupyter_client==8.10.0", "ipython==9.18.1")

# Runs one test module and ends with a line "RESULT passed failed skipped".
_RUN = """
import sys, unittest
suite = unittest.defaultTestLoader.loadTestsFromName(sys.argv[1])
result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
passed = result.testsRun - failed - len(result.skipped)
print("RESULT", passed, failed, len(result.skipped))
"""


def log(text: str) -> None:
    print(text, flush=True)


def run(argv: List[str], **options: object) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, **options)  # type: ignore[call-overload]


# ------------------------------------------------------------------ installing


def apt_install(*packages: str) -> Optional[str]:
    """apt-get install `packages`; None when done, else why not."""
    if shutil.which("apt-get") is None:
        return "apt-get is not available; install {} yourself".format(" ".join(packages))
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        return "not root; run: sudo apt-get install -y {}".format(" ".join(packages))
    environment = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for argv in (["apt-get", "update", "-qq"],
                 ["apt-get", "install", "-y", "-qq"] + list(packages)):
        done = run(argv, env=environment)
        if done.returncode != 0:
            return "{} failed:\n{}".format(" ".join(argv), done.stdout[-2000:])
    return None


def ensure_gdb() -> Optional[str]:
    return None if shutil.which("gdb") else apt_install("gdb")


def ensure_vim() -> Optional[str]:
    vim = shutil.which("vim")
    if vim is not None and "+python3" in run([vim, "--version"]).stdout:
        return None
    return apt_install("vim-nox")


def pyenv_python(minor: str) -> Optional[str]:
    """The newest pyenv CPython `minor` (e.g. '3.11') by full path, else python3.11 on PATH."""
    root = run(["pyenv", "root"]).stdout.strip() if shutil.which("pyenv") else ""
    root = root or os.path.expanduser("~/.pyenv")
    found = glob.glob(os.path.join(root, "versions", minor + ".*", "bin", "python3"))
    found.sort(key=lambda p: [int(x) for x in p.split(os.sep)[-3].split(".") if x.isdigit()])
    return found[-1] if found else shutil.which("python" + minor)


def ensure_venv(name: str, minor: str, requirements: Tuple[str, ...]) -> Optional[str]:
    """Make .venv-hosts/<name> with `requirements` unless a complete one exists."""
    folder = os.path.join(VENVS, name)
    stamp = os.path.join(folder, "reloader-installed.txt")
    wanted = "\n".join(requirements)
    if os.path.exists(stamp):
        with open(stamp) as handle:
            if handle.read() == wanted:
                return None
    python = pyenv_python(minor)
    if python is None:
        return "no CPython {} found (pyenv or python{} on PATH)".format(minor, minor)
    shutil.rmtree(folder, ignore_errors=True)
    for argv in ([python, "-m", "venv", folder],
                 [os.path.join(folder, "bin", "python"), "-m", "pip", "install", "-q",
                  "--disable-pip-version-check"] + list(requirements)):
        done = run(argv)
        if done.returncode != 0:
            return "{} failed:\n{}".format(" ".join(argv[-len(requirements) - 1:]),
                                           done.stdout[-2000:])
    with open(stamp, "w") as handle:
        handle.write(wanted)
    return None


# ------------------------------------------------------------------ running


def run_module(module: str, python: str) -> Tuple[int, int, int, str]:
    environment = dict(os.environ, RELOADER_REAL_HOSTS="1")
    environment.pop("PYTHONPATH", None)
    done = run([python, "-c", _RUN, module], cwd=ROOT, env=environment)
    last = done.stdout.strip().splitlines()[-1:] or [""]
    words = last[0].split()
    if len(words) == 4 and words[0] == "RESULT":
        passed, failed, skipped = (int(w) for w in words[1:])
        return passed, failed, skipped, done.stdout
    return 0, 1, 0, done.stdout  # the run itself broke: count it as one failure


def run_core_in_gdb() -> Tuple[int, int, int, str]:
    done = run(["gdb", "-nx", "-batch", "-x", os.path.join("tests", "hosts", "run_in_gdb.py")],
               cwd=ROOT)
    for line in reversed(done.stdout.splitlines()):
        words = line.replace(",", "").split()
        if len(words) == 4 and words[1] == "passed" and words[3] == "failed":
            failed = int(words[2]) + (done.returncode != 0 and int(words[2]) == 0)
            return int(words[0]), failed, 0, done.stdout
    return 0, 1, 0, done.stdout


HOSTS = ("gdb", "core-in-gdb", "vim", "ipython", "blender", "serve")


def main(argv: List[str]) -> int:
    chosen = [h for h in HOSTS if not argv or h in argv]
    unknown = [a for a in argv if a not in HOSTS]
    if unknown:
        log("unknown host {!r}; choose from {}".format(unknown[0], ", ".join(HOSTS)))
        return 2
    started = time.perf_counter()
    os.makedirs(VENVS, exist_ok=True)
    installs = {
        "gdb": ensure_gdb, "core-in-gdb": ensure_gdb, "vim": ensure_vim,
        "ipython": lambda: ensure_venv("ipykernel", "3.11", KERNEL),
        "blender": lambda: ensure_venv("bpy", "3.11", (BPY,)),
        # The listener in gdb and a Jupyter kernel, the Vim binding in Vim.
        "serve": lambda: ensure_gdb() or ensure_vim() or ensure_venv(
            "ipykernel", "3.11", KERNEL),
    }
    pythons: Dict[str, str] = {
        "ipython": os.path.join(VENVS, "ipykernel", "bin", "python"),
    }
    total_passed = total_failed = 0
    for host in chosen:
        began = time.perf_counter()
        problem = installs[host]()
        setup = time.perf_counter() - began
        if problem is not None:
            log("{}: could not install: {}".format(host, problem))
        if host == "core-in-gdb":
            passed, failed, skipped, output = run_core_in_gdb()
        else:
            python = pythons.get(host, sys.executable)
            if not os.path.exists(python):
                python = sys.executable
            passed, failed, skipped, output = run_module("tests.hosts.test_" + host, python)
        if failed:
            log(output.rstrip())
        total_passed += passed
        total_failed += failed
        log("{}: {} passed, {} failed{} (setup {:.1f} s, tests {:.1f} s)".format(
            host, passed, failed, ", {} skipped".format(skipped) if skipped else "",
            setup, time.perf_counter() - began - setup))
    log("real hosts took {:.1f} s".format(time.perf_counter() - started))
    log("{} passed, {} failed".format(total_passed, total_failed))
    return 1 if total_failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
