"""Staff pages: who may open the desk and the panel, and what the server embeds in them."""

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from liveqa.extensions import db
from liveqa.models import QuestionStatus, RejectReason, SessionStatus
from tests.conftest import login

STATIC_JS = Path(__file__).resolve().parent.parent / "static" / "js"


def _json_block(html: str, block_id: str) -> dict:
    match = re.search(
        rf'<script type="application/json" id="{block_id}">(.*?)</script>', html, re.DOTALL
    )
    assert match, f"no #{block_id} block"
    return json.loads(match.group(1))


def _module_sources(entry: Path) -> str:
    """Return the text of the ES module ENTRY and of every module it imports, transitively."""
    seen, todo, texts = set(), [entry.resolve()], []
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        text = path.read_text(encoding="utf-8")
        texts.append(text)
        todo += [(path.parent / name).resolve() for name in re.findall(r'from "(\.[^"]+)"', text)]
    return "\n".join(texts)


def _page(client, path):
    response = client.get(path)
    return response, response.get_data(as_text=True)


@pytest.fixture
def live(factory):
    """Return a live session with a category routed by default to an official."""
    official = factory.official(name="Deputy for Traffic")
    category = factory.category(official=official)
    factory.district(2)
    session = factory.session(SessionStatus.LIVE)
    return {"session": session, "official": official, "category": category}


@pytest.mark.parametrize("path", ["/moderate", "/panel"])
def test_anonymous_is_sent_to_login(client, ctx, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert "next=" in response.headers["Location"]


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        ("admin", "/moderate", 200),
        ("moderator", "/moderate", 200),
        ("operator", "/moderate", 200),
        ("official", "/moderate", 403),
        ("admin", "/panel", 200),
        ("moderator", "/panel", 200),
        ("official", "/panel", 200),
        ("operator", "/panel", 403),
    ],
)
def test_roles(client, factory, live, role, path, status):
    user = live["official"].user if role == "official" else factory.user(role)
    login(client, user.username)
    response, html = _page(client, path)
    assert response.status_code == status
    if status == 403:
        assert 'id="staff-data"' not in html


def test_desk_embeds_session_lookups_and_user(client, factory, live):
    moderator = factory.user("moderator")
    later = factory.session(SessionStatus.SCHEDULED, starts_in=timedelta(days=7))
    login(client, moderator.username)
    _, html = _page(client, "/moderate")
    data = _json_block(html, "staff-data")
    assert data["api"] == "/api/v1"
    assert data["session"]["id"] == live["session"].id
    assert data["session"]["status"] == "live"
    assert data["next_session"]["id"] == later.id
    assert data["categories"][0]["default_official_id"] == live["official"].id
    assert [d["number"] for d in data["districts"]] == [2]
    assert [o["id"] for o in data["officials"]] == [live["official"].id]
    assert [r["value"] for r in data["reject_reasons"]] == [r.value for r in RejectReason]
    assert all(r["label"] for r in data["reject_reasons"])
    assert data["user"] == {
        "id": moderator.id,
        "display_name": moderator.display_name,
        "role": "moderator",
        "official_id": None,
    }
    assert 'src="/static/js/desk.js"' in html


def test_panel_embeds_the_officials_own_id(client, live):
    login(client, live["official"].user.username)
    _, html = _page(client, "/panel")
    data = _json_block(html, "staff-data")
    assert data["user"]["role"] == "official"
    assert data["user"]["official_id"] == live["official"].id
    assert 'id="answer-form"' in html
    assert 'data-testid="answer-submit"' in html
    assert 'type="date" name="follow_up_due"' in html
    # An official sees only their own questions: no selector of whose questions to show.
    assert 'id="view-official"' not in html


def test_panel_for_moderators_offers_an_official_selector(client, factory, live):
    login(client, factory.user("moderator").username)
    _, html = _page(client, "/panel")
    assert 'id="view-official"' in html
    assert f'<option value="{live["official"].id}">' in html


