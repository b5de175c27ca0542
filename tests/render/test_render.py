"""Rendering real (tiny) pipelines on the CPU, previews on disk, and the render server over loopback."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from promptsmith.core.plan import plan

pytestmark = pytest.mark.slow
SMALL = 64 * 64


@pytest.fixture(scope="module")
def sd_renderer(tiny_sd: Path):
    from promptsmith.backends.diffusers import DiffusersRenderer

    return DiffusersRenderer(tiny_sd)


def test_sd_grid_renders_reproducibly_with_distinct_images(sd_renderer) -> None:
    p = plan("a red fox in snow --ar 3:2 --seed 7 --no people", "sd15", pixels=SMALL, steps=2)
    images, timings = sd_renderer.render(p)
    again, _ = sd_renderer.render(p)
    assert sd_renderer.family == "sd15" and len(images) == 4 and images[0].size == (p.width, p.height)
    assert all((np.asarray(a) == np.asarray(b)).all() for a, b in zip(images, again))
    assert not (np.asarray(images[0]) == np.asarray(images[1])).all()
    assert timings["render_seconds"] > 0


def test_sd_chaos_stop_and_tile_paths(sd_renderer) -> None:
    p = plan("a red fox --c 80 --stop 50 --tile --seed 3", "sd15", pixels=SMALL, steps=2)
    images, _ = sd_renderer.render(p)
    assert len(images) == 4


def test_flux_grid_renders(tiny_flux: Path) -> None:
    from promptsmith.backends.diffusers import DiffusersRenderer

    renderer = DiffusersRenderer(tiny_flux)
    images, _ = renderer.render(plan("a red fox --seed 1 --no people", "flux", pixels=SMALL, steps=2))
    assert renderer.family == "flux" and len(images) == 4


def test_preview_writes_png_and_sidecar_and_compares(sd_renderer, tmp_path: Path) -> None:
    from PIL import Image

    from promptsmith.services.preview import preview

    result = preview("old fisherman, oil painting, 8k --seed 5", sd_renderer, family="sd15", out_dir=tmp_path,
                     compare_with="An oil painting of an old fisherman. --seed 5", steps=2, pixels=SMALL)
    png = Image.open(result.png)
    assert png.width > 4 * 64 and Path(result.sidecar).is_file()
    side = json.loads(Path(result.sidecar).read_text())
    assert [p["seeds"] for p in side["plans"]] == [[5, 6, 7, 8], [5, 6, 7, 8]]


def test_preview_plans_for_the_loaded_pipelines_family(sd_renderer, tmp_path: Path) -> None:
    """No family given: the plan takes the pipeline's own (an SD 1.5 model at SDXL sizes was a bug)."""
    from promptsmith.services.preview import preview

    result = preview("a red fox --ar 3:2 --s 250 --seed 1", sd_renderer, out_dir=tmp_path, steps=1, pixels=SMALL)
    side = json.loads(Path(result.sidecar).read_text())
    assert side["plans"][0]["family"] == "sd15"
    assert side["plans"][0]["guidance_scale"] == plan("a red fox --s 250", "sd15").guidance_scale


def test_missing_pipeline_says_what_to_do(tmp_path: Path) -> None:
    from promptsmith.backends.diffusers import DiffusersRenderer
    from promptsmith.errors import ModelNotFound

    with pytest.raises(ModelNotFound, match="save_pretrained"):
        DiffusersRenderer(tmp_path / "nothing")


@pytest.fixture(scope="module")
def server(sd_renderer):
    from promptsmith.services.server import make_server

    srv = make_server(sd_renderer, family="sd15", port=0, token="s3cret")
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    srv.server_close()


def _post(url: str, body: bytes, token: str | None = "s3cret", path: str = "/render") -> tuple[int, dict]:
    req = urllib.request.Request(url + path, data=body, method="POST")
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=300) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_server_health_and_render_through_the_http_backend(server: str) -> None:
    from promptsmith.backends.http import HttpRenderer

    with urllib.request.urlopen(server + "/health", timeout=10) as resp:
        assert json.loads(resp.read())["status"] == "ok"
    client = HttpRenderer(server, token="s3cret")
    images, timings = client.render(plan("a fox --seed 2", "sd15", pixels=SMALL, steps=2))
    assert len(images) == 4 and "queued_seconds" in timings


