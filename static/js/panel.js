/*
 * Official panel: the questions routed to an official, the one on air with the answer form,
 * and the recently answered. Live through the staff snapshot (/queue) and `change` events.
 * Cards are drawn in panel/render.js from <template id="tpl-panel-item">; the buttons a
 * question offers come from lib/access.js (the served actions).
 */
import { api } from "./lib/api.js";
import { el, pageData } from "./lib/dom.js";
import { formatDay, t, timeZone } from "./lib/i18n.js";
import { notifier, staffConnect, staffStore } from "./lib/staff.js";
import { actionsFor, isOfficial } from "./lib/access.js";
import { renderPanel } from "./panel/render.js";

const page = pageData("staff-data");
const API = page.api;
const IS_OFFICIAL = isOfficial;

const state = {
  session: page.session,
  counters: null,
  questions: {},
  view: IS_OFFICIAL ? page.user.official_id || -1 : null, // null: every official (admin view)
  busy: {},
};

const form = document.getElementById("answer-form");
const notice = notifier(document.querySelector('[data-testid="panel-notice"]'));
const store = staffStore(state);

function mine(q) {
  if (state.view === null || state.view === undefined) return q.official_id !== null;
  return q.official_id === state.view;
}

function render() {
  const onAir = renderPanel({ state: state, isOfficial: IS_OFFICIAL, mine: mine, questions: store.all() });
  updateForm(onAir && actionsFor(onAir).indexOf("answer") !== -1 ? onAir : null);
}

/* ---- answer form ---- */

function updateForm(q) {
  const field = form.querySelector("[name=question_id]");
  if (!q) {
    form.hidden = true;
    field.value = "";
    return;
  }
  if (field.value !== String(q.id)) {
    form.reset();
    field.value = String(q.id);
    updateKind();
    updateDue();
    form.querySelector('[data-testid="answer-error"]').hidden = true;
  }
  form.hidden = false;
}

function updateKind() {
  const verbal = form.querySelector("[name=kind]:checked").value === "verbal";
  document.getElementById("answer-text-label").textContent = verbal ? t("answer_summary") : t("answer_text");
}

function today() {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone: timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date());
}

function updateDue() {
  const due = form.querySelector("[name=follow_up_due]");
  const preview = form.querySelector('[data-testid="due-preview"]');
  preview.textContent = "";
  if (!due.value) return;
  // The date in its own isolate: Persian words must not reorder with the label around them.
  const parts = t("due_preview", { date: "\u0000" }).split("\u0000");
  preview.append(parts[0], el("bdi", null, [formatDay(due.value)]), parts[1] || "");
}

form.querySelectorAll("[name=kind]").forEach((radio) => radio.addEventListener("change", updateKind));
const dueField = form.querySelector("[name=follow_up_due]");
dueField.min = today();
dueField.addEventListener("input", updateDue);
dueField.addEventListener("change", updateDue);

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const q = state.questions[form.querySelector("[name=question_id]").value];
  if (!q) return;
  const data = new FormData(form);
  const submit = form.querySelector('[data-testid="answer-submit"]');
  const errorBox = form.querySelector('[data-testid="answer-error"]');
  errorBox.hidden = true;
  submit.disabled = true;
  api("POST", API + "/questions/" + q.id + "/answer", {
    kind: data.get("kind"),
    text: data.get("text"),
    follow_up_unit: data.get("follow_up_unit") || null,
    follow_up_due: data.get("follow_up_due") || null,
    version: q.version,
  })
    .then((reply) => {
      store.upsert(reply.question);
      form.reset();
      updateDue();
      notice(t("done.answered", { id: q.id }), "ok");
      render();
    })
    .catch((error) => {
      errorBox.textContent = error.message;
      errorBox.hidden = false;
      const field = error.field && form.querySelector('[name="' + error.field + '"]');
      if (field) field.focus();
      if (error.status === 409 || error.status === 404) connection.reload();
    })
    .then(() => {
      submit.disabled = false;
    });
});

/* ---- item actions ---- */

function command(q, verb, body, doneMessage) {
  const sent = store.command(API, q, verb, body, connection.reload);
  render();
  return sent
    .then(() => notice(doneMessage, "ok"))
    .catch((error) => notice(error.message, "error"))
    .then(render);
}

document.querySelector(".panel").addEventListener("click", (event) => {
  const button = event.target.closest("[data-action]");
  const item = event.target.closest('[data-testid="panel-item"]');
  if (!button || !item || button.disabled) return;
  const q = state.questions[item.getAttribute("data-id")];
  if (!q) return;
  const action = button.getAttribute("data-action");
  if (action === "on-air") {
    command(q, "on-air", {}, t("done.on_air", { id: q.id })).then(() => {
      if (!form.hidden) form.querySelector("[name=text]").focus();
    });
  } else if (action === "put-back") {
    command(q, "put-back", {}, t("done.put_back", { id: q.id }));
  } else if (action === "transfer") {
    const choose = item.querySelector("select[name=official_id]");
    if (!choose.value) {
      notice(t("choose_official"), "error");
      choose.focus();
      return;
    }
    command(q, "transfer", { official_id: Number(choose.value) }, t("done.transferred", { id: q.id }));
  }
});

const viewSelect = document.getElementById("view-official");
if (viewSelect) {
  viewSelect.addEventListener("change", () => {
    state.view = viewSelect.value ? Number(viewSelect.value) : null;
    render();
  });
}

/* ---- start ---- */

// An official's own room; moderators and admins watching the panel use theirs.
const connection = staffConnect(
  API,
  state.session.id,
  IS_OFFICIAL ? "official" : "moderators",
  store,
  render,
  (id) => document.querySelector('[data-testid="panel-item"][data-id="' + id + '"]'),
  notice.problem
);
render();
