"""The render server under a hostile network (issue 32), on loopback only, bounded in time:
slow clients cannot hold anyone out, one request per connection (no desync), JSON for every
error, finite numbers only, no token sent to another origin, and a prompt stop on a signal."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from test_server_limits import SMALL, SlowRenderer, good_plan, health, post, start

from promptsmith.backends.http import HttpRenderer
from promptsmith.errors import BackendUnavailable
from promptsmith.services import server as server_module


@pytest.fixture()
def port() -> Iterator[int]:
    srv, port = start(SlowRenderer())
    yield port
    srv.shutdown()
    srv.server_close()


def raw(port: int, data: bytes, timeout: float = 10) -> bytes:
    """Send `data` and read everything the server sends until it closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        got = b""
        while chunk := s.recv(65536):
            got += chunk
    return got


# -- request desync ------------------------------------------------------------------------------
@pytest.mark.parametrize("head", [
    b"POST /render HTTP/1.1\r\nHost: x\r\nContent-Length: 24\r\n\r\n",               # 401: no token
    b"POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 24\r\n\r\n",              # 404
    b"POST /render HTTP/1.1\r\nAuthorization: Bearer t0k\r\nContent-Length: 5\r\n\r\n{\"a\"}",  # 422, then more
])
def test_an_error_closes_the_connection_so_nothing_is_smuggled(port: int, head: bytes) -> None:
    got = raw(port, head + b"GET /health HTTP/1.1\r\n\r\n")
    assert got.count(b"HTTP/1.") == 1, got[:400]  # one answer: the smuggled GET is never read
    assert b"Connection: close" in got and b'"status": "ok"' not in got


def test_connection_close_is_honoured_and_keep_alive_is_not_offered(port: int) -> None:
    got = raw(port, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert got.count(b"HTTP/1.") == 1 and b"Connection: close" in got


# -- JSON for every error; finite numbers only -------------------------------------------------
@pytest.mark.parametrize("request_bytes, status", [
    (b"OPTIONS /render HTTP/1.1\r\n\r\n", 405),
    (b"HEAD /health HTTP/1.1\r\n\r\n", 405),
    (b"BREW /pot HTTP/1.1\r\n\r\n", 501),
    (b"GET /health HTTP/9.9\r\n\r\n", 505),
    (b"GARBAGE\r\n\r\n", 400),
    (b"GET /health HTTP/1.1\r\n" + b"X-Long: " + b"a" * 70_000 + b"\r\n\r\n", 431),
])
def test_every_error_is_json(port: int, request_bytes: bytes, status: int) -> None:
    got = raw(port, request_bytes)
    head, _, body = got.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] == str(status).encode(), got[:300]
    assert b"Content-Type: application/json" in head
    if not request_bytes.startswith(b"HEAD"):
        assert "error" in json.loads(body)


@pytest.mark.parametrize("body", [
    b'{"prompt": "a fox", "seed": ' + b"9" * 5000 + b"}",
    b'{"prompt": "a fox", "seed": NaN}',
    b'{"plan": {"weighted_prompt": [["a", Infinity]]}}',
    b'{"plan": {"weighted_prompt": [["a", -Infinity]]}}',
])
def test_numbers_json_cannot_hold_are_a_400_not_a_500(port: int, body: bytes) -> None:
    status, answer, _ = post(port, body)
    assert status == 400 and "error" in answer, (status, answer)


def test_a_bool_is_not_a_seed_or_a_guidance_scale(port: int) -> None:
    for change in ({"seeds": [True, 2, 3, 4]}, {"guidance_scales": [True, 7.0, 7.0, 7.0]}):
        status, answer, _ = post(port, good_plan(**change))
        assert status == 422, (change, status, answer)


# -- slow clients ------------------------------------------------------------------------------
def test_a_request_has_one_deadline_for_all_of_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_module, "TIMEOUT", 1.5)
    srv, port = start(SlowRenderer())
    try:
        s = socket.create_connection(("127.0.0.1", port))
        t0 = time.monotonic()
        closed = None
        for byte in b"GET /health HTTP/1.1\r\nX-Slow: " + b"a" * 20:  # a byte every 0.2 s never ends
            try:
                s.sendall(bytes([byte]))
                s.settimeout(0.2)
                if s.recv(4096) == b"":
                    closed = time.monotonic() - t0
                    break
            except TimeoutError:
                continue
            except OSError:
                closed = time.monotonic() - t0
                break
        assert closed is not None and closed < 1.5 + 1.0, closed  # was: 10 s per byte, without end
    finally:
        srv.shutdown()
        srv.server_close()


#: How long the slowloris test runs (the issue asks for 30 s; CI runs it as a slow test).
SLOWLORIS_SECONDS = float(os.environ.get("PROMPTSMITH_SLOWLORIS_SECONDS", "30"))


