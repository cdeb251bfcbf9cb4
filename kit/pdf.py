"""The one way a PDF is made: `render_pdf(html)` or `render_pdf_template(name, context)`.

WeasyPrint fetches whatever a document names (stylesheets, images, fonts, `@import`s), so a
PDF whose data holds `<img src="file:///etc/passwd">` or a remote URL could read this machine's
files or call out. Every PDF therefore renders with `StaticOnlyFetcher`: it serves the project's
own static files (a `/static/...` URL, found the way `collectstatic` finds them, or in the
collected storage) and refuses everything else: `file:`, `http(s):` to any other place, `data:`,
paths that climb out with `..`. Nothing is followed: the fetcher opens no connection at all, so
there is no redirect to follow. A refused URL renders as missing (WeasyPrint logs a warning and
leaves the image out), never as an error page.

Fonts come from the system through fontconfig: Chinese needs Noto Sans CJK (Debian
`fonts-noto-cjk`, in `requirements/apt.txt`, installed by `.ci/setup-test`, which `make test` and
`make run` both run). `static/css/pdf.css` names the fonts.
"""

import mimetypes
import posixpath
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Relative URLs in a document ("/static/css/pdf.css", as `{% static %}` writes them) resolve
# against this base. `.invalid` is reserved (RFC 2606): no such host exists anywhere, and the
# fetcher never connects to anything anyway.
BASE_URL = "https://pdf.invalid/"
_BASE = urlsplit(BASE_URL)


class RefusedURL(ValueError):
    """A URL a PDF may not fetch; WeasyPrint renders the resource as missing."""


class StaticOnlyFetcher(URLFetcher):
    """Serves `/static/...` from the project's static files; refuses every other URL.

    `asked` and `refused` list the URLs WeasyPrint asked for, in order (tests read them).
    """

    def __init__(self):
        # No protocol is allowed to reach urllib, redirects off, errors never fatal: `fetch`
        # below never calls the parent's, these only guard against a future change that would.
        super().__init__(timeout=1, allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        self.asked: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        self.asked.append(url)
        name = static_name(url)
        body = _read_static(name) if name else None
        if body is None:
            self.refused.append(url)
            raise RefusedURL(f"PDFs fetch only the project's static files, not {url[:200]}")
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})


def static_name(url: str) -> str | None:
    """The static file's name ("css/pdf.css") that `url` names, or None if it names anything else."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if (parts.scheme, parts.netloc) != (_BASE.scheme, _BASE.netloc):
        return None
    path = unquote(parts.path)
    prefix = urlsplit(settings.STATIC_URL).path
    if not path.startswith(prefix) or "\\" in path or "\x00" in path:
        return None
    name = path[len(prefix) :]
    if not name or name.startswith("/") or posixpath.normpath("/" + name) != "/" + name:  # "..", "//", "./"
        return None
    return name


def _read_static(name: str) -> bytes | None:
    """The file's bytes: from the source folders (as `runserver` and the tests serve them), else
    from the collected storage (production's hashed names). None when neither has it."""
    try:
        found = finders.find(name)
    except SuspiciousFileOperation:
        return None
    if found:
        with open(found, "rb") as file:
            return file.read()
    try:
        if staticfiles_storage.exists(name):
            with staticfiles_storage.open(name) as file:
                return file.read()
    except Exception:  # no STATIC_ROOT (tests, development): nothing collected to read
        return None
    return None


def render_pdf(html: str, *, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """The PDF of `html`. Pass a `fetcher` to see afterwards what the document asked for."""
    fetcher = fetcher or StaticOnlyFetcher()
    font_config = FontConfiguration()
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher)
    return document.write_pdf(font_config=font_config)


def render_pdf_template(template_name: str, context: dict, *, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """The PDF of a template, in the active language (wrap the call in `translation.override`)."""
    return render_pdf(render_to_string(template_name, context), fetcher=fetcher)


def store_once(instance, field_name: str, filename: str, render) -> FieldFile:
    """The document stored in `instance.<field_name>`, rendered with `render()` and saved first
    if none is stored yet. Rendered once: a stored document is never rendered again. Two renders
    racing (a download and the task) both write a file, but only the first to set the field
    keeps it; the other's file is deleted and the stored one returned."""
    field = getattr(instance, field_name)
    if field:
        return field
    stored_name = field.storage.save(field.field.generate_filename(instance, filename), ContentFile(render()))
    model = type(instance)
    with transaction.atomic():
        won = model._base_manager.filter(pk=instance.pk, **{field_name: ""}).update(**{field_name: stored_name})
    if not won:
        field.storage.delete(stored_name)
        stored_name = model._base_manager.values_list(field_name, flat=True).get(pk=instance.pk)
    setattr(instance, field_name, stored_name)
    return getattr(instance, field_name)
