"""The OpenAPI 3.1 description of /api/v1, built as a plain dict."""

import re

from liveqa.domain.validation import (
    MAX_ANSWER_CHARS,
    MAX_NAME_CHARS,
    MAX_NOTE_CHARS,
    MAX_QUESTION_CHARS,
    MAX_UNIT_CHARS,
)
from liveqa.models import AnswerKind, QuestionStatus, RejectReason, Role, SessionStatus

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"

STRING = {"type": "string"}
INTEGER = {"type": "integer"}
ID = {"type": "integer", "minimum": 1}
DATE_TIME = {"type": "string", "format": "date-time"}
DATE = {"type": "string", "format": "date"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    return schema | {"type": [schema["type"], "null"]}


def _enum(values) -> dict:
    return {"type": "string", "enum": [v.value if hasattr(v, "value") else v for v in values]}


def _object(properties: dict, optional=()) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
    }


def _array(items: dict) -> dict:
    return {"type": "array", "items": items}


VERSION_FIELD = {
    "version": ID | {"description": "The question version acted on; a newer one answers 409 stale."}
}
SUBMIT_FIELDS = {
    "text": STRING | {"maxLength": MAX_QUESTION_CHARS, "description": "The question, verbatim."},
    "name": _nullable(STRING | {"maxLength": MAX_NAME_CHARS}),
    "category_id": _nullable(ID),
    "district_id": _nullable(ID),
    "phone": _nullable(STRING | {"description": "7 to 15 digits, any digit script."}),
    "idempotency_key": STRING
    | {
        "minLength": 8,
        "maxLength": 64,
        "description": "A retry with the same key returns the first question (200).",
    },
}


def _schemas() -> dict:
    official = _object(
        {"id": ID, "name": STRING, "title": STRING, "title_en": STRING, "portfolio": STRING}
    )
    category = _object(
        {
            "id": ID,
            "slug": STRING,
            "name": STRING,
            "name_en": STRING,
            "default_official_id": _nullable(ID),
        }
    )
    district = _object({"id": ID, "number": INTEGER, "name": STRING, "name_en": STRING})
    follow_up = _object(
        {
            "id": ID,
            "responsible_unit": STRING,
            "due_on": DATE,
            "status": _enum(["open", "done"]),
        }
    )
    answer = _object(
        {
            "kind": _enum(AnswerKind),
            "text": STRING,
            "official": _nullable(_ref("Official")),
            "created_at": DATE_TIME,
            "follow_up": _nullable(_ref("FollowUp")),
        }
    )
    session = _object(
        {
            "id": ID,
            "title": STRING,
            "status": _enum(SessionStatus),
            "accepting_questions": {"type": "boolean", "description": "Questions may be sent now."},
            "starts_at": DATE_TIME,
            "ends_at": DATE_TIME,
            "edition": _object({"id": ID, "number": INTEGER, "title": STRING}),
            "officials": _array(_ref("Official")),
            "seq": INTEGER | {"description": "Number of the last change broadcast."},
        }
    )
    status = _enum(QuestionStatus)
    question_public = _object(
        {
            "id": ID,
            "session_id": ID,
            "text": STRING | {"description": "The edited text if any, else the verbatim one."},
            "status": status,
            "category": _nullable(_ref("Category")),
            "district": _nullable(_ref("District")),
            "asker_name": _nullable(STRING),
            "support_count": INTEGER,
            "official": _nullable(_ref("Official")),
            "answer": _nullable(_ref("Answer")),
            "position": _nullable(INTEGER),
            "submitted_at": DATE_TIME,
            "on_air_at": _nullable(DATE_TIME),
            "answered_at": _nullable(DATE_TIME),
        }
    )
    question_staff = {
        "allOf": [
            _ref("QuestionPublic"),
            _object(
                {
                    "tracking_code": STRING,
                    "verbatim_text": STRING,
                    "edited_text": _nullable(STRING),
                    "asker_phone": _nullable(STRING | {"description": "Masked."}),
                    "channel": _enum(["web", "phone"]),
                    "version": INTEGER,
                    "merged_into_id": _nullable(ID),
                    "reject_reason": _nullable(_enum(RejectReason)),
                    "reject_note": _nullable(STRING),
                    "official_id": _nullable(ID),
                    "category_id": _nullable(ID),
                    "district_id": _nullable(ID),
                    "approved_at": _nullable(DATE_TIME),
                    "routed_at": _nullable(DATE_TIME),
                    "updated_at": DATE_TIME,
                }
            ),
        ]
    }
    question_tracking = _object(
        {
            "tracking_code": STRING | {"pattern": "^[0-9]{8}$"},
            "tracking_code_display": STRING | {"description": "In Persian digits."},
            "text": STRING,
            "status": status,
            "status_label": STRING,
            "outcome": _nullable(status),
            "submitted_at": DATE_TIME,
            "session_id": ID,
            "reject_reason": _nullable(_enum(RejectReason)),
            "reject_reason_label": _nullable(STRING),
            "reject_note": _nullable(STRING),
            "merged_into": _nullable(_ref("QuestionPublic")),
            "effective_status": status,
            "effective_status_label": STRING,
            "official": _nullable(_ref("Official")),
            "answer": _nullable(_ref("Answer")),
            "follow_ups": _array(_ref("FollowUp")),
            "carried_to_session_id": _nullable(ID),
        }
    )
    counters = _object({"received": INTEGER, "answered": INTEGER, "waiting": INTEGER})
    snapshot = {
        "seq": INTEGER,
        "session": _ref("Session"),
        "counters": _ref("Counters"),
    }
    user = _object(
        {
            "id": ID,
            "username": STRING,
            "display_name": STRING,
            "role": _enum(Role),
            "official": _nullable(_ref("Official")),
        }
    )
    error = _object(
        {
            "error": _object(
                {
                    "code": STRING | {"description": "Machine-readable, e.g. stale, required."},
                    "message": STRING | {"description": "Persian, or English for lang en."},
                    "field": STRING | {"description": "The request field at fault."},
                    "details": {"type": "object"},
                },
                optional=("field", "details"),
            )
        }
    )
    return {
        "Error": error,
        "Official": official,
        "Category": category,
        "District": district,
        "FollowUp": follow_up,
        "Answer": answer,
        "Session": session,
        "QuestionPublic": question_public,
        "QuestionStaff": question_staff,
        "QuestionTracking": question_tracking,
        "Counters": counters,
        "PublicSnapshot": _object(
            snapshot
            | {
                "on_air": _nullable(_ref("QuestionPublic")),
                "questions": _array(_ref("QuestionPublic")),
            }
        ),
        "StaffSnapshot": _object(snapshot | {"questions": _array(_ref("QuestionStaff"))}),
        "User": user,
    }


