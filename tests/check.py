#!/usr/bin/env python3
"""Run reloader's checks: the test suite on every supported CPython, then the linters.

This is the project's test command:

    python3 tests/check.py                  # CPython 3.7 to 3.14 (those found), then lint
    python3 tests/check.py --quick          # the running interpreter only: no venvs, no lint
    python3 tests/check.py --python 3.8 --python 3.12 --no-lint
    python3 tests/check.py --lint-only
    python3 tests/check.py --suite wheel    # one extra suite alone

The interpreters are the newest patch release of each minor version under
`$(pyenv root)/versions/`, or the comma-separated interpreter paths in the environment
variable RELOADER_PYTHONS. Each one gets a virtual environment `.venv-check/<minor>/` with
the pinned test requirements below; it is rebuilt only when the requirements or the
interpreter change. The suite runs there as `python -m pytest -q -p no:cacheprovider tests`,
with the repository root as working directory and as PYTHONPATH, two versions at a time.
CPython 3.14 runs as Pyodide under Node.js (npm's `pyodide` package in `.venv-check/pyodide/`,
`--python 3.14` alone), where tests that need threads or subprocesses are skipped.

The lint step uses `.venv-check/tools` (made with the newest of CPython 3.13, 3.12, 3.11)
to run ruff, mypy and vermin.

It first prints what it installs and where. One line is printed per version, per extra
suite and per linter; the full output of a failing step follows its line, then how long
the whole run took. The last line reads `N passed, M failed` (then `, K skipped`
if any were skipped), counting tests over all versions. The exit status is 1 if any step
failed.

Standard library only, and Python 3.7 syntax: any python3 >= 3.7 can run this file.
"""

import argparse
import concurrent.futures
import hashlib
import importlib.util
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

REPO = Path(__file__).resolve().parent.parent
VENV_ROOT = REPO / ".venv-check"

MINORS = ["3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13"]

# Test requirements for each minor version: the last releases that support it.
TEST_REQUIREMENTS = {
    "3.7": ["pytest==7.4.4", "hypothesis==6.79.4"],
    "3.8": ["pytest==8.3.5", "hypothesis==6.113.0"],
    "3.9": ["pytest==8.4.2", "hypothesis==6.141.1"],
    "3.10": ["pytest==9.2.0", "hypothesis==6.168.5"],
    "3.11": ["pytest==9.2.0", "hypothesis==6.170.15"],
    "3.12": ["pytest==9.2.0", "hypothesis==6.170.15"],
    "3.13": ["pytest==9.2.0", "hypothesis==6.170.15"],
}

# mypy stays at 1.16.1, the last release that accepts 3.8 as a target (see setup.cfg).
TOOL_REQUIREMENTS = ["ruff==0.17.6", "mypy==1.16.1", "vermin==1.9.2"]
TOOL_MINORS = ["3.13", "3.12", "3.11"]  # the tools venv uses the first one found

RUFF_PATHS = ["reloader", "tests", "bench", "hosts", "examples"]
VERMIN_PATHS = ["reloader", "hosts", "tests/check.py"]
# -t=3.7- : fail when anything needs a Python newer than 3.7.
# --eval-annotations : annotations count too (typing.get_type_hints evaluates them).
VERMIN_FLAGS = ["--no-tips", "--violations", "-t=3.7-", "--eval-annotations"]

PARALLEL_RUNS = 2  # pytest runs at a time (the machines have 2 cores)
STEP_TIMEOUT = 30 * 60  # seconds allowed to one pytest run, one pip install or one linter


class Interpreter(NamedTuple):
    """A CPython found on this machine."""

    version: str  # "3.7.16"
    path: Path

    @property
    def minor(self) -> str:
        return ".".join(self.version.split(".")[:2])


class Result(NamedTuple):
    """The outcome of one step: the suite on one version, an extra suite, or a linter."""

    label: str  # "3.7.16", "ruff", ...
    status: str  # "ok", "FAIL", "absent" or "skip"
    detail: str  # the rest of the summary line
    output: str = ""  # printed after the summary line when status is "FAIL"
    passed: int = 0
    failed: int = 0  # failures and errors
    skipped: int = 0


