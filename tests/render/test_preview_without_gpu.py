"""Issue 31: `preview --pipeline` on a machine without a GPU says so at once (and what it costs)
unless `--device cpu` asks for the CPU, shows progress per step, and stops on SIGINT/SIGTERM
within a second. The tiny pipeline of conftest.py stands in for a real one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from promptsmith.cli.main import main

pytestmark = pytest.mark.slow


@pytest.fixture
def no_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False, raising=False)


def test_no_gpu_is_refused_at_once_with_the_cost_and_the_way_out(tiny_sd: Path, tmp_path: Path, no_gpu: None,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from promptsmith.backends import diffusers

    loaded = []
    monkeypatch.setattr(diffusers.DiffusersRenderer, "_load", lambda self: loaded.append(1))
    t0 = time.perf_counter()
    r = CliRunner().invoke(main, ["preview", "a cat", "--pipeline", str(tiny_sd), "--out", str(tmp_path)])
    assert r.exit_code == 2 and not loaded and time.perf_counter() - t0 < 30
    assert "no GPU found" in r.stderr and "--device cpu" in r.stderr and "minutes" in r.stderr


def test_device_cpu_renders_with_progress_per_step(tiny_sd: Path, tmp_path: Path, no_gpu: None,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from promptsmith.core.plan import plan

    preview = importlib.import_module("promptsmith.services.preview")  # the module, not its function
    # a tiny image: the test is about progress (preview passes pixels=None, so set it over that)
    monkeypatch.setattr(preview, "plan", lambda *a, **k: plan(*a, **{**k, "pixels": 64 * 64}))
    import torch

    torch.set_num_threads(1)  # a tiny pipeline gains nothing from threads, and a loaded machine loses
    r = CliRunner().invoke(main, ["preview", "a cat --seed 3", "--pipeline", str(tiny_sd), "--device", "cpu",
                                  "--steps", "2", "--family", "sd15", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "rendering on the CPU" in r.stderr
    assert "preview: step 1/2" in r.stderr and "preview: step 2/2" in r.stderr
    assert list(tmp_path.glob("*.png"))


SLOW_RENDER = """
import sys, time
from promptsmith.backends import diffusers
def render(self, plan, *, steps=None):  # a render that never ends, reporting each step
    for i in range(10**6):
        time.sleep(0.05)
        self.on_step(i + 1, 10**6, 0)
diffusers.DiffusersRenderer.render = render
diffusers.DiffusersRenderer._load = lambda self: None
diffusers.gpu_device = lambda: None
sys.argv = ["promptsmith", "preview", "a cat", "--pipeline", sys.argv[1], "--device", "cpu", "--out", sys.argv[2]]
from promptsmith.cli.main import entry
entry()
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_a_render_within_a_second(tiny_sd: Path, tmp_path: Path, sig: int) -> None:
    proc = subprocess.Popen([sys.executable, "-c", SLOW_RENDER, str(tiny_sd), str(tmp_path)],
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ, HF_HUB_OFFLINE="1"))
    assert proc.stderr is not None
    while "preview: step 1/" not in proc.stderr.readline():  # rendering has begun
        assert proc.poll() is None
    t0 = time.perf_counter()
    proc.send_signal(sig)
    code = proc.wait(timeout=10)
    assert time.perf_counter() - t0 < 1.0
    assert code == 128 + sig
