"""Funding pages: funds with their ledger, grants with their tranches, and Excel exports."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from incubator import access
from incubator.auth.models import Role
from incubator.errors import DomainError, PermissionDenied, ValidationFailed
from incubator.funding import exports, service
from incubator.funding.models import (
    CONDITION_LABELS,
    SOURCE_LABELS,
    Fund,
    Grant,
    GrantStatus,
    LedgerEntry,
    Tranche,
    TrancheStatus,
)
from incubator.i18n import gettext as _
from incubator.organizations.models import Organization
from incubator.parks.models import Park
from incubator.web import current, flash, form_data, path_int, redirect, render

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(content: bytes, filename: str) -> Response:
    return Response(content, media_type=XLSX,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


async def fund_list(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL, Role.MANAGER)
    funds = await access.scope(Fund, principal).select_related("park").order_by("-fiscal_year", "name")
    if request.query_params.get("format") == "xlsx":
        rows = [(f.name, f.source_label, f.park.name_zh if f.park else _("District"), f.fiscal_year,
                 exports.yuan(f.budget_fen), exports.yuan(f.committed_fen), exports.yuan(f.disbursed_fen),
                 exports.yuan(f.available_fen)) for f in funds]
        headers = [_("Fund"), _("Source"), _("Owner"), _("Fiscal year"), _("Budget (yuan)"), _("Committed (yuan)"),
                   _("Disbursed (yuan)"), _("Available (yuan)")]
        return _xlsx(exports.workbook(_("Funds"), headers, rows), "funds.xlsx")
    return render(request, "funding/funds.html", {"funds": funds, "can_create": principal.is_(Role.ADMIN,
                                                                                                 Role.OFFICIAL)})


async def _fund_form_context(principal, values: dict, errors: dict) -> dict:
    return {"values": values, "errors": errors, "sources": [(s.value, _(label)) for s, label in SOURCE_LABELS.items()],
            "parks": await Park.all().order_by("id")}


async def fund_new(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL)
    values = {"source": "district_special", "fiscal_year": str(date.today().year)}
    return render(request, "funding/fund_form.html", await _fund_form_context(principal, values, {}))


async def fund_create(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL)
    data = await form_data(request)
    try:
        fund = await service.create_fund(principal, data)
    except DomainError as exc:
        return render(request, "funding/fund_form.html", await _fund_form_context(principal, data, exc.errors),
                      status_code=400)
    return flash(request, redirect(request, f"/funds/{fund.id}"), _("The fund has been created."))


async def fund_detail(request: Request) -> Response:
    principal = current(request)
    fund = await access.get_or_404(Fund, principal, id=path_int(request, "id"))
    await fund.fetch_related("park")
    entries = await access.scope(LedgerEntry, principal).filter(fund_id=fund.id).select_related(
        "grant__organization", "actor").order_by("at", "id")
    committed = disbursed = 0
    rows = []
    for entry in entries:  # the running balance, from the entries themselves
        committed += entry.committed_delta_fen
        disbursed += entry.disbursed_delta_fen
        rows.append((entry, fund.budget_fen - committed, disbursed))
    if request.query_params.get("format") == "xlsx":
        headers = [_("Date"), _("Entry"), _("Organization"), _("Grant"), _("Committed (yuan)"),
                   _("Disbursed (yuan)"), _("Available after (yuan)"), _("Voucher"), _("Note")]
        data = [(e.on_date.isoformat(), e.kind_label, e.grant.organization.name_zh if e.grant else "",
                 e.grant.purpose if e.grant else "", exports.yuan(e.committed_delta_fen),
                 exports.yuan(e.disbursed_delta_fen), exports.yuan(available), e.voucher, e.note)
                for e, available, _paid in rows]
        return _xlsx(exports.workbook(fund.name, headers, data), f"ledger-{fund.id}.xlsx")
    grants = await access.scope(Grant, principal).filter(fund_id=fund.id).select_related("organization")
    return render(request, "funding/fund.html", {"fund": fund, "rows": rows, "grants": grants})


async def _grant_form_context(organization: Organization, principal, values: dict, errors: dict) -> dict:
    funds = await access.scope(Fund, principal).order_by("-fiscal_year", "name")
    funds = [f for f in funds if f.park_id in (None, organization.park_id)]
    return {"organization": organization, "values": values, "errors": errors, "funds": funds,
            "conditions": [(c.value, _(label)) for c, label in CONDITION_LABELS.items()],
            "rows": range(service.MAX_TRANCHES)}


async def grant_new(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    organization = await access.get_or_404(Organization, principal, "change", id=path_int(request, "id"))
    values = {"condition_0": "on_signing", "condition_1": "after_review", "review_code_1": "midterm"}
    return render(request, "funding/grant_form.html", await _grant_form_context(organization, principal, values, {}))


async def grant_create(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.MANAGER)
    organization = await access.get_or_404(Organization, principal, "change", id=path_int(request, "id"))
    data = await form_data(request)
    try:
        grant = await service.draft_grant(principal, organization, data)
    except DomainError as exc:
        context = await _grant_form_context(organization, principal, data, exc.errors)
        return render(request, "funding/grant_form.html", context, status_code=400)
    return flash(request, redirect(request, f"/grants/{grant.id}"), _("The grant has been drafted."))


async def grant_detail(request: Request) -> Response:
    principal = current(request)
    grant = await access.get_or_404(Grant, principal, id=path_int(request, "id"))
    return await _grant_page(request, principal, grant)


async def _grant_page(request: Request, principal, grant: Grant, form: str = "", errors: dict | None = None,
                      values: dict | None = None) -> Response:
    """The grant's page; after a wrong form, that form shows its errors with what was typed."""
    await grant.fetch_related("fund", "organization")
    tranches = await Tranche.filter(grant_id=grant.id).order_by("sequence")
    managing = principal.manages(grant.organization.park_id)
    context = {
        "grant": grant, "tranches": tranches, "managing": managing,
        "can_approve": service.can_approve(principal, grant) and (managing or principal.is_(Role.OFFICIAL)),
        "can_end": (managing or principal.is_(Role.OFFICIAL)) and grant.status in (
            GrantStatus.DRAFT, GrantStatus.PROPOSED, GrantStatus.ACTIVE),
        "ready": TrancheStatus.READY,
        "entries": await LedgerEntry.filter(grant_id=grant.id).order_by("at", "id"),
        "form": form, "errors": errors or {}, "values": values or {},
    }
    return render(request, "funding/grant.html", context, status_code=400 if errors else 200)