class ExtraSuite(NamedTuple):
    """A further group of tests, run after the suite on every version."""

    name: str
    run: Callable[[Dict[str, Interpreter]], Result]
    installs: str = ""  # what it installs and where, printed before the run
    python: str = ""  # the --python value that selects it alone, if any


# Extra suites run after the per-version suites (not with --quick or --lint-only).
# To add one, write a function that takes the interpreters found ({"3.7": Interpreter, ...})
# and returns a Result: the suite's name as label, "ok" or "FAIL", a short detail, its full
# output (shown on failure) and its passed/failed/skipped counts. Then list it here:
#     EXTRA_SUITES = [ExtraSuite("hosts", run_host_suite)]
def run_real_hosts(pythons: Dict[str, "Interpreter"]) -> Result:
    """gdb, Vim, IPython/Jupyter and Blender, each running the tests inside itself."""
    command = [sys.executable, str(REPO / "tests" / "real_hosts.py")]
    status, output = run(command, env=dict(os.environ, PYTHONPATH=str(REPO)))
    lines = output.strip().splitlines()
    match = re.match(r"^(\d+) passed, (\d+) failed$", lines[-1]) if lines else None
    passed, failed = (int(match.group(1)), int(match.group(2))) if match else (0, 1)
    hosts = "; ".join(line for line in lines if re.match(r"^[\w-]+: \d+ passed", line))
    ok = status == 0 and match is not None and not failed
    detail = hosts or (lines[-1] if lines else "no output")
    return Result("real hosts", "ok" if ok else "FAIL", detail, output, passed, failed)


def run_wheel(pythons: Dict[str, "Interpreter"]) -> Result:
    """The README's Install commands, and the wheel installing every host as the checkout does."""
    newest = [pythons[m] for m in reversed(MINORS) if m in pythons and version_key(m) >= (3, 9)]
    if not newest and sys.version_info >= (3, 9):
        newest = [current_python()]
    if not newest:
        return Result("wheel", "FAIL", "no CPython 3.9 or later found to build the wheel with")
    env = dict(pip_env(), PYTHONPATH=str(REPO), RELOADER_WHEEL_PYTHON=str(newest[0].path))
    command = [sys.executable, "-m", "unittest", "-v", "tests.test_wheel"]
    status, output = run(command, env=env)
    result = runner_result("wheel", status, output, unittest_summary(output), "unittest")
    return result._replace(detail="{} (CPython {})".format(result.detail, newest[0].version))


# CPython 3.14 runs as Pyodide (WebAssembly) under Node.js, both from npm; the pure-Python
# test requirements come from PyPI as wheels for any platform, unpacked into a folder.
PYODIDE_VERSION = "314.0.7"
PYODIDE_REQUIREMENTS = ["hypothesis==6.155.7", "sortedcontainers==2.4.0"]

# Node.js side: load Pyodide, mount the repository and the requirements, run the driver.
PYODIDE_RUNNER = """\
import { loadPyodide } from "pyodide";
import { readFileSync } from "node:fs";
const [repo, site, driver] = process.argv.slice(2);
const py = await loadPyodide();
for (const [root, at] of [[repo, "/repo"], [site, "/site"]]) {
  py.FS.mkdirTree(at);
  py.FS.mount(py.FS.filesystems.NODEFS, { root }, at);
}
py.setStdout({ batched: (text) => console.log(text) });
py.setStderr({ batched: (text) => console.log(text) });
await py.runPythonAsync(readFileSync(driver, "utf8"));
"""

