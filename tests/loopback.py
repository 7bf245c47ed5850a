"""Servers the tests start on 127.0.0.1 (port 0: a free port), in a thread of the test process:
the other side of an integration (an LTI platform, an identity provider) and, where the other
side must call us back, the app itself."""
from __future__ import annotations

import threading

from werkzeug.serving import make_server


class LoopbackServer:
    """A WSGI app served on 127.0.0.1 in a thread; ``stop()`` makes it really away (connections
    refused) and ``start()`` brings it back on the same port."""

    def __init__(self, wsgi_app, port: int = 0):
        self.wsgi_app = wsgi_app
        self._server = None
        self._thread = None
        self.port = port
        self.start()
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._server = make_server("127.0.0.1", self.port, self.wsgi_app, threaded=True)
        self.port = self._server.server_port
        # Polled every 50 ms for stop() (socketserver's default, 0.5 s, made each stop wait up to
        # half a second, and a test with two servers a second, in every LTI test).
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)
            self._server = None
