/*
 * The hall's big screen: the question on air (or the last answered one), who answers it,
 * the answer, and the session counters. It must recover alone: lib/connect.js re-joins and
 * reloads the snapshot after a drop, and polls the snapshot while the socket stays down.
 */
import { fillOfficial } from "./cards/public.js";
import { connectBoard } from "./lib/connect.js";
import { card, fill, keep, pageData, slot } from "./lib/dom.js";
import { digits, label, t } from "./lib/i18n.js";

const data = pageData("page-data");
let questions = {};
let sessionStatus = null;

const stage = document.querySelector(".screen-stage");

function shownQuestion() {
  const all = Object.values(questions);
  const onAir = all.find((q) => q.status === "on_air");
  if (onAir) return onAir;
  return all
    .filter((q) => q.status === "answered")
    .sort((a, b) => (b.answered_at || "").localeCompare(a.answered_at || ""))[0];
}

function stageLabel(q) {
  if (q) return label("question_status", q.status);
  return sessionStatus === "closed" ? t("session_closed") : t("waiting_next");
}

// Draw the stage from tpl-screen-stage and move it into the live region, which stays put.
function render() {
  const q = shownQuestion();
  const fresh = card("tpl-screen-stage");
  keep(fresh, "live-dot", !!q && q.status === "on_air");
  fill(fresh, "label", stageLabel(q));
  fill(fresh, "question", q ? q.text : "");
  fillOfficial(slot(fresh, "official"), q ? q.official : null);
  const answer = q && q.answer;
  keep(fresh, "verbal", !!answer && answer.kind === "verbal");
  keep(fresh, "answer-text", !!answer);
  if (answer) fill(fresh, "answer-text", answer.text);
  slot(fresh, "answer").hidden = !answer;
  stage.setAttribute("data-state", q ? q.status : "idle");
  stage.replaceChildren(...fresh.childNodes);
  fit();
}

// Long questions shrink the type a step at a time until the stage no longer overflows.
function fit() {
  const steps = [1, 0.85, 0.72, 0.6, 0.5];
  for (const step of steps) {
    stage.style.setProperty("--fit", step);
    if (stage.scrollHeight <= stage.clientHeight + 1) return;
  }
}

function setCounters(counters) {
  if (!counters) return;
  ["received", "answered", "waiting"].forEach((name) => {
    const node = document.querySelector('[data-testid="counter-' + name + '"]');
    if (node && counters[name] !== undefined) node.textContent = digits(counters[name]);
  });
}

connectBoard({
  sessionId: data.session_id,
  room: "screen",
  snapshotUrl: data.snapshot_url,
  pollWhenOfflineMs: 15000,
  onCounters: setCounters,
  onSession(session) {
    sessionStatus = session.status;
  },
  render(current) {
    questions = current;
    render();
  },
});

const fullscreen = document.querySelector('[data-role="fullscreen"]');
if (fullscreen) {
  if (!document.documentElement.requestFullscreen) fullscreen.hidden = true;
  fullscreen.addEventListener("click", () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen().catch(() => {});
  });
  document.addEventListener("fullscreenchange", () => {
    fullscreen.textContent = document.fullscreenElement ? t("exit_fullscreen") : t("enter_fullscreen");
    fit();
  });
}
window.addEventListener("resize", fit);
fit();
