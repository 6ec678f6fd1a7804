/* What the desk's controls do: triage commands, queue order, tabs, session and 137 entry. */
import { api } from "../lib/api.js";
import { digits, label, t } from "../lib/i18n.js";
import { notifier } from "../lib/staff.js";
import { idempotency } from "../lib/storage.js";
import { API, STICKY_MS, defaultOfficial, inFilter, numberOrNull, orderable, state, store } from "./model.js";
import { nodes, queueEl, render, renderList, renderSession } from "./render.js";

export const notice = notifier(document.querySelector('[data-testid="desk-notice"]'));

// The live connection, once desk.js has made it: commands reload through it.
let connection = null;

function command(q, verb, body, doneMessage) {
  const before = q.status;
  const sent = store.command(API, q, verb, body, connection.reload);
  render();
  return sent
    .then((fresh) => {
      delete state.open[q.id];
      if (!inFilter(fresh, state.filter) && inFilter(q, state.filter)) {
        state.sticky[q.id] = { until: Date.now() + STICKY_MS, status: before };
        setTimeout(render, STICKY_MS + 50);
      }
      notice(doneMessage, "ok");
    })
    .catch((error) => notice(error.message, "error"))
    .then(render);
}

function itemField(item, name) {
  return item.querySelector('[name="' + name + '"]');
}

function move(q, delta) {
  const list = orderable(state.filter);
  const index = list.findIndex((o) => o.id === q.id);
  const target = index + delta;
  if (index < 0 || target < 0 || target >= list.length) return;
  const ids = list.map((o) => o.id);
  ids.splice(target, 0, ids.splice(index, 1)[0]);
  // Show the new order at once; the reorder event reloads the snapshot with the truth.
  ids.forEach((id, i) => {
    state.questions[id].position = i + 1;
  });
  render();
  api("POST", API + "/sessions/" + state.session.id + "/order", { order: ids })
    .then(() => notice(t("done.order"), "ok"))
    .catch((error) => {
      notice(error.message, "error");
      connection.reload();
    });
}

function onQueueClick(event) {
  const button = event.target.closest("[data-action]");
  const item = event.target.closest('[data-testid="queue-item"]');
  if (!button || !item || button.disabled) return;
  const q = state.questions[item.getAttribute("data-id")];
  if (!q) return;
  const action = button.getAttribute("data-action");
  let focusAfter = null;
  switch (action) {
    case "approve":
      command(q, "approve", {}, t("done.approved", { id: q.id }));
      break;
    case "reject":
    case "edit":
    case "merge":
      state.open[q.id] = state.open[q.id] === action ? null : action;
      focusAfter = { reject: "reason", edit: "edited_text", merge: "into" }[action];
      render();
      break;
    case "cancel":
      delete state.open[q.id];
      render();
      break;
    case "confirm-reject":
      command(
        q,
        "reject",
        { reason: itemField(item, "reason").value, note: itemField(item, "note").value || null },
        t("done.rejected", { id: q.id })
      );
      break;
    case "save-edit":
      command(q, "edit", { text: itemField(item, "edited_text").value }, t("done.edited", { id: q.id }));
      break;
    case "confirm-merge": {
      const into = numberOrNull(itemField(item, "into").value);
      if (into === null) {
        notice(t("choose_question"), "error");
        return;
      }
      command(q, "merge", { into: into }, t("done.merged", { id: q.id, into: into }));
      break;
    }
    case "classify":
      command(
        q,
        "classify",
        {
          category_id: numberOrNull(itemField(item, "category_id").value),
          district_id: numberOrNull(itemField(item, "district_id").value),
        },
        t("done.classified", { id: q.id })
      );
      break;
    case "route": {
      const official = numberOrNull(itemField(item, "official_id").value);
      if (official === null) {
        notice(t("choose_official"), "error");
        itemField(item, "official_id").focus();
        return;
      }
      command(q, "route", { official_id: official }, t("done.routed", { id: q.id }));
      break;
    }
    case "move-up":
      move(q, -1);
      break;
    case "move-down":
      move(q, 1);
      break;
  }
  if (focusAfter && nodes[q.id]) {
    const field = nodes[q.id].querySelector('[name="' + focusAfter + '"]');
    if (field) field.focus();
  }
}

