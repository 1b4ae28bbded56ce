"""Reload real PyPI packages, and user modules that use them, in a venv of pinned packages.

    python3 tests/real_packages/run.py              every package in cases.py
    python3 tests/real_packages/run.py toolz flask  only these

Makes `.venv-check/real-packages` with CPython 3.11 (pyenv's, or the 3.11 path in
RELOADER_PYTHONS) and the pins in requirements.txt; it is made again only when the
pins or the interpreter change. Each package is checked in a fresh interpreter by
child.py (what it checks is written there). Prints one table row per package
(package, version, result, then the phases that were not plainly ok) and a closing
line "N passed, M failed": a package passes when every phase ended working on the
new code, or refused with ReloadError and restored everything; it fails otherwise.
Exits 1 if any package failed.
"""

import concurrent.futures
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
import check  # noqa: E402  (tests/check.py: venvs and interpreters)
from cases import CASES  # noqa: E402

MINOR = "3.11"
CHILD_TIMEOUT = 240  # seconds for one package
STATUSES = ("ok", "partial", "refused", "FAIL")  # from best to worst


def requirements() -> List[str]:
    lines = (HERE / "requirements.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def check_package(python: Path, name: str) -> Dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="reloader-real-") as workdir:
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONHASHSEED"] = "0"  # the reach phase's fresh imports iterate sets alike
        started = time.monotonic()
        status, output = check.run([python, HERE / "child.py", name, workdir], env=env,
                                   timeout=CHILD_TIMEOUT)
        seconds = time.monotonic() - started
    for line in reversed(output.splitlines()):
        if line.startswith("RESULT "):
            result: Dict[str, object] = json.loads(line[len("RESULT "):])
            result["seconds"] = seconds
            return result
    return {"name": name, "version": "?", "seconds": seconds,
            "phases": {"run": "FAIL: exit status {}: {}".format(status, output[-3000:])}}


def verdict(phases: Dict[str, str]) -> str:
    worst = 0
    for outcome in phases.values():
        worst = max(worst, STATUSES.index(outcome.split(":")[0]) if outcome.split(":")[0]
                    in STATUSES else len(STATUSES) - 1)
    return STATUSES[worst]


def table(results: List[Dict[str, object]]) -> Tuple[str, int, int]:
    lines = ["{:<20} {:<12} {:<8} {}".format("package", "version", "result", "phases")]
    passed = failed = 0
    for result in results:
        phases: Dict[str, str] = result["phases"]  # type: ignore[assignment]
        outcome = verdict(phases)
        if outcome == "FAIL":
            failed += 1
        else:
            passed += 1
        summary = " ".join("{}={}".format(name, text.split(":")[0])
                           for name, text in phases.items())
        lines.append("{:<20} {:<12} {:<8} {} ({:.0f} s)".format(
            result["name"], result["version"], outcome, summary, result["seconds"]))
        for name, text in phases.items():
            if not text.startswith("ok"):
                detail = " ".join(text.split())
                limit = 4000 if text.startswith("FAIL") else 300
                lines.append("    {}: {}".format(name, detail[:limit]))
    return "\n".join(lines), passed, failed


def main(argv: List[str]) -> int:
    names = argv or list(CASES)
    unknown = [name for name in names if name not in CASES]
    if unknown:
        print("unknown package {!r}; choose from {}".format(unknown[0], ", ".join(CASES)))
        return 2
    interpreter = check.find_pythons().get(MINOR)
    if interpreter is None:
        print("no CPython {} found (pyenv, or RELOADER_PYTHONS)\n0 passed, 1 failed".format(MINOR))
        return 1
    started = time.monotonic()
    try:
        python, made = check.ensure_venv("real-packages", interpreter.path, requirements())
    except check.SetupError as error:
        print("could not make .venv-check/real-packages:\n{}\n0 passed, 1 failed".format(
            error.output[-3000:]))
        return 1
    if made:
        print("made .venv-check/real-packages in {:.0f} s".format(time.monotonic() - started))
    with concurrent.futures.ThreadPoolExecutor(check.PARALLEL_RUNS) as pool:
        results = list(pool.map(lambda name: check_package(python, name), names))
    text, passed, failed = table(results)
    print(text)
    print("real packages took {:.0f} s on CPython {}".format(
        time.monotonic() - started, interpreter.version))
    print(check.describe(passed, failed, 0))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
