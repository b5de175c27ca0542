"""`promptsmith serve`: the render server on the GPU host."""

from __future__ import annotations

import click

from promptsmith.cli.common import CONTEXT
from promptsmith.errors import PromptsmithError


@click.command(context_settings=CONTEXT)
@click.option("--pipeline", metavar="DIR", required=True, help="diffusers pipeline folder (or a cached hub id).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True)
@click.option("--token", envvar="PROMPTSMITH_TOKEN", help="Require this bearer token.")
@click.option("--insecure-no-token", is_flag=True, help="Listen beyond loopback without a token (anyone may render).")
@click.option("--allow-download", is_flag=True, help="Let a hub id be downloaded (default: local files only).")
@click.option("--compile", "compile_", is_flag=True, help="torch.compile the denoiser.")
@click.option("--zero-snr", is_flag=True, help="Trailing timesteps, rescaled betas and guidance rescale.")
def serve(pipeline: str, host: str, port: int, token: str | None, insecure_no_token: bool, allow_download: bool,
          compile_: bool, zero_snr: bool) -> None:
    """Run the render server on the GPU host (POST /render, GET /health; one GPU job at a time).

    It listens on loopback unless told otherwise; beyond loopback it needs --token (or
    PROMPTSMITH_TOKEN), or --insecure-no-token to let anyone who can reach it render.
    """
    from promptsmith.backends.diffusers import (
        DiffusersRenderer,  # deferred: lint and --help never load it
    )
    from promptsmith.services.server import (  # deferred: http.server, ssl, email
        is_loopback,
        make_server,
    )

    if not token and not is_loopback(host) and not insecure_no_token:
        raise click.UsageError(f"--host {host} listens beyond this machine: give --token (or PROMPTSMITH_TOKEN), "
                               "or --insecure-no-token to serve anyone who can reach it")
    try:
        renderer = DiffusersRenderer(pipeline, compile=compile_, zero_snr=zero_snr, allow_download=allow_download)
        family = renderer.family  # loads the pipeline now, before the first request
    except PromptsmithError as exc:
        raise click.UsageError(str(exc)) from exc
    except Exception as exc:
        raise click.UsageError(f"cannot load pipeline {pipeline}: {type(exc).__name__}: {exc}") from exc
    try:
        server = make_server(renderer, family=family, host=host, port=port, token=token)
    except OSError as exc:
        raise click.UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    click.echo(f"promptsmith render server on http://{host}:{server.server_port} ({family}, "
               f"{'token required' if token else 'no token'}); Ctrl+C to stop", err=True)
    code: int | str | None = 0
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        code = 130
    except SystemExit as exc:  # SIGINT or SIGTERM (see _exit_on_signals)
        code = exc.code
    finally:
        server.server_close()
    click.echo(f"promptsmith render server stopped{' (a render under way is abandoned)' if server.busy() else ''}",
               err=True)
    # the exit status says which signal; entry() then ends the process at once, without waiting
    # for a render thread that may run for minutes (it holds no state worth a clean unwind)
    raise SystemExit(code)
