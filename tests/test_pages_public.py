"""The public pages: citizen page, tracking, big screen; rendered with the test client."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from liveqa.domain import questions as verbs
from liveqa.domain.sessions import close_session
from liveqa.domain.text import persian_digits
from liveqa.extensions import db
from liveqa.i18n import LOCALE_COOKIE
from liveqa.models import Question, QuestionStatus, SessionStatus, utcnow
from tests.conftest import html

S = QuestionStatus


@pytest.fixture
def client(locale_client):
    """Pages are read in the language each request asks for."""
    return locale_client


@pytest.fixture
def live(factory):
    """Return a live session with one official, a category and a district."""
    live_session = factory.session(SessionStatus.LIVE)
    official = factory.official("Mahdi Karimi", title="معاون خدمات شهری", title_en="Deputy Mayor")
    live_session.officials.append(official)
    db.session.commit()
    factory.category()
    factory.district()
    return live_session


def question_count() -> int:
    return db.session.scalar(select(func.count(Question.id)))


@pytest.mark.parametrize(
    ("lang", "direction", "label"),
    [("fa", "rtl", "English"), ("en", "ltr", "فارسی")],
)
def test_citizen_page_renders_in_both_languages(client, live, lang, direction, label):
    response = client.get(f"/?lang={lang}")
    page = html(response)
    assert response.status_code == 200
    assert f'<html lang="{lang}" dir="{direction}">' in page
    assert 'name="csrf-token"' in page
    assert label in page
    assert 'data-testid="connection"' in page
    assert live.title in page
    assert "Mahdi Karimi" in page
    for field in ('name="text"', 'name="name"', 'name="category_id"', 'name="district_id"'):
        assert field in page
    assert 'name="phone"' in page and 'name="idempotency_key"' in page


def test_citizen_page_shows_jalali_date_with_persian_digits(client, live):
    page = html(client.get("/?lang=fa"))
    date_text = re.search(r'data-testid="session-date"[^>]*>([^<]+)<', page).group(1)
    assert re.search(r"[۰-۹]{4}", date_text)
    assert not re.search(r"[0-9]", date_text)
    assert "معاون خدمات شهری" in page


def test_lang_parameter_sets_the_language_cookie(client, live):
    response = client.get("/?lang=en")
    assert f"{LOCALE_COOKIE}=en" in response.headers.get("Set-Cookie", "")
    page = html(client.get("/"))
    assert '<html lang="en" dir="ltr">' in page


def test_citizen_page_without_any_session_is_friendly(client, ctx):
    response = client.get("/?lang=en")
    assert response.status_code == 200
    assert "No session is scheduled yet" in html(response)
    assert 'id="ask-form"' not in html(response)


def test_closed_session_shows_outcomes_and_disables_the_form(client, live, factory):
    factory.question(live, S.ANSWERED)
    factory.question(live, S.SUBMITTED)
    close_session(live, None, "follow_up")
    db.session.commit()
    page = html(client.get("/?lang=en"))
    assert "This session has ended" in page
    assert re.search(r"Followed up after the session: <strong>1</strong>", page)
    assert re.search(r"Answered: <strong>1</strong>", page)
    assert "<fieldset disabled>" in page


def test_board_shows_on_air_answers_and_approved_questions(client, live, factory):
    category = factory.category()
    approved = factory.question(
        live, S.APPROVED, text="Why is the bus late?", category_id=category.id, asker_name="Ali"
    )
    answered = factory.question(live, S.ANSWERED, text="When is the park ready?")
    on_air = factory.question(live, S.ON_AIR, text="Who cleans district 2?")
    submitted = factory.question(live, S.SUBMITTED, text="Not yet reviewed")
    page = html(client.get("/?lang=en"))
    on_air_box = page.split('data-testid="on-air"')[1].split("</section>")[0]
    assert on_air.text in on_air_box and on_air.official.name in on_air_box
    assert f'data-testid="answer-item" data-id="{answered.id}"' in page
    assert f'data-testid="board-question" data-id="{approved.id}"' in page
    assert f"{category.name_en} · Ali" in page
    assert submitted.text not in page


def test_js_off_submit_stores_the_question_and_redirects_to_tracking(client, live):
    form = {"text": "  Fix the lights on Emam street  ", "name": "Sara", "phone": "۰۹۱۲۱۲۳۴۵۶۷"}
    response = client.post("/", data=form | {"idempotency_key": "k" * 16})
    assert response.status_code == 303
    question = db.session.scalar(select(Question))
    assert response.headers["Location"] == f"/track/{question.tracking_code}?new=1"
    assert question.text == "Fix the lights on Emam street"
    assert question.asker_name == "Sara"
    assert question.asker_phone == "09121234567"
    page = html(client.get(response.headers["Location"] + "&lang=fa"))
    shown = re.search(r'data-testid="tracking-code"[^>]*>([^<]+)<', page).group(1)
    assert shown == persian_digits(question.tracking_code)
    assert "09121234567" not in page


def test_js_off_resubmit_with_the_same_key_stores_one_question(client, live):
    form = {"text": "Same question twice", "idempotency_key": "same-key-123"}
    first = client.post("/", data=form)
    second = client.post("/", data=form)
    assert first.headers["Location"] == second.headers["Location"]
    assert question_count() == 1


def test_js_off_form_sent_again_with_other_text_asks_a_new_question(client, live):
    key = {"idempotency_key": "back-key-123"}
    first = client.post("/", data=key | {"text": "Fix the lights"})
    # The citizen goes Back, edits the text and sends the same form again, twice.
    edited = [client.post("/", data=key | {"text": "Fix the lights on Emam street"}) for _ in "ab"]
    again = client.post("/", data=key | {"text": "Fix the lights"})

    statuses = [r.status_code for r in (first, *edited, again)]
    assert statuses == [303, 303, 303, 303]
    assert edited[0].headers["Location"] != first.headers["Location"]
    assert edited[-1].headers["Location"] == edited[0].headers["Location"]
    assert again.headers["Location"] == first.headers["Location"]
    texts = db.session.scalars(select(Question.text).order_by(Question.id)).all()
    assert texts == ["Fix the lights", "Fix the lights on Emam street"]


def test_api_still_refuses_a_key_reused_with_other_text(client, live):
    key = {"idempotency_key": "api-key-1234"}
    url = f"/api/v1/sessions/{live.id}/questions"
    assert client.post(url, json=key | {"text": "Fix the lights"}).status_code == 201
    refused = client.post(url, json=key | {"text": "Another question"})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["code"] == "idempotency_key_reused"


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"text": "   ", "name": "Reza Kept"}, "This field is required."),
        ({"text": "x" * 1001, "name": "Reza Kept"}, "At most 1000 characters are allowed."),
        ({"text": "Valid text", "name": "Reza Kept", "phone": "12ab"}, "phone number"),
    ],
)
def test_js_off_validation_error_rerenders_with_input_kept(client, live, form, message):
    response = client.post("/?lang=en", data=form)
    page = html(response)
    assert response.status_code == 422
    error = re.search(r'data-testid="form-error"[^>]*>([^<]*)<', page).group(1)
    assert message in error
    assert 'value="Reza Kept"' in page
    assert question_count() == 0


def test_js_off_submit_to_a_closed_session_is_refused(client, factory):
    factory.session(SessionStatus.CLOSED)
    response = client.post("/?lang=en", data={"text": "Too late?"})
    assert response.status_code == 409
    assert "not taking questions" in html(response)
    assert question_count() == 0


def test_script_in_a_question_is_shown_as_text(client, live, factory):
    evil = "<script>alert('x')</script>"
    question = factory.question(live, S.APPROVED, text=evil)
    for url in ("/", f"/track/{question.tracking_code}"):
        page = html(client.get(url))
        assert evil not in page
        assert "&lt;script&gt;alert(" in page


def test_tracking_lookup_accepts_persian_and_arabic_digits(client, live, factory):
    question = factory.question(live)
    code = question.tracking_code
    arabic = code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    for raw in (persian_digits(code), arabic, code):
        response = client.get("/track", query_string={"code": raw})
        assert response.status_code == 302
        assert response.headers["Location"] == f"/track/{code}"
    page = html(client.get(f"/track/{persian_digits(code)}"))
    assert f'data-testid="my-question" data-code="{code}"' in page
    assert question.text in page


@pytest.mark.parametrize(("raw", "status"), [("12345", 422), ("12345678", 422)])
def test_tracking_lookup_rejects_bad_codes(client, ctx, raw, status):
    response = client.get("/track", query_string={"code": raw, "lang": "en"})
    assert response.status_code == status
    assert "not a valid tracking code" in html(response)


def test_tracking_unknown_code_is_404(client, ctx):
    from liveqa.domain.tracking import check_digit

    body = "1234567"
    response = client.get(f"/track/{body}{check_digit(body)}?lang=en")
    assert response.status_code == 404
    assert "No question has this tracking code" in html(response)


def test_tracking_page_shows_answer_and_status(client, live, factory):
    question = factory.question(live, S.ANSWERED)
    page = html(client.get(f"/track/{question.tracking_code}?lang=en"))
    assert 'data-status="answered"' in page
    assert re.search(r'data-testid="my-answer">پاسخ<', page)


def test_tracking_page_shows_reject_reason_and_note(client, live, factory):
    question = factory.question(live)
    moderator = factory.user("moderator")
    verbs.reject_question(question, moderator, "not_municipal", note="Call 137 <b>instead</b>")
    db.session.commit()
    page = html(client.get(f"/track/{question.tracking_code}?lang=en"))
    assert 'data-status="rejected"' in page
    assert "Outside the municipality" in page
    assert "Call 137 &lt;b&gt;instead&lt;/b&gt;" in page


def test_tracking_page_of_a_merged_question_shows_the_target_answer(client, live, factory):
    target = factory.question(live, S.ANSWERED, text="The main question")
    duplicate = factory.question(live)
    verbs.merge_question(duplicate, target, factory.user("moderator"))
    db.session.commit()
    page = html(client.get(f"/track/{duplicate.tracking_code}?lang=en"))
    assert "merged with a similar one" in page
    assert "The main question" in page
    assert 'data-status="answered"' in page
    assert 'data-testid="my-answer"' in page


def test_my_questions_lists_this_browsers_questions(client, live):
    client.post("/", data={"text": "Mine, from this browser"})
    page = html(client.get("/"))
    mine = page.split('data-testid="my-questions"')[1].split("</ul>")[0]
    assert "Mine, from this browser" in mine


def test_js_off_support_counts_once(client, live, factory):
    question = factory.question(live, S.APPROVED)
    for _ in range(2):
        response = client.post(f"/support/{question.id}")
        assert response.status_code == 303
    db.session.refresh(question)
    assert question.support_count == 1
    page = html(client.get("/"))
    item = page.split(f'id="q-{question.id}"')[1].split("</li>")[0]
    assert 'aria-pressed="true"' in item


def test_js_off_support_of_a_question_not_on_the_board_changes_nothing(client, live, factory):
    question = factory.question(live, S.SUBMITTED)
    response = client.post(f"/support/{question.id}")
    assert response.status_code == 303
    db.session.refresh(question)
    assert question.support_count == 0
    assert client.post(f"/support/{question.id + 1}").status_code == 404


@pytest.mark.parametrize("order", ["support", "time"])
def test_page_and_api_list_the_board_in_the_same_order(client, live, factory, order):
    made = [factory.question(live, S.APPROVED) for _ in range(4)]
    now = utcnow()
    # Ties on support go to the earlier question: submission time decides, not the id.
    for question, minutes_ago, supporters in zip(made, [3, 0, 2, 1], [1, 2, 1, 2], strict=True):
        question.submitted_at = now - timedelta(minutes=minutes_ago)
        question.support_count = supporters
    db.session.commit()
    ids = [q.id for q in made]

    url = f"/api/v1/sessions/{live.id}/questions?order={order}"
    api = [q["id"] for q in client.get(url).get_json()["questions"]]
    page = html(client.get(f"/?order={order}"))
    shown = [int(i) for i in re.findall(r'data-testid="board-question" data-id="(\d+)"', page)]

    expected = {"support": [3, 1, 0, 2], "time": [1, 3, 2, 0]}[order]
    assert api == shown == [ids[i] for i in expected]


def test_screen_current_redirects_to_the_current_session(client, live):
    response = client.get("/screen/current")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/screen/{live.id}"


def test_screen_current_without_a_session_renders(client, ctx):
    response = client.get("/screen/current?lang=en")
    assert response.status_code == 200
    assert "No session is scheduled yet" in html(response)


def test_screen_shows_on_air_question_official_and_counters(client, live, factory):
    factory.question(live, S.ANSWERED)
    factory.question(live, S.SUBMITTED)
    on_air = factory.question(live, S.ON_AIR, text="On the big screen")
    page = html(client.get(f"/screen/{live.id}?lang=en"))
    assert re.search(r'data-testid="screen-question">On the big screen<', page)
    official = re.search(r'data-testid="screen-official">(.*?)</p>', page).group(1)
    assert on_air.official.name in official and on_air.official.title in official
    assert re.search(r'data-testid="counter-received">3<', page)
    assert re.search(r'data-testid="counter-answered">1<', page)
    assert re.search(r'data-testid="counter-waiting">2<', page)
    assert "screen.css" in page


def test_screen_shows_the_last_answer_when_nothing_is_on_air(client, live, factory):
    factory.question(live, S.ANSWERED, text="Answered on screen")
    page = html(client.get(f"/screen/{live.id}?lang=fa"))
    assert re.search(r'data-testid="screen-question">Answered on screen<', page)
    assert "پاسخ" in page.split('data-testid="screen-answer"')[1]
    assert re.search(r'data-testid="counter-answered">۱<', page)


def test_screen_unknown_session_is_404(client, ctx):
    assert client.get("/screen/999").status_code == 404


def test_rendered_pages_have_no_external_urls(client, live, factory):
    question = factory.question(live, S.ON_AIR)
    urls = [
        "/",
        "/?lang=en",
        "/track",
        f"/track/{question.tracking_code}?new=1",
        f"/screen/{live.id}",
        "/login",
        "/no-such-page",
    ]
    for url in urls:
        page = html(client.get(url))
        assert "<html" in page
        assert not re.search(r'(?:src|href|action)\s*=\s*["\']?\s*(?:https?:)?//', page), url
        assert "@import" not in page


@pytest.mark.parametrize("lang", ["fa", "en"])
def test_other_pages_render_in_both_languages(client, live, factory, lang):
    question = factory.question(live)
    direction = "rtl" if lang == "fa" else "ltr"
    for url in ("/track", f"/track/{question.tracking_code}", f"/screen/{live.id}", "/login"):
        response = client.get(f"{url}?lang={lang}")
        assert response.status_code == 200, url
        assert f'<html lang="{lang}" dir="{direction}">' in html(response)
