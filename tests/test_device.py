"""core.device: the device choice and its environment override, thread settings."""

import os

import pytest
import torch

from core import device as D


def test_env_override_cpu(monkeypatch):
    monkeypatch.setenv(D.ENV_DEVICE, "cpu")
    assert D.get_device() == torch.device("cpu")


def test_default_order_on_this_machine(monkeypatch):
    monkeypatch.delenv(D.ENV_DEVICE, raising=False)
    expected = (
        "cuda"
        if torch.cuda.is_available()
        else ("mps" if torch.backends.mps.is_available() else "cpu")
    )
    assert D.get_device().type == expected


@pytest.mark.parametrize("name", ["gpu", "cuda:x", "banana"])
def test_malformed_device_name_is_a_value_error(monkeypatch, name):
    monkeypatch.setenv(D.ENV_DEVICE, name)
    with pytest.raises(ValueError, match=D.ENV_DEVICE):
        D.get_device()


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_unavailable_cuda_is_a_value_error(monkeypatch):
    monkeypatch.setenv(D.ENV_DEVICE, "cuda")
    with pytest.raises(ValueError, match="not available"):
        D.get_device()


def test_configure_threads(monkeypatch):
    before = torch.get_num_threads()
    try:
        assert D.configure_threads(1) == 1 and torch.get_num_threads() == 1
        monkeypatch.setenv(D.ENV_THREADS, "1")
        assert D.configure_threads() == 1
        default = min(2, os.cpu_count() or 1)
        for bad in ("", "0", "abc", "-3", "1.5"):
            monkeypatch.setenv(D.ENV_THREADS, bad)
            assert D.configure_threads() == default
    finally:
        torch.set_num_threads(before)


def test_describe():
    assert D.describe(torch.device("cpu")).startswith("cpu (")
    assert D.describe(torch.device("meta")) == "meta"