# Python side: the unittest suite, where a test that fails only because the platform cannot
# start a thread or a process is recorded as skipped, with that reason, once per test.
PYODIDE_DRIVER = """\
import errno, os, sys, unittest
os.chdir("/repo")
sys.path[:0] = ["/repo", "/site"]
os.environ["RELOADER_REAL_HOSTS"] = "0"
print("python %d.%d.%d" % sys.version_info[:3])

def lacking(error):
    if isinstance(error, RuntimeError) and "can't start new thread" in str(error):
        return "needs threads, which Pyodide lacks"
    if isinstance(error, OSError) and error.errno == errno.ENOTSUP and "processes" in str(error):
        return "needs subprocesses, which Pyodide lacks"
    return None

class Result(unittest.TextTestResult):
    platform_skips = {}
    def addError(self, test, err):
        self._platform(test, err) or super().addError(test, err)
    def addSubTest(self, test, subtest, err):
        if err is None or not self._platform(test, err):
            super().addSubTest(test, subtest, err)
    def _platform(self, test, err):
        reason = lacking(err[1])
        if reason and test.id() not in self.platform_skips:
            self.platform_skips[test.id()] = reason
            self.addSkip(test, reason)
        return reason is not None

suite = unittest.defaultTestLoader.discover("tests", top_level_dir=".")
result = unittest.TextTestRunner(sys.stdout, verbosity=2, resultclass=Result).run(suite)
failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
skipped = len(result.skipped) + len(result.expectedFailures)
threads = sum("threads" in reason for reason in Result.platform_skips.values())
print("platform skips: %d need threads, %d need subprocesses" % (
    threads, len(Result.platform_skips) - threads))
print("%d passed, %d failed, %d skipped" % (result.testsRun - failed - skipped, failed, skipped))
"""


def ensure_pyodide() -> Tuple[Path, bool]:
    """Make `.venv-check/pyodide` (npm's pyodide, the requirements in `site/`) unless there.

    Returns the folder and whether it was made now; raises SetupError.
    """
    folder = VENV_ROOT / "pyodide"
    stamp = folder / "check-stamp"
    key = hashlib.sha256("\n".join(
        [PYODIDE_VERSION, PYODIDE_RUNNER, PYODIDE_DRIVER] + PYODIDE_REQUIREMENTS).encode()
    ).hexdigest()
    if stamp.exists() and stamp.read_text().strip() == key:
        return folder, False
    shutil.rmtree(str(folder), ignore_errors=True)
    folder.mkdir(parents=True)
    npm = ["npm", "install", "--prefix", folder, "--no-audit", "--no-fund", "--no-save"]
    status, output = run(npm + ["pyodide@" + PYODIDE_VERSION])
    if status != 0:
        raise SetupError(output)
    pip = [sys.executable, "-m", "pip", "install", "-q", "--target", folder / "site",
           "--only-binary", ":all:", "--python-version", "3.14", "--implementation", "py",
           "--platform", "any", "--no-deps", "--no-compile"]
    status, output = run(pip + PYODIDE_REQUIREMENTS, env=pip_env())
    if status != 0:
        raise SetupError(output)
    (folder / "run.mjs").write_text(PYODIDE_RUNNER)
    (folder / "driver.py").write_text(PYODIDE_DRIVER)
    stamp.write_text(key + "\n")
    return folder, True


def run_pyodide(pythons: Dict[str, "Interpreter"]) -> Result:
    """The suite on CPython 3.14 as Pyodide under Node.js, without threads and processes."""
    if not shutil.which("node") or not shutil.which("npm"):
        return Result("3.14", "absent", "(skipped: Pyodide needs Node.js and npm)")
    started = time.monotonic()
    try:
        folder, made = ensure_pyodide()
    except SetupError as error:
        return Result("3.14", "FAIL", "could not make .venv-check/pyodide", error.output)
    note = f"  [made in {time.monotonic() - started:.0f}s]" if made else ""
    command = ["node", folder / "run.mjs", REPO, folder / "site", folder / "driver.py"]
    status, output = run(command)
    version = re.search(r"^python (\S+)$", output, re.MULTILINE)
    counts = re.search(r"^(\d+) passed, (\d+) failed, (\d+) skipped$", output, re.MULTILINE)
    platform = re.search(r"^platform skips: (.*)$", output, re.MULTILINE)
    label = version.group(1) if version else "3.14"
    if not counts or not platform:
        return Result(label, "FAIL", f"node exited with status {status} and no summary", output)
    passed, failed, skipped = (int(count) for count in counts.groups())
    detail = "{} (Pyodide {}; {}){}".format(
        describe(passed, failed, skipped), PYODIDE_VERSION, platform.group(1), note)
    ok = status == 0 and not failed
    return Result(label, "ok" if ok else "FAIL", detail, output, passed, failed, skipped)


