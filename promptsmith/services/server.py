"""The render server for the GPU host: `promptsmith serve`.

Standard library only (`http.server`): POST /render with a prompt or a plan → the four images
(PNG, base64) with the plan and timings; GET /health. One GPU job at a time (a lock queues the
rest), request bodies capped, an optional bearer token, and a clear 4xx for every bad request.
Nothing a client sends can crash the server: each request's failure is answered and logged.
"""

from __future__ import annotations

import base64
import hmac
import io
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pydantic import ValidationError

from promptsmith.core.plan import FAMILIES, RenderPlan, plan

MAX_BODY = 64 * 1024
MAX_STEPS = 200


class RenderService:
    """Holds the renderer and serialises GPU work."""

    def __init__(self, renderer: Any, family: str, token: str | None = None) -> None:
        self.renderer = renderer
        self.family = family
        self.token = token
        self.lock = threading.Lock()
        self.waiting = 0
        self.served = 0

    def handle_render(self, body: dict[str, Any]) -> dict[str, Any]:
        if "plan" in body:
            try:
                the_plan = RenderPlan.model_validate(body["plan"])
            except ValidationError as exc:
                raise BadRequest(422, f"invalid plan: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}") from exc
        else:
            prompt = body.get("prompt")
            if not isinstance(prompt, str) or not prompt.strip():
                raise BadRequest(422, 'send {"prompt": "…"} or {"plan": {…}}')
            family = body.get("family", self.family)
            if family not in FAMILIES:
                raise BadRequest(422, f"family must be one of {', '.join(FAMILIES)}")
            seed = body.get("seed")
            if seed is not None and (not isinstance(seed, int) or not 0 <= seed < 2**32):
                raise BadRequest(422, "seed must be an integer 0…4294967295")
            pixels = body.get("pixels")
            if pixels is not None and (not isinstance(pixels, int) or not 64 * 64 <= pixels <= 2048 * 2048):
                raise BadRequest(422, "pixels must be an integer 4096…4194304 (e.g. 512*512)")
            the_plan = plan(prompt, family, seed=seed, pixels=pixels)
        steps = body.get("steps")
        if steps is not None and (not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS):
            raise BadRequest(422, f"steps must be an integer 1…{MAX_STEPS}")
        if the_plan.width * the_plan.height > 2048 * 2048:
            raise BadRequest(422, "the plan asks for more than 2048² pixels per image")
        self.waiting += 1
        t_wait = time.perf_counter()
        with self.lock:  # one GPU job at a time; the others wait here, in arrival order
            self.waiting -= 1
            queued = time.perf_counter() - t_wait
            images, timings = self.renderer.render(the_plan, steps=steps)
        self.served += 1
        encoded = []
        for img in images:
            buf = io.BytesIO()
            img.save(buf, format="PNG")
            encoded.append(base64.b64encode(buf.getvalue()).decode("ascii"))
        return {"plan": the_plan.model_dump(mode="json"), "timings": {**timings, "queued_seconds": round(queued, 4)},
                "images": encoded}


class BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def make_handler(service: RenderService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "promptsmith"

        def log_message(self, fmt: str, *args: Any) -> None:  # quieter, one line per request
            import sys

            sys.stderr.write(f"{self.address_string()} {fmt % args}\n")

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            if not service.token:
                return True
            header = self.headers.get("Authorization", "")
            given = header[7:] if header.startswith("Bearer ") else ""
            return hmac.compare_digest(given.encode(), service.token.encode())

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
                length = self.headers.get("Content-Length")
                if length is None or not length.isdigit():
                    raise BadRequest(411, "a Content-Length header is required")
                if int(length) > MAX_BODY:
                    raise BadRequest(413, f"request body over {MAX_BODY} bytes")
                raw = self.rfile.read(int(length))
                try:
                    body = json.loads(raw)
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    raise BadRequest(400, f"body is not JSON: {exc}") from exc
                if not isinstance(body, dict):
                    raise BadRequest(400, "body must be a JSON object")
                self._send(200, service.handle_render(body))
            except BadRequest as exc:
                self._send(exc.status, {"error": exc.message})
            except Exception as exc:  # noqa: BLE001 - nothing a client sends may take the server down
                self.log_message("render failed: %s", repr(exc))
                self._send(500, {"error": f"render failed: {type(exc).__name__}: {exc}"})

        do_PUT = do_DELETE = lambda self: self._send(405, {"error": "use GET /health or POST /render"})  # noqa: E731

    return Handler


def make_server(renderer: Any, *, family: str = "sdxl", host: str = "127.0.0.1", port: int = 8765,
                token: str | None = None) -> ThreadingHTTPServer:
    """A ready server (call `serve_forever()`); port 0 picks a free one."""
    server = ThreadingHTTPServer((host, port), make_handler(RenderService(renderer, family, token)))
    server.daemon_threads = True
    return server
