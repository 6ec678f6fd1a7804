/*
 * The public cards, cloned from the <template> elements the server renders with the same
 * Jinja macros it draws its own cards with (templates/citizen/_macros.html,
 * templates/screen/screen.html). Nothing here builds card markup: it only fills slots
 * (text), sets attributes and removes the optional parts that do not apply.
 */
import { card, fill, keep, setModifier, slot } from "../lib/dom.js";
import { digits, formatDay, lang, localName, t } from "../lib/i18n.js";

// Fill the official line inside CONTAINER (its name, and title when there is one).
export function fillOfficial(container, official) {
  if (!container) return;
  keep(container, "official", !!official);
  const title = official ? localName(official, "title") : "";
  keep(container, "official-title", !!title);
  if (!official) return;
  fill(container, "official-name", official.name);
  if (title) fill(container, "official-title", title);
}

export function followUpText(f) {
  let text = t("follow_up", { unit: f.responsible_unit, date: formatDay(f.due_on) });
  if (f.status === "done") text += " · " + t("done");
  return text;
}

function fillAnswer(node, answer) {
  keep(node, "answer", !!answer);
  if (!answer) return;
  fill(node, "answer-by", answer.kind === "verbal" ? t("spoken_answer_by") : t("answer_by"));
  fillOfficial(slot(node, "answer-official"), answer.official);
  fill(node, "answer-text", answer.text);
  keep(node, "answer-follow-up", !!answer.follow_up);
  if (answer.follow_up) fill(node, "answer-follow-up", followUpText(answer.follow_up));
}

export function displayCode(q) {
  return lang === "fa" ? q.tracking_code_display || digits(q.tracking_code) : q.tracking_code;
}

/* A question followed by its tracking code ("my questions", the tracking page). */
export function trackedCard(q) {
  const node = card("tpl-my-question");
  const status = q.effective_status || q.status;
  node.setAttribute("data-code", q.tracking_code);
  node.setAttribute("data-status", status);
  fill(node, "code", displayCode(q));
  const badge = fill(node, "status", q.effective_status_label || q.status_label);
  setModifier(badge, "status", status);
  fill(node, "text", q.text);

  const merged = q.status === "merged" && !!q.merged_into;
  keep(node, "merged", merged);
  if (merged) fill(node, "merged-text", q.merged_into.text);

  keep(node, "rejected", q.status === "rejected");
  keep(node, "reject-note", q.status === "rejected" && !!q.reject_note);
  if (q.status === "rejected") {
    fill(node, "reject-reason", q.reject_reason_label || "");
    if (q.reject_note) fill(node, "reject-note", q.reject_note);
  }

  fillAnswer(node, q.answer);
  const willAnswer = !q.answer && !!q.official && (status === "routed" || status === "on_air");
  keep(node, "will-answer", willAnswer);
  if (willAnswer) fillOfficial(node.querySelector('[data-part="will-answer"]'), q.official);
  keep(node, "carried", q.status === "carried_over");

  // One follow-up line per commitment, besides the one the answer already shows.
  const line = node.querySelector('[data-part="follow-up"]');
  const answerFollowUp = q.answer && q.answer.follow_up ? q.answer.follow_up.id : null;
  (q.follow_ups || [])
    .filter((f) => f.id !== answerFollowUp)
    .forEach((f) => {
      const copy = line.cloneNode(true);
      copy.textContent = followUpText(f);
      line.parentNode.insertBefore(copy, line);
    });
  line.remove();
  return node;
}

/* A question on the public board, with its support button. */
export function boardCard(q, supported) {
  const node = card("tpl-board-question");
  node.id = "q-" + q.id;
  node.setAttribute("data-id", q.id);
  node.setAttribute("data-status", q.status);
  fill(node, "text", q.text);
  const meta = [];
  if (q.category) meta.push(localName(q.category, "name"));
  if (q.district) meta.push(localName(q.district, "name"));
  if (q.asker_name) meta.push(q.asker_name);
  fill(node, "meta", meta.join(" · "));
  node.querySelector("form").setAttribute("action", "/support/" + q.id);
  const button = node.querySelector('[data-testid="support"]');
  button.setAttribute("data-id", q.id);
  markSupport(node, supported, q.support_count);
  return node;
}

// Show NODE's support button as pressed (or not) with COUNT supporters (null: unchanged).
export function markSupport(node, supported, count) {
  const button = node.querySelector('[data-testid="support"]');
  button.setAttribute("aria-pressed", supported ? "true" : "false");
  button.disabled = !!supported;
  fill(node, "support-label", supported ? t("supported") : t("support"));
  if (count !== null && count !== undefined) {
    node.querySelector('[data-testid="support-count"]').textContent = digits(count);
  }
}

/* An answered question in "recent answers". */
export function answerCard(q) {
  const node = card("tpl-answer-item");
  node.setAttribute("data-id", q.id);
  fill(node, "question", q.text);
  fillAnswer(node, q.answer);
  return node;
}

/* The citizen page's "on air now" body: the question and who answers it, or a note. */
export function onAirCard(q) {
  const node = card("tpl-on-air");
  keep(node, "on", !!q);
  keep(node, "off", !q);
  if (q) {
    fill(node, "text", q.text);
    fillOfficial(slot(node, "official"), q.official);
  }
  return node;
}