async def _grant_action(request: Request, action, message: str, form: str = "") -> Response:
    principal = current(request)
    grant = await access.get_or_404(Grant, principal, "change", id=path_int(request, "id"))
    data = await form_data(request)
    try:
        await action(principal, grant, data)
    except PermissionDenied:
        raise  # a 403 page, not a message on the grant
    except ValidationFailed as exc:
        return await _grant_page(request, principal, grant, form, exc.errors, data)
    except DomainError as exc:
        return flash(request, redirect(request, f"/grants/{grant.id}"), exc.message, "error")
    return flash(request, redirect(request, f"/grants/{grant.id}"), message)


async def grant_propose(request: Request) -> Response:
    settings = request.app.state.settings
    threshold = settings.grant_approval_threshold_fen
    return await _grant_action(request, lambda p, g, d: service.propose(p, g, threshold), _("The grant is proposed."))


async def grant_approve(request: Request) -> Response:
    return await _grant_action(request, lambda p, g, d: service.approve(p, g), _("The grant is approved."))


async def grant_cancel(request: Request) -> Response:
    return await _grant_action(request, service.cancel, _("The grant is cancelled."), "end")


async def grant_close(request: Request) -> Response:
    return await _grant_action(request, service.close, _("The grant is closed."), "end")


async def grant_repay(request: Request) -> Response:
    return await _grant_action(request, service.repay, _("The repayment has been recorded."), "repay")


async def tranche_pay(request: Request) -> Response:
    principal = current(request)
    tranche = await access.get_or_404(Tranche, principal, "change", id=path_int(request, "id"))
    data = await form_data(request)
    try:
        await service.disburse(principal, tranche, data)
    except PermissionDenied:
        raise
    except ValidationFailed as exc:
        grant = await Grant.get(id=tranche.grant_id)
        return await _grant_page(request, principal, grant, f"pay-{tranche.id}", exc.errors, data)
    except DomainError as exc:
        return flash(request, redirect(request, f"/grants/{tranche.grant_id}"), exc.message, "error")
    return flash(request, redirect(request, f"/grants/{tranche.grant_id}"), _("The payment has been recorded."))


async def grant_list(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL, Role.MANAGER)
    grants = await access.scope(Grant, principal).select_related("fund", "organization__park").order_by(
        "-created_at", "-id")
    if request.query_params.get("format") == "xlsx":
        headers = [_("Organization"), _("Park"), _("Purpose"), _("Fund"), _("Amount (yuan)"),
                   _("Disbursed (yuan)"), _("Status")]
        rows = [(g.organization.name_zh, g.organization.park.name_zh, g.purpose, g.fund.name,
                 exports.yuan(g.amount_fen), exports.yuan(g.disbursed_fen), g.status_label) for g in grants]
        return _xlsx(exports.workbook(_("Grants"), headers, rows), "grants.xlsx")
    return render(request, "funding/grants.html", {"grants": grants})


routes = [
    Route("/grants", grant_list, methods=["GET"], name="funding:grants"),
    Route("/funds", fund_list, methods=["GET"], name="funding:funds"),
    Route("/funds/new", fund_new, methods=["GET"], name="funding:fund_new"),
    Route("/funds", fund_create, methods=["POST"], name="funding:fund_create"),
    Route("/funds/{id:int}", fund_detail, methods=["GET"], name="funding:fund"),
    Route("/organizations/{id:int}/grants/new", grant_new, methods=["GET"], name="funding:grant_new"),
    Route("/organizations/{id:int}/grants", grant_create, methods=["POST"], name="funding:grant_create"),
    Route("/grants/{id:int}", grant_detail, methods=["GET"], name="funding:grant"),
    Route("/grants/{id:int}/propose", grant_propose, methods=["POST"], name="funding:propose"),
    Route("/grants/{id:int}/approve", grant_approve, methods=["POST"], name="funding:approve"),
    Route("/grants/{id:int}/cancel", grant_cancel, methods=["POST"], name="funding:cancel"),
    Route("/grants/{id:int}/close", grant_close, methods=["POST"], name="funding:close"),
    Route("/grants/{id:int}/repay", grant_repay, methods=["POST"], name="funding:repay"),
    Route("/tranches/{id:int}/pay", tranche_pay, methods=["POST"], name="funding:pay"),
]
