"""The OpenAPI operations of staff accounts: log-in (with a TOTP code), log-out, enrolment."""

from liveqa.api.openapi_paths import PUBLIC_WRITE, STAFF, STAFF_WRITE, WRITE_ERRORS
from liveqa.api.openapi_paths import _op as op
from liveqa.api.openapi_schemas import STRING, body, record, ref


def account_paths() -> dict:
    """Return the operations of log-in, log-out, who-am-I and second-factor enrolment."""
    return {
        "/auth/login": {
            "post": op(
                "login",
                "accounts",
                record({"user": ref("User")}),
                request=body(
                    {
                        "username": STRING,
                        "password": STRING,
                        "otp": STRING
                        | {"description": "The six-digit code, for an account with TOTP on."},
                    },
                    ("username", "password"),
                ),
                errors=("401", "422", "429", *WRITE_ERRORS),
                security=PUBLIC_WRITE,
            )
        },
        "/auth/totp/start": {
            "post": op(
                "startTotpEnrolment",
                "accounts",
                record({"enrolment": ref("TotpEnrolment")}),
                errors=("401", "409", *WRITE_ERRORS),
                security=STAFF_WRITE,
            )
        },
        "/auth/totp/confirm": {
            "post": op(
                "confirmTotpEnrolment",
                "accounts",
                record({"user": ref("User")}),
                request=body({"otp": STRING}, ("otp",)),
                errors=("401", "409", "422", *WRITE_ERRORS),
                security=STAFF_WRITE,
            )
        },
        "/auth/logout": {
            "post": op(
                "logout",
                "accounts",
                record({"user": {"type": "null"}}),
                errors=WRITE_ERRORS,
                security=PUBLIC_WRITE,
            )
        },
        "/me": {
            "get": op(
                "getMe",
                "accounts",
                record({"user": ref("User")}),
                errors=("401",),
                security=STAFF,
            )
        },
    }
