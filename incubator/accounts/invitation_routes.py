"""An organization's accounts and invitations: the list, the invite form, the page that shows a new
link once, revoking, and the public page where the invitee accepts."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from incubator import access, i18n
from incubator.access import Principal
from incubator.accounts import forms, invitations
from incubator.accounts.pages import (
    AcceptInvitationPage,
    InvitationCreatedPage,
    InvitationFormPage,
    OrganizationAccountsPage,
)
from incubator.auth.cookies import sign_in
from incubator.errors import DomainError, NotFound, PermissionDenied
from incubator.i18n import gettext as _
from incubator.organizations.models import Organization
from incubator.web import absolute_url, current, flash, form_data, form_errors, path_for, path_int, redirect_to, render

# The pages holding a live secret: kept by no cache, and the secret never leaves in a Referer.
SECRET_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


async def _organization(request: Request, action: str) -> tuple[Principal, Organization]:
    principal = current(request)
    organization = await access.get_or_404(Organization, principal, id=path_int(request, "id"), related=("park",))
    invitations.require(principal, organization, action)
    return principal, organization


def _back_to_accounts(request: Request, organization_id: int) -> Response:
    return redirect_to(request, "accounts:organization_accounts", id=organization_id)


async def organization_accounts(request: Request) -> Response:
    principal, organization = await _organization(request, "see_accounts")
    members, open_invitations = await invitations.organization_accounts(principal, organization)
    return render(request, "accounts/organization_accounts.html", OrganizationAccountsPage(
        organization=organization, actions=invitations.actions(principal, organization), members=members,
        invitations=open_invitations, closed={i.id: invitations.closed_reason(i) for i in open_invitations}))


def _form_page(request: Request, organization: Organization, values: dict, errors: dict[str, str],
               status_code: int = 200) -> Response:
    page = InvitationFormPage(organization=organization, values=values, errors=errors,
                              days=invitations.INVITATION_DAYS, mails=bool(request.app.state.settings.smtp_host))
    return render(request, "accounts/invitation_form.html", page, status_code=status_code)


async def invitation_new(request: Request) -> Response:
    _, organization = await _organization(request, "invite")
    values = {}
    if request.query_params.get("contact"):  # from the organization page, right after admission
        values = {"display_name": organization.contact_person, "email": organization.email}
    return _form_page(request, organization, values, {})


async def invite(request: Request) -> Response:
    principal, organization = await _organization(request, "invite")
    data = await form_data(request)
    settings = request.app.state.settings

    def link_for(secret: str) -> str:
        return absolute_url(request, path_for(request.app.router, "accounts:invitation", token=secret))

    try:
        invited = await invitations.invite(settings, principal, organization, forms.new_invitation(data), link_for)
    except PermissionDenied:
        raise
    except DomainError as exc:
        return _form_page(request, organization, data, form_errors(exc), status_code=400)
    if not invited.link:
        return flash(request, _back_to_accounts(request, organization.id), _(
            "The invitation has been e-mailed to %(email)s. Its link works once, for %(n)s days.",
            email=invited.invitation.mailed_to, n=invitations.INVITATION_DAYS))
    response = render(request, "accounts/invitation_created.html", InvitationCreatedPage(
        organization=organization, invitation=invited.invitation, link=invited.link, mail_failed=invited.mail_failed))
    response.headers.update(SECRET_HEADERS)
    return response


async def invitation_revoke(request: Request) -> Response:
    principal = current(request)
    try:
        invitation = await invitations.revoke(principal, path_int(request))
    except (PermissionDenied, NotFound):
        raise
    except DomainError as exc:
        invitation = await access.get_or_404(invitations.Invitation, principal, id=path_int(request))
        return flash(request, _back_to_accounts(request, invitation.organization_id),
                     exc.message, "error")
    return flash(request, _back_to_accounts(request, invitation.organization_id),
                 _("The invitation of %(name)s has been revoked: its link no longer works.",
                   name=invitation.display_name))


def _accept_page(request: Request, invitation: invitations.Invitation | None, values: dict,
                 errors: dict[str, str], status_code: int = 200, closed: str = "") -> Response:
    if invitation is None:
        closed = _("This invitation link is not valid: check that it was copied whole.")
        status_code = 404
    elif not closed:
        closed = invitations.closed_reason(invitation)
    response = render(request, "accounts/invitation_accept.html",
                      AcceptInvitationPage(invitation=invitation, closed=closed, values=values, errors=errors),
                      status_code=status_code)
    response.headers.update(SECRET_HEADERS)
    return response


async def invitation_page(request: Request) -> Response:
    invitation = await invitations.find(request.path_params["token"])
    values = {"username": invitation.username, "display_name": invitation.display_name} if invitation else {}
    return _accept_page(request, invitation, values, {})


async def invitation_accept(request: Request) -> Response:
    if request.state.user is not None:
        raise PermissionDenied(_("You are signed in: sign out first, then open the link again to make the new "
                                 "account."))
    secret = request.path_params["token"]
    data = await form_data(request)
    settings = request.app.state.settings
    try:
        new = await invitations.accept(settings, secret, forms.accept_invitation(data, i18n.current_locale()),
                                       request.client.host if request.client else "",
                                       request.headers.get("user-agent", ""))
    except NotFound:
        return _accept_page(request, None, {}, {})
    except DomainError as exc:
        values = {"username": data.get("username", ""), "display_name": data.get("display_name", "")}
        closed = exc.message if isinstance(exc, invitations.InvitationClosed) else ""
        return _accept_page(request, await invitations.find(secret), values, form_errors(exc), 400, closed)
    response = redirect_to(request, "organizations:mine")
    sign_in(response, settings, new.token)
    return flash(request, response, _("Welcome, %(name)s: your account is ready.", name=new.user.display_name))


routes = [
    Route("/organizations/{id:int}/accounts", organization_accounts, methods=["GET"],
          name="accounts:organization_accounts"),
    Route("/organizations/{id:int}/invitations/new", invitation_new, methods=["GET"], name="accounts:invitation_new"),
    Route("/organizations/{id:int}/invitations", invite, methods=["POST"], name="accounts:invite"),
    Route("/invitations/{id:int}/revoke", invitation_revoke, methods=["POST"], name="accounts:invitation_revoke"),
    Route("/invitations/{token:str}", invitation_page, methods=["GET"], name="accounts:invitation"),
    Route("/invitations/{token:str}", invitation_accept, methods=["POST"], name="accounts:invitation_accept"),
]
