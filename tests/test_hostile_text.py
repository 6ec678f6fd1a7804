"""One corpus of hostile text through every text field: the API, the no-JS pages, the sockets.

Every field answers 2xx/3xx or 4xx (a socket: an ack whose error is not `internal`), changes
nothing when it refuses, and leaves only text that SQLite and PostgreSQL alike can store:
no lone surrogate, no NUL (PostgreSQL refuses both, also as JSON escapes in an audit row),
no control character, no long run of invisible marks or combining marks. The check is
made here on the stored rows, so it holds whatever database the suite runs on.
"""

import re
import unicodedata
import uuid
from datetime import timedelta
from urllib.parse import quote_from_bytes

import pytest
from sqlalchemy import select

from liveqa.domain.accounts import create_user
from liveqa.domain.errors import ValidationError
from liveqa.domain.text import clean_text
from liveqa.extensions import db, socketio
from liveqa.models import QuestionStatus, SessionStatus, utcnow
from tests.conftest import FreshContextClient, connect, idle, login

S = QuestionStatus
BIDI_CONTROLS = "".join(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))

# name -> value. Each is sent as it is in every field, after a valid prefix where a field
# would refuse the value alone for being blank.
CORPUS = {
    "lone-high-surrogate": "\ud800 سلام",
    "lone-low-surrogate": "سلام \udfff",
    "reversed-pair": "\udc00\ud83d سلام",
    "nul": "سلام\x00دنیا",
    "c0-controls": "".join(map(chr, range(1, 32))) + "سلام\x7f",
    "c1-controls": "\x85\x9b سلام \x9c",
    "rlm-run": "سلام" + "\u200f" * 500 + "دنیا",
    "lrm-rlm-run": "\u200e\u200f" * 300 + "12",
    "bidi-controls": BIDI_CONTROLS * 50 + "سلام",
    "zero-width": "س" + "\u200b\u200c\u200d\u2060\ufeff" * 200 + "لام",
    "combining-flood": "سلام" + "\u0651\u064e" * 2000,
    "zalgo": "Z" + "\u0300\u0301\u0302\u20dd" * 1000 + "a",
    "very-long": "س" * 20_000,
    "nul-only": "\x00",
    "blank": " \n\t\u200f\u200b ",
    "emoji": "سلام 😀👩‍❤️‍💋‍👨 1️⃣",
    "noncharacters": "\ufdd0\ufffe\uffff سلام",
}
INVISIBLE_RUN = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]{3,}")


@pytest.mark.parametrize("value", CORPUS.values(), ids=CORPUS.keys())
def test_cleaned_text_is_storable_everywhere(value):
    for cleaned in (clean_text(value), clean_text(value, multiline=False)):
        # ascii(): a report holding a lone surrogate could not even be printed.
        assert _unstorable(cleaned) is None, ascii(cleaned[:80])


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        (CORPUS["emoji"], CORPUS["emoji"]),
        # Shadda, fatha and a small alef on one letter are Persian, not a flood.
        ("a\u064e\u0651\u0670b", "a\u064e\u0651\u0670b"),
        (CORPUS["lone-high-surrogate"], "سلام"),
        ("a" + "\u200f" * 9 + "b", "a\u200f\u200fb"),
        ("a" + "\u200c\u200f" * 9 + "b", "a\u200c\u200fb"),
        ("x" + "\u0300" * 9, "x" + "\u0300" * 4),
    ],
    ids=["emoji", "vowels", "surrogate", "rlm-run", "mixed-run", "combining-run"],
)
def test_cleaning_keeps_real_text_and_caps_runs(raw, cleaned):
    assert ascii(clean_text(raw)) == ascii(cleaned)