_ERRORS = {
    "400": "Malformed JSON or a non-object body (invalid_json), or a missing CSRF token "
    "(csrf_failed).",
    "401": "Not logged in.",
    "403": "The logged-in role may not do this.",
    "404": "No such session or question.",
    "409": "Conflicts with the current state: invalid_transition, stale, already_supported, "
    "another_on_air, ...",
    "413": "The body is larger than the server accepts.",
    "415": "The body is not JSON.",
    "422": "A field is missing or not valid; `field` names it.",
    "429": "Too many submissions from this browser.",
}


def _responses() -> dict:
    out = {}
    for status, text in _ERRORS.items():
        response = {
            "description": text,
            "content": {"application/json": {"schema": _ref("Error")}},
        }
        if status == "429":
            response["headers"] = {
                "Retry-After": {"description": "Seconds to wait.", "schema": INTEGER}
            }
        out[status] = response
    return out


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _path_param(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": ID, "description": description}


IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": STRING | {"minLength": 8, "maxLength": 64},
    "description": "Alternative to the idempotency_key field.",
}
SESSION_ID = _path_param("session_id", "Session id.")
QUESTION_ID = _path_param("question_id", "Question id.")
STAFF = [{"sessionCookie": []}]
STAFF_WRITE = [{"sessionCookie": [], "csrfToken": []}]
PUBLIC_WRITE = [{"csrfToken": []}]


