"""What the hello server answers. Edit this file while the server runs.

`respond(path)` returns the status, content type and body for a GET of `path`.
Save, reload the page: the same process now runs the new code.
"""

from typing import Tuple

GREETING = "Hello from the hello server"


def respond(path: str) -> Tuple[int, str, str]:
    """Status, content type and body for a GET of `path`."""
    if path == "/":
        return 200, "text/plain; charset=utf-8", GREETING + "\n"
    return 404, "text/plain; charset=utf-8", "nothing at {}\n".format(path)
