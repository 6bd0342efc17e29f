"""What the ``sapphire`` command does before any sub-command runs.

Logging follows the settings (JSON in production, colour in development), and the thread
counts derived from the machine profile are set in the environment *before* numba is first
imported, which is the only moment numba reads them. The numba cache folder and the data
folders are left to ``sapphire doctor --apply``: creating folders is not a side effect a
command such as ``data ls`` should have.
"""

from __future__ import annotations

from sapphire.core.hardware import apply_threads, derive_profile, probe_machine
from sapphire.core.logging import configure_logging
from sapphire.core.settings import load_settings

#: Commands that read the settings themselves, or need nothing prepared.
_SKIP = frozenset({"config", "doctor", "--help", "-h", "--version"})


def prepare_process(argv: list[str]) -> None:
    """Configure logging and thread counts for the command in ``argv`` (without argv[0])."""
    if not argv or _SKIP.intersection(argv):
        return
    settings = load_settings().settings
    configure_logging(settings.logging)
    apply_threads(derive_profile(settings, probe_machine(gpu_timeout_s=2.0)))