def _unstorable(value: str) -> str | None:
    """Return why VALUE could not be stored alike on SQLite and PostgreSQL, or None."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "a lone surrogate"
    if any(unicodedata.category(ch) == "Cc" and ch != "\n" for ch in value):
        return "a control character"
    if INVISIBLE_RUN.search(value):
        return "a run of invisible marks"
    run = 0
    for ch in value:
        run = run + 1 if unicodedata.category(ch) in ("Mn", "Me") else 0
        if run > 4:
            return "a flood of combining marks"
    return None


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in (*value.keys(), *value.values()):
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _dump() -> dict:
    """Return every row of every table as committed now."""
    db.session.expire_all()
    rows = {t.name: db.session.execute(select(t)).all() for t in db.metadata.sorted_tables}
    idle()
    return rows


def _state(rows: dict) -> dict:
    """Return ROWS less the account events' audit rows, which log-ins write whatever comes."""
    # A checked log-in is audited even when refused (a wrong password); every socket here
    # logs in first. Their rows are still checked for storable text below.
    audit = [row for row in rows["audit_records"] if not row.action.startswith("auth.")]
    return rows | {"audit_records": audit}


class World:
    """An app with a live session, staff and citizen clients, and fresh questions on demand."""

    def __init__(self, app, factory):
        self.app, self.factory = app, factory
        self.live = factory.session(SessionStatus.LIVE)
        self.category, self.district = factory.category(), factory.district()
        self.official = factory.official()
        self.admin = factory.user("admin")
        self.staff = FreshContextClient(app, app.response_class, use_cookies=True)
        assert login(self.staff, self.admin.username).status_code == 200
        self.public = FreshContextClient(app, app.response_class, use_cookies=True)
        self._sock = None

    def question(self, status=S.SUBMITTED):
        # Each in its own live session: only one question of a session may be on air.
        return self.factory.question(status=status)

    def sock(self):
        if self._sock is None:
            self._sock = connect(self.app, self.admin)
        return self._sock


def _quoted(value: str) -> str:
    # What a browser sends for a lone surrogate is not UTF-8 either; the server decodes it.
    return quote_from_bytes(value.encode("utf-8", "surrogatepass"), safe="")


def _form(client, path: str, fields: dict) -> int:
    body = "&".join(f"{name}={_quoted(value)}" for name, value in fields.items())
    return client.post(
        path, data=body, content_type="application/x-www-form-urlencoded"
    ).status_code


def _api(client, path: str, body: dict, headers=None) -> int:
    return client.post("/api/v1" + path, json=body, headers=headers).status_code


QUESTION_TEXT = "پرسش دربارهٔ خیابان"


def _submit(w, ctx, field, value, path="/sessions/{live}/questions", client=None):
    body = {"text": QUESTION_TEXT, "idempotency_key": uuid.uuid4().hex, field: value}
    return _api(client or w.public, path.format(live=w.live.id), body)


def _operator(w, ctx, field, value):
    return _submit(w, ctx, field, value, "/sessions/{live}/operator-questions", w.staff)


def _staff(verb, **base):
    def send(w, ctx, field, value):
        return _api(w.staff, f"/questions/{ctx['question'].id}/{verb}", {**base, field: value})

    return send


def _answer(w, ctx, field, value):
    due = (utcnow() + timedelta(days=7)).date().isoformat()
    body = {"kind": "written", "text": "پاسخ", "follow_up_unit": "واحد", "follow_up_due": due}
    return _api(w.staff, f"/questions/{ctx['question'].id}/answer", {**body, field: value})


def _header_key(w, ctx, field, value):
    # A header reaches the app as Latin-1 text of the bytes sent, and has no line breaks.
    raw = value.encode("utf-8", "surrogatepass").decode("latin-1")
    raw = raw.replace("\r", " ").replace("\n", " ")
    body = {"text": QUESTION_TEXT}
    return _api(w.public, f"/sessions/{w.live.id}/questions", body, {field: raw})


def _order(w, ctx, field, value):
    return _api(w.staff, f"/sessions/{w.live.id}/order", {field: [value]})


