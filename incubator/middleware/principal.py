"""The signed-in user as a principal (request.state.principal): their role with the parks they
manage or the organization they belong to, which every access check reads."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from incubator.access import Principal
from incubator.auth import service as auth_service
from incubator.middleware.plain import is_plain


class PrincipalMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not is_plain(scope):
            state = scope["state"]
            user = state.get("user")
            parks = state.get("managed_parks")
            if user is None:
                state["principal"] = None
            elif parks is None:
                state["principal"] = await auth_service.load_principal(user)
            else:
                state["principal"] = Principal(user=user, park_ids=parks, organization_id=user.organization_id)
        await self.app(scope, receive, send)
