"""numbatorch._config turns off LLVM's preference for 256-bit vectors on AVX-512 hosts,
unless the environment names the target or asks for 256 bits; the bench's `--cpu` then
still compiles that CPU's own features."""

import os

import pytest
from llvmlite import binding
from numbatorch.kernels.cpu import isa

from numbatorch import _config


class _Features(dict):
    def flatten(self):
        return ",".join(("+" if on else "-") + name for name, on in self.items())


@pytest.fixture
def clean_environ(monkeypatch):
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_CPU", "NUMBATORCH_V"))
    }
    monkeypatch.setattr(os, "environ", environ)
    # _wide_vectors updates Numba's config too: restored after the test
    monkeypatch.setattr(isa.config, "CPU_FEATURES", isa.config.CPU_FEATURES)
    return environ


@pytest.mark.parametrize("avx512", [True, False])
def test_avx512_hosts_get_512_bit_loops(monkeypatch, clean_environ, avx512):
    features = _Features(avx2=True, fma=True, avx512f=avx512)
    monkeypatch.setattr(binding, "get_host_cpu_features", lambda: features)
    _config._wide_vectors()
    if avx512:
        assert clean_environ["NUMBA_CPU_FEATURES"] == "+avx2,+fma,+avx512f,-prefer-256-bit"
        assert _config.wide_vector_features() == clean_environ["NUMBA_CPU_FEATURES"]
    else:
        assert "NUMBA_CPU_FEATURES" not in clean_environ


@pytest.mark.parametrize(
    "setting",
    [{"NUMBA_CPU_NAME": "haswell"}, {"NUMBA_CPU_FEATURES": ""}, {"NUMBATORCH_VECTOR_BITS": "256"}],
)
def test_a_target_or_256_bits_in_the_environment_wins(monkeypatch, clean_environ, setting):
    monkeypatch.setattr(binding, "get_host_cpu_features", lambda: _Features(avx512f=True))
    clean_environ.update(setting)
    _config._wide_vectors()
    assert clean_environ.get("NUMBA_CPU_FEATURES") == setting.get("NUMBA_CPU_FEATURES")


def test_the_variant_stays_avx512_with_wide_loops(monkeypatch):
    monkeypatch.setattr(isa.config, "CPU_NAME", None)
    monkeypatch.setattr(isa.config, "CPU_FEATURES", "+avx2,+fma,+avx512f,-prefer-256-bit")
    assert isa.vector_isa() == "avx512"


class _Restarted(Exception):
    pass


def test_bench_cpu_option_drops_numbatorchs_host_features(monkeypatch, clean_environ):
    # the bench imports numbatorch before it reads --cpu: the host's features that
    # numbatorch set must not leak into the AVX2 run (haswell would get AVX-512 code)
    from numbatorch.bench.__main__ import main

    monkeypatch.setattr(binding, "get_host_cpu_features", lambda: _Features(avx512f=True))
    clean_environ["NUMBA_CPU_FEATURES"] = _config.wide_vector_features()

    def execv(path, argv):
        raise _Restarted(argv)

    monkeypatch.setattr(os, "execv", execv)
    with pytest.raises(_Restarted):
        main(["matmul", "--cpu", "haswell", "--quiet"])
    assert clean_environ["NUMBA_CPU_NAME"] == "haswell"
    assert clean_environ["NUMBA_CPU_FEATURES"] == ""