function onQueueChange(event) {
  const field = event.target;
  if (field.tagName !== "SELECT") return;
  field.setAttribute("data-dirty", "");
  // A new category suggests its default official, unless one was picked by hand.
  if (field.name === "category_id") {
    const item = field.closest('[data-testid="queue-item"]');
    const q = item && state.questions[item.getAttribute("data-id")];
    const routeSelect = item && itemField(item, "official_id");
    if (q && routeSelect && !routeSelect.hasAttribute("data-dirty") && !q.official_id) {
      const suggested = defaultOfficial(q, numberOrNull(field.value));
      routeSelect.value = suggested ? String(suggested) : "";
    }
  }
}

function sessionCommand(verb, body) {
  return api("POST", API + "/sessions/" + state.session.id + "/" + verb, body || {})
    .then((data) => {
      if (data.session) state.session = data.session;
      notice(t("done.session", { status: label("session_status", state.session.status) }), "ok");
      connection.reload();
      render();
    })
    .catch((error) => {
      notice(error.message, "error");
      connection.reload();
    });
}

function setupSessionControls() {
  document.querySelectorAll("[data-action=session-open], [data-action=session-start]").forEach((b) => {
    b.addEventListener("click", () => {
      sessionCommand(b.getAttribute("data-action") === "session-open" ? "open" : "start");
    });
  });
  const closeDialog = document.getElementById("close-dialog");
  const closeButton = document.querySelector("[data-action=session-close]");
  if (!closeDialog || !closeButton) return;
  closeButton.addEventListener("click", () => {
    const radios = closeDialog.querySelectorAll("input[name=disposition]");
    const firstEnabled = Array.from(radios).find((r) => !r.disabled);
    if (firstEnabled) firstEnabled.checked = true;
    closeDialog.showModal();
  });
  closeDialog.addEventListener("close", () => {
    if (closeDialog.returnValue !== "confirm") return;
    const chosen = closeDialog.querySelector("input[name=disposition]:checked");
    sessionCommand("close", { disposition: chosen ? chosen.value : null });
  });
}

/* The 137 operator form: a phoned-in question, and the tracking code to read out. */
function setupOperatorForm() {
  const operatorForm = document.getElementById("operator-form");
  if (!operatorForm) return;
  const keyField = operatorForm.querySelector("[name=idempotency_key]");
  const errorBox = operatorForm.querySelector('[data-testid="operator-error"]');
  const result = document.querySelector('[data-testid="operator-result"]');
  const codeBox = document.querySelector('[data-testid="operator-tracking-code"]');
  const submit = operatorForm.querySelector('[data-testid="operator-submit"]');
  // A retry of an unchanged call after a network error reuses its key, so the question is
  // not stored twice; once the operator edits the fields it is a new question.
  const operatorKeys = idempotency();

  operatorForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(operatorForm);
    const body = {
      text: data.get("text"),
      name: data.get("name") || null,
      phone: data.get("phone") || null,
      category_id: numberOrNull(data.get("category_id")),
      district_id: numberOrNull(data.get("district_id")),
    };
    body.idempotency_key = keyField.value = operatorKeys.key(body);
    errorBox.hidden = true;
    submit.disabled = true;
    api("POST", API + "/sessions/" + state.session.id + "/operator-questions", body)
      .then((reply) => {
        operatorKeys.settle();
        const q = reply.question;
        codeBox.textContent = digits(q.tracking_code);
        codeBox.setAttribute("data-code", q.tracking_code);
        result.hidden = false;
        operatorForm.reset();
        keyField.value = "";
        notice(t("operator_saved"), "ok");
        result.querySelector("[data-action=operator-next]").focus();
      })
      .catch((error) => {
        operatorKeys.settle(error);
        errorBox.textContent = error.message;
        errorBox.hidden = false;
        const field = error.field && operatorForm.querySelector('[name="' + error.field + '"]');
        if (field) field.focus();
      })
      .then(renderSession);
  });

  result.querySelector("[data-action=operator-next]").addEventListener("click", () => {
    result.hidden = true;
    operatorForm.querySelector("[name=text]").focus();
  });
}

// Wire every control; commands reload the desk through LIVE (the session connection).
export function setupControls(live) {
  connection = live;
  queueEl.addEventListener("click", onQueueClick);
  queueEl.addEventListener("change", onQueueChange);
  document.querySelectorAll("[data-filter]").forEach((tab) => {
    tab.addEventListener("click", () => {
      state.filter = tab.getAttribute("data-filter");
      state.sticky = {};
      render();
    });
  });
  const search = document.getElementById("desk-search");
  if (search) {
    search.addEventListener("input", () => {
      state.search = search.value.trim().toLowerCase();
      renderList();
    });
  }
  setupSessionControls();
  setupOperatorForm();
}