def _close(w, ctx, field, value):
    return _api(w.staff, f"/sessions/{ctx['session'].id}/close", {field: value})


def _login_api(w, ctx, field, value):
    body = {"username": w.admin.username, "password": "x" * 12, field: value}
    return _api(w.public, "/auth/login", body)


def _ask_page(w, ctx, field, value):
    fields = {"text": QUESTION_TEXT, "idempotency_key": uuid.uuid4().hex, field: value}
    return _form(w.public, "/", fields)


def _login_page(w, ctx, field, value):
    return _form(w.public, "/login", {"username": w.admin.username, "password": "x", field: value})


def _get(path_of):
    def send(w, ctx, field, value):
        return w.public.get(path_of(_quoted(value))).status_code

    return send


def _socket(event, **base):
    def send(w, ctx, field, value):
        payload = {key: make(w) for key, make in base.items()}
        idle()
        return w.sock().emit(event, {**payload, field: value}, callback=True)

    return send


def _socket_auth(w, ctx, field, value):
    idle()
    sock = socketio.test_client(w.app, flask_test_client=w.app.test_client(), auth={field: value})
    connected = sock.is_connected()
    if connected:
        sock.disconnect()
    return connected


def _socket_event_name(w, ctx, field, value):
    idle()
    return w.sock().emit(value, {}, callback=True)


def _nothing(w):
    return {}


def _question(status):
    return lambda w: {"question": w.question(status)}


def _session(w):
    return {"session": w.factory.session(SessionStatus.LIVE)}


_JOIN = {"session_id": lambda w: w.live.id, "room": lambda w: "official"}

# target -> (field, prepare, send). Every field of the API, the pages and the socket events
# that takes text, or an id or a choice that may arrive as text. PREPARE makes what the
# request acts on (a fresh question in the status the verb starts from).
TARGETS = {
    "submit.text": ("text", _nothing, _submit),
    "submit.name": ("name", _nothing, _submit),
    "submit.phone": ("phone", _nothing, _submit),
    "submit.idempotency_key": ("idempotency_key", _nothing, _submit),
    "submit.category_id": ("category_id", _nothing, _submit),
    "submit.district_id": ("district_id", _nothing, _submit),
    "submit.Idempotency-Key": ("Idempotency-Key", _nothing, _header_key),
    "operator.text": ("text", _nothing, _operator),
    "operator.name": ("name", _nothing, _operator),
    "operator.phone": ("phone", _nothing, _operator),
    "operator.idempotency_key": ("idempotency_key", _nothing, _operator),
    "approve.version": ("version", _question(S.SUBMITTED), _staff("approve")),
    "reject.note": ("note", _question(S.SUBMITTED), _staff("reject", reason="other")),
    "reject.reason": ("reason", _question(S.SUBMITTED), _staff("reject")),
    "edit.text": ("text", _question(S.APPROVED), _staff("edit")),
    "merge.into": ("into", _question(S.SUBMITTED), _staff("merge")),
    "classify.category_id": ("category_id", _question(S.SUBMITTED), _staff("classify")),
    "classify.district_id": ("district_id", _question(S.SUBMITTED), _staff("classify")),
    "route.official_id": ("official_id", _question(S.APPROVED), _staff("route")),
    "transfer.official_id": ("official_id", _question(S.ROUTED), _staff("transfer")),
    "on-air.version": ("version", _question(S.ROUTED), _staff("on-air")),
    "answer.text": ("text", _question(S.ON_AIR), _answer),
    "answer.kind": ("kind", _question(S.ON_AIR), _answer),
    "answer.follow_up_unit": ("follow_up_unit", _question(S.ON_AIR), _answer),
    "answer.follow_up_due": ("follow_up_due", _question(S.ON_AIR), _answer),
    "order.order": ("order", _nothing, _order),
    "close.disposition": ("disposition", _session, _close),
    "login.username": ("username", _nothing, _login_api),
    "login.password": ("password", _nothing, _login_api),
    "track.code": ("code", _nothing, _get(lambda q: f"/api/v1/questions/{q}")),
    "page.ask.text": ("text", _nothing, _ask_page),
    "page.ask.name": ("name", _nothing, _ask_page),
    "page.ask.phone": ("phone", _nothing, _ask_page),
    "page.ask.category_id": ("category_id", _nothing, _ask_page),
    "page.ask.idempotency_key": ("idempotency_key", _nothing, _ask_page),
    "page.login.username": ("username", _nothing, _login_page),
    "page.login.password": ("password", _nothing, _login_page),
    "page.track.query": ("code", _nothing, _get(lambda q: f"/track?code={q}")),
    "page.track.path": ("code", _nothing, _get(lambda q: f"/track/{q}")),
    "socket.join.session_id": ("session_id", _nothing, _socket("join", **_JOIN)),
    "socket.join.room": ("room", _nothing, _socket("join", **_JOIN)),
    "socket.join.official_id": ("official_id", _nothing, _socket("join", **_JOIN)),
    "socket.track.code": ("code", _nothing, _socket("track")),
    "socket.connect.auth": ("token", _nothing, _socket_auth),
    "socket.event-name": ("", _nothing, _socket_event_name),
}


