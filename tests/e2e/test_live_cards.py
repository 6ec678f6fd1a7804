"""A card the JavaScript inserts live is the very card the server renders, element for element."""

import uuid

import pytest
from playwright.sync_api import expect
from realbrowser import ask, live_connected
from realclients import StaffApi

pytestmark = [pytest.mark.server, pytest.mark.browser]

# The element tree of a card (tag, attributes, children) and its text, whitespace folded.
# Left out: what differs between two renders of one card without being drawn differently
# (the CSRF token's value, the JS's render key, the big screen's fitted type size).
SKELETON = """(node) => {
  const ignored = new Set(["value", "data-key", "style"]);
  const walk = (n) => [
    n.tagName.toLowerCase(),
    Array.from(n.attributes)
      .filter((a) => !ignored.has(a.name))
      .map((a) => a.name + "=" + a.value)
      .sort(),
    Array.from(n.children).map(walk),
  ];
  return {tree: walk(node), text: node.textContent.replace(/\\s+/g, " ").trim()};
}"""


def skeleton(locator) -> dict:
    return locator.evaluate(SKELETON)


def assert_same_card(live_card, server_card):
    expect(live_card).to_have_count(1)
    expect(server_card).to_have_count(1)
    live, server = skeleton(live_card), skeleton(server_card)
    assert live["tree"] == server["tree"]
    assert live["text"] == server["text"]


def test_live_cards_equal_the_server_rendered_ones(contexts, server, seed_info):
    session_id = seed_info["session_id"]
    official = seed_info["officials"][0]
    tag = uuid.uuid4().hex[:8]
    text = f"چراغ‌های پارک محله کی روشن می‌شود؟ {tag}"
    answer = f"تا آخر هفته روشن می‌شود. {tag}"

    citizen = contexts.new()
    citizen.goto("/")
    screen = contexts.new()
    screen.goto(f"/screen/{session_id}")
    for page in (citizen, screen):
        live_connected(page)
    # The server's own drawing of every card, JavaScript off.
    plain = contexts.new(java_script_enabled=False)

    def server_page(path):
        plain.goto(path)
        return plain

    code = ask(citizen, text, name="رضا")
    moderator = StaffApi(server, seed_info["moderator"])
    question = moderator.question(session_id, code)
    qid = question["id"]
    mine = citizen.locator(f"[data-testid=my-question][data-code='{code}']")

    # Tracking card, drawn by JS from the submission's reply.
    expect(mine).to_have_attribute("data-status", "submitted")
    assert_same_card(mine, server_page(f"/track/{code}").locator("[data-testid=my-question]"))

    # Public question: inserted on the board live when approved.
    moderator.command(qid, "approve")
    board_card = citizen.locator(f"[data-testid=board-question][data-id='{qid}']")
    expect(board_card).to_contain_text(text)
    expect(mine).to_have_attribute("data-status", "approved")
    server_board = server_page("/").locator(f"[data-testid=board-question][data-id='{qid}']")
    assert_same_card(board_card, server_board)

    # On air: the citizen page's box, the big screen's stage, the tracked card's official.
    moderator.command(qid, "route", official_id=official["id"])
    official_api = StaffApi(server, official["username"])
    official_api.command(qid, "on-air")
    on_air = citizen.locator("[data-role=on-air-body]")
    expect(on_air).to_contain_text(text)
    expect(mine).to_have_attribute("data-status", "on_air")
    assert_same_card(on_air, server_page("/").locator("[data-role=on-air-body]"))
    assert_same_card(mine, server_page(f"/track/{code}").locator("[data-testid=my-question]"))
    stage = screen.locator(".screen-stage")
    expect(screen.locator("[data-testid=screen-question]")).to_contain_text(text)
    assert_same_card(stage, server_page(f"/screen/{session_id}").locator(".screen-stage"))

    # Answer: a new "recent answers" card, the answer in the tracked card and on the stage.
    official_api.command(qid, "answer", kind="verbal", text=answer)
    answer_card = citizen.locator(f"[data-testid=answer-item][data-id='{qid}']")
    expect(answer_card).to_contain_text(answer)
    expect(mine).to_have_attribute("data-status", "answered")
    expect(on_air).not_to_contain_text(text)
    server_answers = server_page("/").locator(f"[data-testid=answer-item][data-id='{qid}']")
    assert_same_card(answer_card, server_answers)
    assert_same_card(on_air, server_page("/").locator("[data-role=on-air-body]"))
    assert_same_card(mine, server_page(f"/track/{code}").locator("[data-testid=my-question]"))
    expect(screen.locator("[data-testid=screen-answer]")).to_contain_text(answer)
    assert_same_card(stage, server_page(f"/screen/{session_id}").locator(".screen-stage"))


