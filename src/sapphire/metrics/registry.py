"""Prometheus side of the metrics: a registry that reads engine metrics at scrape time.

:class:`MetricsRegistry` wraps its own ``prometheus_client.CollectorRegistry`` (never the
global one, so tests and several engines do not collide). Each engine gets an
:class:`~sapphire.metrics.engine.EngineMetrics` from :meth:`MetricsRegistry.engine_metrics`;
a collector turns its plain ints into Prometheus families only when ``/metrics`` is read:

- ``sapphire_<counter>_total{engine}`` for events, orders, fills, rejections, risk_denials;
- ``sapphire_<gauge>{engine}`` for open_orders, open_positions;
- ``sapphire_latency_seconds{engine, stage}``: a histogram per stage (Prometheus' base unit
  is the second; the buckets are :data:`~sapphire.metrics.engine.LATENCY_BUCKETS_NS`).
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from sapphire.core.errors import ConfigError
from sapphire.core.settings import MetricsSettings
from sapphire.metrics.engine import COUNTERS, GAUGES, STAGES, EngineMetrics, NullMetrics

NS_PER_S = 1e9
_HELP = {
    "events": "Events processed by the engine.",
    "orders": "Orders submitted.",
    "fills": "Fills received.",
    "rejections": "Orders rejected by a venue.",
    "risk_denials": "Orders denied by pre-trade risk.",
    "open_orders": "Orders currently open.",
    "open_positions": "Positions currently open.",
}
LATENCY_HELP = ("Latency per stage (data_to_strategy, strategy_to_order, risk_check, "
                "book_update), in seconds.")

NULL_METRICS = NullMetrics()
"""The shared switched-off metrics object."""


class _EngineCollector(Collector):
    """Turn the engines' plain counters into Prometheus families when scraped."""

    def __init__(self) -> None:
        self.engines: dict[str, EngineMetrics] = {}

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily | HistogramMetricFamily]:
        for name in COUNTERS:
            counter = CounterMetricFamily(f"sapphire_{name}", _HELP[name], labels=["engine"])
            for engine, metrics in self.engines.items():
                counter.add_metric([engine], getattr(metrics, name))
            yield counter
        for name in GAUGES:
            gauge = GaugeMetricFamily(f"sapphire_{name}", _HELP[name], labels=["engine"])
            for engine, metrics in self.engines.items():
                gauge.add_metric([engine], getattr(metrics, name))
            yield gauge
        latency = HistogramMetricFamily("sapphire_latency_seconds", LATENCY_HELP,
                                        labels=["engine", "stage"])
        for engine, metrics in self.engines.items():
            for stage in STAGES:
                histogram = metrics.histogram(stage)
                counts = list(histogram.counts)  # one copy, so buckets agree with each other
                cumulative, buckets = 0, []
                for bound, n in zip(histogram.bounds, counts, strict=False):
                    cumulative += n
                    buckets.append((f"{bound / NS_PER_S:.10g}", cumulative))
                buckets.append(("+Inf", cumulative + counts[-1]))
                latency.add_metric([engine, stage], buckets, histogram.sum_ns / NS_PER_S)
        yield latency


class MetricsRegistry:
    """A Prometheus registry holding the metrics of one or more engines.

    Parameters
    ----------
    enabled
        When false, :meth:`engine_metrics` hands out :data:`NULL_METRICS` and nothing is
        registered.
    """

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.registry = CollectorRegistry(auto_describe=False)
        self._engines = _EngineCollector()
        self.registry.register(self._engines)

    def engine_metrics(self, engine: str = "backtest") -> EngineMetrics:
        """Return the metrics object for the engine named ``engine`` (created once).

        Raises
        ------
        ConfigError
            When ``engine`` is empty.
        """
        if not self.enabled:
            return NULL_METRICS
        if not engine:
            raise ConfigError("engine name '': expected a non-empty label such as 'backtest'")
        return self._engines.engines.setdefault(engine, EngineMetrics())

    def exposition(self) -> bytes:
        """Return the current metrics in Prometheus' text format."""
        return generate_latest(self.registry)


def create_registry(settings: MetricsSettings) -> MetricsRegistry:
    """Build the registry the settings ask for (a switched-off one when disabled)."""
    return MetricsRegistry(enabled=settings.enabled)
