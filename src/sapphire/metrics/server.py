"""Serve ``/metrics``: a small HTTP server now, a WSGI/ASGI app to mount in the web API later.

:func:`serve_metrics` starts ``prometheus_client``'s threaded HTTP server on a daemon
thread. :func:`wsgi_app` and :func:`asgi_app` return apps serving the same text, so the web
API can mount them (e.g. FastAPI: ``app.mount("/metrics", asgi_app(registry))``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from prometheus_client import make_asgi_app, make_wsgi_app, start_http_server

from sapphire.core.errors import ConfigError
from sapphire.metrics.registry import MetricsRegistry


class MetricsServer:
    """A running ``/metrics`` HTTP server; :meth:`close` stops it.

    Attributes
    ----------
    host, port
        Where it listens (``port`` is the real one when 0 was asked for).
    """

    def __init__(self, server: Any, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread
        self.host: str = server.server_address[0]
        self.port: int = server.server_address[1]

    @property
    def url(self) -> str:
        """Address of the metrics page."""
        return f"http://{self.host}:{self.port}/metrics"

    def close(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve_metrics(registry: MetricsRegistry, port: int = 9464,
                  host: str = "127.0.0.1") -> MetricsServer:
    """Serve ``registry`` on ``http://host:port/metrics`` from a daemon thread.

    Raises
    ------
    ConfigError
        When the port cannot be bound (in use, or not allowed).
    """
    try:
        server, thread = start_http_server(port, addr=host, registry=registry.registry)
    except OSError as exc:
        raise ConfigError(f"metrics server on {host}:{port}: cannot listen ({exc.strerror}); "
                          "expected a free port (settings metrics.port)") from None
    return MetricsServer(server, thread)


def wsgi_app(registry: MetricsRegistry) -> Callable[..., Any]:
    """Return a WSGI app serving the registry's metrics."""
    return make_wsgi_app(registry.registry)


def asgi_app(registry: MetricsRegistry) -> Callable[..., Any]:
    """Return an ASGI app serving the registry's metrics (mountable in FastAPI)."""
    return make_asgi_app(registry.registry)