@pytest.mark.slow
def test_64_slow_clients_hold_no_one_out() -> None:
    """64 clients send a byte a second (reconnecting when closed) for SLOWLORIS_SECONDS; a normal
    client's /health and /render are each answered within a second throughout."""
    srv, port = start(SlowRenderer(0.05))
    stop = threading.Event()
    reconnects = [0]

    def slow_clients() -> None:
        socks: list[socket.socket | None] = [None] * 64
        while not stop.is_set():
            for k in range(64):
                try:
                    if socks[k] is None:
                        socks[k] = socket.create_connection(("127.0.0.1", port), timeout=1)
                        reconnects[0] += 1
                    socks[k].sendall(b"P")  # type: ignore[union-attr]
                except OSError:
                    if socks[k] is not None:
                        socks[k].close()  # type: ignore[union-attr]
                    socks[k] = None
            stop.wait(1.0)
        for s in socks:
            if s is not None:
                s.close()

    attacker = threading.Thread(target=slow_clients)
    attacker.start()
    timings: list[tuple[str, int, float]] = []
    try:
        time.sleep(1.5)  # every slow client connected and trickling
        deadline = time.monotonic() + SLOWLORIS_SECONDS
        while time.monotonic() < deadline:
            status, seconds = health(port)
            timings.append(("health", status, seconds))
            t0 = time.perf_counter()
            status = post(port, {"prompt": "a fox --seed 1", "steps": 1, "pixels": SMALL}, timeout=5)[0]
            timings.append(("render", status, time.perf_counter() - t0))
            time.sleep(0.5)
    finally:
        stop.set()
        attacker.join(timeout=10)
        srv.shutdown()
        srv.server_close()
    worst = {kind: max(s for k, _, s in timings if k == kind) for kind in ("health", "render")}
    print(f"slowloris: {len(timings)} requests over {SLOWLORIS_SECONDS:g} s, {reconnects[0]} slow connections, "
          f"worst health {worst['health'] * 1000:.0f} ms, worst render {worst['render'] * 1000:.0f} ms")
    assert all(status == 200 for _, status, _ in timings), timings[:5]
    assert max(worst.values()) < 1.0, worst
    if SLOWLORIS_SECONDS > server_module.TIMEOUT + 2:
        assert reconnects[0] > 64  # the slow clients were closed at their deadline, and came back


# -- the token never goes to another origin ----------------------------------------------------
def test_preview_backend_does_not_follow_a_redirect_with_the_token() -> None:
    seen: list[str | None] = []

    class Elsewhere(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("Authorization"))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"family": "sd15"}')

        def log_message(self, *args) -> None:
            pass

    other = HTTPServer(("127.0.0.1", 0), Elsewhere)
    other_port = other.server_port

    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{other_port}/health")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    moved = HTTPServer(("127.0.0.1", 0), Redirect)
    for srv in (other, moved):
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        with pytest.raises(BackendUnavailable, match="redirected"):
            HttpRenderer(f"http://127.0.0.1:{moved.server_port}", token="s3cret", timeout=5).health()
        assert seen == []  # the other host never heard from us, let alone the token
    finally:
        for srv in (other, moved):
            srv.shutdown()
            srv.server_close()


# -- a signal stops the server at once, cleanly -----------------------------------------------
SERVE = """
import sys, time
import promptsmith.backends.diffusers as d

class Slow:
    family = "sd15"
    def __init__(self, *args, **kw): pass
    def render(self, plan, steps=None):
        time.sleep(120)  # a render that would hold the process for two minutes

d.DiffusersRenderer = Slow
sys.argv = ["promptsmith", "serve", "--pipeline", "unused", "--port", "0"]
from promptsmith.cli.main import entry
entry()
"""


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_mid_render_stops_the_server_within_a_second(sig: int, code: int) -> None:
    proc = subprocess.Popen([sys.executable, "-c", SERVE], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()  # type: ignore[union-attr]
        assert "render server on http://127.0.0.1:" in line, line
        port = int(line.split("127.0.0.1:")[1].split()[0])
        def render() -> None:
            try:
                post(port, {"prompt": "a fox", "pixels": SMALL}, timeout=30)
            except (OSError, http.client.HTTPException):
                pass  # the server stopped under it, as it should

        threading.Thread(target=render, daemon=True).start()
        while not json.loads(_get(port, "/health"))["busy"]:  # the render is under way
            time.sleep(0.05)
        t0 = time.monotonic()
        proc.send_signal(sig)
        assert proc.wait(timeout=10) == code
        assert time.monotonic() - t0 < 1.0
        err = proc.stderr.read()  # type: ignore[union-attr]
        assert "Traceback" not in err and "terminate called" not in err and "stopped" in err, err
    finally:
        proc.kill()
        proc.wait()


def _get(port: int, path: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        return conn.getresponse().read()
    finally:
        conn.close()


# -- sizes the device cannot hold ----------------------------------------------------------------
class _Pipe:
    class device:  # stands in for torch.device
        type = "cpu"

    dtype = "torch.float32"


def test_a_size_the_host_cannot_hold_is_refused_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    from promptsmith.backends import diffusers

    monkeypatch.setattr(diffusers, "free_memory", lambda device: 8 * 2**30)  # a CPU host with 8 GiB free
    renderer = diffusers.DiffusersRenderer(_Pipe())
    big = server_module.RenderPlan.model_validate(good_plan(width=4096, height=1024)["plan"])
    why = renderer.cannot_hold(big)
    assert why is not None and "4096×1024" in why and "8.0 GiB is free" in why
    assert renderer.cannot_hold(server_module.RenderPlan.model_validate(good_plan()["plan"])) is None

    class Refusing(SlowRenderer):
        cannot_hold = staticmethod(renderer.cannot_hold)

    slow = Refusing()
    srv, port = start(slow)
    try:
        status, answer, _ = post(port, good_plan(width=4096, height=1024))
        assert status == 422 and "GiB is free" in answer["error"] and slow.renders == 0
        assert post(port, good_plan())[0] == 200
    finally:
        srv.shutdown()
        srv.server_close()
