"""Small helpers the tests share: uploaded files, audit assertions, the scripts as modules."""

from __future__ import annotations

import importlib.util
import io
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from starlette.datastructures import Headers, UploadFile

from incubator.audit.models import AuditEntry

PDF = b"%PDF-1.4\n%%EOF\n"
ROOT = Path(__file__).resolve().parents[1]  # the checkout


def load_script(name: str) -> ModuleType:
    """scripts/<name>.py as a module (the scripts are not a package), registered under its name:
    dataclasses look their module up by it, and the scripts import each other by it."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def upload(filename: str, data: bytes = PDF, content_type: str = "application/pdf") -> UploadFile:
    """A file as the multipart parser hands it to a service."""
    return UploadFile(io.BytesIO(data), filename=filename,
                      headers=Headers({"content-type": content_type}))


async def assert_audited(obj: Any = None, action: str | None = None, *, object_type: str | None = None,
                         object_id: Any = None, actor: Any = None, changes: dict[str, Any] | None = None,
                         fields: tuple[str, ...] = ()) -> AuditEntry:
    """The newest audit entry about `obj` (or object_type/object_id) exists, by `actor`
    ("system" for jobs), for `action`, naming `fields` and, for `changes`, the values after.
    Returns the entry for further checks."""
    object_type = object_type or type(obj).__name__
    object_id = str(object_id if object_id is not None else obj.pk)
    entries = AuditEntry.filter(object_type=object_type, object_id=object_id)
    if action is not None:
        entries = entries.filter(action=action)
    found = await entries.order_by("-at", "-id")
    assert found, f"no {action or ''} audit entry for {object_type} #{object_id}"
    for entry in found:
        if actor == "system" and entry.actor_id is not None:
            continue
        if actor not in (None, "system") and entry.actor_id != getattr(getattr(actor, "user", actor), "id", None):
            continue
        if any(name not in entry.changes for name in (*fields, *(changes or {}))):
            continue
        if changes and any(entry.changes[name][1] != value for name, value in changes.items()):
            continue
        return entry
    raise AssertionError(f"no audit entry for {object_type} #{object_id} matching actor={actor!r} "
                         f"fields={fields} changes={changes}; found {[e.changes for e in found]}")


async def signed_in(new_browser: Any, user: Any) -> Any:
    """A browser (the new_browser fixture's) signed in as `user`."""
    browser = new_browser()
    await browser.login(user.username)
    return browser
