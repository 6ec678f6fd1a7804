"""Staff API on air: taking questions on air, putting back, transferring, answering."""

from datetime import date, timedelta

from liveqa.domain import questions as verbs
from liveqa.extensions import db
from liveqa.models import (
    QuestionStatus,
    SessionStatus,
)
from tests.conftest import login, login_as

S = QuestionStatus


# --- on air -------------------------------------------------------------------------


def _routed_to(factory, live_session, official):
    question = factory.question(live_session, S.APPROVED)
    verbs.route_question(question, factory._staff, official.id)
    db.session.commit()
    return question


def test_official_takes_own_question_on_air_but_not_anothers(client, factory, live):
    mine = factory.official()
    theirs = factory.official()
    own = _routed_to(factory, live, mine)
    other = _routed_to(factory, live, theirs)
    login(client, mine.user.username)

    refused = client.post(f"/api/v1/questions/{other.id}/on-air")
    taken = client.post(f"/api/v1/questions/{own.id}/on-air")

    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "not_yours"
    assert taken.status_code == 200
    assert taken.get_json()["question"]["status"] == "on_air"


def test_only_one_question_on_air(client, factory, live):
    official = factory.official()
    first = _routed_to(factory, live, official)
    second = _routed_to(factory, live, official)
    login_as(client, factory, "moderator")

    assert client.post(f"/api/v1/questions/{first.id}/on-air").status_code == 200
    response = client.post(f"/api/v1/questions/{second.id}/on-air")

    assert response.status_code == 409
    error = response.get_json()["error"]
    assert (error["code"], error["details"]) == ("another_on_air", {"question_id": first.id})


def test_on_air_needs_a_live_session(client, factory):
    open_session = factory.session(SessionStatus.OPEN)
    question = _routed_to(factory, open_session, factory.official())
    login_as(client, factory, "moderator")
    response = client.post(f"/api/v1/questions/{question.id}/on-air")
    assert (response.status_code, response.get_json()["error"]["code"]) == (
        409,
        "session_not_live",
    )


def test_put_back_and_transfer(client, factory, live):
    question = factory.question(live, S.ON_AIR)
    other = factory.official()
    login_as(client, factory, "moderator")
    url = f"/api/v1/questions/{question.id}"

    back = client.post(url + "/put-back").get_json()["question"]
    again = client.post(url + "/put-back")
    moved = client.post(url + "/transfer", json={"official_id": other.id})

    assert back["status"] == "routed"
    assert again.status_code == 409
    assert moved.get_json()["question"]["official_id"] == other.id


def test_answer_with_a_follow_up(client, factory, live):
    question = factory.question(live, S.ON_AIR)
    login_as(client, factory, "moderator")
    url = f"/api/v1/questions/{question.id}/answer"
    due = (date.today() + timedelta(days=30)).isoformat()

    past = client.post(
        url,
        json={
            "kind": "verbal",
            "text": "پاسخ",
            "follow_up_unit": "منطقه ۳",
            "follow_up_due": "2000-01-01",
        },
    )
    half = client.post(url, json={"kind": "verbal", "text": "پاسخ", "follow_up_unit": "x"})
    bad_kind = client.post(url, json={"kind": "sung", "text": "پاسخ"})
    answered = client.post(
        url,
        json={
            "kind": "verbal",
            "text": "تا آخر ماه",
            "follow_up_unit": "منطقه ۳",
            "follow_up_due": due,
        },
    )

    assert (past.status_code, past.get_json()["error"]["field"]) == (422, "follow_up_due")
    assert (half.status_code, half.get_json()["error"]["field"]) == (422, "follow_up_due")
    assert (bad_kind.status_code, bad_kind.get_json()["error"]["field"]) == (422, "kind")
    body = answered.get_json()["question"]
    assert body["status"] == "answered"
    assert body["answer"]["text"] == "تا آخر ماه"
    assert body["answer"]["follow_up"]["due_on"] == due
