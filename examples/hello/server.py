"""A small HTTP server on loopback whose answers come from handlers.py.

Run it under the reloader and edit handlers.py while it runs:

    python3 -m reloader run examples/hello/server.py [PORT]

The port is the first argument, else $PORT, else 8000. Every response carries
the server's process id in the X-Pid header, and /pid answers it as text, so
you can see that the process never restarts.
"""

import http.server
import importlib
import os
import sys
import types


def handlers() -> types.ModuleType:
    # Looked up for each request: a reload replaces the module object in
    # sys.modules, and this script (__main__) is never reloaded itself.
    return importlib.import_module("handlers")


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/pid":
            status, kind, body = 200, "text/plain; charset=utf-8", "{}\n".format(os.getpid())
        else:
            status, kind, body = handlers().respond(self.path)
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Pid", str(os.getpid()))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep the terminal for the reloader's lines


def main() -> None:
    port = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PORT", "8000"))
    handlers()  # import it now, so the first edit is already a reload
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print("serving on http://127.0.0.1:{}/ (pid {})".format(server.server_port, os.getpid()),
          flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
