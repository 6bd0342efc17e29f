"""Interop with other trading frameworks (optional extras, imported only when used)."""
