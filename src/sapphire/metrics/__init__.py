"""Metrics: engine counters and latency histograms, Prometheus exposition, benchmark history.

An engine holds ``metrics = registry.engine_metrics("backtest")`` (a no-op
:class:`NullMetrics` when metrics are off) and updates it per event; ``/metrics`` is served
by :func:`serve_metrics` or mounted with :func:`wsgi_app` / :func:`asgi_app`.
"""

from sapphire.metrics.engine import (
    COUNTERS,
    GAUGES,
    LATENCY_BUCKETS_NS,
    STAGES,
    EngineMetrics,
    LatencyHistogram,
    NullMetrics,
)
from sapphire.metrics.registry import NULL_METRICS, MetricsRegistry, create_registry
from sapphire.metrics.server import MetricsServer, asgi_app, serve_metrics, wsgi_app

__all__ = [
    "COUNTERS", "GAUGES", "LATENCY_BUCKETS_NS", "NULL_METRICS", "STAGES", "EngineMetrics",
    "LatencyHistogram", "MetricsRegistry", "MetricsServer", "NullMetrics", "asgi_app",
    "create_registry", "serve_metrics", "wsgi_app",
]
