"""The client: `python -m reloader send` asks a running host to reload.

Finds the hosts listening on this machine from their connection files, sends
one signed request to the one the user means, and prints the answer's line.
Exits 0 when the reload succeeded, 1 when it failed (and was restored), 2
when no host answered. Standard library only, so any editor's task runner
can call it.
"""

import argparse
import os
import socket
import sys
import time
from typing import Any, Dict, List, Optional, Sequence

from . import _wire
from ._wire import Connection, Refused

OK, FAILED, NO_ANSWER = 0, 1, 2


def send(connection: Connection, operation: str, *, timeout: float = 600.0,
         **fields: Any) -> Dict[str, Any]:
    """Send one request to `connection`; return the host's answer.

    Raises OSError when the host cannot be reached or stops answering, and
    Refused when its answer is not signed with the host's secret.
    """
    with socket.create_connection((connection.address, connection.port), timeout=5.0) as stream:
        stream.sendall(_wire.encode(connection.secret, _wire.request(operation, **fields)))
        stream.settimeout(timeout)
        received = b""
        deadline = time.monotonic() + timeout
        while b"\n" not in received:
            if time.monotonic() > deadline:
                raise socket.timeout("no answer within {:.0f} s".format(timeout))
            chunk = stream.recv(65536)
            if not chunk:
                raise ConnectionError("the host closed the connection without answering")
            received += chunk
            if len(received) > 16 * _wire.MAX_MESSAGE:
                raise Refused("the answer is too large")
    return _wire.decode(connection.secret, received.split(b"\n", 1)[0])


def choose(found: Sequence[Connection], host: Optional[str], pid: Optional[int]
           ) -> List[Connection]:
    """The connections matching --host and --pid."""
    return [c for c in found
            if (host is None or c.host == host) and (pid is None or c.pid == pid)]


def add_command(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = commands.add_parser(
        "send",
        help="ask a running host to reload (its listener must be on)",
        description="Ask a running host (Maya, Nuke, Blender, a Jupyter kernel...) whose "
        "listener is on to reload modules, and print its report. Exits 0 on success, 1 when "
        "the reload failed and was restored, 2 when no host answered.",
    )
    parser.add_argument("targets", nargs="*", metavar="TARGET",
                        help="dotted module prefixes or paths, as reloader.reload() takes them")
    parser.add_argument("--file", metavar="PATH",
                        help="reload the package of the loaded module whose source is PATH")
    parser.add_argument("--module", action="store_true",
                        help="with --file: only that file's module (and its importers)")
    parser.add_argument("--plan", action="store_true", help="show what would reload")
    parser.add_argument("--status", action="store_true", help="ask the host how it is")
    parser.add_argument("--list", action="store_true", help="list the listening hosts")
    parser.add_argument("--host", metavar="NAME", help="the host to ask, by name (maya, nuke...)")
    parser.add_argument("--pid", type=int, help="the host to ask, by process id")
    parser.add_argument("--all", action="store_true", help="ask every matching host")
    parser.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS",
                        help="how long to wait for the reload (default: 600)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the whole report")
    parser.set_defaults(run=run)


def _request(arguments: argparse.Namespace) -> Optional[Dict[str, Any]]:
    if arguments.status:
        return {"op": "status"}
    if arguments.file is not None:
        if arguments.targets:
            return None
        return {"op": "reload_file", "file": os.path.abspath(arguments.file),
                "scope": "module" if arguments.module else "package"}
    if not arguments.targets:
        return None
    targets = [os.path.abspath(t) if os.sep in t or t.endswith(".py") else t
               for t in arguments.targets]
    return {"op": "plan" if arguments.plan else "reload", "targets": targets}


def _pick(matching: List[Connection]) -> Optional[Connection]:
    """Ask on a terminal which host to use; None without one."""
    if not sys.stdin.isatty():
        return None
    for number, connection in enumerate(matching, 1):
        print("  {}. {}".format(number, connection.label()))
    answer = input("which host (1-{})? ".format(len(matching))).strip()
    if answer.isdigit() and 1 <= int(answer) <= len(matching):
        return matching[int(answer) - 1]
    return None


def run(arguments: argparse.Namespace) -> int:
    found = _wire.connections()
    if arguments.list:
        for connection in found:
            print("{} port {}".format(connection.label(), connection.port))
        return OK if found else NO_ANSWER
    request = _request(arguments)
    if request is None:
        print("reloader send: name TARGETs, or --file PATH, or --status (not both targets "
              "and --file)", file=sys.stderr)
        return NO_ANSWER
    matching = choose(found, arguments.host, arguments.pid)
    if not matching:
        wanted = " matching {}".format(" ".join(
            "--{} {}".format(k, v) for k, v in (("host", arguments.host), ("pid", arguments.pid))
            if v is not None)) if (arguments.host or arguments.pid) else ""
        print("reloader send: no host is listening{} (in {}); turn the listener on in the "
              "host first".format(wanted, _wire.runtime_folder()), file=sys.stderr)
        return NO_ANSWER
    if len(matching) > 1 and not arguments.all:
        picked = _pick(matching)
        if picked is None:
            print("reloader send: {} hosts are listening ({}); choose one with --host or "
                  "--pid, or use --all".format(len(matching), ", ".join(
                      c.label() for c in matching)), file=sys.stderr)
            return NO_ANSWER
        matching = [picked]
    worst = OK
    for connection in matching:
        fields = dict(request)
        operation = fields.pop("op")
        try:
            answer = send(connection, operation, timeout=arguments.timeout, **fields)
        except (OSError, Refused) as error:
            print("reloader send: {} did not answer: {}".format(connection.label(), error),
                  file=sys.stderr)
            worst = NO_ANSWER
            continue
        if "refused" in answer:
            print("reloader send: {} refused the request: {}".format(
                connection.label(), answer["refused"]), file=sys.stderr)
            worst = NO_ANSWER
            continue
        prefix = "{}: ".format(connection.label()) if len(matching) > 1 else ""
        text = answer.get("text") if arguments.verbose else None
        stream = sys.stdout if answer.get("ok") else sys.stderr
        print(prefix + str(text or answer.get("line", "")), file=stream)
        if not answer.get("ok") and worst == OK:
            worst = FAILED
    return worst
