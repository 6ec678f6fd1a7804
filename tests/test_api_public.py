"""Public API: sessions, the board, tracking codes, submitting and supporting."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from liveqa.auth import client_id_from_cookie
from liveqa.domain.text import persian_digits
from liveqa.domain.tracking import check_digit
from liveqa.extensions import db
from liveqa.models import Channel, Official, Question, QuestionStatus, SessionStatus

S = QuestionStatus


def _count() -> int:
    return db.session.scalar(select(func.count(Question.id)))


def _submit(client, session_id, body, **kw):
    return client.post(f"/api/v1/sessions/{session_id}/questions", json=body, **kw)


# --- sessions and lists -------------------------------------------------------------


def test_current_session_prefers_the_live_one_and_names_the_next(client, factory):
    live = factory.session(SessionStatus.LIVE)
    later = factory.session(SessionStatus.SCHEDULED, starts_in=timedelta(days=7))

    body = client.get("/api/v1/sessions/current").get_json()

    assert body["session"]["id"] == live.id
    assert body["session"]["status"] == "live"
    assert body["next_session"]["id"] == later.id


def test_current_session_is_null_without_sessions(client):
    assert client.get("/api/v1/sessions/current").get_json() == {
        "session": None,
        "next_session": None,
    }


def test_get_session_and_404(client, factory):
    live = factory.session(SessionStatus.LIVE)
    response = client.get(f"/api/v1/sessions/{live.id}")
    assert response.status_code == 200
    assert response.get_json()["session"]["title"] == live.title

    missing = client.get(f"/api/v1/sessions/{live.id + 1}")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "unknown_session"


@pytest.mark.parametrize(
    "path",
    ["/api/v1/sessions/999", "/api/v1/sessions/999/questions", "/api/v1/sessions/999/snapshot"],
)
def test_unknown_session_is_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "unknown_session"


def test_board_lists_only_public_questions_in_the_asked_order(client, factory):
    live = factory.session(SessionStatus.LIVE)
    hidden = factory.question(live, S.SUBMITTED)
    rejected = factory.question(live, S.REJECTED)
    older = factory.question(live, S.APPROVED)
    newer = factory.question(live, S.APPROVED)
    older.support_count = 5
    db.session.commit()
    url = f"/api/v1/sessions/{live.id}/questions"

    by_support = [q["id"] for q in client.get(url).get_json()["questions"]]
    by_time = [q["id"] for q in client.get(url + "?order=time").get_json()["questions"]]

    assert by_support == [older.id, newer.id]
    assert by_time == [newer.id, older.id]
    assert hidden.id not in by_support and rejected.id not in by_support
    bad = client.get(url + "?order=random")
    assert bad.status_code == 422
    assert bad.get_json()["error"]["field"] == "order"


def test_snapshot_has_seq_counters_and_on_air(client, factory):
    live = factory.session(SessionStatus.LIVE)
    on_air = factory.question(live, S.ON_AIR)
    factory.question(live, S.SUBMITTED)

    body = client.get(f"/api/v1/sessions/{live.id}/snapshot").get_json()

    assert body["seq"] == body["session"]["seq"] > 0
    assert body["on_air"]["id"] == on_air.id
    assert body["counters"]["received"] == 2
    assert [q["id"] for q in body["questions"]] == [on_air.id]
    assert "tracking_code" not in body["on_air"]


def test_reference_lists(client, factory):
    second = factory.category()
    first = factory.category()
    first.position = 1
    factory.district(number=3)
    factory.district(number=1)
    official = factory.official()
    factory.official().active = False
    db.session.commit()

    categories = client.get("/api/v1/categories").get_json()["categories"]
    districts = client.get("/api/v1/districts").get_json()["districts"]
    officials = client.get("/api/v1/officials").get_json()["officials"]

    assert [c["id"] for c in categories] == [first.id, second.id]
    assert [d["number"] for d in districts] == [1, 3]
    assert [o["id"] for o in officials] == [official.id]
    assert db.session.scalar(select(func.count(Official.id))) == 2


# --- tracking -----------------------------------------------------------------------


def _arabic_indic(code: str) -> str:
    return code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))


@pytest.mark.parametrize(
    "script", [str, persian_digits, _arabic_indic, lambda c: f"{c[:4]}-{c[4:]}"]
)
def test_tracking_code_in_any_digit_script(client, factory, script):
    question = factory.question(status=S.APPROVED)

    response = client.get(f"/api/v1/questions/{script(question.tracking_code)}")

    assert response.status_code == 200
    body = response.get_json()["question"]
    assert body["tracking_code"] == question.tracking_code
    assert body["status"] == "approved"


def test_tracking_code_with_a_wrong_check_digit_is_404(client, factory):
    code = factory.question().tracking_code
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    for candidate in (wrong, "1234", "abcdefgh"):
        response = client.get(f"/api/v1/questions/{candidate}")
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "unknown_code"


def test_valid_but_unused_tracking_code_is_404(client):
    body = "1234567"
    response = client.get(f"/api/v1/questions/{body}{check_digit(body)}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "unknown_code"


# --- submitting ---------------------------------------------------------------------


def test_submit_stores_the_question_with_the_browser_identity(client, factory):
    live = factory.session(SessionStatus.OPEN)
    category = factory.category()
    district = factory.district()

    response = _submit(
        client,
        live.id,
        {
            "text": "چرا خیابان صفاییه آسفالت نمی‌شود؟",
            "name": "مریم",
            "phone": "۰۹۱۲۱۲۳۴۵۶۷",
            "category_id": category.id,
            "district_id": str(district.id),
        },
    )

    assert response.status_code == 201
    body = response.get_json()["question"]
    assert body["status"] == "submitted"
    assert body["outcome"] is None
    question = db.session.scalar(select(Question))
    assert question.tracking_code == body["tracking_code"]
    assert question.channel == Channel.WEB
    assert question.asker_phone == "09121234567"
    assert (question.category_id, question.district_id) == (category.id, district.id)
    cookie = client.get_cookie("liveqa_cid")
    # The cookie carries the identity signed (tests/test_security_headers.py).
    assert cookie is not None and question.client_id == client_id_from_cookie(cookie.value)


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({}, "text", "required"),
        ({"text": ""}, "text", "required"),
        ({"text": " \n\t\u200f "}, "text", "required"),
        ({"text": "آ" * 1001}, "text", "too_long"),
        ({"text": 42}, "text", "not_text"),
        ({"text": ["پرسش"]}, "text", "not_text"),
        ({"text": "پرسش", "category_id": 999}, "category_id", "unknown_category"),
        ({"text": "پرسش", "district_id": 999}, "district_id", "unknown_district"),
        ({"text": "پرسش", "category_id": "abc"}, "category_id", "invalid_choice"),
        ({"text": "پرسش", "name": "ن" * 81}, "name", "too_long"),
        ({"text": "پرسش", "phone": "12"}, "phone", "invalid_phone"),
        ({"text": "پرسش", "idempotency_key": "short"}, "idempotency_key", None),
    ],
)
def test_submit_validation(client, factory, body, field, code):
    live = factory.session(SessionStatus.OPEN)

    response = _submit(client, live.id, body)

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["field"] == field
    if code:
        assert error["code"] == code
    assert _count() == 0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [({}, "حداکثر ۱۰۰۰ نویسه مجاز است."), ({"Accept-Language": "en"}, "At most 1000 characters")],
)
def test_limits_are_written_in_the_readers_digits(client, factory, headers, expected):
    live = factory.session(SessionStatus.OPEN)
    url = f"/api/v1/sessions/{live.id}/questions"
    response = client.post(url, json={"text": "آ" * 1001}, headers=headers)
    assert expected in response.get_json()["error"]["message"]


def test_submit_at_the_length_limit_is_accepted(client, factory):
    live = factory.session(SessionStatus.OPEN)
    assert _submit(client, live.id, {"text": "آ" * 1000}).status_code == 201


def test_submit_removes_control_and_bidi_characters_but_keeps_zwnj(client, factory):
    live = factory.session(SessionStatus.OPEN)
    raw = "\u202eمی\u200cخواهم\u202c \x07بدانم\u2066؟\u2069"

    response = _submit(client, live.id, {"text": raw})

    assert response.status_code == 201
    stored = db.session.scalar(select(Question.text))
    assert stored == "می\u200cخواهم بدانم؟"
    assert response.get_json()["question"]["text"] == stored


def test_markup_is_stored_verbatim_as_text(client, factory):
    live = factory.session(SessionStatus.OPEN)
    raw = '<script>alert("x")</script> & <b>بلوار</b>'

    response = _submit(client, live.id, {"text": raw})

    assert response.get_json()["question"]["text"] == raw
    assert db.session.scalar(select(Question.text)) == raw


@pytest.mark.parametrize("where", ["body", "header"])
def test_same_idempotency_key_twice_stores_one_question(client, factory, where):
    live = factory.session(SessionStatus.OPEN)
    key = "c0ffee-0123456789"
    body = {"text": "پرسش تکراری"}
    kwargs = {}
    if where == "body":
        body["idempotency_key"] = key
    else:
        kwargs["headers"] = {"Idempotency-Key": key}

    first = _submit(client, live.id, body, **kwargs)
    second = _submit(client, live.id, body, **kwargs)

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json() == second.get_json()
    assert _count() == 1


def test_a_key_reused_with_another_text_is_422_not_the_old_question(client, factory):
    live = factory.session(SessionStatus.OPEN)
    key = "c0ffee-9876543210"
    first = _submit(client, live.id, {"text": "پرسش نخست", "idempotency_key": key})
    assert first.status_code == 201

    changed = _submit(client, live.id, {"text": "پرسش ویرایش‌شده", "idempotency_key": key})

    assert changed.status_code == 422
    error = changed.get_json()["error"]
    assert (error["code"], error["field"]) == ("idempotency_key_reused", "idempotency_key")
    assert _count() == 1


def test_submit_to_a_closed_or_unknown_session(client, factory):
    closed = factory.session(SessionStatus.CLOSED)
    refused = _submit(client, closed.id, {"text": "دیر رسیدم"})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "session_not_open"
    assert _submit(client, closed.id + 1, {"text": "کجا؟"}).status_code == 404
    assert _count() == 0


# --- supporting ---------------------------------------------------------------------


def test_support_counts_once_per_browser(app, client, factory):
    question = factory.question(status=S.APPROVED)
    url = f"/api/v1/questions/{question.id}/support"

    first = client.post(url)
    again = client.post(url)
    other = type(client)(app, app.response_class).post(url)

    assert first.status_code == 201
    assert first.get_json() == {"question_id": question.id, "support_count": 1}
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "already_supported"
    assert other.get_json()["support_count"] == 2


def test_support_of_unapproved_or_unknown_question(client, factory):
    question = factory.question(status=S.SUBMITTED)
    refused = client.post(f"/api/v1/questions/{question.id}/support")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "not_supportable"
    missing = client.post(f"/api/v1/questions/{question.id + 1}/support")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "unknown_question"
