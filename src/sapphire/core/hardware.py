"""Hardware profile: probe the machine safely, derive sizes from it, recommend tuning.

Three steps, each usable alone:

- :func:`probe_machine` looks (cores, memory, free disk, GPU). Every probe is guarded: a
  missing tool, library or file is reported, never raised; ``nvidia-smi`` runs with a
  timeout and a probe that times out says so.
- :func:`derive_profile` turns settings + probe into decisions (threads, numba cache
  folder, cache capacities, Redis, GPU use, risk backend, data folders). A setting the
  user gave always wins over a derived value; each decision records where it came from.
- :func:`apply_profile` acts on a profile: sets ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``,
  ``NUMBA_NUM_THREADS`` and ``NUMBA_CACHE_DIR`` (numba reads them when first imported, so
  call it before anything imports numba) and creates the data folders with their parents.

:func:`recommendations` reads ``/sys`` and ``/proc`` (CPU governor, huge pages, core
isolation) and only advises; it changes nothing.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping, MutableMapping
from pathlib import Path
from typing import Literal, TypeVar

import msgspec

from sapphire.core.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

GIB = 1 << 30
TICKS_PER_GIB = 100_000
BARS_PER_GIB = 5_000
TICK_CAPACITY_BOUNDS = (100_000, 50_000_000)
BAR_CAPACITY_BOUNDS = (5_000, 2_500_000)
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")


class GpuDevice(msgspec.Struct, frozen=True):
    """One GPU: name, memory in MiB, driver and CUDA versions (``None`` when unknown)."""

    name: str
    memory_mib: int | None = None
    driver: str | None = None
    cuda: str | None = None


class GpuProbe(msgspec.Struct, frozen=True):
    """Outcome of looking for a GPU.

    ``status`` is ``ok`` (devices found), ``absent`` (no tool or library reports one),
    ``timeout`` (the tool did not answer in time) or ``error`` (it failed; see ``detail``).
    ``source`` names what answered: ``nvidia-smi``, ``torch``, ``cupy`` or ``none``.
    """

    status: Literal["ok", "absent", "timeout", "error"]
    source: str
    devices: tuple[GpuDevice, ...] = ()
    detail: str = ""


class MachineProbe(msgspec.Struct, frozen=True):
    """What the probes found; ``None`` where a probe could not tell (see ``notes``).

    Memory and disk are in bytes; ``disk_path`` is the folder whose free space was read.
    """

    physical_cores: int | None
    logical_cores: int | None
    memory_bytes: int | None
    disk_free_bytes: int | None
    disk_path: str
    gpu: GpuProbe
    torch_installed: bool
    cupy_installed: bool
    notes: tuple[str, ...] = ()


class HardwareProfile(msgspec.Struct, frozen=True):
    """Decisions derived from settings and the machine.

    ``sources`` maps each decision's name to ``settings <key>``, ``env <VAR>`` or
    ``derived: <rule>``. Capacities are counts of items kept in memory.
    """

    machine: MachineProbe
    threads: int
    numba_cache_dir: str
    tick_capacity: int
    bar_capacity: int
    use_redis: bool
    redis_url: str
    use_gpu: bool
    risk_backend: str
    data_dirs: tuple[str, ...]
    sources: dict[str, str]


# ---------------------------------------------------------------------------------------
# probes


def _guard(notes: list[str], what: str, probe: Callable[[], T],
           default: T | None = None) -> T | None:
    """Run one probe; on failure note why and return ``default`` (a probe never crashes)."""
    try:
        return probe()
    except Exception as exc:  # a probe must never take the program down
        notes.append(f"{what}: {type(exc).__name__}: {exc}")
        return default


def _existing_parent(path: Path) -> Path:
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def probe_gpu(timeout_s: float = 5.0, command: str = "nvidia-smi") -> GpuProbe:
    """Find NVIDIA GPUs with ``nvidia-smi`` (bounded by ``timeout_s`` seconds per call).

    Falls back to PyTorch, then CuPy, when ``nvidia-smi`` is not on ``PATH`` and the
    library is installed. Never raises.
    """
    exe = shutil.which(command)
    if exe is None:
        return _probe_gpu_libraries()
    query = [exe, "--query-gpu=name,memory.total,driver_version",
             "--format=csv,noheader,nounits"]
    try:
        listing = _run_bounded(query, timeout_s)
        if listing.returncode != 0:
            return GpuProbe("error", "nvidia-smi", detail=f"exit status {listing.returncode}: "
                            f"{(listing.stderr or listing.stdout).strip()[:200]}")
        banner = _run_bounded([exe], timeout_s).stdout
    except subprocess.TimeoutExpired:
        return GpuProbe("timeout", "nvidia-smi",
                        detail=f"nvidia-smi did not answer within {timeout_s:g} s")
    except OSError as exc:
        return GpuProbe("error", "nvidia-smi", detail=f"{type(exc).__name__}: {exc}")
    cuda = re.search(r"CUDA Version:\s*([\d.]+)", banner)
    devices = tuple(_parse_gpu_line(line, cuda[1] if cuda else None)
                    for line in listing.stdout.splitlines() if line.strip())
    if not devices:
        return GpuProbe("absent", "nvidia-smi", detail="nvidia-smi lists no GPU")
    return GpuProbe("ok", "nvidia-smi", devices)


def _run_bounded(command: list[str], timeout_s: float) -> subprocess.CompletedProcess[str]:
    """Run ``command``; on timeout kill its whole process group (a hung tool's children
    would otherwise keep the pipes open and the wait going) and raise TimeoutExpired."""
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          start_new_session=True) as process:
        try:
            out, err = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def _parse_gpu_line(line: str, cuda: str | None) -> GpuDevice:
    name, _, rest = line.partition(",")
    memory, _, driver = rest.partition(",")
    memory = memory.strip()
    return GpuDevice(name.strip(), int(float(memory)) if re.fullmatch(r"[\d.]+", memory) else None,
                     driver.strip() or None, cuda)


def _probe_gpu_libraries() -> GpuProbe:
    for name, probe in (("torch", _torch_devices), ("cupy", _cupy_devices)):
        if importlib.util.find_spec(name) is None:
            continue
        try:
            devices = probe()
        except Exception as exc:  # a broken CUDA install must not crash the probe
            return GpuProbe("error", name, detail=f"{type(exc).__name__}: {exc}")
        if devices:
            return GpuProbe("ok", name, devices)
    return GpuProbe("absent", "none", detail="no nvidia-smi on PATH, no GPU seen by torch/cupy")


def _torch_devices() -> tuple[GpuDevice, ...]:
    import torch

    if not torch.cuda.is_available():
        return ()
    return tuple(GpuDevice(torch.cuda.get_device_name(i),
                           torch.cuda.get_device_properties(i).total_memory // (1 << 20),
                           None, torch.version.cuda)
                 for i in range(torch.cuda.device_count()))


def _cupy_devices() -> tuple[GpuDevice, ...]:
    import cupy

    runtime = cupy.cuda.runtime
    out = []
    for i in range(runtime.getDeviceCount()):
        props = runtime.getDeviceProperties(i)
        version = runtime.runtimeGetVersion()
        out.append(GpuDevice(props["name"].decode(), props["totalGlobalMem"] // (1 << 20),
                             str(runtime.driverGetVersion()),
                             f"{version // 1000}.{version % 1000 // 10}"))
    return tuple(out)


def probe_machine(disk_path: str | Path = ".", *, gpu_timeout_s: float = 5.0,
                  gpu_command: str = "nvidia-smi") -> MachineProbe:
    """Probe cores, memory, free disk under ``disk_path`` and GPUs. Never raises."""
    import psutil

    notes: list[str] = []
    disk = _existing_parent(Path(disk_path))
    gpu = _guard(notes, "gpu", lambda: probe_gpu(gpu_timeout_s, gpu_command)) or GpuProbe(
        "error", "none", detail="GPU probe failed (see notes)")
    return MachineProbe(
        physical_cores=_guard(notes, "physical cores", lambda: psutil.cpu_count(logical=False)),
        logical_cores=_guard(notes, "logical cores", lambda: psutil.cpu_count(logical=True)),
        memory_bytes=_guard(notes, "memory", lambda: psutil.virtual_memory().total),
        disk_free_bytes=_guard(notes, "disk", lambda: psutil.disk_usage(str(disk)).free),
        disk_path=str(disk),
        gpu=gpu,
        torch_installed=importlib.util.find_spec("torch") is not None,
        cupy_installed=importlib.util.find_spec("cupy") is not None,
        notes=tuple(notes),
    )


# ---------------------------------------------------------------------------------------
# derivation


def _clamp(value: int, bounds: tuple[int, int]) -> int:
    return max(bounds[0], min(bounds[1], value))


def default_numba_cache_dir(environ: Mapping[str, str]) -> str:
    """``$XDG_CACHE_HOME/sapphire/numba`` (``~/.cache/sapphire/numba`` when unset)."""
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return str(Path(base) / "sapphire" / "numba")


def derive_profile(settings: Settings, machine: MachineProbe,
                   environ: Mapping[str, str] | None = None) -> HardwareProfile:
    """Decide threads, caches, capacities, Redis, GPU use and data folders.

    Rules (explicit settings first, always):

    - threads: ``hardware.threads``, else ``OMP_NUM_THREADS`` when the user set it, else
      physical cores (numeric kernels gain little from SMT siblings), else logical, else 1;
    - numba cache: ``hardware.numba_cache_dir``, else ``$NUMBA_CACHE_DIR``, else
      :func:`default_numba_cache_dir`;
    - capacities: ``cache.ticks``/``cache.bars``, else RAM in whole GiB x 100,000 ticks and
      x 5,000 bars, bounded by :data:`TICK_CAPACITY_BOUNDS` and :data:`BAR_CAPACITY_BOUNDS`;
    - GPU: ``hardware.use_gpu``, else on when a GPU answered and PyTorch or CuPy is installed;
    - risk backend: ``risk.backend`` unless ``auto``; auto picks cupy, then torch when the
      GPU is used, else numba;
    - data folders: the catalog and ``data.dirs``, made absolute.
    """
    environ = os.environ if environ is None else environ
    sources: dict[str, str] = {}
    hw = settings.hardware

    if hw.threads is not None:
        threads, sources["threads"] = hw.threads, "settings hardware.threads"
    elif environ.get("OMP_NUM_THREADS", "").isdigit() and int(environ["OMP_NUM_THREADS"]) > 0:
        threads, sources["threads"] = int(environ["OMP_NUM_THREADS"]), "env OMP_NUM_THREADS"
    else:
        cores = machine.physical_cores or machine.logical_cores or 1
        threads = cores
        sources["threads"] = ("derived: physical cores" if machine.physical_cores
                              else "derived: logical cores" if machine.logical_cores
                              else "derived: cores unknown, 1")

    if hw.numba_cache_dir is not None:
        cache_dir = hw.numba_cache_dir
        sources["numba_cache_dir"] = "settings hardware.numba_cache_dir"
    elif environ.get("NUMBA_CACHE_DIR"):
        cache_dir, sources["numba_cache_dir"] = environ["NUMBA_CACHE_DIR"], "env NUMBA_CACHE_DIR"
    else:
        cache_dir = default_numba_cache_dir(environ)
        sources["numba_cache_dir"] = "derived: XDG cache folder"

    ram_gib = (machine.memory_bytes or 0) // GIB
    ticks, sources["tick_capacity"] = _capacity(settings.cache.ticks, "cache.ticks", ram_gib,
                                                TICKS_PER_GIB, TICK_CAPACITY_BOUNDS)
    bars, sources["bar_capacity"] = _capacity(settings.cache.bars, "cache.bars", ram_gib,
                                              BARS_PER_GIB, BAR_CAPACITY_BOUNDS)

    sources["use_redis"] = "settings redis.use_redis"
    gpu_usable = machine.gpu.status == "ok" and (machine.torch_installed or machine.cupy_installed)
    if hw.use_gpu is not None:
        use_gpu, sources["use_gpu"] = hw.use_gpu, "settings hardware.use_gpu"
    else:
        use_gpu = gpu_usable
        sources["use_gpu"] = ("derived: GPU found and torch/cupy installed" if use_gpu
                              else "derived: no usable GPU (needs a GPU and torch or cupy)")

    backend = settings.risk.backend
    if backend != "auto":
        sources["risk_backend"] = "settings risk.backend"
    else:
        backend = ("cupy" if use_gpu and machine.cupy_installed
                   else "torch" if use_gpu and machine.torch_installed else "numba")
        sources["risk_backend"] = "derived: risk.backend = auto"

    dirs = tuple(dict.fromkeys(str(Path(d).absolute())
                               for d in (settings.data.catalog, *settings.data.dirs)))
    sources["data_dirs"] = "settings data.catalog + data.dirs"
    return HardwareProfile(machine=machine, threads=threads, numba_cache_dir=cache_dir,
                           tick_capacity=ticks, bar_capacity=bars,
                           use_redis=settings.redis.use_redis, redis_url=settings.redis.url,
                           use_gpu=use_gpu, risk_backend=backend, data_dirs=dirs,
                           sources=sources)


def _capacity(explicit: int | None, key: str, ram_gib: int, per_gib: int,
              bounds: tuple[int, int]) -> tuple[int, str]:
    if explicit is not None:
        return explicit, f"settings {key}"
    value = _clamp(ram_gib * per_gib, bounds)
    return value, f"derived: {ram_gib} GiB x {per_gib:,}, bounded {bounds[0]:,}..{bounds[1]:,}"


def apply_threads(profile: HardwareProfile,
                  environ: MutableMapping[str, str] | None = None) -> list[str]:
    """Set the OMP/MKL/numba thread variables (kept if the user set them, unless
    ``hardware.threads`` was given); return what was set, one line each."""
    environ = os.environ if environ is None else environ
    done = []
    force = profile.sources["threads"].startswith("settings")
    for name in THREAD_VARIABLES:
        if force or name not in environ:
            environ[name] = str(profile.threads)
            done.append(f"{name}={profile.threads}")
    return done


def apply_profile(profile: HardwareProfile,
                  environ: MutableMapping[str, str] | None = None) -> list[str]:
    """Set thread and numba cache variables and create the data folders.

    A thread variable the user already set is kept unless ``hardware.threads`` was given.
    Returns what was done, one line each. Numba reads its variables when first imported:
    if it already is, a warning is logged and the threads/cache of this process are not
    changed (child processes still get them).
    """
    environ = os.environ if environ is None else environ
    done = apply_threads(profile, environ)
    explicit_cache = profile.sources["numba_cache_dir"].startswith("settings")
    if "NUMBA_CACHE_DIR" not in environ or explicit_cache:
        environ["NUMBA_CACHE_DIR"] = profile.numba_cache_dir
        done.append(f"NUMBA_CACHE_DIR={profile.numba_cache_dir}")
    if "numba" in sys.modules:
        log.warning("numba was imported before the hardware profile was applied: its threads "
                    "and cache folder in this process stay as they were")
    for folder in profile.data_dirs:
        Path(folder).mkdir(parents=True, exist_ok=True)
        done.append(f"mkdir -p {folder}")
    return done


# ---------------------------------------------------------------------------------------
# recommendations


class Recommendation(msgspec.Struct, frozen=True):
    """One tuning topic: what the system has now, whether it is fine, and what to do."""

    topic: str
    current: str
    ok: bool
    advice: str


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def recommendations(root: str | Path = "/",
                    logical_cores: int | None = None) -> list[Recommendation]:
    """Advise on CPU governor, huge pages and core isolation by reading ``root``'s /sys, /proc.

    Reads only; never writes. ``root`` lets tests point at a fake tree.
    """
    root = Path(root)
    return [_governor(root), _huge_pages(root), _isolation(root, logical_cores)]


def _governor(root: Path) -> Recommendation:
    files = sorted((root / "sys/devices/system/cpu").glob("cpu[0-9]*/cpufreq/scaling_governor"))
    governors = sorted({g for g in (_read(f) for f in files) if g})
    if not governors:
        return Recommendation("CPU governor", "not exposed (virtual machine or no cpufreq)",
                              True, "nothing to do here")
    current = ", ".join(governors)
    if governors == ["performance"]:
        return Recommendation("CPU governor", current, True, "already 'performance'")
    return Recommendation("CPU governor", current, False,
                          "use 'performance' for steadier latency and benchmark figures: "
                          "sudo cpupower frequency-set -g performance")


def _huge_pages(root: Path) -> Recommendation:
    text = _read(root / "sys/kernel/mm/transparent_hugepage/enabled")
    meminfo = _read(root / "proc/meminfo") or ""
    reserved = re.search(r"HugePages_Total:\s*(\d+)", meminfo)
    pages = f", {reserved[1]} reserved huge pages" if reserved else ""
    if text is None:
        return Recommendation("Huge pages", f"transparent huge pages not exposed{pages}", True,
                              "nothing to do here")
    mode_match = re.search(r"\[(\w+)\]", text)
    mode = mode_match[1] if mode_match else text
    current = f"transparent huge pages: {mode}{pages}"
    if mode == "madvise":
        return Recommendation("Huge pages", current, True,
                              "'madvise' suits both backtests and live")
    if mode == "always":
        return Recommendation("Huge pages", current, False,
                              "for live trading prefer 'madvise': background compaction under "
                              "'always' can add latency spikes")
    return Recommendation("Huge pages", current, False,
                          "'madvise' lets large arrays (tick data) use huge pages: "
                          "fewer TLB misses")


def _isolation(root: Path, logical_cores: int | None) -> Recommendation:
    isolated = _read(root / "sys/devices/system/cpu/isolated")
    cmdline = _read(root / "proc/cmdline") or ""
    if isolated or "isolcpus=" in cmdline:
        return Recommendation("Core isolation", f"isolated cores: {isolated or cmdline}", True,
                              "pin the live event loop to an isolated core")
    if logical_cores is not None and logical_cores < 4:
        return Recommendation("Core isolation", "none", True,
                              f"{logical_cores} cores: too few to set one aside")
    return Recommendation("Core isolation", "none", False,
                          "for live trading isolate a core or two for the event loop "
                          "(kernel options isolcpus=, nohz_full=, rcu_nocbs=)")
