"""The Grafana dashboard shows every metric the registry exposes, and nothing else."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sapphire.metrics import COUNTERS, GAUGES, STAGES

DASHBOARD = Path(__file__).parents[3] / "deploy" / "grafana" / "sapphire.json"


def test_dashboard_covers_the_metrics():
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {m for e in exprs for m in re.findall(r"\bsapphire_\w+", e)}
    expected = ({f"sapphire_{c}_total" for c in COUNTERS} | {f"sapphire_{g}" for g in GAUGES}
                | {"sapphire_latency_seconds_bucket"})
    assert used == expected
    stages = {s for e in exprs for s in re.findall(r'stage="(\w+)"', e)}
    assert stages == set(STAGES)
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])
