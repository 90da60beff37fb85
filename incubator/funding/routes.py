"""Funding pages: funds with their ledger, grants with their tranches, and Excel exports."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from incubator import access, clock, exports
from incubator.errors import DomainError, PermissionDenied, ValidationFailed
from incubator.funding import forms, service
from incubator.funding.models import (
    CONDITION_LABELS,
    SOURCE_LABELS,
    Fund,
    Grant,
    LedgerEntry,
    Tranche,
)
from incubator.funding.pages import FundFormPage, FundPage, FundsPage, GrantFormPage, GrantPage, GrantsPage
from incubator.i18n import gettext as _
from incubator.organizations.models import Organization
from incubator.pagecache import cached
from incubator.parks.models import Park
from incubator.roles import Role
from incubator.web import (
    Page,
    current,
    download,
    flash,
    form_data,
    form_errors,
    paginate,
    path_int,
    query_int,
    redirect_to,
    render,
    status_for,
)

EXPORT_FORMATS = ("xlsx", "csv")


def _export(request: Request, title: str, headers: list[str], rows: list[tuple], filename: str) -> Response:
    """The list as ?format=xlsx or ?format=csv asked for."""
    if request.query_params.get("format") == "csv":
        return download(exports.csv_bytes(headers, rows), filename + ".csv", exports.CSV)
    return download(exports.workbook(title, headers, rows), filename + ".xlsx", exports.XLSX)


async def fund_list(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL, Role.MANAGER)
    funds = await access.scope(Fund, principal).select_related("park").order_by("-fiscal_year", "name")
    if request.query_params.get("format") in EXPORT_FORMATS:
        rows = [(f.name, f.source_label, f.park.name_zh if f.park else _("District"), f.fiscal_year,
                 exports.yuan(f.budget_fen), exports.yuan(f.committed_fen), exports.yuan(f.disbursed_fen),
                 exports.yuan(f.available_fen)) for f in funds]
        headers = [_("Fund"), _("Source"), _("Owner"), _("Fiscal year"), _("Budget (yuan)"), _("Committed (yuan)"),
                   _("Disbursed (yuan)"), _("Available (yuan)")]
        return _export(request, _("Funds"), headers, rows, "funds")
    return render(request, "funding/funds.html", FundsPage(funds, service.may_create_funds(principal)))


async def _fund_form_context(principal, values: dict, errors: dict) -> FundFormPage:
    return FundFormPage(values, errors, [(s.value, _(label)) for s, label in SOURCE_LABELS.items()],
                        await access.scope(Park, principal).order_by("id"))


async def fund_new(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL)
    values = {"source": "district_special", "fiscal_year": str(clock.today().year)}
    return render(request, "funding/fund_form.html", await _fund_form_context(principal, values, {}))


async def fund_create(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL)
    data = await form_data(request)
    try:
        fund = await service.create_fund(principal, forms.create_fund(data))
    except DomainError as exc:
        context = await _fund_form_context(principal, data, form_errors(exc, forms.FIELDS))
        return render(request, "funding/fund_form.html", context, status_code=status_for(exc))
    return flash(request, redirect_to(request, "funding:fund", id=fund.id), _("The fund has been created."))


FUND_PAGE_GRANTS = 20  # the newest grants on a fund's page; the rest on the grants list, filtered by it


async def fund_detail(request: Request) -> Response:
    principal = current(request)
    fund = await access.get_or_404(Fund, principal, id=path_int(request, "id"), related=("park",))
    if request.query_params.get("format") in EXPORT_FORMATS:
        ledger = await service.ledger(principal, fund)
        headers = [_("Date"), _("Entry"), _("Organization"), _("Grant"), _("Committed (yuan)"),
                   _("Disbursed (yuan)"), _("Available after (yuan)"), _("Voucher"), _("Note")]
        data: list[tuple] = [
            (e.on_date, e.kind_label, e.grant.organization.name_zh if e.grant else "",
             e.grant.purpose if e.grant else "", exports.yuan(e.committed_delta_fen),
             exports.yuan(e.disbursed_delta_fen), exports.yuan(available) if available is not None else "",
             e.voucher, e.note)
            for e, available, _paid in ledger.rows]
        if not ledger.complete:
            data.append(("", _("Other parks (totals only)"), "", "", exports.yuan(ledger.hidden_committed_fen),
                         exports.yuan(ledger.hidden_disbursed_fen), "", "", ""))
        return _export(request, fund.name, headers, data, f"ledger-{fund.id}")
    number = query_int(request, "page", minimum=1) or 1
    ledger, has_next = await service.ledger_page(principal, fund, number)
    grants = access.scope(Grant, principal).filter(fund_id=fund.id)
    return render(request, "funding/fund.html", FundPage(
        fund, ledger, Page(ledger.rows, number, has_next),
        await grants.select_related("organization").order_by("-created_at", "-id").limit(FUND_PAGE_GRANTS),
        await grants.count()))


async def _grant_form_context(organization: Organization, principal, values: dict, errors: dict) -> GrantFormPage:
    return GrantFormPage(organization, values, errors, await service.eligible_funds(principal, organization),
                         [(c.value, _(label)) for c, label in CONDITION_LABELS.items()],
                         await service.review_options(organization), range(forms.MAX_TRANCHES))


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
        grant = await service.draft_grant(principal, organization, forms.draft_grant(data))
    except DomainError as exc:
        context = await _grant_form_context(organization, principal, data, form_errors(exc, forms.FIELDS))
        return render(request, "funding/grant_form.html", context, status_code=status_for(exc))
    return flash(request, redirect_to(request, "funding:grant", id=grant.id), _("The grant has been drafted."))


async def grant_detail(request: Request) -> Response:
    principal = current(request)
    grant = await access.get_or_404(Grant, principal, id=path_int(request, "id"))
    return await _grant_page(request, principal, grant)


async def _grant_page(request: Request, principal, grant: Grant, form: str = "", errors: dict | None = None,
                      values: dict | None = None) -> Response:
    """The grant's page; after a wrong form, that form shows its errors with what was typed."""
    await grant.fetch_related("fund", "organization")
    park_id = grant.organization.park_id
    tranches = await access.scope(Tranche, principal).filter(grant_id=grant.id).order_by("sequence")
    page = GrantPage(
        grant=grant, tranches=tranches,
        actions=service.grant_actions(principal, grant, park_id),
        approval_note=service.four_eyes_refusal(principal, grant),
        tranche_actions={t.id: service.tranche_actions(principal, t, grant, park_id) for t in tranches},
        fund_visible=await access.can(principal, grant.fund, "view"),
        review_names=dict(await service.review_options(grant.organization)),
        entries=await access.scope(LedgerEntry, principal).filter(grant_id=grant.id).order_by("at", "id"),
        form=form, errors=errors or {}, values=values or {},
    )
    return render(request, "funding/grant.html", page, status_code=400 if errors else 200)


