"""Every public page of a generated city, read by an anonymous visitor in both languages: no private
value of any organization, person or grant appears, and no organization that is not public does."""

from __future__ import annotations

import re

from incubator.auth.models import User
from incubator.directory.models import Listing
from incubator.directory.service import PUBLIC_STAGES
from incubator.funding.models import Fund, Grant
from incubator.organizations.models import STAGE_LABELS, Document, Organization, Stage
from incubator.training.models import Person
from tests.helpers import load_script

generate = load_script("generate")


async def _private_values() -> dict[str, str]:
    """Value → where it comes from: what no public page may show."""
    private: dict[str, str] = {}
    for o in await Organization.all():
        for name in ("mobile", "email", "contact_person", "legal_representative", "credit_code", "name_preapproval",
                     "filing_number", "website"):
            value = getattr(o, name)
            if value:
                private[value] = f"organization {o.id}.{name}"
    for (name,) in await Person.all().values_list("name"):
        private[name] = "a trainee"
    for username, display in await User.all().values_list("username", "display_name"):
        private[display] = f"user {username}"
    for (purpose,) in await Grant.all().values_list("purpose"):
        private[purpose] = "a grant's purpose"
    for (name,) in await Fund.all().values_list("name"):
        private[name] = "a fund"
    for title, filename in await Document.all().values_list("title", "filename"):
        private[filename] = "a document"
    return {value: where for value, where in private.items() if len(value) >= 2}


async def test_no_public_page_shows_anything_private(new_browser, clean):
    await generate.fill(0.01, generate.DEFAULT_SEED, out=None)
    public = set(await Organization.filter(
        id__in=await Listing.filter(listed=True).values_list("organization_id", flat=True),
        stage__in=list(PUBLIC_STAGES)).values_list("id", flat=True))
    assert len(public) >= 10
    hidden = {o.id: o.name_zh for o in await Organization.exclude(id__in=list(public))}
    private = await _private_values()
    # Stage labels other than the two the directory speaks of, in both languages.
    from incubator import i18n

    stages = set()
    for stage, label in STAGE_LABELS.items():
        if stage not in (Stage.INCUBATING, Stage.GRADUATED):
            for locale in i18n.LOCALES:
                token = i18n.set_locale(locale)
                stages.add(i18n.gettext(label))
                i18n.reset_locale(token)

    anonymous = new_browser()
    pages: dict[str, str] = {}
    for lang in ("zh_CN", "en"):
        number = 1
        while True:
            url = f"/directory?lang={lang}&page={number}"
            response = await anonymous.get(url)
            assert response.status_code == 200
            pages[url] = response.text
            if f"page={number + 1}" not in response.text:
                break
            number += 1
        for organization_id in public:
            url = f"/directory/{organization_id}?lang={lang}"
            response = await anonymous.get(url)
            assert response.status_code == 200, url
            pages[url] = response.text
    listed = {int(i) for text in pages.values() for i in re.findall(r'href="/directory/(\d+)', text)}
    assert listed == public  # every public organization reached, no other
    for url, text in pages.items():
        main = text[text.index("<main"):text.index("</main>")]
        leaks = [where for value, where in private.items() if value in main]
        leaks += [f"organization {i} (not public)" for i, name in hidden.items() if f">{name}<" in main]
        leaks += [f"stage {label!r}" for label in stages if f">{label}<" in main]
        assert not leaks, (url, leaks[:5])
