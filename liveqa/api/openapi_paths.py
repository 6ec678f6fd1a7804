"""The OpenAPI operations of /api/v1: every route, its parameters and its answers."""

import re

from liveqa.api.openapi_schemas import (
    DATE,
    DISPOSITION,
    ID,
    INTEGER,
    STRING,
    SUBMIT_FIELDS,
    VERSION_FIELD,
    array,
    body,
    enum,
    nullable,
    record,
    ref,
)
from liveqa.domain.permissions import DESK, SESSION_RUNNERS, VERBS, Verb, needs_official_profile
from liveqa.domain.validation import (
    MAX_ANSWER_CHARS,
    MAX_NOTE_CHARS,
    MAX_QUESTION_CHARS,
    MAX_UNIT_CHARS,
)
from liveqa.models import AnswerKind, RejectReason

IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": STRING | {"minLength": 8, "maxLength": 64},
    "description": "Alternative to the idempotency_key field.",
}
STAFF = [{"sessionCookie": []}]
STAFF_WRITE = [{"sessionCookie": [], "csrfToken": []}]
PUBLIC_WRITE = [{"csrfToken": []}]

# What every POST can answer: its body is read as JSON (400, 413, 415), CSRF is checked
# (400), and on SQLite it may not get the write lock in time (503).
WRITE_ERRORS = ("400", "413", "415", "503")
STAFF_WRITE_ERRORS = ("401", "403", "404", "409", "422", *WRITE_ERRORS)


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _path_param(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": ID, "description": description}


SESSION_ID = _path_param("session_id", "Session id.")
QUESTION_ID = _path_param("question_id", "Question id.")


def _op(
    summary,
    tag,
    ok,
    *,
    status="200",
    request=None,
    params=(),
    errors=(),
    security=None,
    extra_ok=None,
):
    op = {
        "summary": re.sub(r"(?<!^)([A-Z])", r" \1", summary).capitalize(),
        "tags": [tag],
        "operationId": summary,
        "responses": {status: {"description": "OK"} | _json(ok)},
    }
    if extra_ok:
        op["responses"].update(extra_ok)
    if params:
        op["parameters"] = list(params)
    if request is not None:
        op["requestBody"] = {"required": True} | _json(request)
    if security is not None:
        op["security"] = security
    # Every operation but this document's own reads the database, which may be out of reach.
    unavailable = () if summary == "getOpenapi" else ("503",)
    for code in dict.fromkeys((*errors, *unavailable)):
        op["responses"][code] = {"$ref": f"#/components/responses/{code}"}
    return op


def _roles(roles, own_only=False) -> str:
    """Return who may call an operation, as its description says it (from the permissions)."""
    names = [
        f"{role.value} (only on their own questions)"
        if own_only and needs_official_profile(role)
        else role.value
        for role in sorted(roles)
    ]
    return f"Roles: {', '.join(names)}."


def _verb_roles(verb: Verb) -> str:
    rule = VERBS[verb]
    starts = ", ".join(sorted(status.value for status in rule.starts))
    return f"{_roles(rule.roles, rule.own_only)} From: {starts}."


def _question_command(summary, verb, fields, required=()):
    return {
        "post": _op(
            summary,
            "staff",
            record({"question": ref("QuestionStaff")}),
            request=body(fields | VERSION_FIELD, required),
            params=[QUESTION_ID],
            errors=STAFF_WRITE_ERRORS,
            security=STAFF_WRITE,
        )
        | {"description": _verb_roles(verb)}
    }


def _session_command(summary, fields=None, extra=None):
    return {
        "post": _op(
            summary,
            "staff",
            record({"session": ref("SessionStaff")} | (extra or {})),
            request=body(fields or {}),
            params=[SESSION_ID],
            errors=STAFF_WRITE_ERRORS,
            security=STAFF_WRITE,
        )
        | {"description": _roles(SESSION_RUNNERS)}
    }


def _public_paths() -> dict:
    submit_body = body(SUBMIT_FIELDS, required=("text",))
    tracking = record({"question": ref("QuestionTracking")})
    return {
        "/openapi.json": {"get": _op("getOpenapi", "meta", {"type": "object"}) | {"security": []}},
        "/sessions/current": {
            "get": _op(
                "getCurrentSession",
                "public",
                record(
                    {
                        "session": nullable(ref("Session")),
                        "next_session": nullable(ref("Session")),
                    }
                ),
            )
        },
        "/sessions/{session_id}": {
            "get": _op(
                "getSession",
                "public",
                record({"session": ref("Session")}),
                params=[SESSION_ID],
                errors=("404",),
            )
        },
        "/sessions/{session_id}/questions": {
            "get": _op(
                "listSessionQuestions",
                "public",
                record({"questions": array(ref("QuestionPublic"))}),
                params=[
                    SESSION_ID,
                    {
                        "name": "order",
                        "in": "query",
                        "required": False,
                        "schema": enum(["support", "time"]) | {"default": "support"},
                        "description": "Most supported first, or newest first.",
                    },
                ],
                errors=("404", "422"),
            ),
            "post": _op(
                "submitQuestion",
                "public",
                tracking,
                status="201",
                request=submit_body,
                params=[SESSION_ID, IDEMPOTENCY_HEADER],
                errors=("404", "409", "422", "429", *WRITE_ERRORS),
                security=PUBLIC_WRITE,
                extra_ok=replayed(tracking),
            ),
        },
        "/sessions/{session_id}/snapshot": {
            "get": _op(
                "getPublicSnapshot",
                "public",
                ref("PublicSnapshot"),
                params=[SESSION_ID],
                errors=("404",),
            )
        },
        "/questions/{code}": {
            "get": _op(
                "trackQuestion",
                "public",
                tracking,
                params=[
                    {
                        "name": "code",
                        "in": "path",
                        "required": True,
                        "schema": STRING,
                        "description": "Tracking code in ASCII, Persian or Arabic-Indic digits.",
                    }
                ],
                # 429: too many wrong codes, or lookups, from this address lately.
                errors=("404", "429"),
            )
        },
        "/questions/{question_id}/support": {
            "post": _op(
                "supportQuestion",
                "public",
                record({"question_id": ID, "support_count": INTEGER}),
                status="201",
                params=[QUESTION_ID],
                # 429: this address's ceiling on supports.
                errors=("404", "409", "422", "429", *WRITE_ERRORS),
                security=PUBLIC_WRITE,
            )
        },
        "/categories": {
            "get": _op("listCategories", "public", record({"categories": array(ref("Category"))}))
        },
        "/districts": {
            "get": _op("listDistricts", "public", record({"districts": array(ref("District"))}))
        },
        "/officials": {
            "get": _op("listOfficials", "public", record({"officials": array(ref("Official"))}))
        },
    }


def replayed(tracking: dict) -> dict:
    """Return the 200 answer of a submission whose idempotency key was seen before."""
    return {
        "200": {
            "description": "The idempotency key was seen with the same text: the first "
            "question. The key with another text is 422 idempotency_key_reused."
        }
        | _json(tracking)
    }


def _account_paths() -> dict:
    return {
        "/auth/login": {
            "post": _op(
                "login",
                "accounts",
                record({"user": ref("User")}),
                request=body({"username": STRING, "password": STRING}, ("username", "password")),
                errors=("401", "422", "429", *WRITE_ERRORS),
                security=PUBLIC_WRITE,
            )
        },
        "/auth/logout": {
            "post": _op(
                "logout",
                "accounts",
                record({"user": {"type": "null"}}),
                errors=WRITE_ERRORS,
                security=PUBLIC_WRITE,
            )
        },
        "/me": {
            "get": _op(
                "getMe",
                "accounts",
                record({"user": ref("User")}),
                errors=("401",),
                security=STAFF,
            )
        },
    }


def _staff_paths() -> dict:
    optional_id = nullable(ID)
    tracking = record({"question": ref("QuestionTracking")})
    return {
        "/sessions/{session_id}/queue": {
            "get": _op(
                "getStaffQueue",
                "staff",
                ref("StaffSnapshot"),
                params=[SESSION_ID],
                errors=("401", "403", "404"),
                security=STAFF,
            )
        },
        "/questions/{question_id}/approve": _question_command("approveQuestion", Verb.APPROVE, {}),
        "/questions/{question_id}/reject": _question_command(
            "rejectQuestion",
            Verb.REJECT,
            {
                "reason": enum(RejectReason),
                "note": nullable(STRING | {"maxLength": MAX_NOTE_CHARS}),
            },
            required=("reason",),
        ),
        "/questions/{question_id}/edit": _question_command(
            "editQuestion",
            Verb.EDIT,
            {"text": STRING | {"maxLength": MAX_QUESTION_CHARS}},
            required=("text",),
        ),
        "/questions/{question_id}/merge": _question_command(
            "mergeQuestion",
            Verb.MERGE,
            {"into": ID | {"description": "The question to merge into."}},
            required=("into",),
        ),
        "/questions/{question_id}/classify": _question_command(
            "classifyQuestion",
            Verb.CLASSIFY,
            {
                "category_id": optional_id | {"description": "Left out: kept; null: cleared."},
                "district_id": optional_id | {"description": "Left out: kept; null: cleared."},
            },
        ),
        "/questions/{question_id}/route": _question_command(
            "routeQuestion", Verb.ROUTE, {"official_id": ID}, required=("official_id",)
        ),
        "/questions/{question_id}/on-air": _question_command("takeOnAir", Verb.ON_AIR, {}),
        "/questions/{question_id}/put-back": _question_command("putBack", Verb.PUT_BACK, {}),
        "/questions/{question_id}/transfer": _question_command(
            "transferQuestion", Verb.TRANSFER, {"official_id": ID}, required=("official_id",)
        ),
        "/questions/{question_id}/answer": _question_command(
            "answerQuestion",
            Verb.ANSWER,
            {
                "kind": enum(AnswerKind),
                "text": STRING | {"maxLength": MAX_ANSWER_CHARS},
                "follow_up_unit": nullable(STRING | {"maxLength": MAX_UNIT_CHARS}),
                "follow_up_due": nullable(DATE | {"description": "Not in the past."}),
            },
            required=("kind", "text"),
        ),
        "/sessions/{session_id}/order": _session_command(
            "reorderQueue",
            {"order": array(ID) | {"minItems": 1}},
            {"questions": array(ref("QuestionStaff"))},
        ),
        "/sessions/{session_id}/operator-questions": {
            "post": _op(
                "enterPhonedQuestion",
                "staff",
                tracking,
                status="201",
                request=body(SUBMIT_FIELDS, required=("text",)),
                params=[SESSION_ID, IDEMPOTENCY_HEADER],
                errors=STAFF_WRITE_ERRORS,
                security=STAFF_WRITE,
                extra_ok=replayed(tracking),
            )
            | {"description": _roles(DESK)}
        },
        "/sessions/{session_id}/open": _session_command("openSession"),
        "/sessions/{session_id}/start": _session_command("startSession"),
        "/sessions/{session_id}/close": _session_command(
            "closeSession",
            {
                "disposition": DISPOSITION
                | {"description": "Default: carry over if a later session exists."}
            },
            {
                "summary": record(
                    {
                        "disposition": DISPOSITION,
                        "questions": INTEGER,
                        "next_session_id": nullable(ID),
                    }
                )
            },
        ),
    }


def paths() -> dict:
    """Return every operation of /api/v1, by path template."""
    return _public_paths() | _account_paths() | _staff_paths()
