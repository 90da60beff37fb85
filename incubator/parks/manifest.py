"""The district's hub and parks, and the spaces inside them."""

from incubator.audit.labels import Field
from incubator.capability import AuditKind, Capability, NavItem, ParkFigure
from incubator.i18n import N_, gettext
from incubator.parks import api
from incubator.parks.models import PARK_KIND_LABELS, SPACE_KIND_LABELS, WEEKDAY_LABELS
from incubator.roles import Role


def _routes():
    from incubator.parks.routes import routes

    return routes


async def _spaces(park_ids: list[int]) -> dict[int, int]:
    from incubator.parks.service import count_spaces

    return await count_spaces(park_ids)


def _hours(value: object) -> str:
    hours = value if isinstance(value, dict) else {}
    return "; ".join(f"{gettext(WEEKDAY_LABELS[day])} {'–'.join(span)}" for day, span in hours.items()
                     if day in WEEKDAY_LABELS and span) or "—"


capability = Capability(
    name="parks",
    models="incubator.parks.models",
    rules="incubator.parks.rules",
    routes=_routes,
    nav=[NavItem("parks:list", N_("Parks"), frozenset(r.value for r in Role), order=10)],
    park_figures=[ParkFigure("spaces", N_("Spaces"), N_("%(num)s space"), _spaces, order=20,
                             plural=N_("%(num)s spaces"))],
    audit=[
        AuditKind("Park", N_("Park"), {
            "kind": Field(N_("Kind"), PARK_KIND_LABELS), "theme": N_("Theme"), "address": N_("Address"),
            "floor_area_m2": N_("Floor area (m²)"), "resident_slots": N_("Resident slots"), "operator": N_("Operator"),
            "agreement_terms": N_("Agreement terms offered (months)"),
            "registration_due_months": N_("Months to register after admission"),
            "accepts_applications": N_("Accepts applications"), "admission_criteria": N_("Admission scorecard"),
        }),
        AuditKind("Space", N_("Space"), {
            "kind": Field(N_("Kind"), SPACE_KIND_LABELS), "capacity": N_("Capacity"),
            "area_m2": N_("Area (m²)"), "opening_hours": Field(N_("Opening hours"), show=_hours),
            "bookable": N_("Bookable"), "needs_approval": N_("Needs a manager's approval"),
        }),
    ],
    resources=api.resources,
)
