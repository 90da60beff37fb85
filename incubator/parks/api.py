"""The parks' resources in the data API: the parks (and the hub) and their spaces."""

from __future__ import annotations

from datetime import datetime

from msgspec import Struct

from incubator.apitypes import Id, ListQuery, columns
from incubator.capability import Resource
from incubator.parks.models import Park, ParkKind, Space, SpaceKind


class ParkOut(Struct, kw_only=True):
    """A park, or the district's hub."""

    id: int
    kind: ParkKind
    name_zh: str
    name_en: str
    theme: str
    address: str
    floor_area_m2: int | None
    resident_slots: int
    operator: str
    is_active: bool
    updated_at: datetime


class SpaceOut(Struct, kw_only=True):
    """A space of a park: a desk, office, meeting or training room, hall."""

    id: int
    park_id: int
    kind: SpaceKind
    name: str
    capacity: int
    area_m2: int | None
    bookable: bool
    needs_approval: bool
    is_active: bool
    updated_at: datetime


class SpaceQuery(ListQuery, kw_only=True):
    park: Id | None = None


resources = (
    Resource("/parks", "listParks", "The parks and the hub", "parks", ParkOut, ListQuery, model=Park,
             columns=columns(ParkOut)),
    Resource("/spaces", "listSpaces", "The parks' spaces", "parks", SpaceOut, SpaceQuery, model=Space,
             filters={"park": "park_id"}, columns=columns(SpaceOut)),
)
