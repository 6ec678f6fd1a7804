"""Domain errors: each carries a machine-readable code, an HTTP status and a message."""

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A rule of the domain refused the request; nothing was changed."""

    status = 400
    code = "bad_request"
    default_message = _l("The request could not be carried out.")

    def __init__(self, message=None, *, code=None, field=None, details=None):
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.field = field
        self.details = details or {}
        super().__init__(str(self.code))


class ValidationError(DomainError):
    status = 422
    code = "invalid"
    default_message = _l("Some of the data is not valid.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _l("Not found.")


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    default_message = _l("You are not allowed to do this.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _l("This conflicts with the current state; reload and try again.")


class InvalidTransition(Conflict):
    code = "invalid_transition"

    def __init__(self, current, target, current_label=None, target_label=None):
        # Labels read as words in the reader's language; details keep the raw values.
        super().__init__(
            _l(
                "A question that is %(current)s cannot become %(target)s.",
                current=current_label or current,
                target=target_label or target,
            ),
            details={"from": str(current), "to": str(target)},
        )


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
    default_message = _l("Too many requests; please wait a minute and try again.")
