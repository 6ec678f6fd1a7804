"""The OpenAPI components of /api/v1: JSON Schema of the bodies the API takes and sends.

Each shape is a dict of its fields, so adding a field to a serializer is one line here.
Response shapes are closed (no field beyond those listed): the suite checks every
response it receives against them, so a field sent but not written here fails a test.
"""

from liveqa.domain.lifecycle import SESSION_VERBS
from liveqa.domain.permissions import Verb
from liveqa.domain.privacy import NumberKind
from liveqa.domain.validation import MAX_NAME_CHARS, MAX_QUESTION_CHARS
from liveqa.models import (
    AnswerKind,
    Channel,
    FollowUpStatus,
    QuestionStatus,
    RejectReason,
    Role,
    SessionStatus,
)

STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
ID = {"type": "integer", "minimum": 1}
DATE_TIME = {"type": "string", "format": "date-time"}
DATE = {"type": "string", "format": "date"}


def ref(name: str) -> dict:
    """Return a reference to the component schema NAME."""
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    """Return SCHEMA that also accepts null."""
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    widened = schema | {"type": [schema["type"], "null"]}
    # An enum lists every value allowed: without null in it, null fails whatever the type.
    if "enum" in schema:
        widened["enum"] = [*schema["enum"], None]
    return widened


def enum(values) -> dict:
    """Return a string schema allowing VALUES (enum members or strings)."""
    return {"type": "string", "enum": [v.value if hasattr(v, "value") else v for v in values]}


def actions(verbs) -> dict:
    """Return the schema of an `actions` map: audience -> the VERBS it may perform now."""
    return {"type": "object", "additionalProperties": array(enum(verbs))}


def array(items: dict) -> dict:
    """Return an array schema of ITEMS."""
    return {"type": "array", "items": items}


def body(properties: dict, required=()) -> dict:
    """Return a request body schema; fields not listed are ignored by the server."""
    return {"type": "object", "properties": properties, "required": list(required)}