# Flask, FastAPI on uvicorn and Django, pinned with the packages they pull in, each
# served by its own development server under `python -m reloader run`. Django 6 needs
# CPython 3.12 or later.
WEB_REQUIREMENTS = [
    "flask==3.1.3", "werkzeug==3.1.9", "click==8.5.1", "jinja2==3.1.6", "itsdangerous==2.2.0",
    "fastapi==0.163.2", "starlette==1.10.0", "pydantic==2.14.4", "uvicorn==0.54.0",
    "h11==0.16.0", "anyio==4.16.0", "websockets==17.4", "django==6.1.3", "asgiref==3.13.0",
]
WEB_MINORS = ["3.12", "3.13"]


def run_web_servers(pythons: Dict[str, "Interpreter"]) -> Result:
    """tests/web: real servers edited under load, in a venv with the frameworks pinned."""
    label = "web"
    interpreter = next((pythons[m] for m in WEB_MINORS if m in pythons), None)
    if interpreter is None:
        return Result(label, "FAIL", "needs CPython " + " or ".join(WEB_MINORS))
    try:
        venv_python, _ = ensure_venv("web", interpreter.path, WEB_REQUIREMENTS)
    except SetupError as error:
        return Result(label, "FAIL", "could not install the frameworks", error.output, failed=1)
    command = [venv_python, "-m", "unittest", "-v", "tests.web.test_servers"]
    status, output = run(command, env=suite_env())
    result = runner_result(label, status, output, unittest_summary(output), "unittest")
    if result.skipped:  # every framework is installed here: a skip is a failure
        return result._replace(status="FAIL", detail=result.detail + " (none may skip)")
    return result


def run_real_packages(pythons: Dict[str, "Interpreter"]) -> Result:
    """Widely used PyPI packages, pinned, reloaded with and without edits (CPython 3.11)."""
    command = [sys.executable, str(REPO / "tests" / "real_packages" / "run.py")]
    status, output = run(command, env=pip_env())
    lines = output.strip().splitlines()
    match = re.match(r"^(\d+) passed, (\d+) failed$", lines[-1]) if lines else None
    passed, failed = (int(match.group(1)), int(match.group(2))) if match else (0, 1)
    ok = status == 0 and match is not None and not failed
    detail = "{} packages: {}".format(passed + failed, lines[-1]) if match else (
        lines[-1] if lines else "no output")
    return Result("real packages", "ok" if ok else "FAIL", detail, output, passed, failed)


EXTRA_SUITES: List[ExtraSuite] = [
    ExtraSuite("real hosts", run_real_hosts,
               "gdb and vim-nox with apt-get when missing; .venv-hosts/: bpy==5.0.1 on CPython "
               "3.11 (about 1 GB), ipykernel and jupyter_client (about 130 MB)"),
    ExtraSuite("wheel", run_wheel,
               "two fresh venvs in a temporary folder, removed after; the wheel built there "
               "with setuptools==80.9.0 from the registry"),
    ExtraSuite("3.14", run_pyodide,
               "Pyodide {} from npm and pure-Python wheels ({}) in .venv-check/pyodide/"
               .format(PYODIDE_VERSION, ", ".join(PYODIDE_REQUIREMENTS)), python="3.14"),
    ExtraSuite("web", run_web_servers,
               ".venv-check/web/: Flask, FastAPI with uvicorn and Django, pinned (about 90 MB), "
               "on CPython 3.12 or 3.13"),
    ExtraSuite("real packages", run_real_packages,
               ".venv-check/real-packages/: 67 PyPI packages and what they need, pinned in "
               "tests/real_packages/requirements.txt (about 490 MB), on CPython 3.11"),
]


