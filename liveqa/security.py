"""Security headers on every response: what a page may load, who may frame it, what is cached."""

from flask import current_app, request, session

# Scripts, styles, fonts and sockets come from this origin alone: no inline script or
# style, no eval. The pages' data travels in <script type="application/json"> blocks,
# which a browser never executes, so it needs no exception.
_POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    # data: for the empty favicon (<link rel="icon" href="data:,">).
    "img-src 'self' data:",
    "font-src 'self'",
    # 'self' covers this host's ws:// and wss:// too (CSP level 3).
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
)

# The big screen is the one page a hall's own site may show in a frame.
EMBEDDABLE_PREFIX = "/screen/"
# Staff pages carry names, phone numbers and tokens: never kept by a browser or a proxy.
STAFF_BLUEPRINTS = frozenset({"pages.staff", "pages.account"})
STAFF_ENDPOINTS = frozenset(
    {"pages.public.login", "pages.public.login_code", "pages.public.logout"}
)


def frame_ancestors() -> str:
    """Return who may frame this page: nobody, or for the screen this and the allowed origins."""
    if not request.path.startswith(EMBEDDABLE_PREFIX):
        return "'none'"
    return " ".join(("'self'", *(current_app.config.get("ALLOWED_ORIGINS") or ())))


def content_security_policy() -> str:
    """Return the Content-Security-Policy of the current response."""
    return "; ".join((*_POLICY, f"frame-ancestors {frame_ancestors()}"))


def _is_staff_request() -> bool:
    if request.endpoint == "static":
        return False
    if request.blueprint in STAFF_BLUEPRINTS or request.endpoint in STAFF_ENDPOINTS:
        return True
    # Any page a logged-in staff member sees shows their name and a log-out form.
    return "_user_id" in session


def security_headers(response):
    """Add the security headers to RESPONSE (an after_request hook)."""
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy()
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    if request.path.startswith(EMBEDDABLE_PREFIX):
        # X-Frame-Options cannot name a list of origins; frame-ancestors governs instead.
        headers.pop("X-Frame-Options", None)
    else:
        # For browsers that predate frame-ancestors.
        headers["X-Frame-Options"] = "DENY"
    if _is_staff_request() and not response.cache_control.public:
        response.cache_control.no_store = True
    return response


def init_app(app) -> None:
    """Add the security headers to every response, pages, API and static files alike."""
    app.after_request(security_headers)
