"""Hardware probes (with fake nvidia-smi scripts), derivation rules, apply, recommendations."""

from __future__ import annotations

import stat

import pytest

from sapphire.core import hardware
from sapphire.core.hardware import (
    GIB,
    GpuDevice,
    GpuProbe,
    MachineProbe,
    apply_profile,
    derive_profile,
    probe_gpu,
    probe_machine,
    recommendations,
)
from sapphire.core.settings import load_settings

BANNER = "| NVIDIA-SMI 550.54.15   Driver Version: 550.54.15   CUDA Version: 12.4 |"


def fake_tool(folder, body, name="nvidia-smi"):
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return folder


@pytest.fixture
def path_only(monkeypatch):
    def use(folder):
        monkeypatch.setenv("PATH", str(folder))
    return use


def machine(memory_gib=24.0, physical=8, logical=16, gpu=None, torch=False, cupy=False):
    return MachineProbe(physical_cores=physical, logical_cores=logical,
                        memory_bytes=int(memory_gib * GIB), disk_free_bytes=10 * GIB,
                        disk_path="/", gpu=gpu or GpuProbe("absent", "none"),
                        torch_installed=torch, cupy_installed=cupy)


def settings(**overrides):
    return load_settings(environ={}, overrides={k.replace("__", "."): str(v)
                                                for k, v in overrides.items()}).settings


# --- GPU probe ---------------------------------------------------------------------------


def test_gpu_probe_parses_nvidia_smi(tmp_path, path_only):
    body = ('case "$1" in --query-gpu*) echo "NVIDIA H100 80GB HBM3, 81559, 550.54.15"; '
            'echo "NVIDIA H100 80GB HBM3, 81559, 550.54.15";;\n'
            f'*) echo "{BANNER}";; esac\n')
    path_only(fake_tool(tmp_path / "bin", body))
    probe = probe_gpu(timeout_s=5)
    assert probe.status == "ok" and probe.source == "nvidia-smi"
    assert probe.devices == (GpuDevice("NVIDIA H100 80GB HBM3", 81559, "550.54.15", "12.4"),) * 2


def test_gpu_probe_that_hangs_is_reported_as_timeout(tmp_path, monkeypatch):
    # sleep runs as a child of the script: the whole process group must be killed
    folder = fake_tool(tmp_path / "bin", "sleep 30\n")
    monkeypatch.setenv("PATH", f"{folder}:/bin:/usr/bin")
    probe = probe_gpu(timeout_s=0.3)
    assert probe.status == "timeout"
    assert probe.detail == "nvidia-smi did not answer within 0.3 s"


def test_gpu_probe_failure_is_an_error_not_a_crash(tmp_path, path_only):
    path_only(fake_tool(tmp_path / "bin", 'echo "NVIDIA-SMI has failed" >&2; exit 9\n'))
    probe = probe_gpu(timeout_s=5)
    assert (probe.status, probe.detail) == ("error", "exit status 9: NVIDIA-SMI has failed")


def test_gpu_probe_without_nvidia_smi_or_libraries(tmp_path, path_only, monkeypatch):
    path_only(tmp_path)
    monkeypatch.setattr(hardware.importlib.util, "find_spec", lambda name: None)
    probe = probe_gpu()
    assert (probe.status, probe.source, probe.devices) == ("absent", "none", ())


def test_machine_probe_survives_failing_probes(monkeypatch, tmp_path, path_only):
    import psutil

    def broken():
        raise RuntimeError("no /proc/meminfo")

    path_only(tmp_path)
    monkeypatch.setattr(psutil, "virtual_memory", broken)
    probe = probe_machine(tmp_path / "not" / "yet")
    assert probe.memory_bytes is None
    assert probe.notes == ("memory: RuntimeError: no /proc/meminfo",)
    assert probe.disk_path == str(tmp_path)  # nearest existing folder
    assert probe.disk_free_bytes is not None and probe.logical_cores is not None


# --- derivation --------------------------------------------------------------------------


@pytest.mark.parametrize(("ram_gib", "ticks", "bars"), [
    (192, 19_200_000, 960_000),   # the workstation of the issue
    (24, 2_400_000, 120_000),
    (0.5, 100_000, 5_000),        # under 1 GiB: lower bounds
    (1024, 50_000_000, 2_500_000),  # upper bounds
])
def test_capacities_scale_with_ram(ram_gib, ticks, bars):
    profile = derive_profile(settings(), machine(memory_gib=ram_gib), environ={})
    assert (profile.tick_capacity, profile.bar_capacity) == (ticks, bars)
    assert profile.sources["tick_capacity"].startswith(f"derived: {int(ram_gib)} GiB x 100,000")


def test_explicit_capacities_win():
    profile = derive_profile(settings(cache__ticks=7, cache__bars=3), machine(192), environ={})
    assert (profile.tick_capacity, profile.bar_capacity) == (7, 3)
    assert profile.sources["tick_capacity"] == "settings cache.ticks"


def test_threads_rules():
    assert derive_profile(settings(), machine(physical=16, logical=32), environ={}).threads == 16
    assert derive_profile(settings(), machine(physical=None, logical=6), environ={}).threads == 6
    assert derive_profile(settings(), machine(physical=None, logical=None), environ={}).threads == 1
    user_env = derive_profile(settings(), machine(), environ={"OMP_NUM_THREADS": "3"})
    assert (user_env.threads, user_env.sources["threads"]) == (3, "env OMP_NUM_THREADS")
    explicit = derive_profile(settings(hardware__threads=4), machine(),
                              environ={"OMP_NUM_THREADS": "3"})
    assert (explicit.threads, explicit.sources["threads"]) == (4, "settings hardware.threads")


