"""`rag serve` (HTTP: native API, OpenAI-compatible chat, MCP) and `rag mcp` (MCP over stdio)."""

from __future__ import annotations

import sys

import click

from rag.cli.context import EXIT_INTERRUPTED, CliContext, errors


@click.command()
@click.option("--host", help="Address to listen on [default: api.host, 127.0.0.1].")
@click.option("--port", type=click.IntRange(1, 65535), help="Port [default: api.port, 8000].")
@click.option("--workers", type=click.IntRange(1, 64), help="Server processes, each with its own models [default: 1].")
@click.pass_obj
def serve(obj: CliContext, host: str | None, port: int | None, workers: int | None) -> None:
    """Run the HTTP service: the web page at /, native API under /v1, OpenAI-compatible chat, MCP at /mcp,
    docs at /docs.

    The index is opened (created empty if missing) and the models loaded before it accepts requests.
    """
    import os

    import uvicorn

    api = obj.settings.api
    host, port, workers = host or api.host, port or api.port, workers or api.workers
    if workers > 1:
        # Each worker process builds its own app from the environment: pass the resolved index on.
        os.environ["RAG_INDEX_DIR"] = str(obj.settings.index_dir)
        announce(api.web, host, port)
        uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers, log_level="info")
        return
    from api.app import create_app
    from api.service import Service

    with errors():  # a bad index or a missing model is one line here, not a startup traceback
        service = Service.from_settings(obj.settings)
        click.echo(f"rag: loading models for {obj.settings.index_dir} ...", err=True)
        service.warm_up()
        app = create_app(service=service, warm_up=False)
    announce(api.web, host, port)
    uvicorn.run(app, host=host, port=port, log_level="info")


def page_address(host: str, port: int) -> str:
    """The address a browser on this machine opens (a wildcard host listens on loopback too)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    return f"http://[{shown}]:{port}/" if ":" in shown else f"http://{shown}:{port}/"


def announce(web: bool, host: str, port: int) -> None:
    """Say where to point a browser, once the models are loaded and just before the server listens."""
    where = page_address(host, port)
    page = f"the web page is at {where}" if web else "the web page is off (setting api.web)"
    click.echo(f"rag: {page}; the API is under {where}v1, its docs at {where}docs", err=True)


@click.command("mcp")
@click.pass_obj
def mcp_command(obj: CliContext) -> None:
    """Serve the MCP tools `search` and `ask` on stdin/stdout, for Claude Desktop and other MCP clients.

    The client starts this command; stdout carries only protocol messages, logs go to stderr. The index
    is opened and the models loaded before the first message is read. Over HTTP, `rag serve` offers the
    same tools at /mcp.
    """
    from api.mcp import serve_stdio

    try:
        with errors():  # a bad index or a missing model is one line on stderr, not a traceback
            serve_stdio(obj.settings)
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
