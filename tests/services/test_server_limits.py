"""The render server holds its limits, on loopback, whatever a client sends: bounded plans, JSON
4xx for bad requests, timeouts for slow clients, 503 for a full queue, and a bounded load test.

The renderer here is a stand-in that sleeps and returns four tiny images: what is tested is the
server (the real diffusers pipeline behind it is tested in tests/render/test_render.py).
"""

from __future__ import annotations

import http.client
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from promptsmith.core.plan import plan
from promptsmith.services import server as server_module

SMALL = 64 * 64


class SlowRenderer:
    """Sleeps `seconds` per render and returns four 8×8 images."""

    family = "sd15"

    def __init__(self, seconds: float = 0.05) -> None:
        self.seconds = seconds
        self.renders = 0

    def render(self, the_plan, steps=None):
        from PIL import Image

        time.sleep(self.seconds)
        self.renders += 1
        return [Image.new("RGB", (8, 8)) for _ in the_plan.seeds], {"render_seconds": self.seconds}


def start(renderer: SlowRenderer, **kw) -> tuple[server_module.BoundedHTTPServer, int]:
    srv = server_module.make_server(renderer, family="sd15", port=0, token="t0k", **kw)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, srv.server_port


@pytest.fixture()
def served() -> Iterator[tuple[SlowRenderer, int]]:
    renderer = SlowRenderer()
    srv, port = start(renderer)
    yield renderer, port
    srv.shutdown()
    srv.server_close()


def post(port: int, body: bytes | dict, headers: dict | None = None, timeout: float = 30) -> tuple[int, dict, dict]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", "/render", body=data, headers={"Authorization": "Bearer t0k",
                                                            "Content-Type": "application/json", **(headers or {})})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}"), dict(resp.getheaders())
    finally:
        conn.close()


def health(port: int) -> tuple[int, float]:
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/health")
    status = conn.getresponse().status
    conn.close()
    return status, time.perf_counter() - t0


def good_plan(**changes) -> dict:
    data = plan("a fox --seed 3", "sd15", pixels=SMALL, steps=2).model_dump(mode="json")
    data.update(changes)
    return {"plan": data}


@pytest.mark.parametrize("changes", [
    {"num_inference_steps": 300},                       # past the 200-step cap
    {"guidance_scales": [7.0] * 100},                   # 100 images in one request
    {"seeds": list(range(100))},
    {"width": 65536, "height": 64},                     # 2048² pixels, one side 65536
    {"num_inference_steps": -3},
    {"num_inference_steps": 0},                         # was a ZeroDivisionError
    {"num_inference_steps": True},
    {"guidance_scale": float("nan")},
    {"guidance_scales": [7.0, 7.0, 7.0, float("nan")]},
    {"width": -512},
    {"seeds": [2**70, 1, 2, 3]},
    {"seeds": [1, 2, 3]},                               # the wrong length
    {"denoising_end": 0},
])
def test_a_plan_is_validated_as_a_whole(served, changes: dict) -> None:
    renderer, port = served
    body = json.dumps(good_plan(**changes), allow_nan=True).encode()
    status, answer, _ = post(port, body)
    # NaN is refused as the body is read (it is not JSON: 400), the rest by the plan's bounds (422)
    assert status == (400 if "NaN" in body.decode() else 422) and "error" in answer, (changes, status, answer)
    assert renderer.renders == 0
    assert post(port, good_plan())[0] == 200


def test_client_errors_are_4xx_with_a_json_error(served) -> None:
    _, port = served
    assert post(port, {"prompt": "a fox", "seed": 2**70})[0] == 422
    assert post(port, {"prompt": "a fox", "pixels": -5})[0] == 422
    assert post(port, {"prompt": "a fox", "steps": True})[0] == 422
    nested = b'{"prompt": ' + b"[" * 20_000 + b"]" * 20_000 + b"}"
    status, answer, _ = post(port, nested)
    assert status == 400 and "nested" in answer["error"]
    # a Content-Length that str.isdigit() takes but int() does not
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall("POST /render HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t0k\r\nContent-Length: ²\r\n\r\n"
                  .encode())
        head = s.recv(4096).decode("latin-1")
    assert head.startswith("HTTP/1.0 411") or head.startswith("HTTP/1.1 411"), head[:60]


def test_slow_headers_and_stalled_bodies_are_closed_within_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_module, "TIMEOUT", 1.0)
    srv, port = start(SlowRenderer())
    try:
        slow_head = socket.create_connection(("127.0.0.1", port))
        slow_head.sendall(b"POST /render HTTP/1.1\r\n")  # and never the rest
        stalled = socket.create_connection(("127.0.0.1", port))
        stalled.sendall(b"POST /render HTTP/1.1\r\nAuthorization: Bearer t0k\r\nContent-Length: 100\r\n\r\n{")
        t0 = time.monotonic()
        for s in (slow_head, stalled):
            s.settimeout(10)
            while s.recv(4096):  # the server answers (408) or just closes; either way it ends
                pass
        assert time.monotonic() - t0 < 5
        assert health(port)[0] == 200
    finally:
        srv.shutdown()
        srv.server_close()


