"""The lanterns in the data API: a list, filtered by park and by whether they are lit."""

from msgspec import Struct

from incubator.apitypes import Id, ListQuery, columns
from incubator.capability import Resource
from tests.sample_capability.models import Lantern


class LanternOut(Struct, kw_only=True):
    """A lantern hung in a park."""

    id: int
    park_id: int
    name: str
    lit: bool


class LanternQuery(ListQuery, kw_only=True):
    park: Id | None = None
    lit: bool | None = None


resources = (
    Resource("/lanterns", "listLanterns", "The lanterns of the parks", "lanterns", LanternOut, LanternQuery,
             model=Lantern, filters={"park": "park_id", "lit": "lit"}, columns=columns(LanternOut)),
)