class SetupError(Exception):
    """A virtual environment could not be made; carries the failing command's output."""

    def __init__(self, output: str) -> None:
        super().__init__(output)
        self.output = output


# ---------------------------------------------------------------- running commands


def run(
    command: Sequence[object], env: Optional[Dict[str, str]] = None, timeout: float = STEP_TIMEOUT
) -> Tuple[int, str]:
    """Run a command in the repository root; return its exit status and its output.

    stdout and stderr are merged, stdin is empty. A command still running after `timeout`
    seconds is killed with all the processes it started, and reported as status -1.
    """
    process = subprocess.Popen(
        [str(part) for part in command],
        cwd=str(REPO),
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        encoding="utf-8",
        errors="replace",
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        return -1, output + f"\n[killed after {timeout:.0f}s]\n"
    return process.returncode, output


def suite_env() -> Dict[str, str]:
    """The environment for a test run: ours, with the repository root as PYTHONPATH."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO)
    # The real hosts run once, in their own suite, not under every version.
    env["RELOADER_REAL_HOSTS"] = "0"
    return env


def pip_env() -> Dict[str, str]:
    """The environment for pip: never prompt, no upgrade notices."""
    env = dict(os.environ)
    env["PIP_NO_INPUT"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


# ---------------------------------------------------------------- finding interpreters


def pyenv_root() -> Path:
    """`pyenv root`, or ~/.pyenv when pyenv is not on PATH."""
    if shutil.which("pyenv"):
        status, output = run(["pyenv", "root"], timeout=60)
        if status == 0 and output.strip():
            return Path(output.strip())
    return Path.home() / ".pyenv"


def pyenv_pythons() -> Dict[str, Interpreter]:
    """The newest patch release of each supported minor version installed by pyenv."""
    found: Dict[str, Interpreter] = {}
    versions = pyenv_root() / "versions"
    if not versions.is_dir():
        return found
    for entry in versions.iterdir():
        match = re.match(r"^(\d+)\.(\d+)\.(\d+)$", entry.name)  # skips 3.13t, 3.12-dev, ...
        python = entry / "bin" / "python3"
        if not match or not python.exists():
            continue
        candidate = Interpreter(entry.name, python)
        if candidate.minor not in MINORS:
            continue
        current = found.get(candidate.minor)
        if current is None or version_key(candidate.version) > version_key(current.version):
            found[candidate.minor] = candidate
    return found


def version_key(version: str) -> Tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def listed_pythons(paths: str) -> Dict[str, Interpreter]:
    """The interpreters named in a comma-separated list of paths (RELOADER_PYTHONS)."""
    found: Dict[str, Interpreter] = {}
    for path in (part.strip() for part in paths.split(",")):
        if not path:
            continue
        status, output = run(
            [path, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"], timeout=60
        )
        if status != 0:
            sys.exit(f"RELOADER_PYTHONS: cannot run {path}:\n{output}")
        interpreter = Interpreter(output.strip(), Path(path))
        if interpreter.minor not in MINORS:
            sys.exit("RELOADER_PYTHONS: {} is Python {}, not one of {}".format(
                path, interpreter.version, ", ".join(MINORS)))
        if interpreter.minor in found:
            sys.exit("RELOADER_PYTHONS: two interpreters for Python " + interpreter.minor)
        found[interpreter.minor] = interpreter
    return found


def find_pythons() -> Dict[str, Interpreter]:
    """The interpreters to test with: RELOADER_PYTHONS if set, else pyenv's."""
    paths = os.environ.get("RELOADER_PYTHONS", "")
    if paths.strip():
        return listed_pythons(paths)
    return pyenv_pythons()


def current_python() -> Interpreter:
    version = "{}.{}.{}".format(*sys.version_info[:3])
    return Interpreter(version, Path(sys.executable))


# ---------------------------------------------------------------- virtual environments


def ensure_venv(name: str, python: Path, requirements: List[str]) -> Tuple[Path, bool]:
    """Make `.venv-check/<name>` with `requirements` installed, unless it is already there.

    A complete venv holds a stamp: a hash of the interpreter's path and the requirements,
    written once pip has succeeded. A venv with another stamp, or none, is made anew.
    Returns the venv's python and whether the venv was made now; raises SetupError.
    """
    venv = VENV_ROOT / name
    venv_python = venv / "bin" / "python"
    stamp = venv / "check-stamp"
    key = hashlib.sha256("\n".join([str(python)] + requirements).encode()).hexdigest()
    if venv_python.exists() and stamp.exists() and stamp.read_text().strip() == key:
        return venv_python, False

    shutil.rmtree(str(venv), ignore_errors=True)
    status, output = run([python, "-m", "venv", venv])
    if status != 0:
        raise SetupError(output)
    status, output = run([venv_python, "-m", "pip", "install", "-q"] + requirements, env=pip_env())
    if status != 0:
        raise SetupError(output)
    stamp.write_text(key + "\n")
    return venv_python, True


# ---------------------------------------------------------------- reading test summaries


def describe(passed: int, failed: int, skipped: int) -> str:
    text = f"{passed} passed, {failed} failed"
    if skipped:
        text += f", {skipped} skipped"
    return text


def pytest_summary(output: str) -> Optional[Tuple[str, int, int, int]]:
    """Find pytest's closing line, e.g. `1 failed, 211 passed, 3 skipped in 4.10s`.

    Returns the line and its passed, failed (failures plus errors) and skipped counts.
    """
    # A count is "3 passed", or "25 subtests passed" (pytest 9).
    closing = re.compile(
        r"^=*\s*((?:no tests ran|\d+ \w+(?: \w+)?(?:, \d+ \w+(?: \w+)?)*) in [\d.]+s\b.*?)\s*=*$"
    )
    for line in reversed(output.splitlines()):
        match = closing.match(line.strip())
        if not match:
            continue
        summary = match.group(1)
        counts = {"passed": 0, "failed": 0, "skipped": 0}
        for number, word in re.findall(r"(\d+) (\w+)", summary.split(" in ")[0]):
            if word in ("failed", "error", "errors"):
                word = "failed"
            if word in counts:
                counts[word] += int(number)
        return summary, counts["passed"], counts["failed"], counts["skipped"]
    return None


def unittest_summary(output: str) -> Optional[Tuple[str, int, int, int]]:
    """Read unittest's `Ran N tests` and `OK (skipped=1)` / `FAILED (failures=1, ...)`."""
    ran = re.search(r"^Ran (\d+) tests? in ", output, re.MULTILINE)
    if not ran:
        return None
    counts: Dict[str, int] = {}
    for word, number in re.findall(r"([a-z ]+)=(\d+)", output.splitlines()[-1]):
        counts[word.strip()] = int(number)
    failed = counts.get("failures", 0) + counts.get("errors", 0)
    failed += counts.get("unexpected successes", 0)
    skipped = counts.get("skipped", 0) + counts.get("expected failures", 0)
    passed = int(ran.group(1)) - failed - skipped
    return describe(passed, failed, skipped), passed, failed, skipped


def runner_result(
    label: str,
    status: int,
    output: str,
    summary: Optional[Tuple[str, int, int, int]],
    runner: str,
) -> Result:
    """Turn one run of a test runner into a Result."""
    if summary is None:
        detail = f"{runner} exited with status {status} and no summary line"
        return Result(label, "FAIL", detail, output)
    text, passed, failed, skipped = summary
    verdict = "ok" if status == 0 else "FAIL"
    return Result(label, verdict, text, output, passed, failed, skipped)


# ---------------------------------------------------------------- the steps


def check_version(minor: str, interpreter: Optional[Interpreter]) -> Result:
    """Run the suite with one interpreter, in its venv."""
    if interpreter is None:
        return Result(minor, "absent", "(skipped)")
    label = interpreter.version
    started = time.monotonic()
    try:
        python, made = ensure_venv(minor, interpreter.path, TEST_REQUIREMENTS[minor])
    except SetupError as error:
        return Result(label, "FAIL", "could not make .venv-check/" + minor, error.output)
    venv_note = f"  [venv made in {time.monotonic() - started:.0f}s]" if made else ""

    command = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]
    status, output = run(command, env=suite_env())
    result = runner_result(label, status, output, pytest_summary(output), "pytest")
    return result._replace(detail=result.detail + venv_note)


