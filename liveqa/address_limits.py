"""Per-address ceilings on the public write endpoints, beside the per-browser limits.

A browser that drops its cookies is a new browser to `liveqa/domain/limits.py`; these
ceilings count requests per address instead (Flask-Limiter, a moving window), shared by
every server process through Redis when one is configured. They are set high, for
carriers that put many phones behind one address: a ceiling stops a flood, the desk's
support-burst flag shows what stays below it.
"""

import math
import time

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

from liveqa.domain.errors import RateLimited
from liveqa.errors import domain_error_response

# Each ceiling: the setting holding its limits, and the endpoints sharing one count (the
# JSON API and the no-JavaScript pages alike).
CEILINGS = {
    "submit": ("ADDRESS_LIMIT_SUBMIT", ("api.public.submit_question", "pages.public.ask")),
    "support": ("ADDRESS_LIMIT_SUPPORT", ("api.public.support_question", "pages.public.support")),
    "track": ("ADDRESS_LIMIT_TRACK", ("api.public.track_question", "pages.public.tracking")),
}
EXTENSION_KEY = "liveqa_address_limiter"
REDIS_SCHEMES = ("redis://", "rediss://", "redis+unix://")


def storage_uri(config) -> str:
    """Return where counts are kept: the override, else the Redis queue, else this process."""
    if config.get("RATELIMIT_STORAGE_URI"):
        return config["RATELIMIT_STORAGE_URI"]
    queue = config.get("SOCKETIO_MESSAGE_QUEUE") or ""
    return queue if queue.startswith(REDIS_SCHEMES) else "memory://"


def _refused(error: RateLimitExceeded):
    """Answer a request over its address's ceiling: 429, Retry-After, nothing changed."""
    limiter = _limiter()
    current = limiter.current_limit if limiter is not None else None
    wait = current.reset_at - time.time() if current is not None else 1
    refusal = RateLimited(
        _l("Too many requests from your network just now; please wait a moment and try again."),
        details={"retry_after": max(1, math.ceil(wait))},
    )
    return domain_error_response(refusal)


def _limiter() -> Limiter | None:
    return current_app.extensions.get(EXTENSION_KEY)


def init_app(app: Flask) -> None:
    """Put the configured ceilings on the public write endpoints, unless turned off."""
    if not app.config["ADDRESS_LIMITS_ENABLED"]:
        return
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter = Limiter(
        get_remote_address,
        storage_uri=storage_uri(app.config),
        # Exact: no window boundary lets a burst of twice the limit through.
        strategy="moving-window",
        # Deployments (and tests) sharing one Redis count apart, as their queues do.
        key_prefix=f"{app.config['SOCKETIO_CHANNEL']}:address",
        # Redis out of reach: count in this process rather than fail the request.
        swallow_errors=True,
        in_memory_fallback_enabled=True,
    )
    limiter.init_app(app)
    for scope, (setting, endpoints) in CEILINGS.items():
        limits = app.config[setting]
        if not limits:
            continue
        ceiling = limiter.shared_limit(limits, scope=scope)
        for endpoint in endpoints:
            app.view_functions[endpoint] = ceiling(app.view_functions[endpoint])
    app.extensions[EXTENSION_KEY] = limiter
    app.register_error_handler(RateLimitExceeded, _refused)
