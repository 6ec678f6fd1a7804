/*
 * The live board of the citizen page: on air, recent answers and the questions citizens
 * can support, kept current by the public snapshot and `change` events.
 */
import { answerCard, boardCard, markSupport, onAirCard } from "../cards/public.js";
import { api } from "../lib/api.js";
import { connectBoard } from "../lib/connect.js";
import { el } from "../lib/dom.js";
import { digits, label, t } from "../lib/i18n.js";
import { load, save } from "../lib/storage.js";
import { form, showFormError, toast } from "./ask.js";

const SUPPORTED_KEY = "liveqa.supported";
const BOARD_PAGE = 50;
const ANSWERS_PAGE = 10;

const board = document.querySelector('[data-testid="board"]');
const answersList = document.querySelector('[data-testid="answers"]');
let questions = {};
const supported = {};
let order = "support";
let sessionStatus = null;

/*
 * The board keeps the order it was last sorted in: cards must not move under a reader's
 * finger each time a tally arrives. New questions slot in where they sort; when counts
 * would change the order, a chip offers to sort again.
 */
let boardLimit = BOARD_PAGE;
let answersLimit = ANSWERS_PAGE;
let shownOrder = null; // question ids in board order
const boardNodes = {}; // question id -> rendered card

function compare(a, b) {
  if (order === "time") return (b.submitted_at || "").localeCompare(a.submitted_at || "");
  return b.support_count - a.support_count || (a.submitted_at || "").localeCompare(b.submitted_at || "");
}

const values = () => Object.values(questions);
const isWaiting = (q) => q.status === "approved" || q.status === "routed";

function sortedIds() {
  return values().filter(isWaiting).sort(compare).map((q) => q.id);
}

function arrangeBoard(resort) {
  if (resort || !shownOrder) {
    shownOrder = sortedIds();
    return;
  }
  const kept = shownOrder.filter((id) => questions[id] && isWaiting(questions[id]));
  const known = {};
  kept.forEach((id) => {
    known[id] = true;
  });
  values()
    .filter((q) => isWaiting(q) && !known[q.id])
    .sort(compare)
    .forEach((q) => {
      const at = kept.findIndex((id) => compare(q, questions[id]) < 0);
      kept.splice(at === -1 ? kept.length : at, 0, q.id);
    });
  shownOrder = kept;
}

function cardKey(q) {
  return [q.status, q.text, q.category && q.category.id, q.district && q.district.id, q.asker_name, !!supported[q.id]].join("|");
}

function moreButton(list, role, shown, total, onMore) {
  let button = list.parentNode.querySelector('[data-role="' + role + '"]');
  if (!button) {
    button = el("button", { type: "button", className: "btn btn--small btn--block more", "data-role": role });
    button.addEventListener("click", onMore);
    list.parentNode.insertBefore(button, list.nextSibling);
  }
  button.hidden = total <= shown;
  button.textContent = t("show_more", { n: Math.min(total - shown, role === "more-board" ? BOARD_PAGE : ANSWERS_PAGE) });
}

function emptyLine(text) {
  return el("li", { className: "muted empty", text: text });
}

function renderBoardList() {
  if (!board) return;
  const ids = shownOrder.slice(0, boardLimit);
  const kept = {};
  let previous = null;
  ids.forEach((id) => {
    const q = questions[id];
    let node = boardNodes[id];
    const key = cardKey(q);
    if (!node || node.getAttribute("data-key") !== key) {
      const fresh = boardCard(q, !!supported[q.id]);
      fresh.setAttribute("data-key", key);
      if (node && node.parentNode) {
        const hadFocus = node.contains(document.activeElement);
        node.parentNode.replaceChild(fresh, node);
        const button = fresh.querySelector("button");
        if (hadFocus && button && !button.disabled) button.focus();
      }
      node = boardNodes[id] = fresh;
    } else {
      node.querySelector('[data-testid="support-count"]').textContent = digits(q.support_count);
    }
    kept[id] = true;
    const expected = previous ? previous.nextSibling : board.firstChild;
    if (expected !== node) board.insertBefore(node, expected);
    previous = node;
  });
  Array.from(board.children).forEach((child) => {
    const id = child.getAttribute("data-id");
    if (!id || !kept[id] || boardNodes[id] !== child) board.removeChild(child);
  });
  Object.keys(boardNodes).forEach((id) => {
    if (!kept[id]) delete boardNodes[id];
  });
  if (!ids.length) board.appendChild(emptyLine(t("no_board")));
  moreButton(board, "more-board", ids.length, shownOrder.length, () => {
    boardLimit += BOARD_PAGE;
    renderBoardList();
  });
  updateResortChip();
}