def _op(
    summary,
    tag,
    ok,
    *,
    status="200",
    body=None,
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
    if body is not None:
        op["requestBody"] = {"required": True} | _json(body)
    if security is not None:
        op["security"] = security
    for code in errors:
        op["responses"][code] = {"$ref": f"#/components/responses/{code}"}
    return op


# The errors every state-changing call can answer, beyond its own.
_WRITE_ERRORS = ("400", "413", "415", "422")
_STAFF_WRITE_ERRORS = ("401", "403", "404", "409", *_WRITE_ERRORS)


def _question_command(summary, roles, fields, required=()):
    body = _object(fields | VERSION_FIELD, optional=[f for f in fields if f not in required])
    body["required"] = list(required)
    return {
        "post": _op(
            summary,
            "staff",
            _object({"question": _ref("QuestionStaff")}),
            body=body,
            params=[QUESTION_ID],
            errors=_STAFF_WRITE_ERRORS,
            security=STAFF_WRITE,
        )
        | {"description": f"Roles: {', '.join(roles)}."}
    }


def _session_command(summary, fields=None, extra=None):
    body = _object(fields or {}, optional=list(fields or {}))
    return {
        "post": _op(
            summary,
            "staff",
            _object({"session": _ref("Session")} | (extra or {})),
            body=body,
            params=[SESSION_ID],
            errors=_STAFF_WRITE_ERRORS,
            security=STAFF_WRITE,
        )
        | {"description": "Roles: admin, moderator."}
    }


def _paths() -> dict:
    triage = ("admin", "moderator")
    answerers = ("admin", "moderator", "official (only on their own questions)")
    optional_id = _nullable(ID)
    submit_body = _object(SUBMIT_FIELDS, optional=[f for f in SUBMIT_FIELDS if f != "text"])
    tracking = _object({"question": _ref("QuestionTracking")})
    replayed = {
        "200": {
            "description": "The idempotency key was seen with the same text: the first "
            "question. The key with another text is 422 idempotency_key_reused."
        }
        | _json(tracking)
    }
    return {
        "/openapi.json": {"get": _op("getOpenapi", "meta", {"type": "object"}) | {"security": []}},
        "/sessions/current": {
            "get": _op(
                "getCurrentSession",
                "public",
                _object(
                    {
                        "session": _nullable(_ref("Session")),
                        "next_session": _nullable(_ref("Session")),
                    }
                ),
            )
        },
        "/sessions/{session_id}": {
            "get": _op(
                "getSession",
                "public",
                _object({"session": _ref("Session")}),
                params=[SESSION_ID],
                errors=("404",),
            )
        },
        "/sessions/{session_id}/questions": {
            "get": _op(
                "listSessionQuestions",
                "public",
                _object({"questions": _array(_ref("QuestionPublic"))}),
                params=[
                    SESSION_ID,
                    {
                        "name": "order",
                        "in": "query",
                        "required": False,
                        "schema": _enum(["support", "time"]) | {"default": "support"},
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
                body=submit_body,
                params=[
                    SESSION_ID,
                    IDEMPOTENCY_HEADER,
                ],
                errors=("404", "409", "429", *_WRITE_ERRORS),
                security=PUBLIC_WRITE,
                extra_ok=replayed,
            ),
        },
        "/sessions/{session_id}/snapshot": {
            "get": _op(
                "getPublicSnapshot",
                "public",
                _ref("PublicSnapshot"),
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
                # 429: too many wrong codes from this address lately.
                errors=("404", "429"),
            )
        },
        "/questions/{question_id}/support": {
            "post": _op(
                "supportQuestion",
                "public",
                _object({"question_id": ID, "support_count": INTEGER}),
                status="201",
                params=[QUESTION_ID],
                errors=("404", "409", "400", "415"),
                security=PUBLIC_WRITE,
            )
        },
        "/categories": {
            "get": _op(
                "listCategories", "public", _object({"categories": _array(_ref("Category"))})
            )
        },
        "/districts": {
            "get": _op("listDistricts", "public", _object({"districts": _array(_ref("District"))}))
        },
        "/officials": {
            "get": _op("listOfficials", "public", _object({"officials": _array(_ref("Official"))}))
        },
        "/auth/login": {
            "post": _op(
                "login",
                "accounts",
                _object({"user": _ref("User")}),
                body=_object({"username": STRING, "password": STRING}),
                errors=("401", "429", *_WRITE_ERRORS),
                security=PUBLIC_WRITE,
            )
        },
        "/auth/logout": {
            "post": _op(
                "logout",
                "accounts",
                _object({"user": {"type": "null"}}),
                errors=("400",),
                security=PUBLIC_WRITE,
            )
        },
        "/me": {
            "get": _op(
                "getMe",
                "accounts",
                _object({"user": _ref("User")}),
                errors=("401",),
                security=STAFF,
            )
        },
        "/sessions/{session_id}/queue": {
            "get": _op(
                "getStaffQueue",
                "staff",
                _ref("StaffSnapshot"),
                params=[SESSION_ID],
                errors=("401", "403", "404"),
                security=STAFF,
            )
        },
        "/questions/{question_id}/approve": _question_command("approveQuestion", triage, {}),
        "/questions/{question_id}/reject": _question_command(
            "rejectQuestion",
            triage,
            {
                "reason": _enum(RejectReason),
                "note": _nullable(STRING | {"maxLength": MAX_NOTE_CHARS}),
            },
            required=("reason",),
        ),
        "/questions/{question_id}/edit": _question_command(
            "editQuestion",
            triage,
            {"text": STRING | {"maxLength": MAX_QUESTION_CHARS}},
            required=("text",),
        ),
        "/questions/{question_id}/merge": _question_command(
            "mergeQuestion",
            triage,
            {"into": ID | {"description": "The question to merge into."}},
            required=("into",),
        ),
        "/questions/{question_id}/classify": _question_command(
            "classifyQuestion",
            triage,
            {
                "category_id": optional_id | {"description": "Left out: kept; null: cleared."},
                "district_id": optional_id | {"description": "Left out: kept; null: cleared."},
            },
        ),
        "/questions/{question_id}/route": _question_command(
            "routeQuestion", triage, {"official_id": ID}, required=("official_id",)
        ),
        "/questions/{question_id}/on-air": _question_command("takeOnAir", answerers, {}),
        "/questions/{question_id}/put-back": _question_command("putBack", answerers, {}),
        "/questions/{question_id}/transfer": _question_command(
            "transferQuestion", answerers, {"official_id": ID}, required=("official_id",)
        ),
        "/questions/{question_id}/answer": _question_command(
            "answerQuestion",
            answerers,
            {
                "kind": _enum(AnswerKind),
                "text": STRING | {"maxLength": MAX_ANSWER_CHARS},
                "follow_up_unit": _nullable(STRING | {"maxLength": MAX_UNIT_CHARS}),
                "follow_up_due": _nullable(DATE | {"description": "Not in the past."}),
            },
            required=("kind", "text"),
        ),
        "/sessions/{session_id}/order": _session_command(
            "reorderQueue",
            {"order": _array(ID) | {"minItems": 1}},
            {"questions": _array(_ref("QuestionStaff"))},
        ),
        "/sessions/{session_id}/operator-questions": {
            "post": _op(
                "enterPhonedQuestion",
                "staff",
                tracking,
                status="201",
                body=submit_body,
                params=[SESSION_ID, IDEMPOTENCY_HEADER],
                errors=_STAFF_WRITE_ERRORS,
                security=STAFF_WRITE,
                extra_ok=replayed,
            )
            | {"description": "Roles: admin, moderator, operator."}
        },
        "/sessions/{session_id}/open": _session_command("openSession"),
        "/sessions/{session_id}/start": _session_command("startSession"),
        "/sessions/{session_id}/close": _session_command(
            "closeSession",
            {
                "disposition": _enum(["carry_over", "follow_up"])
                | {"description": "Default: carry over if a later session exists."}
            },
            {
                "summary": _object(
                    {
                        "disposition": _enum(["carry_over", "follow_up"]),
                        "questions": INTEGER,
                        "next_session_id": _nullable(ID),
                    }
                )
            },
        ),
    }


def spec() -> dict:
    """Return the OpenAPI document of /api/v1."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "LiveQA API",
            "version": API_VERSION,
            "description": (
                "Citizen Asks, Manager Answers. JSON bodies only; errors share the Error "
                "shape. Messages are Persian unless Accept-Language (or ?lang=) asks for "
                "English; Content-Language says which."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "tags": [
            {"name": "public", "description": "Citizens and the big screen."},
            {"name": "accounts", "description": "Staff log-in."},
            {"name": "staff", "description": "Moderators, 137 operators and officials."},
            {"name": "meta"},
        ],
        "security": [],
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "responses": _responses(),
            "securitySchemes": {
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session"},
                "csrfToken": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-CSRFToken",
                    "description": "From <meta name=csrf-token>; needed by every POST.",
                },
            },
        },
    }