def _refused(outcome) -> bool:
    """Return whether OUTCOME refused the input; fail on a server error."""
    if isinstance(outcome, bool):  # a socket connection: accepted or not, never an error
        return not outcome
    if isinstance(outcome, dict):  # a socket acknowledgement
        assert outcome.get("ok") is True or outcome["error"]["code"] != "internal", outcome
        return outcome.get("ok") is not True
    assert outcome < 500, outcome
    return outcome >= 400


@pytest.mark.parametrize("target", TARGETS)
def test_every_field_takes_the_corpus_without_a_server_error(app, factory, target):
    world = World(app, factory)
    field, prepare, send = TARGETS[target]
    for name, value in CORPUS.items():
        context = prepare(world)
        before = _dump()
        outcome = send(world, context, field, value)
        after = _dump()
        try:
            if _refused(outcome):
                assert _state(after) == _state(before), "a refused request changed stored rows"
            for table, rows in after.items():
                for row in rows:
                    for text in _strings(tuple(row)):
                        reason = _unstorable(text)
                        assert reason is None, f"{table} holds {reason}: {text[:80]!a}"
        except AssertionError as error:
            raise AssertionError(f"{target} with {name}: {error}") from None


@pytest.mark.parametrize("field", ["username", "password"])
@pytest.mark.parametrize("value", ["mod\x00erator", "\ud800"], ids=["nul", "surrogate"])
def test_log_in_refuses_credentials_no_database_or_hasher_can_take(app, factory, field, value):
    # PostgreSQL cannot look up a user name holding NUL; argon2 cannot hash a lone surrogate.
    user = factory.user("moderator")
    body = {"username": user.username, "password": "correct-horse-137", field: value}
    client = FreshContextClient(app, app.response_class)
    response = client.post("/api/v1/auth/login", json=body, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.get_json()["error"] == {
        "code": "invalid_characters",
        "field": field,
        "message": "This field contains characters that cannot be used.",
    }
    if "\x00" in value:  # a form cannot carry a lone surrogate: the server decodes it
        page = client.post("/login", data={**body, field: value}, headers={"Accept-Language": "en"})
        assert page.status_code == 422


@pytest.mark.parametrize(
    ("username", "password"),
    [("ali\x00", "a-long-password"), ("ali", "a-long-\ud800-password"), ("ali", "x" * 257)],
    ids=["nul-name", "surrogate-password", "long-password"],
)
def test_an_account_cannot_be_made_with_credentials_nobody_could_log_in_with(
    ctx, username, password
):
    with pytest.raises(ValidationError):
        create_user(username, password, "moderator")
