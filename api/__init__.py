"""The HTTP service: `create_app()` in api.app builds it; `rag serve` runs it with uvicorn."""