def test_numba_cache_dir_rules(tmp_path):
    assert derive_profile(settings(), machine(), environ={"XDG_CACHE_HOME": "/c"}
                          ).numba_cache_dir == "/c/sapphire/numba"
    assert derive_profile(settings(), machine(), environ={"NUMBA_CACHE_DIR": "/n"}
                          ).numba_cache_dir == "/n"
    assert derive_profile(settings(hardware__numba_cache_dir="/s"), machine(),
                          environ={"NUMBA_CACHE_DIR": "/n"}).numba_cache_dir == "/s"


GPU = GpuProbe("ok", "nvidia-smi", (GpuDevice("RTX 5090", 32607, "570.1", "12.8"),))


@pytest.mark.parametrize(("gpu", "torch", "cupy", "use_gpu", "backend"), [
    (None, False, False, False, "numba"),
    (None, True, True, False, "numba"),    # libraries without a GPU
    (GPU, False, False, False, "numba"),   # a GPU without a library to drive it
    (GPU, True, False, True, "torch"),
    (GPU, True, True, True, "cupy"),
])
def test_gpu_use_and_risk_backend(gpu, torch, cupy, use_gpu, backend):
    profile = derive_profile(settings(), machine(gpu=gpu, torch=torch, cupy=cupy), environ={})
    assert (profile.use_gpu, profile.risk_backend) == (use_gpu, backend)


def test_explicit_gpu_and_backend_win():
    m = machine(gpu=GPU, torch=True, cupy=True)
    off = derive_profile(settings(hardware__use_gpu="false"), m, environ={})
    assert (off.use_gpu, off.risk_backend) == (False, "numba")
    assert derive_profile(settings(risk__backend="numpy"), m, environ={}).risk_backend == "numpy"


def test_redis_follows_settings():
    profile = derive_profile(load_settings(environ={"SAPPHIRE_USE_REDIS": "1"}).settings,
                             machine(), environ={})
    assert profile.use_redis is True and profile.redis_url == "redis://localhost:6379/0"
    assert derive_profile(settings(), machine(), environ={}).use_redis is False


# --- apply -------------------------------------------------------------------------------


def test_apply_sets_thread_variables_and_creates_folders(tmp_path):
    catalog = tmp_path / "deep" / "er" / "catalog"
    extra = tmp_path / "raw" / "vendor"
    s = load_settings(environ={}, overrides={"data.catalog": str(catalog),
                                             "data.dirs": f'["{extra}"]'}).settings
    profile = derive_profile(s, machine(physical=8), environ={})
    env = {"MKL_NUM_THREADS": "2"}  # the user's own choice is kept
    done = apply_profile(profile, env)
    assert env["OMP_NUM_THREADS"] == "8" and env["NUMBA_NUM_THREADS"] == "8"
    assert env["MKL_NUM_THREADS"] == "2"
    assert env["NUMBA_CACHE_DIR"] == profile.numba_cache_dir
    assert catalog.is_dir() and extra.is_dir()
    assert f"mkdir -p {catalog}" in done


def test_apply_with_explicit_threads_overrides_the_environment(tmp_path):
    s = load_settings(environ={}, overrides={"hardware.threads": "3",
                                             "data.catalog": str(tmp_path / "c")}).settings
    env = {"MKL_NUM_THREADS": "2"}
    apply_profile(derive_profile(s, machine(), environ={}), env)
    assert env["MKL_NUM_THREADS"] == "3"


# --- recommendations ---------------------------------------------------------------------


def fake_root(tmp_path, governor=None, thp=None, isolated=None):
    if governor:
        for cpu in range(2):
            f = tmp_path / f"sys/devices/system/cpu/cpu{cpu}/cpufreq/scaling_governor"
            f.parent.mkdir(parents=True)
            f.write_text(governor + "\n")
    if thp:
        f = tmp_path / "sys/kernel/mm/transparent_hugepage/enabled"
        f.parent.mkdir(parents=True)
        f.write_text(thp + "\n")
    if isolated is not None:
        f = tmp_path / "sys/devices/system/cpu/isolated"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(isolated + "\n")
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/meminfo").write_text("MemTotal: 1 kB\nHugePages_Total:      16\n")
    return tmp_path


def test_recommendations_on_an_untuned_machine(tmp_path):
    root = fake_root(tmp_path, "powersave", "[always] madvise never", "")
    governor, pages, isolation = recommendations(root, logical_cores=16)
    assert (governor.current, governor.ok) == ("powersave", False)
    assert "performance" in governor.advice
    assert (pages.current, pages.ok) == ("transparent huge pages: always, 16 reserved huge pages",
                                         False)
    assert (isolation.current, isolation.ok) == ("none", False)
    assert "isolcpus" in isolation.advice


def test_recommendations_on_a_tuned_machine(tmp_path):
    root = fake_root(tmp_path, "performance", "always [madvise] never", "2-3")
    assert [r.ok for r in recommendations(root, logical_cores=16)] == [True, True, True]
    assert recommendations(root)[2].current == "isolated cores: 2-3"


def test_recommendations_when_nothing_is_exposed(tmp_path):
    governor, pages, isolation = recommendations(tmp_path, logical_cores=2)
    assert governor.current == "not exposed (virtual machine or no cpufreq)" and governor.ok
    assert pages.ok and isolation.ok  # 2 cores: nothing to set aside
    assert list(tmp_path.iterdir()) == []  # read only