def check_current_interpreter() -> Result:
    """--quick: the suite with the running interpreter, with pytest if it has it."""
    label = current_python().version
    if importlib.util.find_spec("pytest") is not None:
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]
        status, output = run(command, env=suite_env())
        return runner_result(label, status, output, pytest_summary(output), "pytest")
    command = [sys.executable, "-m", "unittest", "discover", "-s", "tests", "-t", "."]
    status, output = run(command, env=suite_env())
    return runner_result(label, status, output, unittest_summary(output), "unittest")


def existing(paths: List[str]) -> List[str]:
    return [path for path in paths if (REPO / path).exists()]


def tool_step(name: str, command: Sequence[object], summary_prefix: str = "") -> Result:
    """Run one linter; its summary is its last output line (or the one with the prefix)."""
    status, output = run(command)
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    chosen = [line for line in lines if summary_prefix and line.startswith(summary_prefix)]
    detail = " ".join((chosen or lines or [f"exit status {status}"])[-1].split())
    return Result(name, "ok" if status == 0 else "FAIL", detail, output)


def lint(pythons: Dict[str, Interpreter]) -> List[Result]:
    """ruff, mypy, vermin and the adapters' type check, from the tools venv."""
    candidates = dict(pyenv_pythons())
    candidates.update(pythons)
    candidates.setdefault(current_python().minor, current_python())
    tools_python = next((candidates[m] for m in TOOL_MINORS if m in candidates), None)
    if tools_python is None:
        return [Result("lint", "FAIL", "no CPython " + ", ".join(TOOL_MINORS) + " found")]
    try:
        python, _ = ensure_venv("tools", tools_python.path, TOOL_REQUIREMENTS)
    except SetupError as error:
        return [Result("lint", "FAIL", "could not make .venv-check/tools", error.output)]
    tools = python.parent

    results: List[Result] = []
    ruff_paths = existing(RUFF_PATHS)
    if ruff_paths:
        results.append(tool_step("ruff", [tools / "ruff", "check"] + ruff_paths, "Found "))
    else:
        results.append(Result("ruff", "skip", "nothing to check"))

    if existing(["reloader"]):  # setup.cfg's [mypy] section names the files
        results.append(tool_step("mypy", [tools / "mypy"]))
    else:
        results.append(Result("mypy", "skip", "no reloader/ package"))

    vermin_paths = existing(VERMIN_PATHS)
    if vermin_paths:
        command = [tools / "vermin"] + VERMIN_FLAGS + vermin_paths
        results.append(tool_step("vermin", command, "Minimum required versions"))
    else:
        results.append(Result("vermin", "skip", "nothing to check"))

    # The adapters against the hosts' published stubs (Sublime, Maya, Nuke).
    typecheck = REPO / "hosts" / "typecheck.py"
    if typecheck.exists():
        command = [python, typecheck, "--venv", REPO / ".venv-check" / "stubs"]
        results.append(tool_step("stubs", command, "type check"))
    return results


