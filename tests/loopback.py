"""Serving a test stand-in over real HTTP on 127.0.0.1 (test helper, not a test)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Loopback:
    """A stand-in served on a free port of 127.0.0.1 while in a `with` block; its handler
    class (`handler_class()`) is given the stand-in as `standin`."""

    _httpd: ThreadingHTTPServer | None = None

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        """The request handler (one instance per connection)."""
        raise NotImplementedError

    def __enter__(self) -> Any:
        handler = type("Handler", (self.handler_class(),), {"standin": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()

    @property
    def root(self) -> str:
        """The server's address (e.g. http://127.0.0.1:PORT)."""
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"
