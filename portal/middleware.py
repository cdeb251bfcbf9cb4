"""The Content-Security-Policy header: django-csp's middleware, with the back office's own policy."""

from csp.constants import SELF
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """Portal and public pages get `CONTENT_SECURITY_POLICY`; the back office, whose Wagtail admin
    needs inline scripts and styles, gets `TRADECOUNTER_BACK_OFFICE_CONTENT_SECURITY_POLICY`.
    A view's own `@csp_replace` / `@csp_update` still applies on top of either."""

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        if parts.config is None and request.path_info.startswith(settings.TRADECOUNTER_BACK_OFFICE_PREFIX):
            parts.config = settings.TRADECOUNTER_BACK_OFFICE_CONTENT_SECURITY_POLICY["DIRECTIVES"]
        elif getattr(request, "is_dummy", False):
            # Wagtail's preview renders a public page through the middleware with a made-up
            # request for the page's own URL, and shows the answer in a frame of the back office:
            # the page keeps the portal's policy, but the back office may frame it.
            parts.replace = {**(parts.replace or {}), "frame-ancestors": [SELF]}
        return parts
