"""A session's materials: the slides and handouts its park's managers attach to it, stored through
the checked upload path (`uploads.store`); a file whose record could not be written is removed.
"""

from __future__ import annotations

from incubator import access, clock, events, uploads
from incubator.access import Principal
from incubator.audit import service as audit
from incubator.config import Settings
from incubator.errors import PermissionDenied, ValidationFailed
from incubator.i18n import gettext as _
from incubator.training.models import Material, TrainingSession
from incubator.validation import has_control_characters


async def add_material(principal: Principal, session_id: int, title: str, upload: object,
                       settings: Settings) -> Material:
    """The park's managers attach slides and handouts to a session (the checked upload path)."""
    session = await access.get_or_404(TrainingSession, principal, "change", id=session_id)
    if not principal.manages(session.park_id):
        raise PermissionDenied(_("Only the park's managers plan its training."))
    clean = title.strip()
    if has_control_characters(clean):
        raise ValidationFailed({"title": _("Remove the invisible control characters (often copied along with the "
                                           "text).")})
    if len(clean) > 150:
        raise ValidationFailed({"title": _("At most %(n)s characters.", n=150)})
    stored = await uploads.store(upload, settings)
    try:
        async with events.transaction():
            material = await Material.create(
                session_id=session.id, title=clean or stored.filename, filename=stored.filename,
                content_type=stored.content_type, size=stored.size, sha256=stored.sha256,
                storage_name=stored.storage_name, uploaded_by_id=principal.id, uploaded_at=clock.now())
            await audit.record(principal, "create", material, {"filename": [None, stored.filename],
                                                               "sha256": [None, stored.sha256]},
                               object_repr=f"{session.title}: {material.title}")
    except Exception:
        stored.path.unlink(missing_ok=True)  # nothing half-written stays behind
        raise
    return material
