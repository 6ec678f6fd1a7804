"""End-to-end through HTTP only: a citizen's question from submission to its outcome."""

from datetime import timedelta

import pytest

from liveqa.models import SessionStatus
from tests.conftest import FreshContextClient, login


def _client(app):
    return FreshContextClient(app, app.response_class, use_cookies=True)


def _ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


@pytest.fixture
def cast(app, factory):
    """Return the people of a session: a citizen, a logged-in moderator and official."""
    session = factory.session(SessionStatus.OPEN)
    official = factory.official(name="معاون خدمات شهری")
    category = factory.category(official=official)
    moderator = factory.user("moderator")
    people = {
        "session_id": session.id,
        "category_id": category.id,
        "official_id": official.id,
        "citizen": _client(app),
        "moderator": _client(app),
        "official": _client(app),
    }
    _ok(login(people["moderator"], moderator.username))
    _ok(login(people["official"], official.user.username))
    return people


def test_question_from_submission_to_answer(cast):
    citizen, moderator, official = cast["citizen"], cast["moderator"], cast["official"]
    session_id = _ok(citizen.get("/api/v1/sessions/current"))["session"]["id"]
    assert session_id == cast["session_id"]

    submitted = _ok(
        citizen.post(
            f"/api/v1/sessions/{session_id}/questions",
            json={"text": "زمان بازگشایی پل غدیر؟", "category_id": cast["category_id"]},
        ),
        201,
    )["question"]
    code = submitted["tracking_code_display"]  # as the citizen sees it: Persian digits

    [queued] = _ok(moderator.get(f"/api/v1/sessions/{session_id}/queue"))["questions"]
    qid, version = queued["id"], queued["version"]
    base = f"/api/v1/questions/{qid}"
    approved = _ok(moderator.post(base + "/approve", json={"version": version}))["question"]
    assert _ok(citizen.post(base + "/support"), 201)["support_count"] == 1
    routed = _ok(
        moderator.post(
            base + "/route",
            json={"official_id": cast["official_id"], "version": approved["version"]},
        )
    )["question"]
    assert _ok(moderator.post(f"/api/v1/sessions/{session_id}/start"))["session"]["status"] == (
        "live"
    )
    on_air = _ok(official.post(base + "/on-air", json={"version": routed["version"]}))
    board = _ok(citizen.get(f"/api/v1/sessions/{session_id}/snapshot"))
    assert board["on_air"]["id"] == qid
    _ok(
        official.post(
            base + "/answer",
            json={
                "kind": "written",
                "text": "پل غدیر تا پایان خرداد باز می‌شود.",
                "version": on_air["question"]["version"],
            },
        )
    )

    tracked = _ok(citizen.get(f"/api/v1/questions/{code}"))["question"]
    assert tracked["status"] == tracked["outcome"] == "answered"
    assert tracked["answer"]["text"] == "پل غدیر تا پایان خرداد باز می‌شود."
    assert tracked["answer"]["official"]["name"] == "معاون خدمات شهری"
    board = _ok(citizen.get(f"/api/v1/sessions/{session_id}/snapshot"))
    assert board["on_air"] is None
    assert board["counters"]["answered"] == 1
    assert board["questions"][0]["support_count"] == 1


@pytest.mark.parametrize("disposition", ["carry_over", "follow_up"])
def test_closing_a_session_gives_every_open_question_an_outcome(cast, factory, disposition):
    citizen, moderator = cast["citizen"], cast["moderator"]
    session_id = cast["session_id"]
    later = factory.session(SessionStatus.SCHEDULED, starts_in=timedelta(days=7))
    codes = []
    for text in ("پرسش اول", "پرسش دوم"):
        created = citizen.post(f"/api/v1/sessions/{session_id}/questions", json={"text": text})
        codes.append(_ok(created, 201)["question"]["tracking_code"])
    first = _ok(citizen.get(f"/api/v1/questions/{codes[0]}"))["question"]
    assert first["outcome"] is None
    queue = _ok(moderator.get(f"/api/v1/sessions/{session_id}/queue"))["questions"]
    _ok(moderator.post(f"/api/v1/questions/{queue[0]['id']}/approve"))

    closed = _ok(
        moderator.post(f"/api/v1/sessions/{session_id}/close", json={"disposition": disposition})
    )

    assert closed["session"]["status"] == "closed"
    assert closed["summary"]["questions"] == 2
    expected = "carried_over" if disposition == "carry_over" else "unanswered"
    for code in codes:
        tracked = _ok(citizen.get(f"/api/v1/questions/{code}"))["question"]
        assert tracked["outcome"] == expected
        if disposition == "carry_over":
            assert tracked["carried_to_session_id"] == later.id
        else:
            assert len(tracked["follow_ups"]) == 1
    refused = citizen.post(f"/api/v1/sessions/{session_id}/questions", json={"text": "دیر"})
    assert refused.status_code == 409
