"""The render server for the GPU host: `promptsmith serve`.

Standard library only (`http.server`): POST /render with a prompt or a plan → the four images
(PNG, base64) with the plan and timings; GET /health. Limits it holds whatever a client sends:

- every plan, made here or sent by the client, is validated by `RenderPlan` (steps, sizes,
  seeds, guidance scales, grid of four: the same bounds as the CLI's), and `steps` by `MAX_STEPS`;
- one GPU job at a time; at most `MAX_QUEUE` wait for it, and the next gets `503` with
  `Retry-After`; a job whose client has gone is skipped, its answer dropped quietly;
- a connection costs no thread until its whole request (head and body) has arrived: one reader
  thread gathers requests from every connection, within `TIMEOUT` seconds for the whole request
  (then `408`, or a plain close), at most `MAX_PENDING` at once (then the oldest is closed). Only
  a complete request takes one of the `MAX_CONNECTIONS` handler threads (beyond them: `503`), so
  slow clients, with or without a token, cannot hold `/health` or `/render` out;
- one request per connection, answered with `Connection: close` (a body left unread after an
  error can never be read as a second request);
- request bodies capped at `MAX_BODY`, heads at `MAX_HEAD`, an optional bearer token, and a JSON
  answer for every bad request (parse errors and unknown methods too); JSON numbers must be finite
  (no `NaN`, `Infinity` or 5,000-digit integers); nothing a client sends can crash the server or
  answer 500.

Why over 400 lines: one request's whole path (reading within the deadline, the token, the limits,
the plan's validation, the render, the JSON error) stays in one file, so a reviewer sees every check
a request passes.
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import io
import json
import queue
import select
import selectors
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from pydantic import ValidationError

from promptsmith.core.plan import FAMILIES, MAX_PIXELS, MAX_SEED, MAX_STEPS, RenderPlan, plan

MAX_BODY = 64 * 1024
#: The request line and headers, in bytes; longer is answered 431.
MAX_HEAD = 16 * 1024
#: Connections whose request is still arriving; one more closes the oldest of them.
MAX_PENDING = 512
#: Renders that may wait for the GPU; one more is answered 503.
MAX_QUEUE = 8
#: Connections handled at once; one more is answered 503.
MAX_CONNECTIONS = 64
#: Seconds a client has to send its whole request (request line, headers and body), and the
#: most a send of the answer may take.
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
        cannot_hold = getattr(self.renderer, "cannot_hold", None)
        why = cannot_hold(the_plan) if cannot_hold is not None else None
        if why:
            raise BadRequest(422, f"too large for this server: {why}")
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


def _json_body(raw: bytes) -> Any:
    """The request body as JSON, or BadRequest (400) saying why not: not JSON, nested too deeply,
    or a number JSON cannot hold (`NaN`, `Infinity`, an integer of thousands of digits)."""
    def no_constant(name: str) -> Any:
        raise BadRequest(400, f"body is not JSON: {name} is not a JSON number")

    try:
        return json.loads(raw, parse_constant=no_constant)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(400, f"body is not JSON: {exc}") from None
    except RecursionError:
        raise BadRequest(400, "body is not JSON: nested too deeply") from None
    except ValueError as exc:  # int() refuses over 4,300 digits
        raise BadRequest(400, f"body is not JSON this server reads: {str(exc)[:120]}") from None


class _SocketWriter(io.BufferedIOBase):
    """The answer's bytes straight to the socket, whole (`sendall`, within the socket's timeout)."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._sock.sendall(data)
        return len(data)


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
        default_request_version = "HTTP/1.1"  # an error before the version is read still gets headers
        timeout = TIMEOUT  # for sending the answer (the request arrived whole before this handler ran)

        def setup(self) -> None:
            """Read the request from the bytes the server gathered (or, handed a bare socket, from it)."""
            self.connection = self.request
            self.connection.settimeout(TIMEOUT)
            buffered = getattr(self.server, "requests", {}).pop(self.request, None)
            self.rfile = io.BytesIO(buffered) if buffered is not None else self.connection.makefile("rb")
            self.wfile = _SocketWriter(self.connection)

        def handle(self) -> None:
            self.handle_one_request()  # one request per connection: what follows it is never read

        def log_message(self, fmt: str, *args: Any) -> None:  # quieter, one line per request
            import sys

            sys.stderr.write(f"{self.address_string()} {fmt % args}\n")

        def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
            """http.server's own errors (a bad request line, headers too long, an unknown method),
            as JSON like every other answer."""
            self._send(code, {"error": message or self.responses.get(code, ("error",))[0]})

        def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            self.close_connection = True
            data = json.dumps(payload, allow_nan=False).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                if status == 503:
                    self.send_header("Retry-After", str(RETRY_AFTER))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
            except OSError:  # the client went away: its answer is dropped quietly
                pass

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
            if len(length) > len(str(MAX_BODY)) or int(length) > MAX_BODY:
                raise BadRequest(413, f"request body over {MAX_BODY} bytes")
            size = int(length)
            deadline = time.monotonic() + TIMEOUT
            chunks, got = [], 0
            while got < size:  # the body within TIMEOUT in all, however slowly it trickles
                left = deadline - time.monotonic()
                if left <= 0:
                    raise BadRequest(408, f"the body did not arrive within {TIMEOUT:g} s")
                self.connection.settimeout(left)
                try:
                    chunk = self.rfile.read1(size - got)
                except TimeoutError:
                    raise BadRequest(408, f"the body did not arrive within {TIMEOUT:g} s") from None
                if not chunk:
                    raise BadRequest(400, "the body ended early")
                chunks.append(chunk)
                got += len(chunk)
            return b"".join(chunks)

        def do_GET(self) -> None:
            if self.path != "/health":
                return self._send(404, {"error": "not found: GET /health or POST /render"})
            self._send(200, {"status": "ok", "family": service.family, "waiting": service.waiting,
                             "served": service.served, "busy": service.lock.locked()})

        def do_POST(self) -> None:
            try:
                if self.path != "/render":
                    raise BadRequest(404, "not found: POST /render")
                if not self._authorised():
                    raise BadRequest(401, "missing or wrong bearer token")
                raw = self._read_body()
                body = _json_body(raw)
                if not isinstance(body, dict):
                    raise BadRequest(400, "body must be a JSON object")
                answer = service.handle_render(body, self._client_gone)
                if answer is None:
                    self.close_connection = True
                    return
                self._send(200, answer)
            except BadRequest as exc:
                self._send(exc.status, {"error": exc.message})
            except Exception as exc:  # nothing a client sends may take the server down
                self.log_message("render failed: %s", repr(exc))
                self._send(500, {"error": f"render failed: {type(exc).__name__}: {exc}"})

        def _not_allowed(self) -> None:
            self._send(405, {"error": "use GET /health or POST /render"}, {"Allow": "GET, POST"})

        do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_TRACE = do_CONNECT = _not_allowed

    return Handler


