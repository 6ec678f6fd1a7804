"""Staff API, triage: approve, reject, edit, merge, classify, route, reorder."""

from sqlalchemy import select

from liveqa.extensions import db
from liveqa.models import (
    AuditRecord,
    QuestionStatus,
    SessionStatus,
)
from tests.conftest import login_as, question_state

S = QuestionStatus


# --- triage -------------------------------------------------------------------------


def test_approve_returns_the_staff_view_and_audits(client, factory, live):
    question = factory.question(live)
    moderator = login_as(client, factory, "moderator")

    response = client.post(f"/api/v1/questions/{question.id}/approve", json={"version": 1})

    assert response.status_code == 200
    body = response.get_json()["question"]
    assert (body["status"], body["version"]) == ("approved", 2)
    audit = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "approved"))
    assert audit.actor_id == moderator.id


def test_stale_version_is_409_and_changes_nothing(app, client, factory, live):
    question = factory.question(live)
    login_as(client, factory, "moderator")
    other = type(client)(app, app.response_class, use_cookies=True)
    login_as(other, factory, "moderator")
    url = f"/api/v1/questions/{question.id}"

    assert client.post(url + "/approve", json={"version": 1}).status_code == 200
    late = other.post(url + "/reject", json={"reason": "off_topic", "version": 1})

    assert late.status_code == 409
    assert late.get_json()["error"]["code"] == "stale"
    assert late.get_json()["error"]["details"] == {"version": 2}
    assert question_state(question)[:2] == (S.APPROVED, 2)


def test_illegal_transition_is_409(client, factory, live):
    question = factory.question(live, S.REJECTED)
    login_as(client, factory, "moderator")

    response = client.post(f"/api/v1/questions/{question.id}/approve")

    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "invalid_transition"
    assert error["details"] == {"from": "rejected", "to": "approved"}
    # The message names the states in words, in the reader's language.
    assert "«پذیرفته نشد»" in error["message"] and "«تأیید شده»" in error["message"]
    english = client.post(
        f"/api/v1/questions/{question.id}/approve", headers={"Accept-Language": "en"}
    ).get_json()["error"]["message"]
    assert english == "A question that is Rejected cannot become Approved."


def test_illegal_session_move_is_409_in_words(client, factory):
    closed = factory.session(SessionStatus.CLOSED)
    login_as(client, factory, "moderator")
    response = client.post(f"/api/v1/sessions/{closed.id}/start", headers={"Accept-Language": "en"})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["message"] == "A session that is Closed cannot become Live."
    assert error["details"] == {"from": "closed", "to": "live"}


def test_reject_with_reason_and_note(client, factory, live):
    question = factory.question(live)
    login_as(client, factory, "admin")
    url = f"/api/v1/questions/{question.id}/reject"

    bad = client.post(url, json={"reason": "boring"})
    good = client.post(url, json={"reason": "not_municipal", "note": "به اداره برق"})

    assert (bad.status_code, bad.get_json()["error"]["field"]) == (422, "reason")
    body = good.get_json()["question"]
    assert (body["status"], body["reject_reason"], body["reject_note"]) == (
        "rejected",
        "not_municipal",
        "به اداره برق",
    )


def test_edit_keeps_the_verbatim_text(client, factory, live):
    question = factory.question(live, text="خیابون خرابه")
    login_as(client, factory, "moderator")
    url = f"/api/v1/questions/{question.id}/edit"

    assert client.post(url, json={"text": "  "}).status_code == 422
    body = client.post(url, json={"text": "خیابان خراب است"}).get_json()["question"]

    assert body["verbatim_text"] == "خیابون خرابه"
    assert body["edited_text"] == body["text"] == "خیابان خراب است"


def test_merge_into_another_question(client, factory, live):
    target = factory.question(live, S.APPROVED)
    question = factory.question(live)
    login_as(client, factory, "moderator")
    url = f"/api/v1/questions/{question.id}/merge"

    for body, field in (({}, "into"), ({"into": 9999}, "into"), ({"into": "x"}, "into")):
        response = client.post(url, json=body)
        assert (response.status_code, response.get_json()["error"]["field"]) == (422, field)
    assert client.post(url, json={"into": question.id}).status_code == 422
    merged = client.post(url, json={"into": target.id}).get_json()["question"]

    assert (merged["status"], merged["merged_into_id"]) == ("merged", target.id)


def test_classify_keeps_a_field_left_out_and_clears_a_null(client, factory, live):
    question = factory.question(live)
    category = factory.category()
    district = factory.district()
    login_as(client, factory, "moderator")
    url = f"/api/v1/questions/{question.id}/classify"

    client.post(url, json={"category_id": category.id})
    kept = client.post(url, json={"district_id": district.id}).get_json()["question"]
    cleared = client.post(url, json={"category_id": None}).get_json()["question"]
    unknown = client.post(url, json={"district_id": 999})

    assert (kept["category_id"], kept["district_id"]) == (category.id, district.id)
    assert (cleared["category_id"], cleared["district_id"]) == (None, district.id)
    assert unknown.status_code == 422
    assert unknown.get_json()["error"]["field"] == "district_id"


def test_route_to_an_official(client, factory, live):
    question = factory.question(live, S.APPROVED)
    official = factory.official()
    login_as(client, factory, "moderator")
    url = f"/api/v1/questions/{question.id}/route"

    missing = client.post(url, json={"official_id": 999})
    routed = client.post(url, json={"official_id": official.id}).get_json()["question"]

    assert (missing.status_code, missing.get_json()["error"]["field"]) == (422, "official_id")
    assert (routed["status"], routed["official"]["id"]) == ("routed", official.id)


def test_reorder_the_queue(client, factory, live):
    first = factory.question(live, S.APPROVED)
    second = factory.question(live, S.SUBMITTED)
    done = factory.question(live, S.ANSWERED)
    login_as(client, factory, "moderator")
    url = f"/api/v1/sessions/{live.id}/order"

    response = client.post(url, json={"order": [second.id, first.id]})
    refused = client.post(url, json={"order": [done.id]})

    assert response.status_code == 200
    positions = [(q["id"], q["position"]) for q in response.get_json()["questions"]]
    assert positions == [(second.id, 1), (first.id, 2)]
    assert refused.status_code == 422


def test_acting_right_after_a_reorder_is_not_stale(client, factory, live):
    first = factory.question(live, S.APPROVED)
    second = factory.question(live, S.SUBMITTED)
    official = factory.official()
    versions = {first.id: first.version, second.id: second.version}
    login_as(client, factory, "moderator")
    order = client.post(f"/api/v1/sessions/{live.id}/order", json={"order": [second.id, first.id]})
    assert order.status_code == 200

    approved = client.post(
        f"/api/v1/questions/{second.id}/approve", json={"version": versions[second.id]}
    )
    routed = client.post(
        f"/api/v1/questions/{first.id}/route",
        json={"official_id": official.id, "version": versions[first.id]},
    )

    assert (approved.status_code, routed.status_code) == (200, 200), routed.get_json()
    assert approved.get_json()["question"]["status"] == "approved"
    assert routed.get_json()["question"]["position"] == 2
