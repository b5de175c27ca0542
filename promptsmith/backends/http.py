"""The render server as a `Renderer`: `--backend http://HOST:PORT` sends plans to `promptsmith serve`."""

from __future__ import annotations

import base64
import io
import json
import urllib.error
import urllib.request
from typing import Any

from promptsmith.core.plan import RenderPlan
from promptsmith.errors import BackendUnavailable


class _Redirected(Exception):
    """A render server answered with a redirect (the new address is the message)."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Refuse every redirect: urllib would send the bearer token on to the new address, which
    may be another host. A render server has no reason to redirect."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        fp.close()
        raise _Redirected(newurl)


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(_NoRedirects)


class HttpRenderer:
    """Posts plans to a render server and decodes the images it returns."""

    def __init__(self, url: str, *, token: str | None = None, timeout: float = 600.0) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.name = f"http:{self.url}"

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with _opener().open(req, timeout=self.timeout) as resp:
                return json.loads(resp.read())
        except _Redirected as exc:
            raise BackendUnavailable(
                f"render server {self.url} redirected to {exc}; not followed, so the token "
                "goes nowhere else (give --backend the address it moved to)"
            ) from None
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")
            try:
                detail = json.loads(detail).get("error", detail)
            except json.JSONDecodeError:
                pass
            raise BackendUnavailable(f"render server {self.url} answered {exc.code}: {detail}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise BackendUnavailable(
                f"render server {self.url} is not reachable ({exc}); start it with `promptsmith serve`"
            ) from exc

    def health(self) -> dict[str, Any]:
        return self._request("GET", "/health")

    @property
    def family(self) -> str | None:
        """The family of the pipeline the server has loaded (asked once)."""
        if not hasattr(self, "_family"):
            self._family = self.health().get("family")
        return self._family

    def render(self, plan: RenderPlan, *, steps: int | None = None) -> tuple[list[Any], dict[str, float]]:
        from PIL import Image  # deferred: only previews need Pillow

        body: dict[str, Any] = {"plan": plan.model_dump(mode="json")}
        if steps is not None:
            body["steps"] = steps
        reply = self._request("POST", "/render", body)
        images = [Image.open(io.BytesIO(base64.b64decode(b))).convert("RGB") for b in reply["images"]]
        return images, reply.get("timings", {})
