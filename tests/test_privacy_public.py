"""Personal numbers in a question or a name: masked in every public view, flagged to staff."""

import pytest

from liveqa.domain import questions as verbs
from liveqa.domain.text import ascii_digits
from liveqa.extensions import db
from liveqa.models import Question, QuestionStatus
from liveqa.serializers import question_public, question_staff
from tests.conftest import events, fresh, html, login_as

S = QuestionStatus
TEXT = "آب محله ما قطع است، لطفا با من تماس بگیرید ۰۹۱۲۳۴۵۶۷۸۹ یا کارت 6037991234567893"
NAME = "مریم 025-37841234"
# Every way the numbers could leak: as written, and in the other digit script.
SECRETS = ["09123456789", "۰۹۱۲۳۴۵۶۷۸۹", "6037991234567893", "37841234", "۳۷۸۴۱۲۳۴"]


def leaked(body: str) -> list[str]:
    """Return the SECRETS present in BODY, in any digit script."""
    plain = ascii_digits(body)
    return [secret for secret in SECRETS if secret in body or ascii_digits(secret) in plain]


@pytest.fixture
def on_air(factory, live):
    """Return a question with numbers in its text and name, on air in the live session."""
    return factory.question(live, S.ON_AIR, text=TEXT, asker_name=NAME)


def test_public_view_masks_numbers_in_text_and_name(on_air):
    public = question_public(on_air)
    assert leaked(repr(public)) == []
    assert public["text"].startswith("آب محله ما قطع است")
    assert "•••••••••••" in public["text"]
    assert public["asker_name"] == "مریم •••-••••••••"


def test_staff_view_keeps_the_verbatim_text_and_flags_the_kinds(on_air):
    staff = question_staff(on_air)
    assert staff["verbatim_text"] == TEXT
    assert staff["verbatim_asker_name"] == NAME
    assert staff["privacy_flags"] == ["phone", "card"]
    # What staff see as published is what the public sees.
    assert staff["text"] == question_public(on_air)["text"]


def test_no_flags_for_ordinary_text(factory, live):
    question = factory.question(live, text="از سال ۱۴۰۵ مبلغ ۱۵۰ میلیون تومان", asker_name="علی")
    assert question_staff(question)["privacy_flags"] == []
    assert question_public(question)["text"] == "از سال ۱۴۰۵ مبلغ ۱۵۰ میلیون تومان"


def test_a_moderators_edit_is_published_as_edited(factory, live, mod):
    question = factory.question(live, S.APPROVED, text=TEXT)
    chosen = "لطفا با شماره ۰۲۵۳۷۸۴۰۰۰۰ ستاد تماس بگیرید"
    verbs.edit_question(question, mod, chosen)
    db.session.commit()
    assert question_public(fresh(Question, question.id))["text"] == chosen
    # The citizen's verbatim text is still flagged for staff.
    assert question_staff(fresh(Question, question.id))["privacy_flags"] == ["phone", "card"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/sessions/{sid}/snapshot",
        "/api/v1/sessions/{sid}/questions",
        "/?lang=en",
        "/screen/{sid}",
        "/screen/{sid}?lang=en",
    ],
)
def test_public_api_and_pages_never_show_the_numbers(client, on_air, path):
    response = client.get(path.format(sid=on_air.session_id))
    assert response.status_code == 200
    body = html(response)
    assert "آب محله ما قطع است" in body or "\\u0622\\u0628" in body
    assert leaked(body) == []


def test_public_board_page_masks_an_approved_question(client, factory, live):
    factory.question(live, S.APPROVED, text=TEXT, asker_name=NAME)
    body = html(client.get("/"))
    assert "آب محله ما قطع است" in body
    assert leaked(body) == []


def test_tracking_views_mask_the_numbers_too(client, factory, on_air):
    code = on_air.tracking_code
    for body in (
        html(client.get(f"/api/v1/questions/{code}")),
        html(client.get(f"/track/{code}")),
    ):
        assert "آب محله ما قطع است" in body or "\\u0622\\u0628" in body
        assert leaked(body) == []


def test_staff_queue_serves_the_verbatim_text_and_flags(client, factory, on_air):
    login_as(client, factory, "moderator")
    body = client.get(f"/api/v1/sessions/{on_air.session_id}/queue").get_json()
    [item] = body["questions"]
    assert item["verbatim_text"] == TEXT
    assert item["privacy_flags"] == ["phone", "card"]
    assert leaked(repr(item["text"])) == []


def test_socket_payloads_to_public_rooms_are_masked(desk):
    clients, moderator = desk["clients"], desk["moderator"]
    question, _ = verbs.submit_question(desk["live"], text=TEXT, asker_name=NAME)
    db.session.commit()
    for sock in clients.values():
        sock.get_received()

    verbs.approve_question(fresh(Question, question.id), moderator)
    db.session.commit()

    [public] = events(clients["public"], "change")
    [screen] = events(clients["screen"], "change")
    [staff] = events(clients["moderators"], "change")
    for payload in (public, screen):
        assert payload["question"]["id"] == question.id
        assert leaked(repr(payload)) == []
    assert staff["question"]["verbatim_text"] == TEXT
    assert staff["question"]["privacy_flags"] == ["phone", "card"]