def test_http_backend_reports_the_servers_family(server: str) -> None:
    from promptsmith.backends.http import HttpRenderer

    assert HttpRenderer(server, token="s3cret").family == "sd15"


def test_server_rejects_bad_requests_clearly(server: str) -> None:
    ok_body = json.dumps({"prompt": "a fox", "family": "sd15", "steps": 1, "pixels": SMALL}).encode()
    assert _post(server, ok_body, token=None)[0] == 401
    assert _post(server, ok_body, token="wrong")[0] == 401
    assert _post(server, b"{not json")[0] == 400
    assert _post(server, b"[1, 2]")[0] == 400
    code, body = _post(server, json.dumps({"prompt": ""}).encode())
    assert code == 422 and "prompt" in body["error"]
    assert _post(server, json.dumps({"prompt": "x", "family": "dalle"}).encode())[0] == 422
    assert _post(server, json.dumps({"prompt": "x", "steps": 10_000}).encode())[0] == 422
    assert _post(server, json.dumps({"prompt": "x", "pixels": 10}).encode())[0] == 422
    assert _post(server, json.dumps({"prompt": "x", "seed": -1}).encode())[0] == 422
    assert _post(server, json.dumps({"plan": {"width": "big"}}).encode())[0] == 422
    assert _post(server, b"x" * (70 * 1024))[0] == 413
    assert _post(server, ok_body, path="/nope")[0] == 404
    # still serving after all that
    with urllib.request.urlopen(server + "/health", timeout=10) as resp:
        assert resp.status == 200


def test_concurrent_requests_are_queued_not_dropped(server: str) -> None:
    body = json.dumps({"prompt": "a fox --seed 1", "family": "sd15", "steps": 1, "pixels": SMALL}).encode()
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(_post(server, body)[0])) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert results == [200, 200, 200]


def test_serve_on_a_port_in_use_exits_2(tiny_sd: Path) -> None:
    import socket
    import subprocess
    import sys

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        out = subprocess.run([sys.executable, "-m", "promptsmith", "serve", "--pipeline", str(tiny_sd), "--port",
                              str(taken.getsockname()[1])], capture_output=True, text=True, timeout=300)
    assert out.returncode == 2 and "cannot listen" in out.stderr and "Traceback" not in out.stderr, out.stderr


def test_unreachable_server_says_how_to_start_one() -> None:
    from promptsmith.backends.http import HttpRenderer
    from promptsmith.errors import BackendUnavailable

    with pytest.raises(BackendUnavailable, match="promptsmith serve"):
        HttpRenderer("http://127.0.0.1:9", timeout=2).render(plan("x", "sd15", pixels=SMALL))


def test_zero_terminal_snr_option(tiny_sd: Path) -> None:
    from promptsmith.backends.diffusers import DiffusersRenderer

    renderer = DiffusersRenderer(tiny_sd, zero_snr=True)
    images, _ = renderer.render(plan("a black cat at night --seed 4", "sd15", pixels=SMALL, steps=2))
    config = renderer.pipe.scheduler.config
    assert config.rescale_betas_zero_snr and config.timestep_spacing == "trailing" and len(images) == 4


def test_a_hub_id_stays_offline_unless_the_user_opts_in(monkeypatch: pytest.MonkeyPatch) -> None:
    import diffusers

    from promptsmith.backends.diffusers import DiffusersRenderer
    from promptsmith.errors import ModelNotFound

    seen: list[object] = []

    def not_cached(model, **kw):
        seen.append(kw.get("local_files_only"))
        raise OSError("not in the cache")

    monkeypatch.setattr(diffusers.DiffusionPipeline, "from_pretrained", staticmethod(not_cached))
    with pytest.raises(ModelNotFound, match="--allow-download"):
        DiffusersRenderer("some-org/some-pipeline").pipe  # noqa: B018 - loading raises
    with pytest.raises(ModelNotFound):
        DiffusersRenderer("some-org/some-pipeline", allow_download=True).pipe  # noqa: B018 - loading raises
    assert seen == [True, False]