# ---------------------------------------------------------------- output and main


def report(result: Result) -> None:
    print(f"{result.label:<8} {result.status:<5} {result.detail}".rstrip(), flush=True)
    if result.status == "FAIL" and result.output.strip():
        print(result.output.rstrip() + "\n", flush=True)


def safe_stdout() -> None:
    """Print undecodable test output as escapes rather than dying on it."""
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="backslashreplace")


def parse_args(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Run reloader's tests on every supported CPython, then the linters."
    )
    parser.add_argument(
        "--quick", action="store_true",
        help="only the running interpreter, without venvs or lint",
    )
    parser.add_argument(
        "--python", action="append", choices=MINORS + ["3.14"], metavar="3.X",
        help="test only this minor version (repeatable)",
    )
    parser.add_argument("--no-lint", action="store_true", help="skip ruff, mypy and vermin")
    parser.add_argument("--lint-only", action="store_true", help="only ruff, mypy and vermin")
    parser.add_argument(
        "--suite", action="append", choices=[suite.name for suite in EXTRA_SUITES],
        metavar="NAME", help="only this extra suite (repeatable): "
        + ", ".join(suite.name for suite in EXTRA_SUITES),
    )
    args = parser.parse_args(argv)
    if args.lint_only and (args.quick or args.no_lint):
        parser.error("--lint-only goes with neither --quick nor --no-lint")
    if args.quick and args.python:
        parser.error("--quick tests the running interpreter; --python does not apply")
    if args.suite and (args.quick or args.lint_only or args.python):
        parser.error("--suite runs extra suites alone; --quick, --lint-only and --python "
                     "do not apply")
    return args


