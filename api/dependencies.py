"""What routes receive by dependency injection: the shared Service and the settings.

Routes declare `service: ServiceDep` (and `settings: SettingsDep`) rather than reaching into
`request.app.state`, so a test can serve a route from another service without building an app around
it: `app.dependency_overrides[get_service] = lambda: fake`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.service import Service
from rag.config import Settings


async def get_service(request: Request) -> Service:
    """The Service the app's lifespan opened, or the one given to `create_app(service=...)`."""
    return request.app.state.service


async def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    return request.app.state.settings


ServiceDep = Annotated[Service, Depends(get_service)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
