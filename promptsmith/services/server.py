"""The render server for the GPU host: `promptsmith serve`.

Standard library only (`http.server`): POST /render with a prompt or a plan → the four images
(PNG, base64) with the plan and timings; GET /health. Limits it holds whatever a client sends:

- every plan, made here or sent by the client, is validated by `RenderPlan` (steps, sizes,
  seeds, guidance scales, grid of four: the same bounds as the CLI's), and `steps` by `MAX_STEPS`;
- one GPU job at a time; at most `MAX_QUEUE` wait for it, and the next gets `503` with
  `Retry-After`; a job whose client has gone is skipped, its answer dropped quietly;
- connections are handled by a bounded pool of `MAX_CONNECTIONS` threads (beyond it: `503`),
  with a listen backlog of 128, and `TIMEOUT` seconds for the headers and for the body;
- request bodies capped at `MAX_BODY`, an optional bearer token, and a JSON 4xx for every bad
  request; nothing a client sends can crash the server or answer 500.
"""

from __future__ import annotations

import base64
import hmac
import io
import json
import select
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from pydantic import ValidationError

from promptsmith.core.plan import FAMILIES, MAX_PIXELS, MAX_SEED, MAX_STEPS, RenderPlan, plan

MAX_BODY = 64 * 1024
#: Renders that may wait for the GPU; one more is answered 503.
MAX_QUEUE = 8
#: Connections handled at once; one more is answered 503.
MAX_CONNECTIONS = 64
#: Seconds a client has to send its headers, and then its body.
TIMEOUT = 10.0
#: What a 503 asks the client to wait (seconds).
RETRY_AFTER = 5


class RenderService:
    """Holds the renderer and serialises GPU work."""

    def __init__(self, renderer: Any, family: str, token: str | None = None) -> None:
        self.renderer = renderer
        self.family = family
        self.token = token
        self.lock = threading.Lock()
        self._queue_lock = threading.Lock()
        self.waiting = 0
        self.served = 0
        self.skipped = 0

    def handle_render(self, body: dict[str, Any], client_gone: Any = lambda: False) -> dict[str, Any] | None:
        """The render's answer, or None when the client went away before its turn."""
        the_plan, steps = self.plan_for(body)
        with self._queue_lock:
            if self.waiting >= MAX_QUEUE:
                raise BadRequest(503, f"the render queue is full ({MAX_QUEUE} waiting); retry later")
            self.waiting += 1
        t_wait = time.perf_counter()
        with self.lock:  # one GPU job at a time; the others wait here, in arrival order
            with self._queue_lock:
                self.waiting -= 1
            queued = time.perf_counter() - t_wait
            if client_gone():
                self.skipped += 1
                return None  # nobody is listening: the GPU does not render for nobody
            images, timings = self.renderer.render(the_plan, steps=steps)
        self.served += 1
        encoded = []
        for img in images:
            buf = io.BytesIO()
            img.save(buf, format="PNG")
            encoded.append(base64.b64encode(buf.getvalue()).decode("ascii"))
        return {"plan": the_plan.model_dump(mode="json"), "timings": {**timings, "queued_seconds": round(queued, 4)},
                "images": encoded}

    def plan_for(self, body: dict[str, Any]) -> tuple[RenderPlan, int | None]:
        """The validated plan and step count of a request, or BadRequest (422) saying what is wrong."""
        if "plan" in body:
            the_plan = _validated(body["plan"])
        else:
            prompt = body.get("prompt")
            if not isinstance(prompt, str) or not prompt.strip():
                raise BadRequest(422, 'send {"prompt": "…"} or {"plan": {…}}')
            family = body.get("family", self.family)
            if family not in FAMILIES:
                raise BadRequest(422, f"family must be one of {', '.join(FAMILIES)}")
            seed = body.get("seed")
            if seed is not None and (not _is_int(seed) or not 0 <= seed <= MAX_SEED):
                raise BadRequest(422, f"seed must be an integer 0…{MAX_SEED}")
            pixels = body.get("pixels")
            if pixels is not None and (not _is_int(pixels) or not 64 * 64 <= pixels <= MAX_PIXELS):
                raise BadRequest(422, f"pixels must be an integer 4096…{MAX_PIXELS} (e.g. 512*512)")
            try:  # plan() builds a RenderPlan, so its bounds are checked there
                the_plan = plan(prompt, family, seed=seed, pixels=pixels)
            except ValueError as exc:
                raise BadRequest(422, str(exc)) from exc
        steps = body.get("steps")
        if steps is not None and (not _is_int(steps) or not 1 <= steps <= MAX_STEPS):
            raise BadRequest(422, f"steps must be an integer 1…{MAX_STEPS}")
        return the_plan, steps


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _validated(data: Any) -> RenderPlan:
    """A plan from JSON data, within `RenderPlan`'s bounds (the final plan, whatever built it)."""
    if not isinstance(data, dict):
        raise BadRequest(422, "plan must be a JSON object")
    try:
        return RenderPlan.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"]) or "plan"
        raise BadRequest(422, f"invalid plan: {where}: {first['msg']}") from None


class BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def make_handler(service: RenderService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "promptsmith"
        timeout = TIMEOUT  # for the request line and headers: a slow client is closed, not waited for

        def log_message(self, fmt: str, *args: Any) -> None:  # quieter, one line per request
            import sys

            sys.stderr.write(f"{self.address_string()} {fmt % args}\n")

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status == 503:
                    self.send_header("Retry-After", str(RETRY_AFTER))
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client went away: its answer is dropped quietly
                self.close_connection = True

        def _authorised(self) -> bool:
            if not service.token:
                return True
            header = self.headers.get("Authorization", "")
            given = header[7:] if header.startswith("Bearer ") else ""
            return hmac.compare_digest(given.encode("utf-8", "replace"), service.token.encode())

        def _client_gone(self) -> bool:
            """Whether the client closed its side (readable with nothing to read)."""
            try:
                readable, _, _ = select.select([self.connection], [], [], 0)
                return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
            except OSError:
                return True

        def _read_body(self) -> bytes:
            length = self.headers.get("Content-Length")
            if length is None or not (length.isascii() and length.isdigit()):
                raise BadRequest(411, "a Content-Length header (a decimal number) is required")
            size = int(length)
            if size > MAX_BODY:
                raise BadRequest(413, f"request body over {MAX_BODY} bytes")
            deadline = time.monotonic() + TIMEOUT
            chunks, got = [], 0
            while got < size:  # the body within TIMEOUT in all, however slowly it trickles
                left = deadline - time.monotonic()
                if left <= 0:
                    raise BadRequest(408, f"the body did not arrive within {TIMEOUT:g} s")
                self.connection.settimeout(left)
                try:
                    chunk = self.rfile.read1(size - got)  # type: ignore[attr-defined]
                except (TimeoutError, socket.timeout):
                    raise BadRequest(408, f"the body did not arrive within {TIMEOUT:g} s") from None
                if not chunk:
                    raise BadRequest(400, "the body ended early")
                chunks.append(chunk)
                got += len(chunk)
            return b"".join(chunks)

        def do_GET(self) -> None:  # noqa: N802
            if self.path != "/health":
                return self._send(404, {"error": "not found: GET /health or POST /render"})
            self._send(200, {"status": "ok", "family": service.family, "waiting": service.waiting,
                             "served": service.served, "busy": service.lock.locked()})

        def do_POST(self) -> None:  # noqa: N802
            try:
                if self.path != "/render":
                    raise BadRequest(404, "not found: POST /render")
                if not self._authorised():
                    raise BadRequest(401, "missing or wrong bearer token")
                raw = self._read_body()
                try:
                    body = json.loads(raw)
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    raise BadRequest(400, f"body is not JSON: {exc}") from exc
                except RecursionError:
                    raise BadRequest(400, "body is not JSON: nested too deeply") from None
                if not isinstance(body, dict):
                    raise BadRequest(400, "body must be a JSON object")
                answer = service.handle_render(body, self._client_gone)
                if answer is None:
                    self.close_connection = True
                    return
                self._send(200, answer)
            except BadRequest as exc:
                self.close_connection = exc.status in (400, 408, 411, 413)
                self._send(exc.status, {"error": exc.message})
            except Exception as exc:  # noqa: BLE001 - nothing a client sends may take the server down
                self.log_message("render failed: %s", repr(exc))
                self._send(500, {"error": f"render failed: {type(exc).__name__}: {exc}"})

        def _not_allowed(self) -> None:
            self._send(405, {"error": "use GET /health or POST /render"})

        do_PUT = do_DELETE = do_PATCH = _not_allowed

    return Handler


class BoundedHTTPServer(HTTPServer):
    """An HTTP server whose connections run on a bounded pool: one more than `MAX_CONNECTIONS`
    at once is answered 503 at once, so a flood of clients never becomes a flood of threads."""

    request_queue_size = 128  # a burst waits in the kernel's backlog instead of being reset
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 max_connections: int = MAX_CONNECTIONS) -> None:
        self.pool = ThreadPoolExecutor(max_connections, thread_name_prefix="promptsmith-http")
        self.slots = threading.BoundedSemaphore(max_connections)
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):
            _refuse(request)
            self.shutdown_request(request)
            return
        self.pool.submit(self._handle, request, client_address)

    def _handle(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:  # noqa: BLE001 - a broken connection is that client's problem only
            pass
        finally:
            self.shutdown_request(request)
            self.slots.release()

    def server_close(self) -> None:
        super().server_close()
        self.pool.shutdown(wait=False, cancel_futures=True)


def _refuse(request: Any) -> None:
    body = json.dumps({"error": "the server is busy; retry later"}).encode()
    head = (f"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: {RETRY_AFTER}"
            f"\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    try:
        request.settimeout(1.0)
        request.sendall(head + body)
    except OSError:
        pass


def is_loopback(host: str) -> bool:
    """Whether `host` only listens on this machine."""
    import ipaddress

    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def make_server(renderer: Any, *, family: str = "sdxl", host: str = "127.0.0.1", port: int = 8765,
                token: str | None = None, max_connections: int = MAX_CONNECTIONS) -> BoundedHTTPServer:
    """A ready server (call `serve_forever()`); port 0 picks a free one."""
    return BoundedHTTPServer((host, port), make_handler(RenderService(renderer, family, token)), max_connections)
