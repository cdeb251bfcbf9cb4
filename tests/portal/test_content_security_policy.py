"""Every page sends a Content-Security-Policy: the portal's allows only the project's own scripts,
styles and images; the back office's (Wagtail's admin writes inline scripts and styles) allows
inline code but still nothing from other sites. tests/e2e/test_content_security_policy_journey.py
proves in Chromium that the portal works under it."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from wagtail.models import Site

from tests.factories import with_second_factor

pytestmark = pytest.mark.django_db

PORTAL_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}


def policy(response) -> dict[str, list[str]]:
    """The header as {directive: sources}; django-csp does not keep the directives in order."""
    header = response.headers.get("Content-Security-Policy")
    assert header, "no Content-Security-Policy header"
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def test_sign_in_page_sends_the_portal_policy(client):
    response = client.get(reverse("account_login"))

    assert response.status_code == 200
    assert policy(response) == PORTAL_POLICY


@pytest.mark.parametrize("url_name", ["portal:home", "catalog:product_list", "ordering:cart", "ordering:quick_order"])
def test_portal_pages_send_the_portal_policy(client, buyer, url_name):
    client.force_login(buyer)

    response = client.get(reverse(url_name))

    assert response.status_code == 200
    assert policy(response) == PORTAL_POLICY


def test_htmx_partials_and_redirects_send_it_too(client, buyer):
    client.force_login(buyer)

    partial = client.get(reverse("catalog:product_list"), headers={"HX-Request": "true"})
    redirect = client.get(reverse("portal:home").rstrip("/"))

    assert partial.status_code == 200
    assert policy(partial) == PORTAL_POLICY
    assert redirect.status_code == 301
    assert policy(redirect) == PORTAL_POLICY


def test_not_found_page_sends_the_portal_policy(client, buyer):
    client.force_login(buyer)

    response = client.get("/portal/no-such-page/")

    assert response.status_code == 404
    assert policy(response) == PORTAL_POLICY


def test_back_office_gets_its_own_policy_with_inline_code_but_nothing_from_elsewhere(client, staff_manager):
    client.force_login(with_second_factor(staff_manager))

    response = client.get(settings.TRADECOUNTER_BACK_OFFICE_PREFIX)

    assert response.status_code == 200
    back_office = policy(response)
    assert back_office["script-src"] == ["'self'", "'unsafe-inline'"]
    assert back_office["style-src"] == ["'self'", "'unsafe-inline'"]
    assert back_office["default-src"] == ["'self'"]
    assert back_office["object-src"] == ["'none'"]
    # Wagtail's live preview frames the page being edited from the back office itself.
    assert back_office["frame-ancestors"] == ["'self'"]
    # Keywords ('self', 'unsafe-inline', ...) and data:/blob: only: no other site's address.
    sources = {source for sources in back_office.values() for source in sources}
    assert all(source.startswith("'") or source in {"data:", "blob:"} for source in sources), sources


def test_wagtails_preview_of_a_public_page_keeps_the_portal_policy_but_may_be_framed_by_the_back_office(db):
    home = Site.objects.get(is_default_site=True).root_page.specific

    response = home.make_preview_request()

    assert response.status_code == 200
    assert policy(response) == {**PORTAL_POLICY, "frame-ancestors": ["'self'"]}


# Templates rendered in the back office (admin/, under its looser policy) and e-mails (read by
# mail programs, not under any policy) may carry inline code and styles; portal templates not.
INLINE_CODE = [
    (re.compile(r"""\sstyle\s*=\s*["']""", re.IGNORECASE), "a style attribute"),
    (re.compile(r"<style[\s>]", re.IGNORECASE), "a <style> element"),
    (re.compile(r"""\son[a-z]+\s*=\s*["']""", re.IGNORECASE), "an inline event handler"),
    (re.compile(r"<script(?![^>]*\ssrc=)(?![^>]*type=.application/json)[^>]*>", re.IGNORECASE), "an inline <script>"),
    (re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE), "a javascript: URL"),
    # htmx runs these as code (eval), which script-src 'self' refuses.
    (re.compile(r"\shx-on[:-]", re.IGNORECASE), "an hx-on handler"),
    (re.compile(r"\shx-vars\s*=|\shx-vals\s*=\s*[\"']\s*js:", re.IGNORECASE), "htmx values computed by code"),
]
HX_TRIGGER = re.compile(r"""\shx-trigger\s*=\s*(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL)


def inline_code(text: str):
    """(offset, what) for each piece of inline code or style in a template's source."""
    for pattern, what in INLINE_CODE:
        for match in pattern.finditer(text):
            yield match.start(), what
    for match in HX_TRIGGER.finditer(text):
        # An event filter, `change[target.name != 'q']`, is code; brackets inside a `from:(…)`
        # selector are CSS.
        if "[" in re.sub(r"\([^)]*\)", "", match.group(2)):
            yield match.start(), "an hx-trigger event filter"


def portal_templates():
    root = Path(settings.BASE_DIR) / "templates"
    for path in sorted(root.rglob("*.html")):
        parts = path.relative_to(root).parts
        if "admin" in parts or "email" in parts:
            continue
        yield path


def test_portal_templates_carry_no_inline_code_or_styles():
    found = [
        f"{path.relative_to(settings.BASE_DIR)}:{text[:offset].count(chr(10)) + 1}: {what}"
        for path in portal_templates()
        for text in [path.read_text()]
        for offset, what in inline_code(text)
    ]

    assert found == []


def test_the_template_check_finds_each_kind_of_inline_code():
    samples = [
        '<p style="color: red">',
        "<style>p {}</style>",
        '<button onclick="go()">',
        "<script>go()</script>",
        '<a href="javascript:go()">',
        '<div hx-on:click="go()">',
        "<div hx-vals='js:{a: go()}'>",
        "<form hx-trigger=\"change[target.name!='q']\">",
    ]
    clean = [
        '<script src="/static/js/portal.js" defer></script>',
        '<script data-allauth-onload="x" type="application/json">{}</script>',
        '<form hx-trigger="submit, change from:(#f select, #f input[type=checkbox])">',
        '<input data-step="up" class="tc-step">',
    ]

    assert [len(list(inline_code(sample))) for sample in samples] == [1] * len(samples)
    assert [list(inline_code(sample)) for sample in clean] == [[]] * len(clean)