def duration(seconds: float) -> str:
    minutes, seconds = divmod(int(round(seconds)), 60)
    return "{} min {} s".format(minutes, seconds) if minutes else "{} s".format(seconds)


def announce(args: argparse.Namespace, pythons: Dict[str, Interpreter]) -> None:
    """Say what this run installs and where, before it does."""
    lines = []
    found = [m for m in MINORS if m in pythons and not (args.python and m not in args.python)]
    if found and not (args.lint_only or args.suite):
        lines.append(".venv-check/<version>/ for {}: pytest and hypothesis, pinned per version "
                     "(about 50 MB each)".format(", ".join(found)))
    if not (args.no_lint or args.suite):
        lines.append(".venv-check/tools/: " + ", ".join(TOOL_REQUIREMENTS))
        lines.append(".venv-check/stubs/: mypy and the hosts' type stubs (hosts/typecheck.py)")
    if not args.lint_only:
        lines.extend("{}: {}".format(suite.name, suite.installs) for suite in EXTRA_SUITES
                     if suite.installs and (not args.suite or suite.name in args.suite))
    if lines:
        print("installs (what lies under .venv-check/ is made once, reused until its pins "
              "change):", flush=True)
        for line in lines:
            print("  " + line, flush=True)


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    safe_stdout()
    tests: List[Result] = []
    others: List[Result] = []

    started = time.monotonic()
    if args.quick:
        tests.append(check_current_interpreter())
        report(tests[-1])
    else:
        pythons = find_pythons()
        announce(args, pythons)
        if not args.lint_only:
            minors = [minor for minor in MINORS if not args.python or minor in args.python]
            minors = [] if args.suite else minors
            with concurrent.futures.ThreadPoolExecutor(PARALLEL_RUNS) as pool:
                jobs = [pool.submit(check_version, m, pythons.get(m)) for m in minors]
                for job in jobs:  # in version order, each as soon as it is done
                    tests.append(job.result())
                    report(tests[-1])
            for suite in EXTRA_SUITES:
                if args.suite and suite.name not in args.suite:
                    continue
                if args.python and suite.python not in args.python:
                    continue
                tests.append(suite.run(pythons))
                report(tests[-1])
        if not args.no_lint and not args.suite:
            for result in lint(pythons):
                others.append(result)
                report(result)
    print("took {}".format(duration(time.monotonic() - started)), flush=True)

    passed = sum(result.passed for result in tests)
    failed = sum(result.failed for result in tests)
    skipped = sum(result.skipped for result in tests)
    print(describe(passed, failed, skipped), flush=True)
    return 1 if any(result.status == "FAIL" for result in tests + others) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
