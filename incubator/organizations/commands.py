"""What a user asks of the organizations capability, as typed, immutable commands.

The HTML forms (`forms.py`) and the JSON API build the same commands; the services take only
these. Texts are already stripped, a mobile number is its 11 digits, a credit code its 18
upper-case characters (`forms.py` normalises what people type). `msgspec.json.schema(Apply)`
gives the JSON Schema; its constraints are checked when a command is decoded from JSON.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from msgspec import Meta, Struct

from incubator.i18n import N_
from incubator.organizations.models import OrganizationKind, Registration, Stage, Support
from incubator.validation import FOUNDING, IN_SERVICE, Email, within

MOBILE_MESSAGE = N_("Enter an 11-digit mainland mobile number starting with 1, for example 13812345678.")
Mobile = Annotated[str, Meta(pattern=r"^(1[3-9]\d{9})?$", description="11 digits, or empty",
                             extra={"message": MOBILE_MESSAGE})]
CreditCode = Annotated[str, Meta(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$",
                                 description="the 18-character unified social credit code",
                                 extra={"message": N_("Enter the 18-character unified social credit code.")})]
Id = Annotated[int, Meta(ge=1, le=2**31 - 1)]
Website = Annotated[str, Meta(max_length=300, pattern=r"(?i)^https?://[^\s/$.?#].[^\s]*$", extra={
    "message": N_("Enter a web address starting with http:// or https://.")})]


class Profile(Struct, frozen=True, kw_only=True):
    """An organization's profile, as its members and managers edit it."""

    name_zh: Annotated[str, Meta(min_length=1, max_length=150)]
    name_en: Annotated[str, Meta(max_length=200)] = ""
    kind: OrganizationKind = OrganizationKind.UNREGISTERED
    description: Annotated[str, Meta(max_length=5000)] = ""
    founded_on: Annotated[date, within(FOUNDING)] | None = None  # not in the future
    legal_representative: Annotated[str, Meta(max_length=60)] = ""
    contact_person: Annotated[str, Meta(max_length=60)] = ""
    mobile: Mobile = ""
    email: Email = ""
    website: Website = ""
    staff_count: Annotated[int, Meta(ge=0, le=100_000)] = 0
    volunteer_count: Annotated[int, Meta(ge=0, le=1_000_000)] = 0
    domain_ids: tuple[Id, ...] = ()  # active service domains, sorted and distinct

    def values(self) -> dict[str, Any]:
        """The profile's columns (service domains are links, not columns)."""
        return {name: getattr(self, name) for name in PROFILE_COLUMNS}


PROFILE_COLUMNS = ("name_zh", "name_en", "kind", "description", "founded_on", "legal_representative",
                   "contact_person", "mobile", "email", "website", "staff_count", "volunteer_count")


class Apply(Profile, frozen=True, kw_only=True):
    """A group's application to a park, sent without an account. The contact is required."""

    contact_person: Annotated[str, Meta(min_length=1, max_length=60)]
    mobile: Annotated[str, Meta(pattern=r"^1[3-9]\d{9}$", extra={"message": MOBILE_MESSAGE})]
    credit_code: CreditCode | None = None  # when already registered
    plan: Annotated[str, Meta(min_length=1, max_length=5000)]
    supports: tuple[Support, ...] = ()  # what the group asks for
    confirm_duplicate: bool = False  # "a different organization, despite the similar name"


class UpdateRegistration(Struct, frozen=True, kw_only=True):
    """The legal registration track. Filing needs its number, authority and date; registration its
    credit code, authority and date (none of them in the future)."""

    registration: Registration
    name_preapproval: Annotated[str, Meta(max_length=100)] = ""
    filing_number: Annotated[str, Meta(max_length=60)] = ""
    filing_authority: Annotated[str, Meta(max_length=100)] = ""
    filed_on: date | None = None
    credit_code: CreditCode | None = None
    registration_authority: Annotated[str, Meta(max_length=100)] = ""
    registered_on: date | None = None


class ChangeStage(Struct, frozen=True, kw_only=True):
    """A move on the organization's path. Extending and exiting need a reason; extending a new end
    date after the current one."""

    target: Stage
    reason: Annotated[str, Meta(max_length=2000)] = ""
    new_end_on: Annotated[date, within(IN_SERVICE)] | None = None


class RecordFollowUp(Struct, frozen=True, kw_only=True):
    notes: Annotated[str, Meta(min_length=1, max_length=5000)]
    done_on: Annotated[date, within(IN_SERVICE)] | None = None  # today when not given; not in the future


class CreateDomain(Struct, frozen=True, kw_only=True):
    name_zh: Annotated[str, Meta(min_length=1, max_length=60)]
    name_en: Annotated[str, Meta(max_length=80)] = ""


class CriterionTerms(Struct, frozen=True, kw_only=True):
    """One row of a park's admission scorecard."""

    name_zh: Annotated[str, Meta(min_length=1, max_length=60)]
    name_en: Annotated[str, Meta(max_length=80)] = ""
    weight: Annotated[int, Meta(ge=1, le=100)]
    max_score: Annotated[int, Meta(ge=1, le=100)]


class SaveCriteria(Struct, frozen=True, kw_only=True):
    """The park's whole scorecard, replacing the one before (at least one criterion)."""

    criteria: Annotated[tuple[CriterionTerms, ...], Meta(max_length=12)]


class CriterionScore(Struct, frozen=True, kw_only=True):
    criterion_id: Id  # one of the park's admission criteria
    score: Annotated[int, Meta(ge=0)]  # at most the criterion's maximum


class AgreementTerms(Struct, frozen=True, kw_only=True):
    """The incubation agreement signed on admission."""

    start_on: Annotated[date, within(IN_SERVICE)]
    term_months: Annotated[int, Meta(ge=1, le=120)]  # one of the park's agreement terms
    supports: tuple[Support, ...] = ()  # supports granted
    space_id: Id | None = None  # a free desk or office of the park


class DecideAdmission(Struct, frozen=True, kw_only=True):
    """The admission review: a score for every criterion of the park, the decision and its reason,
    and when admitting the agreement's terms."""

    scores: tuple[CriterionScore, ...]
    decision: Literal["admit", "reject"]
    reason: Annotated[str, Meta(max_length=2000)] = ""  # the service requires one to reject
    agreement: AgreementTerms | None = None  # required to admit
