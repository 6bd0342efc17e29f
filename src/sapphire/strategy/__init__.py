"""Strategies: the Strategy base class, its config and indicators (incremental and vectorised)."""
