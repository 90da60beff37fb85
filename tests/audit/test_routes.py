"""Reading the audit trail."""

from incubator.access import Principal
from incubator.parks import forms
from incubator.parks import service as parks


async def _set_theme(admin, park, theme: str) -> None:
    command = forms.update_park({**forms.park_values(park), "theme": theme}, classify=True)
    await parks.update_park(Principal(admin), park, command)


async def test_official_reads_the_audit_log_with_before_and_after(browser, admin, official, park):
    await _set_theme(admin, park, "新主题")
    await browser.login("official")
    page = await browser.get("/audit")
    assert page.status_code == 200
    assert "<del>志愿服务</del>" in page.text and "<ins>新主题</ins>" in page.text
    assert "Admin" in page.text


async def test_object_timeline_is_an_htmx_fragment(browser, admin, park):
    await _set_theme(admin, park, "新主题")
    await browser.login("admin")
    response = await browser.get(f"/audit/Park/{park.id}", headers={"HX-Request": "true"})
    assert "<html" not in response.text and "新主题" in response.text
    page = await browser.get(f"/audit/Park/{park.id}")
    assert "<html" in page.text


async def test_audit_log_filters_by_object_type(browser, admin, park, space):
    await _set_theme(admin, park, "甲")
    await browser.login("admin")
    response = await browser.get("/audit?type=Space")
    assert "<ins>甲</ins>" not in response.text


async def test_every_audited_kind_of_object_has_a_translated_name(clean):
    from incubator import demo
    from incubator.audit import labels
    from incubator.audit.models import AuditEntry

    await demo.load()
    written = set(await AuditEntry.all().order_by("object_type").distinct().values_list("object_type", flat=True))
    assert written <= set(labels.kinds()), written - set(labels.kinds())


async def test_audit_log_names_objects_in_the_users_language(browser, admin, park):
    await _set_theme(admin, park, "甲")
    await browser.login("admin")
    page = await browser.get("/audit?type=Park")
    assert "园区 #" in page.text and ">Park #" not in page.text
