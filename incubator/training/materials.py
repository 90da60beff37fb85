"""A session's materials: the slides and handouts its park's managers attach to it, stored through
the checked upload path (`uploads.store`); a file whose record could not be written is removed.
"""

from __future__ import annotations

from incubator import access, clock, events, uploads
from incubator.access import Principal
from incubator.audit import service as audit
from incubator.config import Settings
from incubator.errors import PermissionDenied
from incubator.i18n import gettext as _
from incubator.training.models import Material, TrainingSession


async def add_material(principal: Principal, session_id: int, title: str, upload: object,
                       settings: Settings) -> Material:
    """The park's managers attach slides and handouts to a session (the checked upload path)."""
    session = await access.get_or_404(TrainingSession, principal, "change", id=session_id)
    if not principal.manages(session.park_id):
        raise PermissionDenied(_("Only the park's managers plan its training."))
    clean = uploads.title_of(title)
    async with uploads.kept(upload, settings) as stored, events.transaction():
        material = await Material.create(session_id=session.id, title=clean or stored.filename,
                                         uploaded_by_id=principal.id, uploaded_at=clock.now(), **stored.columns)
        await audit.record(principal, "create", material, {"filename": [None, stored.filename],
                                                           "sha256": [None, stored.sha256]},
                           object_repr=f"{session.title}: {material.title}")
    return material
