"""Every card is drawn once, in a Jinja macro; the JavaScript only clones its <template>."""

import re
from pathlib import Path

import pytest

from liveqa.models import QuestionStatus, SessionStatus
from tests.conftest import login

ROOT = Path(__file__).resolve().parent.parent
JS = ROOT / "static" / "js"
TEMPLATES = ROOT / "templates"
# Where the cards are drawn: the public cards, the staff cards, the big screen's stage.
CARD_SOURCES = [
    TEMPLATES / "citizen" / "_macros.html",
    TEMPLATES / "staff" / "_cards.html",
    TEMPLATES / "screen" / "screen.html",
]
# Classes a card shares with the small non-card elements the JS may still make.
SHARED_CLASSES = {"btn", "muted"}
# Every card kind of the site, by the id of its <template>.
CARD_TEMPLATES = {
    "tpl-board-question",  # public question (citizen board)
    "tpl-answer-item",  # answer (citizen "recent answers")
    "tpl-my-question",  # tracking (citizen "my questions", tracking page)
    "tpl-on-air",  # on air (citizen page)
    "tpl-screen-stage",  # on air / last answer (big screen)
    "tpl-queue-item",  # staff question (moderator desk)
    "tpl-panel-item",  # staff question (official panel)
    "tpl-on-air-elsewhere",  # on air with another official (official panel)
}


def js_files() -> list[Path]:
    return sorted(JS.rglob("*.js"))


def js_source() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in js_files())


def card_classes() -> set[str]:
    """Return every class name the card macros give an element."""
    found = set()
    for path in CARD_SOURCES:
        for value in re.findall(r'class="([^"]*)"', path.read_text(encoding="utf-8")):
            found.update(c for c in value.split() if re.fullmatch(r"[a-z][a-z0-9_-]*", c))
    return found


def test_every_card_template_is_rendered_and_cloned():
    templates = set()
    for path in TEMPLATES.rglob("*.html"):
        templates.update(re.findall(r'<template id="(tpl-[a-z-]+)">', path.read_text("utf-8")))
    cloned = set(re.findall(r'"(tpl-[a-z-]+)"', js_source()))
    assert templates == CARD_TEMPLATES
    assert cloned == CARD_TEMPLATES


def test_javascript_draws_no_card_markup():
    classes = card_classes()
    elements = {c for c in classes if "__" in c}
    assert {"bq__text", "answer__text", "tracked__head", "item__head", "screen-answer__text"} <= (
        elements
    )
    for path in js_files():
        source = path.read_text(encoding="utf-8")
        name = path.relative_to(JS)
        # A card's parts are found by data-slot, data-part and data-testid, never by class.
        assert not [c for c in elements if re.search(rf"(?<![\w-]){c}(?![\w-])", source)], name
        # User text only ever goes in as text.
        assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", source), (
            name
        )
        assert "createElementNS" not in source, name
        if name != Path("lib/dom.js"):
            assert "createElement(" not in source, name
        # The few elements el() still makes (options, empty-list lines, buttons) are no card.
        for made in re.findall(r'className: "([^"]*)"', source):
            assert not (set(made.split()) & classes) - SHARED_CLASSES, (name, made)


def test_javascript_looks_cards_up_by_marks_not_classes():
    # Each slot and part the JS fills or removes is drawn in some card macro.
    drawn = "\n".join(path.read_text(encoding="utf-8") for path in CARD_SOURCES)
    marks = set(re.findall(r'data-(?:slot|part)="([a-z-]+)"', drawn))
    source = js_source()
    used = set(re.findall(r'\b(?:fill|keep|slot)\(\s*[\w.]+,\s*"([a-z-]+)"', source))
    assert used, "no slot or part used"
    assert sorted(used - marks) == []


@pytest.fixture
def session_with_questions(factory):
    session = factory.session(SessionStatus.LIVE)
    factory.question(session, QuestionStatus.APPROVED, text="On the board")
    factory.question(session, QuestionStatus.ANSWERED, text="Answered already")
    return session


def _templates_in(html: str) -> set[str]:
    return set(re.findall(r'<template id="(tpl-[a-z-]+)">', html))


def test_pages_carry_the_templates_their_scripts_clone(client, factory, session_with_questions):
    citizen = client.get("/").get_data(as_text=True)
    assert _templates_in(citizen) == {
        "tpl-board-question",
        "tpl-answer-item",
        "tpl-my-question",
        "tpl-on-air",
    }
    question = factory.question(session_with_questions)
    tracking = client.get(f"/track/{question.tracking_code}").get_data(as_text=True)
    assert _templates_in(tracking) == {"tpl-my-question"}
    screen = client.get(f"/screen/{session_with_questions.id}").get_data(as_text=True)
    assert _templates_in(screen) == {"tpl-screen-stage"}
    login(client, factory.user("moderator").username)
    desk = client.get("/moderate").get_data(as_text=True)
    assert _templates_in(desk) == {"tpl-queue-item"}
    panel = client.get("/panel").get_data(as_text=True)
    assert _templates_in(panel) == {"tpl-panel-item", "tpl-on-air-elsewhere"}


def test_a_template_holds_no_question(client, factory, session_with_questions):
    page = client.get("/").get_data(as_text=True)
    for template in re.findall(r'<template id="tpl-[a-z-]+">(.*?)</template>', page, re.S):
        assert "On the board" not in template and "Answered already" not in template
        # Every slot is empty: the JS fills it.
        assert not re.search(r'data-slot="[a-z-]+"[^>]*>[^<\s]', template)