def record(properties: dict, optional=()) -> dict:
    """Return a response object schema: every field listed, none other."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


# Request bodies: fields the server reads (it ignores any other).
VERSION_FIELD = {
    "version": ID | {"description": "The question version acted on; a newer one answers 409 stale."}
}
SUBMIT_FIELDS = {
    "text": STRING | {"maxLength": MAX_QUESTION_CHARS, "description": "The question, verbatim."},
    "name": nullable(STRING | {"maxLength": MAX_NAME_CHARS}),
    "category_id": nullable(ID),
    "district_id": nullable(ID),
    "phone": nullable(STRING | {"description": "7 to 15 digits, any digit script."}),
    "idempotency_key": STRING
    | {
        "minLength": 8,
        "maxLength": 64,
        "description": "A retry with the same key returns the first question (200).",
    },
}
DISPOSITION = enum(["carry_over", "follow_up"])


# Responses.
OFFICIAL = {"id": ID, "name": STRING, "title": STRING, "title_en": STRING, "portfolio": STRING}
CATEGORY = {
    "id": ID,
    "slug": STRING,
    "name": STRING,
    "name_en": STRING,
    "default_official_id": nullable(ID),
}
DISTRICT = {"id": ID, "number": INTEGER, "name": STRING, "name_en": STRING}
FOLLOW_UP = {
    "id": ID,
    "responsible_unit": STRING,
    "due_on": DATE,
    "status": enum(FollowUpStatus),
}
ANSWER = {
    "kind": enum(AnswerKind),
    "text": STRING,
    "official": nullable(ref("Official")),
    "created_at": DATE_TIME,
    "follow_up": nullable(ref("FollowUp")),
}
SESSION = {
    "id": ID,
    "title": STRING,
    "status": enum(SessionStatus),
    "accepting_questions": {"type": "boolean", "description": "Questions may be sent now."},
    "starts_at": DATE_TIME,
    "ends_at": DATE_TIME,
    "edition": record({"id": ID, "number": INTEGER, "title": STRING}),
    "officials": array(ref("Official")),
    "seq": INTEGER
    | {
        "description": "Number of the last change broadcast on the reader's stream: the "
        "public stream in public views, the staff stream in staff views."
    },
}
# What staff see of a session beyond its public view.
SESSION_STAFF = SESSION | {
    "actions": actions(SESSION_VERBS)
    | {"description": "For each staff audience (a role), the session verbs it may perform now."}
}
STATUS = enum(QuestionStatus)
QUESTION_PUBLIC = {
    "id": ID,
    "session_id": ID,
    "text": STRING
    | {
        "description": "The moderator's edited text if any, else the verbatim text with the"
        " digits of personal numbers (phone numbers, national IDs, bank cards) masked as •."
    },
    "status": STATUS,
    "category": nullable(ref("Category")),
    "district": nullable(ref("District")),
    "asker_name": nullable(STRING | {"description": "Personal numbers in it masked as •."}),
    "support_count": INTEGER,
    "official": nullable(ref("Official")),
    "answer": nullable(ref("Answer")),
    "position": nullable(INTEGER),
    "submitted_at": DATE_TIME,
    "on_air_at": nullable(DATE_TIME),
    "answered_at": nullable(DATE_TIME),
}
# The staff view is the public one and these.
QUESTION_STAFF = QUESTION_PUBLIC | {
    "tracking_code": STRING,
    "verbatim_text": STRING,
    "verbatim_asker_name": nullable(STRING | {"description": "As the asker wrote it."}),
    "privacy_flags": {
        "type": "array",
        "items": enum(NumberKind),
        "description": "Kinds of personal number found in the verbatim text or name.",
    },
    "edited_text": nullable(STRING),
    "asker_phone": nullable(STRING | {"description": "Masked."}),
    "channel": enum(Channel),
    "version": INTEGER,
    "merged_into_id": nullable(ID),
    "reject_reason": nullable(enum(RejectReason)),
    "reject_note": nullable(STRING),
    "official_id": nullable(ID),
    "category_id": nullable(ID),
    "district_id": nullable(ID),
    "approved_at": nullable(DATE_TIME),
    "routed_at": nullable(DATE_TIME),
    "updated_at": DATE_TIME,
    "support_burst": BOOLEAN
    | {
        "description": "Many of its supports came from one address within a short window"
        " (LIVEQA_SUPPORT_BURST_COUNT within LIVEQA_SUPPORT_BURST_SECONDS): worth a look."
    },
    "actions": actions(Verb)
    | {
        "description": "For each staff audience (admin, moderator, operator, and"
        " official:<id> for the question's own official), the verbs it may perform now."
    },
}
QUESTION_TRACKING = {
    "tracking_code": STRING | {"pattern": "^[0-9]{8}$"},
    "tracking_code_display": STRING | {"description": "In Persian digits."},
    "text": STRING
    | {"description": "As the asker wrote it, with the digits of personal numbers masked as •."},
    "status": STATUS,
    "status_label": STRING,
    "outcome": nullable(STATUS) | {"description": "The final status; null while open."},
    "submitted_at": DATE_TIME,
    "session_id": ID,
    "reject_reason": nullable(enum(RejectReason)),
    "reject_reason_label": nullable(STRING),
    "reject_note": nullable(STRING),
    "merged_into": nullable(ref("QuestionPublic")),
    "effective_status": STATUS,
    "effective_status_label": STRING,
    "official": nullable(ref("Official")),
    "answer": nullable(ref("Answer")),
    "follow_ups": array(ref("FollowUp")),
    "carried_to_session_id": nullable(ID),
}
COUNTERS = {"received": INTEGER, "answered": INTEGER, "waiting": INTEGER}
SNAPSHOT = {"seq": INTEGER, "counters": ref("Counters")}
PUBLIC_SNAPSHOT = SNAPSHOT | {
    "seq": INTEGER | {"description": "The public stream's number (public_seq) it reflects."},
    "session": ref("Session"),
    "on_air": nullable(ref("QuestionPublic")),
    "questions": array(ref("QuestionPublic")),
}
STAFF_SNAPSHOT = SNAPSHOT | {
    "seq": INTEGER | {"description": "The staff stream's number (seq) it reflects."},
    "session": ref("SessionStaff"),
    "questions": array(ref("QuestionStaff")),
}
USER = {
    "id": ID,
    "username": STRING,
    "display_name": STRING,
    "role": enum(Role),
    "official": nullable(ref("Official")),
}
ERROR_DETAIL = {
    "code": STRING | {"description": "Machine-readable, e.g. stale, required."},
    "message": STRING | {"description": "Persian, or English for lang en."},
    "field": STRING | {"description": "The request field at fault."},
    "details": {"type": "object"},
    "role": enum(Role) | {"description": "403: the logged-in role, which may not do this."},
}


def schemas() -> dict:
    """Return the component schemas, by name."""
    return {
        "Error": record({"error": record(ERROR_DETAIL, optional=("field", "details", "role"))}),
        "Official": record(OFFICIAL),
        "Category": record(CATEGORY),
        "District": record(DISTRICT),
        "FollowUp": record(FOLLOW_UP),
        "Answer": record(ANSWER),
        "Session": record(SESSION),
        "SessionStaff": record(SESSION_STAFF),
        "QuestionPublic": record(QUESTION_PUBLIC),
        "QuestionStaff": record(QUESTION_STAFF),
        "QuestionTracking": record(QUESTION_TRACKING),
        "Counters": record(COUNTERS),
        "PublicSnapshot": record(PUBLIC_SNAPSHOT),
        "StaffSnapshot": record(STAFF_SNAPSHOT),
        "User": record(USER),
    }


ERRORS = {
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
    "429": "Too many requests of this kind lately: submissions from this browser, wrong "
    "tracking codes from this address, failed log-ins, or submissions, supports or tracking "
    "lookups from this address (its ceiling; code rate_limited, details.retry_after).",
    "503": "The database is busy (busy, SQLite only) or out of reach (unavailable); try again "
    "after Retry-After seconds.",
}


def responses() -> dict:
    """Return the shared error responses, by status code."""
    out = {}
    for status, text in ERRORS.items():
        response = {"description": text, "content": {"application/json": {"schema": ref("Error")}}}
        if status in ("429", "503"):
            response["headers"] = {
                "Retry-After": {"description": "Seconds to wait.", "schema": INTEGER}
            }
        out[status] = response
    return out
