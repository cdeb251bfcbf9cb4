from wagtail import hooks

from .panels import PANELS, may_edit_pages


@hooks.register("construct_homepage_panels")
def role_panels(request, panels):
    """Each staff role lands on what waits for it; Wagtail's page panels (pages to moderate,
    recent edits, locked pages) stay only for those who may edit pages."""
    if not may_edit_pages(request):
        panels.clear()
    panels.extend(panel(request) for panel in PANELS if panel.shown_to(request))
