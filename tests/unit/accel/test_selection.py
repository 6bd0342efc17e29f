"""Backend selection: argument, else SAPPHIRE_RISK_BACKEND, else auto; no silent swaps."""

from __future__ import annotations

import importlib.util
import logging

import numpy as np
import pytest

from sapphire.accel import (
    ENV_VAR,
    NumbaBackend,
    NumpyBackend,
    available_backends,
    clear_backend_cache,
    select_backend,
    selection,
)
from sapphire.core.errors import BackendUnavailableError, ConfigError


class FakeGpu(NumpyBackend):
    """Stands in for a usable GPU backend, so auto's preference can be tested anywhere."""

    name = "cupy"
    is_gpu = True
    device = "cuda:0 (fake)"


@pytest.fixture(autouse=True)
def fresh(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    clear_backend_cache()
    yield
    clear_backend_cache()


def no_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(selection.PROBES, "cupy", lambda: (None, "CuPy is not installed (test)"))
    monkeypatch.setitem(selection.PROBES, "torch",
                        lambda: (None, "PyTorch is not installed (test)"))


def test_auto_without_gpu_falls_back_to_numba_and_logs_why(monkeypatch, caplog):
    no_gpu(monkeypatch)
    with caplog.at_level(logging.INFO, logger="sapphire.accel.selection"):
        backend = select_backend()
    assert isinstance(backend, NumbaBackend) and backend.name == "numba" and not backend.is_gpu
    text = caplog.text
    assert "cupy skipped: CuPy is not installed (test)" in text
    assert "torch skipped: PyTorch is not installed (test)" in text
    assert "using numba" in text


def test_auto_logs_once_at_info_then_debug(monkeypatch, caplog):
    no_gpu(monkeypatch)
    with caplog.at_level(logging.DEBUG, logger="sapphire.accel.selection"):
        select_backend("auto")
        select_backend("auto")
    levels = [r.levelno for r in caplog.records]
    assert levels == [logging.INFO, logging.DEBUG]


@pytest.mark.skipif(importlib.util.find_spec("cupy") is not None
                    or importlib.util.find_spec("torch") is not None,
                    reason="CuPy or PyTorch is installed here: the real no-GPU probes do not apply")
def test_real_probes_on_a_machine_without_cupy_or_torch(caplog):
    with caplog.at_level(logging.INFO, logger="sapphire.accel.selection"):
        assert select_backend().name == "numba"
    assert "No module named 'cupy'" in caplog.text and "No module named 'torch'" in caplog.text
    reasons = available_backends()
    assert reasons["numpy"] == "" and reasons["numba"] == ""
    assert "not installed" in reasons["cupy"] and "not installed" in reasons["torch"]


def test_auto_prefers_a_usable_gpu(monkeypatch):
    gpu = FakeGpu()
    monkeypatch.setitem(selection.PROBES, "cupy", lambda: (gpu, ""))
    assert select_backend("auto") is gpu


def test_auto_tries_torch_after_cupy(monkeypatch):
    gpu = FakeGpu()
    monkeypatch.setitem(selection.PROBES, "cupy", lambda: (None, "no CuPy"))
    monkeypatch.setitem(selection.PROBES, "torch", lambda: (gpu, ""))
    assert select_backend("auto") is gpu


def test_explicit_unavailable_backend_is_an_error_naming_reason(monkeypatch):
    no_gpu(monkeypatch)
    with pytest.raises(BackendUnavailableError) as info:
        select_backend("cupy")
    message = str(info.value)
    assert "'cupy'" in message and "by argument" in message
    assert "CuPy is not installed (test)" in message and "usable here: numpy, numba" in message
    assert isinstance(info.value, ConfigError)


def test_env_var_selects_and_unavailable_env_choice_is_an_error(monkeypatch):
    no_gpu(monkeypatch)
    monkeypatch.setenv(ENV_VAR, "NumPy")
    assert select_backend().name == "numpy"
    monkeypatch.setenv(ENV_VAR, "torch")
    with pytest.raises(BackendUnavailableError, match=f"by {ENV_VAR}"):
        select_backend()


def test_argument_overrides_env_var(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "numpy")
    assert select_backend("numba").name == "numba"


def test_empty_env_var_means_auto(monkeypatch):
    no_gpu(monkeypatch)
    monkeypatch.setenv(ENV_VAR, "  ")
    assert select_backend().name == "numba"


def test_unknown_name_is_a_config_error():
    with pytest.raises(ConfigError, match=r"unknown array backend 'cuda'.*numpy, numba, cupy"):
        select_backend("cuda")


def test_backend_object_is_returned_as_is():
    backend = NumpyBackend()
    assert select_backend(backend) is backend


def test_probe_runs_once_until_cache_cleared(monkeypatch):
    calls = []

    def probe():
        calls.append(1)
        return None, "absent"

    monkeypatch.setitem(selection.PROBES, "cupy", probe)
    available_backends()
    available_backends()
    assert len(calls) == 1
    clear_backend_cache()
    available_backends()
    assert len(calls) == 2


def test_numpy_sampler_is_seeded():
    be = NumpyBackend()
    a = be.sampler(3).standard_normal((4, 2), "float32")
    b = be.sampler(3).standard_normal((4, 2), "float32")
    assert a.dtype == np.float32 and a.shape == (4, 2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, be.sampler(4).standard_normal((4, 2), "float32"))
    chi = be.sampler(1).chisquare(5.0, 3, "float64")
    assert chi.shape == (3,) and np.all(chi > 0)