let resortChip = null;
function updateResortChip() {
  if (!board) return;
  const sorted = sortedIds();
  const changed = sorted.length === shownOrder.length && sorted.some((id, i) => shownOrder[i] !== id);
  if (!resortChip) {
    resortChip = el("button", { type: "button", className: "btn btn--small resort", "data-role": "resort", text: t("new_order") });
    resortChip.addEventListener("click", () => {
      arrangeBoard(true);
      renderBoardList();
      board.setAttribute("tabindex", "-1");
      board.focus();
    });
    board.parentNode.insertBefore(resortChip, board);
  }
  resortChip.hidden = !changed;
}

function renderAnswers() {
  if (!answersList) return;
  const answered = values()
    .filter((q) => q.status === "answered")
    .sort((a, b) => (b.answered_at || "").localeCompare(a.answered_at || ""));
  let nodes = answered.slice(0, answersLimit).map(answerCard);
  if (!nodes.length) nodes = [emptyLine(t("no_answers"))];
  answersList.replaceChildren(...nodes);
  moreButton(answersList, "more-answers", Math.min(answersLimit, answered.length), answered.length, () => {
    answersLimit += ANSWERS_PAGE;
    renderAnswers();
  });
}

function renderOnAir() {
  const body = document.querySelector('[data-role="on-air-body"]');
  if (!body) return;
  body.replaceWith(onAirCard(values().find((q) => q.status === "on_air")));
}

function renderBoard(resort) {
  arrangeBoard(resort);
  renderBoardList();
  renderAnswers();
  renderOnAir();
}

function setCounters(counters) {
  if (!counters) return;
  Object.keys(counters).forEach((name) => {
    document.querySelectorAll('[data-counter="' + name + '"]').forEach((node) => {
      node.textContent = digits(counters[name]);
    });
  });
}

// STATUS is the session's state; ACCEPTING whether it takes questions (served by the server).
function setSessionStatus(status, accepting) {
  const badge = document.querySelector('[data-testid="session-status"]');
  if (badge) {
    badge.textContent = label("public_session_status", status);
    badge.className = "session-status session-status--" + status;
  }
  if (form) {
    const fieldset = form.querySelector("fieldset");
    if (fieldset) fieldset.disabled = !accepting;
    if (!accepting && status !== sessionStatus) {
      showFormError(status === "closed" ? t("session_closed") : t("session_not_open"));
    }
  }
  sessionStatus = status;
}

function markSupported(id, count) {
  supported[id] = true;
  const ids = load(SUPPORTED_KEY, []);
  if (ids.indexOf(id) === -1) ids.push(id);
  save(SUPPORTED_KEY, ids.slice(-500));
  if (questions[id] && count !== null) questions[id].support_count = count;
  const item = board.querySelector('[data-testid="board-question"][data-id="' + id + '"]');
  if (item) markSupport(item, true, count);
}

export function setupBoard(data) {
  if (!board || !data.session_id) return;
  order = data.order || "support";
  sessionStatus = data.status;
  (data.supported || []).concat(load(SUPPORTED_KEY, [])).forEach((id) => {
    supported[id] = true;
  });
  // Adopt the server-rendered cards, so the first render replaces them in place (and a
  // support button being pressed keeps its focus).
  board.querySelectorAll('[data-testid="board-question"]').forEach((node) => {
    boardNodes[node.getAttribute("data-id")] = node;
  });
  connectBoard({
    sessionId: data.session_id,
    room: "public",
    snapshotUrl: data.snapshot_url,
    onCounters: setCounters,
    onSession(session) {
      setSessionStatus(session.status, !!session.accepting_questions);
    },
    render(current) {
      questions = current;
      renderBoard(false);
    },
    onTally(msg) {
      Object.keys(msg.counts || {}).forEach((id) => {
        if (questions[id]) questions[id].support_count = msg.counts[id];
        const node = boardNodes[id];
        const count = node && node.querySelector('[data-testid="support-count"]');
        if (count) count.textContent = digits(msg.counts[id]);
      });
      updateResortChip();
    },
  });

  board.addEventListener("submit", (event) => {
    event.preventDefault();
    const button = event.target.querySelector('[data-testid="support"]');
    if (!button || button.disabled) return;
    const id = Number(button.getAttribute("data-id"));
    button.disabled = true;
    api("POST", "/api/v1/questions/" + id + "/support")
      .then((reply) => {
        markSupported(id, reply.support_count);
        toast(t("support_thanks"));
      })
      .catch((error) => {
        if (error.code === "already_supported") {
          markSupported(id, null);
          toast(t("already_supported"));
        } else {
          button.disabled = false;
          toast(error.message);
        }
      });
  });

  document.querySelectorAll(".sort [data-order]").forEach((chip) => {
    chip.addEventListener("click", (event) => {
      event.preventDefault();
      order = chip.getAttribute("data-order");
      document.querySelectorAll(".sort [data-order]").forEach((other) => {
        other.setAttribute("aria-pressed", other === chip ? "true" : "false");
      });
      board.setAttribute("data-order", order);
      renderBoard(true);
    });
  });
}
