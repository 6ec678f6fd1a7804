/*
 * Drawing the desk: each question is a copy of <template id="tpl-queue-item">
 * (templates/staff/_cards.html) with its slots filled and the parts and verbs that do not
 * apply removed; the list is patched in place so typing and focus survive re-renders.
 */
import { el, fill, keep, keepVerbs, setModifier } from "../lib/dom.js";
import { digits, label, localName, officialLabel, t } from "../lib/i18n.js";
import { disableIfBusy, renderSessionBar, staffCard } from "../lib/staff.js";
import { actionsFor, mayTriage, sessionActionsFor } from "../lib/access.js";
import { MERGE_TARGETS, defaultOfficial, inFilter, matchesSearch, orderable, sorted, state } from "./model.js";

export const queueEl = document.getElementById("queue");
export const nodes = {}; // question id -> rendered <li>

// Append VALUE as text after the label inside NODE's [data-role=ROLE] line.
function metaValue(node, role, value) {
  node.querySelector('[data-role="' + role + '"]').append(String(value));
}

function outcomeText(q) {
  if (q.status === "rejected") {
    const reason = t("rejected_because", { reason: label("reject_reason", q.reject_reason) });
    return q.reject_note ? reason + " — " + q.reject_note : reason;
  }
  if (q.status === "merged") return t("merged_into", { id: q.merged_into_id });
  if (q.status === "carried_over" || q.status === "unanswered") {
    return label("question_status_public", q.status);
  }
  return null;
}

function mergeTargets(q) {
  return Object.values(state.questions)
    .filter((o) => o.id !== q.id && MERGE_TARGETS[o.status])
    .sort((a, b) => a.id - b.id)
    .map((o) => {
      const text = o.text.length > 70 ? o.text.slice(0, 70) + "…" : o.text;
      return el("option", { value: String(o.id) }, ["#" + digits(o.id) + " — " + text]);
    });
}

function fillTriage(node, q, place) {
  const verbs = actionsFor(q);
  keepVerbs(node, verbs);
  keep(node, "order", !!place);
  if (place) {
    node.querySelector('[data-action="move-up"]').disabled = place.first;
    node.querySelector('[data-action="move-down"]').disabled = place.last;
  }
  keep(node, "row", verbs.indexOf("classify") !== -1 || verbs.indexOf("route") !== -1);
  const category = node.querySelector('select[name="category_id"]');
  if (category) category.value = q.category_id == null ? "" : String(q.category_id);
  const district = node.querySelector('select[name="district_id"]');
  if (district) district.value = q.district_id == null ? "" : String(q.district_id);
  const official = node.querySelector('select[name="official_id"]');
  if (official) {
    const chosen = defaultOfficial(q, q.category_id);
    official.value = chosen == null ? "" : String(chosen);
    fill(node, "route", q.status === "routed" ? t("reroute") : t("route"));
  }
  const open = state.open[q.id];
  ["reject", "edit", "merge"].forEach((kind) => keep(node, kind, open === kind));
  if (open === "edit") node.querySelector('[name="edited_text"]').value = q.edited_text || q.verbatim_text;
  if (open === "merge") node.querySelector('[name="into"]').append(...mergeTargets(q));
}

export function renderItem(q, place) {
  const node = staffCard("tpl-queue-item", q);
  const badge = fill(node, "status", label("question_status", q.status));
  setModifier(badge, "badge", q.status);
  fill(node, "code", t("code", { code: q.tracking_code }));

  const edited = !!q.edited_text && q.edited_text !== q.verbatim_text;
  keep(node, "edited", edited);
  keep(node, "unedited", !edited);
  if (edited) {
    fill(node, "edited-text", q.edited_text);
    fill(node, "verbatim-text", q.verbatim_text);
  } else {
    fill(node, "text", q.verbatim_text);
  }

  keep(node, "support-burst", !!q.support_burst);
  const flags = q.privacy_flags || [];
  keep(node, "privacy", flags.length > 0);
  if (flags.length) fill(node, "privacy", flags.map((kind) => label("personal_number", kind)).join(t("list_separator")));

  metaValue(node, "asker", q.verbatim_asker_name || t("anonymous"));
  keep(node, "phone", !!q.asker_phone);
  if (q.asker_phone) fill(node, "phone", q.asker_phone);
  metaValue(node, "category", q.category ? localName(q.category, "name") : t("no_category"));
  metaValue(node, "district", q.district ? localName(q.district, "name") : t("no_district"));
  metaValue(node, "official", q.official ? officialLabel(q.official) : t("no_official"));

  const outcome = outcomeText(q);
  keep(node, "outcome", outcome !== null);
  if (outcome !== null) fill(node, "outcome", outcome);
  const answered = q.status === "answered" && !!q.answer;
  keep(node, "answer", answered);
  if (answered) {
    fill(
      node,
      "answer-by",
      t("answered_by", { name: q.answer.official ? q.answer.official.name : "" }) +
        " · " +
        label("answer_kind", q.answer.kind === "verbal" ? "verbal" : "written")
    );
    fill(node, "answer-text", q.answer.text);
  }

  keep(node, "triage", mayTriage);
  if (mayTriage) fillTriage(node, q, place);
  return disableIfBusy(node, state.busy[q.id]);
}

