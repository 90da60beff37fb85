"""Every string the interface shows is translated, and values are formatted per locale."""

import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from incubator import i18n

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "incubator" / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[str]:
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "--ignore-dirs=.* __pycache__",
         "-k", "N_",
         "-k", "_", "-k", "gettext", "-k", "ngettext:1,2", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


@pytest.fixture(scope="module")
def catalog():
    with PO.open("rb") as handle:
        return read_po(handle, locale="zh_CN")


def test_every_interface_string_has_a_chinese_translation(extracted, catalog):
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and (m.string if isinstance(m.string, str) else all(m.string)) and not m.fuzzy
    }
    missing = sorted(extracted - translated)
    assert missing == [], "run scripts/i18n.sh and translate these"


def test_translations_keep_their_placeholders(catalog):
    for message in catalog:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        target = message.string if isinstance(message.string, str) else message.string[0]
        if target:
            assert set(PLACEHOLDER.findall(source)) == set(PLACEHOLDER.findall(target)), source


def test_gettext_follows_the_current_locale():
    token = i18n.set_locale("en")
    try:
        assert i18n.gettext("Sign in") == "Sign in"
    finally:
        i18n.reset_locale(token)
    token = i18n.set_locale("zh_CN")
    try:
        assert i18n.gettext("Sign in") != "Sign in"
        assert "3" in i18n.gettext("Use at least %(n)s characters.", n=3)
    finally:
        i18n.reset_locale(token)


def test_unknown_locales_fall_back_to_chinese():
    assert i18n.normalise_locale("en-US") == "en"
    assert i18n.normalise_locale("fr") is None
    token = i18n.set_locale("fr")
    try:
        assert i18n.current_locale() == "zh_CN"
    finally:
        i18n.reset_locale(token)


def test_money_numbers_and_dates_are_formatted_for_the_locale():
    token = i18n.set_locale("zh_CN")
    try:
        assert i18n.format_money(120000000) == "¥1,200,000.00"
        assert i18n.format_number(46407) == "46,407"
        assert i18n.format_date(date(2012, 9, 1)) == "2012年9月1日"
        # Stored in UTC, shown in Asia/Shanghai: 16:30 UTC is half past midnight the next day.
        assert "2012年9月2日" in i18n.format_datetime(datetime(2012, 9, 1, 16, 30, tzinfo=UTC))
    finally:
        i18n.reset_locale(token)
    token = i18n.set_locale("en")
    try:
        assert i18n.format_money(1250) == "¥12.50"
        assert i18n.format_date(date(2012, 9, 1)) == "Sep 1, 2012"
    finally:
        i18n.reset_locale(token)


def test_stored_names_follow_the_reader_language():
    details = {"review": "中期评估", "review_en": "Mid-term review", "organization": "甲"}
    token = i18n.set_locale("en")
    try:
        assert i18n.localised(details) == {"review": "Mid-term review", "organization": "甲"}
    finally:
        i18n.reset_locale(token)
    assert i18n.localised(details) == {"review": "中期评估", "organization": "甲"}