def test_rejected_tracking_card_equals_the_server_rendered_one(contexts, server, seed_info):
    citizen = contexts.new()
    citizen.goto("/")
    live_connected(citizen)
    code = ask(citizen, f"پرسشی که پذیرفته نمی‌شود {uuid.uuid4().hex[:8]}")
    moderator = StaffApi(server, seed_info["moderator"])
    question = moderator.question(seed_info["session_id"], code)
    moderator.command(question["id"], "reject", reason="other", note="یادداشت <b>ناظر</b>")
    mine = citizen.locator(f"[data-testid=my-question][data-code='{code}']")
    expect(mine).to_have_attribute("data-status", "rejected")
    plain = contexts.new(java_script_enabled=False)
    plain.goto(f"/track/{code}")
    assert_same_card(mine, plain.locator("[data-testid=my-question]"))


def test_staff_cards_are_cloned_from_their_templates(contexts, server, seed_info):
    official = seed_info["officials"][0]
    moderator = StaffApi(server, seed_info["moderator"])
    made = moderator.post(
        f"/sessions/{seed_info['session_id']}/operator-questions",
        expect=201,
        text=f"پرسش تلفنی برای کارت‌ها {uuid.uuid4().hex[:8]}",
    )
    question = moderator.question(seed_info["session_id"], made["question"]["tracking_code"])
    moderator.command(question["id"], "approve")
    moderator.command(question["id"], "route", official_id=official["id"])
    desk = contexts.staff(seed_info["moderator"])
    desk.goto("/moderate")
    live_connected(desk)
    expect(desk.locator(f"[data-testid=queue-item][data-id='{question['id']}']")).to_be_visible()
    panel = contexts.staff(official["username"])
    panel.goto("/panel")
    live_connected(panel)
    expect(panel.locator(f"[data-testid=panel-item][data-id='{question['id']}']")).to_be_visible()
    for page, item, template in (
        (desk, "queue-item", "tpl-queue-item"),
        (panel, "panel-item", "tpl-panel-item"),
    ):
        # Every element of a drawn card is one the template has, in the template's order:
        # the JS only removes parts and fills slots, it adds no element of its own.
        extra = page.evaluate(
            r"""([item, template]) => {
              // A modifier's value (item--routed) is data: compare its block only.
              const kind = (n) => (n.getAttribute("class") || "").replace(/--[\w-]*/g, "--");
              const names = (root) => Array.from(root.querySelectorAll("*"), (n) =>
                n.tagName + "." + kind(n) + "." + (n.getAttribute("data-slot") || ""));
              const drawn = document.getElementById(template).content.firstElementChild;
              const extra = [];
              document.querySelectorAll(`[data-testid=${item}]`).forEach((card) => {
                const allowed = names(drawn);
                let at = 0;
                names(card).forEach((name) => {
                  // Options of the merge list are data, not drawing.
                  if (name.startsWith("OPTION.")) return;
                  const found = allowed.indexOf(name, at);
                  if (found === -1) extra.push(name);
                  else at = found + 1;
                });
              });
              return extra;
            }""",
            [item, template],
        )
        assert extra == [], (item, extra)