async def _grant_action(request: Request, action, message: str, form: str = "") -> Response:
    principal = current(request)
    grant = await access.get_or_404(Grant, principal, "change", id=path_int(request, "id"))
    data = await form_data(request)
    try:
        await action(principal, grant, data)
    except PermissionDenied:
        raise  # a 403 page, not a message on the grant
    except ValidationFailed as exc:
        return await _grant_page(request, principal, grant, form, form_errors(exc, forms.FIELDS), data)
    except DomainError as exc:
        return flash(request, redirect_to(request, "funding:grant", id=grant.id), exc.message, "error")
    return flash(request, redirect_to(request, "funding:grant", id=grant.id), message)


async def grant_propose(request: Request) -> Response:
    threshold = request.app.state.settings.grant_approval_threshold_fen
    return await _grant_action(request, lambda p, g, d: service.propose(p, g, threshold), _("The grant is proposed."))


async def grant_approve(request: Request) -> Response:
    return await _grant_action(request, lambda p, g, d: service.approve(p, g), _("The grant is approved."))


async def grant_cancel(request: Request) -> Response:
    return await _grant_action(
        request, lambda p, g, d: service.cancel(p, g, forms.end_grant(d, reason_required=True)),
        _("The grant is cancelled."), "end")


async def grant_close(request: Request) -> Response:
    return await _grant_action(
        request, lambda p, g, d: service.close(p, g, forms.end_grant(d, reason_required=False)),
        _("The grant is closed."), "end")


async def grant_repay(request: Request) -> Response:
    async def repay(principal, grant, data) -> None:
        service.require_repayer(principal)  # who may not record one learns nothing from the form
        await service.repay(principal, grant, forms.repay(data))

    return await _grant_action(request, repay, _("The repayment has been recorded."), "repay")


async def tranche_pay(request: Request) -> Response:
    principal = current(request)
    tranche = await access.get_or_404(Tranche, principal, "change", id=path_int(request, "id"))
    data = await form_data(request)
    try:
        await service.disburse(principal, tranche, forms.disburse(data))
    except PermissionDenied:
        raise
    except ValidationFailed as exc:
        grant = await access.get_or_404(Grant, principal, id=tranche.grant_id)
        return await _grant_page(request, principal, grant, f"pay-{tranche.id}", form_errors(exc, forms.FIELDS),
                                 data)
    except DomainError as exc:
        return flash(request, redirect_to(request, "funding:grant", id=tranche.grant_id), exc.message, "error")
    return flash(request, redirect_to(request, "funding:grant", id=tranche.grant_id),
                 _("The payment has been recorded."))


async def grant_list(request: Request) -> Response:
    principal = access.require_role(current(request), Role.ADMIN, Role.OFFICIAL, Role.MANAGER)
    grants = access.scope(Grant, principal).select_related("fund", "organization__park").order_by(
        "-created_at", "-id")
    fund_id = query_int(request, "fund", minimum=1)
    fund = await access.scope(Fund, principal).get_or_none(id=fund_id) if fund_id is not None else None
    if fund is not None:
        grants = grants.filter(fund_id=fund.id)
    park_id = query_int(request, "park", minimum=1)
    park = await access.scope(Park, principal).only("id", "name_zh", "name_en").get_or_none(
        id=park_id) if park_id is not None else None
    if park is not None:
        grants = grants.filter(organization__park_id=park.id)
    if request.query_params.get("format") in EXPORT_FORMATS:
        headers = [_("Organization"), _("Park"), _("Purpose"), _("Fund"), _("Amount (yuan)"),
                   _("Disbursed (yuan)"), _("Status")]
        rows = [(g.organization.name_zh, g.organization.park.name_zh, g.purpose, g.fund.name,
                 exports.yuan(g.amount_fen), exports.yuan(g.disbursed_fen), g.status_label) for g in await grants]
        return _export(request, _("Grants"), headers, rows, "grants")
    page = await paginate(request, grants)
    return render(request, "funding/grants.html", GrantsPage(page.rows, page, fund, park))


routes = [
    Route("/grants", cached(grant_list), methods=["GET"], name="funding:grants"),
    Route("/funds", cached(fund_list), methods=["GET"], name="funding:funds"),
    Route("/funds/new", fund_new, methods=["GET"], name="funding:fund_new"),
    Route("/funds", fund_create, methods=["POST"], name="funding:fund_create"),
    Route("/funds/{id:int}", cached(fund_detail), methods=["GET"], name="funding:fund"),
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