function itemKey(q, place) {
  return [
    q.version,
    q.status,
    state.open[q.id] || "",
    state.busy[q.id] ? 1 : 0,
    place ? (place.first ? "f" : "") + (place.last ? "l" : "") : "-",
    q.support_count,
    q.support_burst ? "burst" : "",
  ].join("|");
}

// Keep what a moderator is typing or choosing when another change re-renders the item.
function carryOver(old, fresh) {
  old.querySelectorAll("select[data-dirty], [data-subform] select, [data-subform] textarea").forEach((field) => {
    const twin = fresh.querySelector('[name="' + field.name + '"]');
    if (!twin) return;
    twin.value = field.value;
    if (field.hasAttribute("data-dirty")) twin.setAttribute("data-dirty", "");
  });
  const active = document.activeElement;
  if (active && old.contains(active)) {
    const selector = active.name
      ? '[name="' + active.name + '"]'
      : active.getAttribute("data-action")
        ? '[data-action="' + active.getAttribute("data-action") + '"]'
        : null;
    const target = selector && fresh.querySelector(selector);
    return { target: target, start: active.selectionStart, end: active.selectionEnd };
  }
  return null;
}

export function renderList() {
  const list = sorted(state.filter).filter(matchesSearch);
  const queue = orderable(state.filter).map((q) => q.id);
  const kept = {};
  let previous = null;
  let refocus = null;
  list.forEach((q) => {
    const at = queue.indexOf(q.id);
    const place = at === -1 ? null : { first: at === 0, last: at === queue.length - 1 };
    const key = itemKey(q, place);
    let node = nodes[q.id];
    if (!node || node.getAttribute("data-key") !== key) {
      const fresh = renderItem(q, place);
      fresh.setAttribute("data-key", key);
      if (node) {
        refocus = carryOver(node, fresh) || refocus;
        if (node.parentNode) node.parentNode.replaceChild(fresh, node);
      }
      node = fresh;
      nodes[q.id] = node;
    }
    kept[q.id] = true;
    const expected = previous ? previous.nextSibling : queueEl.firstChild;
    if (expected !== node) queueEl.insertBefore(node, expected);
    previous = node;
  });
  Object.keys(nodes).forEach((id) => {
    if (!kept[id]) {
      if (nodes[id].parentNode) nodes[id].parentNode.removeChild(nodes[id]);
      delete nodes[id];
    }
  });
  const empty = queueEl.querySelector('[data-role="empty"]');
  if (!list.length && !empty) {
    queueEl.appendChild(el("li", { className: "queue__empty", "data-role": "empty" }, [t("empty")]));
  } else if (list.length && empty) {
    empty.parentNode.removeChild(empty);
  }
  if (refocus && refocus.target) {
    refocus.target.focus();
    if (typeof refocus.start === "number" && refocus.target.setSelectionRange) {
      try {
        refocus.target.setSelectionRange(refocus.start, refocus.end);
      } catch (e) {
        /* not a text field */
      }
    }
  }
}

function renderTabs() {
  document.querySelectorAll("[data-filter]").forEach((tab) => {
    const key = tab.getAttribute("data-filter");
    tab.setAttribute("aria-pressed", key === state.filter ? "true" : "false");
    const n = Object.values(state.questions).filter((q) => inFilter(q, key)).length;
    const badge = tab.querySelector("[data-count]");
    if (badge) badge.textContent = digits(n);
  });
}

export function renderSession() {
  const s = state.session;
  renderSessionBar(s, state.counters);
  const allowed = sessionActionsFor(s);
  const show = {
    "session-open": allowed.indexOf("open") !== -1,
    "session-start": allowed.indexOf("start") !== -1,
    "session-close": allowed.indexOf("close") !== -1,
  };
  Object.keys(show).forEach((action) => {
    const button = document.querySelector('[data-action="' + action + '"]');
    if (button) button.hidden = !show[action];
  });
  const form = document.getElementById("operator-form");
  if (form) {
    const accepting = !!s.accepting_questions;
    form.querySelector('[data-testid="operator-submit"]').disabled = !accepting;
    form.setAttribute("data-accepting", accepting ? "true" : "false");
  }
}

export function render() {
  renderSession();
  renderTabs();
  renderList();
}
