"""The checked upload path: a file is stored only for a record that is written, and a file's title
is checked the same way wherever files are kept (documents, training materials)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from starlette.datastructures import UploadFile

from incubator import uploads
from incubator.config import Settings
from incubator.errors import ValidationFailed
from incubator.i18n import reset_locale, set_locale


def pdf() -> UploadFile:
    return UploadFile(io.BytesIO(b"%PDF-1.7 a scan"), filename="协议.pdf")


def stored_files(settings: Settings) -> list[Path]:
    return sorted(settings.uploads.glob("*")) if settings.uploads.exists() else []


def settings_in(folder: Path) -> Settings:
    return Settings(database_url="sqlite://:memory:", secret_key="k" * 48, run_scheduler=False, data_dir=folder)


async def test_a_file_whose_record_fails_is_removed_again(tmp_path: Path):
    settings = settings_in(tmp_path)
    with pytest.raises(RuntimeError):
        async with uploads.kept(pdf(), settings) as stored:
            assert stored.path.exists()
            raise RuntimeError("the record could not be written")
    assert stored_files(settings) == []


async def test_a_file_whose_record_is_written_stays(tmp_path: Path):
    settings = settings_in(tmp_path)
    async with uploads.kept(pdf(), settings) as stored:
        assert stored.columns == {"storage_name": stored.storage_name, "filename": "协议.pdf",
                                  "content_type": "application/pdf", "size": 15, "sha256": stored.sha256}
    assert stored_files(settings) == [stored.path]


@pytest.mark.parametrize(("locale", "control", "long"), [
    ("zh_CN", "请删除其中不可见的控制字符（常随复制的文字一起带入）。", "最多 150 个字符。"),
    ("en", "Remove the invisible control characters (often copied along with the text).", "At most 150 characters."),
])
def test_a_title_is_trimmed_and_checked_in_the_readers_language(locale: str, control: str, long: str):
    assert uploads.title_of("  章程  ") == "章程"
    token = set_locale(locale)
    try:
        with pytest.raises(ValidationFailed) as refused:
            uploads.title_of("章\x07程")
        assert refused.value.errors == {"title": control}
        with pytest.raises(ValidationFailed) as refused:
            uploads.title_of("x" * 151)
        assert refused.value.errors == {"title": long}
    finally:
        reset_locale(token)