def test_official_without_a_linked_record_is_told(client, factory, live):
    login(client, factory.user("official").username)
    response, html = _page(client, "/panel?lang=en")
    assert response.status_code == 200
    assert _json_block(html, "staff-data")["user"]["official_id"] is None
    assert "not linked to an official" in html


@pytest.mark.parametrize(
    ("role", "controls", "operator_open"),
    [("moderator", True, False), ("admin", True, False), ("operator", False, True)],
)
def test_desk_controls_follow_the_role(client, factory, live, role, controls, operator_open):
    login(client, factory.user(role).username)
    _, html = _page(client, "/moderate")
    assert ('data-action="session-close"' in html) is controls
    assert ('id="close-dialog"' in html) is controls
    assert 'id="operator-form"' in html
    assert 'data-testid="operator-submit"' in html
    assert 'name="idempotency_key"' in html
    # Operators get the entry form open; moderators have it folded away.
    assert ('<details class="card operator">' in html) is not operator_open


@pytest.mark.parametrize("path", ["/moderate", "/panel"])
def test_without_any_session_the_page_says_so(client, factory, path):
    login(client, factory.user("admin").username)
    response, html = _page(client, path)
    assert response.status_code == 200
    assert 'data-testid="no-session"' in html
    assert _json_block(html, "staff-data")["session"] is None
    assert "desk.js" not in html and "panel.js" not in html
    assert 'data-testid="connection"' not in html


def test_user_data_is_escaped_in_the_embedded_json(client, factory, live):
    category = factory.category()
    category.name = "</script><script>alert(1)</script>"
    db.session.commit()
    login(client, factory.user("moderator").username)
    _, html = _page(client, "/moderate")
    assert "<script>alert(1)" not in html
    names = [c["name"] for c in _json_block(html, "staff-data")["categories"]]
    assert "</script><script>alert(1)</script>" in names


@pytest.mark.parametrize(
    ("lang", "direction", "approve"), [("fa", "rtl", None), ("en", "ltr", "Approve")]
)
@pytest.mark.parametrize("path", ["/moderate", "/panel"])
def test_renders_in_both_languages(client, factory, live, path, lang, direction, approve):
    login(client, factory.user("moderator").username)
    response, html = _page(client, f"{path}?lang={lang}")
    assert response.status_code == 200
    assert f'<html lang="{lang}" dir="{direction}">' in html
    assert '<meta name="csrf-token"' in html
    assert 'data-testid="connection"' in html
    strings = _json_block(html, "i18n")
    assert strings["labels"]["question_status"]["on_air"]
    if approve and path == "/moderate":
        assert strings["approve"] == approve


@pytest.mark.parametrize("path", ["/moderate", "/panel"])
def test_no_external_urls(client, factory, live, path):
    login(client, factory.user("admin").username)
    _, html = _page(client, path)
    assert not re.search(r'(?:src|href|action)="(?:https?:)?//', html)


@pytest.mark.parametrize(("path", "script"), [("/moderate", "desk.js"), ("/panel", "panel.js")])
def test_every_string_the_script_uses_is_rendered(client, factory, live, path, script):
    login(client, factory.user("moderator").username)
    _, html = _page(client, path)
    strings = _json_block(html, "i18n")
    source = _module_sources(STATIC_JS / script)
    used = set(re.findall(r'\bt\("([a-z_.]+)"\s*[,)]', source))
    assert used, "no t() calls found"
    assert sorted(used - strings.keys()) == []
    # Labels looked up at run time by a status value, served from liveqa/domain/labels.py.
    labels = strings["labels"]
    for status in QuestionStatus:
        assert labels["question_status"][status.value]
    for status in SessionStatus:
        assert labels["session_status"][status.value]
    assert {"web", "phone"} <= labels["channel"].keys()


@pytest.mark.parametrize(("lang", "expected"), [("en", "Live"), ("fa", "زنده")])
def test_the_session_badge_is_named_on_the_server(client, factory, live, lang, expected):
    login(client, factory.user("moderator").username)
    _, page = _page(client, f"/moderate?lang={lang}")
    badge = re.search(r'data-testid="session-status" data-status="live">([^<]*)<', page)
    assert badge is not None
    assert badge.group(1) == expected