def test_a_burst_of_50_gets_200_or_503_none_reset_and_health_stays_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CI load test: 50 simultaneous renders and 20 slow clients, /health polled throughout."""
    monkeypatch.setattr(server_module, "TIMEOUT", 2.0)
    renderer = SlowRenderer(0.05)
    srv, port = start(renderer)
    statuses: list[int] = []
    resets: list[BaseException] = []
    latencies: list[float] = []
    slow: list[socket.socket] = []
    try:
        for _ in range(20):  # slow clients hold connections until the timeout closes them
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"POST /render HTTP/1.1\r\n")
            slow.append(s)

        def one() -> None:
            try:
                statuses.append(post(port, {"prompt": "a fox --seed 1", "steps": 1, "pixels": SMALL}, timeout=60)[0])
            except (ConnectionError, http.client.HTTPException, OSError) as exc:
                resets.append(exc)

        polling = True

        def poll() -> None:
            while polling:
                status, seconds = health(port)
                assert status == 200
                latencies.append(seconds)
                time.sleep(0.02)

        poller = threading.Thread(target=poll)
        poller.start()
        threads = [threading.Thread(target=one) for _ in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        t0 = time.monotonic()
        for s in slow:
            s.settimeout(10)
            while s.recv(4096):
                pass
        slow_closed = time.monotonic() - t0
        polling = False
        poller.join()
    finally:
        srv.shutdown()
        srv.server_close()
    assert not resets, resets[:3]
    assert len(statuses) == 50 and set(statuses) <= {200, 503} and 200 in statuses, statuses
    assert slow_closed < 2.0 + 3.0
    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) >= 20 else max(latencies)
    assert p95 < 0.05, f"/health p95 {p95 * 1000:.1f} ms over {len(latencies)} polls"


def test_a_full_queue_answers_503_with_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_module, "MAX_QUEUE", 1)
    srv, port = start(SlowRenderer(0.5))
    try:
        got: list[tuple[int, dict]] = []
        threads = [threading.Thread(target=lambda: got.append(post(port, good_plan())[::2])) for _ in range(4)]
        for t in threads:
            t.start()
            time.sleep(0.05)
        for t in threads:
            t.join(timeout=30)
        codes = sorted(c for c, _ in got)
        assert codes[:2] == [200, 200] and set(codes[2:]) == {503}, codes
        assert all(h.get("Retry-After") for c, h in got if c == 503)
    finally:
        srv.shutdown()
        srv.server_close()


def test_a_render_whose_client_left_is_skipped_quietly(capsys: pytest.CaptureFixture[str]) -> None:
    renderer = SlowRenderer(0.5)
    srv, port = start(renderer)
    try:
        busy = threading.Thread(target=lambda: post(port, good_plan()))
        busy.start()
        time.sleep(0.1)
        body = json.dumps(good_plan()).encode()
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"POST /render HTTP/1.1\r\nAuthorization: Bearer t0k\r\nContent-Length: "
                  + str(len(body)).encode() + b"\r\n\r\n" + body)
        s.close()  # gone before its turn
        busy.join(timeout=30)
        time.sleep(0.3)
        assert renderer.renders == 1 and srv.RequestHandlerClass is not None
    finally:
        srv.shutdown()
        srv.server_close()
    assert "Traceback" not in capsys.readouterr().err


def promptsmith(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "promptsmith", *args], capture_output=True, text=True, timeout=120)


def test_serve_refuses_to_listen_beyond_loopback_without_a_token(tmp_path: Path) -> None:
    out = promptsmith("serve", "--pipeline", str(tmp_path), "--host", "0.0.0.0")
    assert out.returncode == 2 and "--token" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize("args", [
    ("--pipeline", "/no/such/pipeline"),
    ("--pipeline", "{bad}", "--port", "99999"),
])
def test_serve_start_up_errors_are_one_line_and_exit_2(args: tuple[str, ...]) -> None:
    out = promptsmith("serve", *args)
    assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr


def test_serve_with_bad_weights_exits_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "model_index.json").write_text(
        '{"_class_name": "StableDiffusionPipeline", "unet": ["diffusers", "UNet2DConditionModel"]}'
    )
    out = promptsmith("serve", "--pipeline", str(broken))
    assert out.returncode == 2 and "Traceback" not in out.stderr and out.stderr.count("\n") <= 4, out.stderr
