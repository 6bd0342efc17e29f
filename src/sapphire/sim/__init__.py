"""The simulated venue: matching, fill and latency models."""

from sapphire.sim.models import FillModel, LatencyModel
from sapphire.sim.venue import SimulatedVenue

__all__ = ["FillModel", "LatencyModel", "SimulatedVenue"]
