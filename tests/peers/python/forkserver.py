"""Starts the Python peers by forking a process that has imported their libraries once.

Importing FastMCP, the MCP SDK, uvicorn and Authlib costs a peer about a second of CPU before it
listens, and a test run starts two dozen Python peers on two cores. This process imports the
launchers of its environment once (each keeps its `main()` behind `if __name__ == "__main__"`),
then forks one child per peer: the child runs the launcher as `__main__`, as `python launcher.py`
would, with its imports already in memory.

    python forkserver.py SOCKET

Listens on the Unix socket SOCKET and prints `READY` on stdout. Each connection sends one JSON
line, {"script": PATH, "args": [...], "env": {NAME: VALUE}}; the child that runs it has the
connection as its stdin, stdout and stderr (its first line is `PID <pid>`, then the launcher's
own), the environment this process started with plus `env`, and exits when the launcher returns.
Exits on SIGTERM, SIGINT or stdin EOF; children are reaped by the kernel (SIGCHLD ignored).
"""

from __future__ import annotations

import importlib
import json
import os
import runpy
import selectors
import signal
import socket
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
# The environment before any launcher's import changed it (the Authlib ones set
# AUTHLIB_INSECURE_TRANSPORT): each child starts from this one, as a fresh interpreter would.
PRISTINE_ENV = dict(os.environ)
LAUNCHERS = ["fastmcp_server", "mcp_resource", "authlib_workload", "authlib_device"]


def preload() -> None:
    """Import every launcher this environment can run (Authlib's only where it is installed)."""
    sys.path.insert(0, HERE)
    for name in LAUNCHERS:
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def child(conn: socket.socket, request: dict) -> None:
    """In the forked child: become `python SCRIPT ARGS...` on `conn`. Never returns."""
    code = 0
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for fd in (0, 1, 2):
            os.dup2(conn.fileno(), fd)
        conn.close()
        sys.stdin = open(0, "r", closefd=False)
        sys.stdout = open(1, "w", buffering=1, closefd=False)
        sys.stderr = open(2, "w", buffering=1, closefd=False)
        os.environ.clear()
        os.environ.update(PRISTINE_ENV)
        os.environ.update(request.get("env") or {})
        print(f"PID {os.getpid()}", flush=True)
        script = request["script"]
        sys.argv = [script, *request.get("args", [])]
        runpy.run_path(script, run_name="__main__")
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
    except BaseException as error:  # noqa: BLE001: whatever the launcher raised ends the child
        print(f"forkserver: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def serve(path: str) -> None:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    print("READY", flush=True)
    events = selectors.DefaultSelector()
    events.register(listener, selectors.EVENT_READ)
    events.register(sys.stdin.buffer, selectors.EVENT_READ)
    while True:
        for key, _ in events.select():
            if key.fileobj is not listener:
                if not os.read(sys.stdin.fileno(), 4096):
                    return
                continue
            conn, _ = listener.accept()
            line = b""
            while not line.endswith(b"\n"):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                line += chunk
            try:
                request = json.loads(line)
            except ValueError:
                conn.close()
                continue
            # Only this thread runs here: the child gets a consistent copy of the interpreter.
            assert threading.active_count() == 1, threading.enumerate()
            if os.fork() == 0:
                events.close()
                listener.close()
                child(conn, request)
            conn.close()


def main() -> None:
    if len(sys.argv) != 2:
        sys.stderr.write("usage: forkserver.py SOCKET\n")
        sys.exit(2)
    preload()
    serve(sys.argv[1])


if __name__ == "__main__":
    main()
