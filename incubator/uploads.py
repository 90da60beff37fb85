"""The one checked path for uploaded files: size limit, type by content (not by name),
random storage names under the upload directory, SHA-256 recorded."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from starlette.datastructures import UploadFile

from incubator.config import Settings
from incubator.errors import ValidationFailed
from incubator.i18n import gettext as _
from incubator.validation import has_control_characters

# extension → (leading bytes, content type)
KINDS = {
    "pdf": (b"%PDF-", "application/pdf"),
    "png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    "jpg": (b"\xff\xd8\xff", "image/jpeg"),
    "jpeg": (b"\xff\xd8\xff", "image/jpeg"),
    "docx": (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": (b"", "text/csv"),
}
DOCUMENT_KINDS = ("pdf", "png", "jpg", "jpeg", "docx", "xlsx")
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Stored:
    storage_name: str
    filename: str
    content_type: str
    size: int
    sha256: str
    path: Path

    @property
    def columns(self) -> dict[str, Any]:
        """What a record of the file keeps of it (a document, a training material)."""
        return {"storage_name": self.storage_name, "filename": self.filename, "content_type": self.content_type,
                "size": self.size, "sha256": self.sha256}


def _extension(filename: str) -> str:
    return PurePath(filename).suffix.lower().lstrip(".")


async def read_checked(upload: object, kinds: tuple[str, ...], max_bytes: int, field: str = "file") -> tuple[
        bytes, str, str]:
    """The file's bytes, its clean name and content type, or a translated error on `field`."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise ValidationFailed({field: _("Choose a file to upload.")})
    filename = PurePath(upload.filename.replace("\\", "/")).name[:200] or "file"
    extension = _extension(filename)
    if extension not in kinds:
        raise ValidationFailed({field: _("Upload one of these file types: %(kinds)s.",
                                         kinds=", ".join(k.upper() for k in kinds))})
    data = bytearray()
    while chunk := await upload.read(CHUNK):
        data.extend(chunk)
        if len(data) > max_bytes:
            raise ValidationFailed({field: _("The file is larger than %(mb)s MB.", mb=max_bytes // (1024 * 1024))})
    if not data:
        raise ValidationFailed({field: _("The file is empty.")})
    magic, content_type = KINDS[extension]
    if not bytes(data).startswith(magic):
        raise ValidationFailed({field: _("The file's content does not match its name (.%(ext)s).", ext=extension)})
    return bytes(data), filename, content_type


async def store(upload: object, settings: Settings, kinds: tuple[str, ...] = DOCUMENT_KINDS) -> Stored:
    data, filename, content_type = await read_checked(upload, kinds, settings.max_upload_bytes)
    directory = settings.uploads
    directory.mkdir(parents=True, exist_ok=True)
    storage_name = f"{secrets.token_hex(16)}.{_extension(filename)}"
    path = directory / storage_name
    path.write_bytes(data)
    return Stored(storage_name, filename, content_type, len(data), hashlib.sha256(data).hexdigest(), path)


@asynccontextmanager
async def kept(upload: object, settings: Settings, kinds: tuple[str, ...] = DOCUMENT_KINDS
               ) -> AsyncIterator[Stored]:
    """The upload stored for the record the block writes, and removed again if the block fails:
    nothing half-written stays behind."""
    stored = await store(upload, settings, kinds)
    try:
        yield stored
    except BaseException:
        stored.path.unlink(missing_ok=True)
        raise


def title_of(text: str, most: int = 150) -> str:
    """A file's title as typed (empty: the caller names it after the file), or a translated error."""
    clean = text.strip()
    if has_control_characters(clean):
        raise ValidationFailed({"title": _("Remove the invisible control characters (often copied along with the "
                                           "text).")})
    if len(clean) > most:
        raise ValidationFailed({"title": _("At most %(n)s characters.", n=most)})
    return clean


def path_of(settings: Settings, storage_name: str) -> Path:
    # Storage names are ours (hex + extension); never a path the user chose.
    if "/" in storage_name or "\\" in storage_name or storage_name.startswith("."):
        raise ValueError(storage_name)
    return settings.uploads / storage_name
