"""Serving a standard-library HTTP server on a background thread, the one way the local stack does it.

The emulator, the FC runtime shim's HTTP trigger, the dashboard and the test kit's servers all run a
``ThreadingHTTPServer`` beside the program that uses them: daemon threads (for the server and for each
request), so nothing they serve can keep a finished program alive, and one way to stop them.
"""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer

__all__ = ["serve_in_background", "stop_serving"]


def serve_in_background(server: ThreadingHTTPServer, name: str, poll_interval: float = 0.05) -> threading.Thread:
    """Start answering ``server``'s requests on a daemon thread named ``name``; the thread, for stop_serving."""
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": poll_interval}, name=name, daemon=True
    )
    thread.start()
    return thread


def stop_serving(server: ThreadingHTTPServer, thread: threading.Thread | None = None, timeout: float = 5.0) -> None:
    """Stop accepting requests, close the listening socket and wait (at most ``timeout``) for the thread."""
    server.shutdown()
    server.server_close()
    if thread is not None:
        thread.join(timeout)