class _Arriving:
    """A connection whose request is still arriving: what came so far, and until when it may come."""

    __slots__ = ("address", "data", "deadline", "sock")

    def __init__(self, sock: socket.socket, address: Any) -> None:
        self.sock, self.address = sock, address
        self.data = bytearray()
        self.deadline = time.monotonic() + TIMEOUT


def _complete(data: bytearray) -> bool | tuple[int, str]:
    """Whether a request has arrived whole (head, and the body its Content-Length gives), or the
    error to answer at once (a head over MAX_HEAD). A head that the handler will refuse (no or a
    bad Content-Length, a body over MAX_BODY) counts as whole: the handler says why."""
    end, gap = data.find(b"\r\n\r\n"), 4
    lf = data.find(b"\n\n", 0, end if end >= 0 else len(data))
    if lf >= 0:
        end, gap = lf, 2
    if end < 0:
        return (431, f"request head over {MAX_HEAD} bytes") if len(data) > MAX_HEAD else False
    if end > MAX_HEAD:
        return 431, f"request head over {MAX_HEAD} bytes"
    length = None
    for line in bytes(data[:end]).split(b"\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = value.strip()
    if length is None or not length.isdigit() or len(length) > len(str(MAX_BODY)) or int(length) > MAX_BODY:
        return True
    return len(data) - end - gap >= int(length)


class BoundedHTTPServer(HTTPServer):
    """An HTTP server whose connections cost a thread only once their request is whole.

    The accept loop hands each connection to one reader thread, which gathers every request
    (non-blocking, within TIMEOUT for the whole of it); a whole request goes to a bounded pool of
    `max_connections` handler threads, and one more than that at once is answered 503 at once."""

    request_queue_size = 128  # a burst waits in the kernel's backlog instead of being reset
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 max_connections: int = MAX_CONNECTIONS) -> None:
        self.max_connections = max_connections
        self.pool = ThreadPoolExecutor(max_connections, thread_name_prefix="promptsmith-http")
        self.slots = threading.BoundedSemaphore(max_connections)
        #: Whole requests, by connection, waiting for their handler (which takes them).
        self.requests: dict[Any, bytes] = {}
        self._arrivals: queue.SimpleQueue[tuple[socket.socket, Any]] = queue.SimpleQueue()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._closing = False
        self._reader: threading.Thread | None = None  # a bind that fails closes the server before it starts
        super().__init__(address, handler)
        self._reader = threading.Thread(target=self._gather, name="promptsmith-http-reader", daemon=True)
        self._reader.start()

    def process_request(self, request: Any, client_address: Any) -> None:
        request.setblocking(False)
        self._arrivals.put((request, client_address))
        self._wake()

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"x")
        except (BlockingIOError, OSError):
            pass  # already awake, or closing

    def _gather(self) -> None:
        """The reader thread: gather requests until each is whole, late, or gone."""
        sel = selectors.DefaultSelector()
        sel.register(self._wake_r, selectors.EVENT_READ, None)
        arriving: dict[socket.socket, _Arriving] = {}  # in arrival order

        def drop(item: _Arriving, answer: tuple[int, str] | None = None) -> None:
            sel.unregister(item.sock)
            del arriving[item.sock]
            if answer is not None:
                _answer(item.sock, *answer)
            _close(item.sock)

        try:
            while not self._closing:
                now = time.monotonic()
                wait = min([0.5, *(a.deadline - now for a in arriving.values())])
                for key, _ in sel.select(max(0.0, wait)):
                    if key.data is None:
                        with contextlib.suppress(OSError):
                            self._wake_r.recv(4096)
                        while not self._arrivals.empty():
                            sock, address = self._arrivals.get()
                            if len(arriving) >= MAX_PENDING:  # a flood: the oldest goes first
                                drop(next(iter(arriving.values())))
                            arriving[sock] = _Arriving(sock, address)
                            sel.register(sock, selectors.EVENT_READ, arriving[sock])
                        continue
                    item = key.data
                    if item.sock not in arriving:
                        continue
                    try:
                        chunk = item.sock.recv(65536)
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError:
                        chunk = b""
                    if not chunk:  # gone before its request was whole
                        drop(item)
                        continue
                    item.data += chunk
                    whole = _complete(item.data)
                    if isinstance(whole, tuple):
                        drop(item, whole)
                    elif whole:
                        sel.unregister(item.sock)
                        del arriving[item.sock]
                        self._dispatch(item)
                now = time.monotonic()
                for item in [a for a in arriving.values() if a.deadline <= now]:
                    # late: a request under way hears why; a connection that sent nothing is closed
                    drop(item, (408, f"the request did not arrive within {TIMEOUT:g} s") if item.data else None)
        finally:
            for item in list(arriving.values()):
                _close(item.sock)
            sel.close()

    def _dispatch(self, item: _Arriving) -> None:
        item.sock.setblocking(True)
        if not self.slots.acquire(blocking=False):
            _refuse(item.sock)
            _close(item.sock)
            return
        self.requests[item.sock] = bytes(item.data)
        try:
            self.pool.submit(self._handle, item.sock, item.address)
        except RuntimeError:  # the pool is shut down: the server is closing
            self.requests.pop(item.sock, None)
            self.slots.release()
            _close(item.sock)

    def _handle(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:  # a broken connection is that client's problem only
            pass
        finally:
            self.requests.pop(request, None)
            self.shutdown_request(request)
            self.slots.release()

    def busy(self) -> bool:
        """Whether a handler is at work (a render, or an answer being sent)."""
        return self.slots._value < self.max_connections

    def server_close(self) -> None:
        super().server_close()
        self._closing = True
        self._wake()
        if self._reader is not None:
            self._reader.join(timeout=2)
        for sock in (self._wake_r, self._wake_w):
            sock.close()
        self.pool.shutdown(wait=False, cancel_futures=True)


def _answer(sock: socket.socket, status: int, message: str) -> None:
    """A JSON error straight to a connection whose request never reached a handler."""
    import http

    body = json.dumps({"error": message}).encode()
    reason = http.HTTPStatus(status).phrase
    head = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
            f"\r\nConnection: close\r\n\r\n").encode()
    try:
        sock.setblocking(True)
        sock.settimeout(1.0)
        sock.sendall(head + body)
    except OSError:
        pass


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


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
