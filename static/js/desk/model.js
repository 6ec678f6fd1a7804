/* The desk's state: the page data, the questions it holds, and which tab shows which. */
import { pageData } from "../lib/dom.js";
import { staffStore } from "../lib/staff.js";
import { actionsFor, mayTriage } from "../lib/access.js";

export const page = pageData("staff-data");
export const API = page.api;

// The lifecycle's status sets come with the page (liveqa/domain/lifecycle.py is their home).
const FILTERS = {
  active: page.lifecycle.open,
  new: ["submitted"],
  approved: ["approved"],
  routed: ["routed"],
  on_air: ["on_air"],
  done: page.lifecycle.finished,
};
const REORDERABLE = { approved: true, routed: true };
// In "all open" the one on air leads, then the questions still needing triage.
const STATUS_RANK = { on_air: 0, submitted: 1, approved: 2, routed: 3 };
const asSet = (list) => Object.fromEntries(list.map((status) => [status, 1]));
export const FINISHED = asSet(page.lifecycle.finished);
// The statuses a question may be merged into.
export const MERGE_TARGETS = asSet(page.lifecycle.merge_into);
export const STICKY_MS = 20000;

export const state = {
  session: page.session,
  counters: null,
  questions: {},
  filter: "active",
  search: "",
  open: {}, // question id -> open sub-form: "reject" | "edit" | "merge"
  busy: {}, // question id -> a request is in flight
  // Questions this desk just moved out of the current tab stay in sight for a while,
  // showing their new status: id -> {until, status (the one they had)}.
  sticky: {},
};

export const categories = {};
page.categories.forEach((c) => {
  categories[c.id] = c;
});

export const store = staffStore(state, (q) => {
  if (FINISHED[q.status]) delete state.open[q.id];
});

export function inFilter(q, filter) {
  return FILTERS[filter].indexOf(q.status) !== -1;
}

export function matchesSearch(q) {
  if (!state.search) return true;
  const needle = state.search;
  return [q.text, q.verbatim_text, q.tracking_code, q.asker_name, String(q.id)].some(
    (v) => v && String(v).toLowerCase().indexOf(needle) !== -1
  );
}

function byPosition(a, b) {
  const pa = a.position == null ? Infinity : a.position;
  const pb = b.position == null ? Infinity : b.position;
  return pa !== pb ? pa - pb : a.id - b.id;
}

function stickyStatus(q) {
  const held = state.sticky[q.id];
  return held && held.until > Date.now() ? held.status : null;
}

// The status a question is filed under in this tab (a sticky one keeps its old place).
function placeStatus(q, filter) {
  if (inFilter(q, filter)) return q.status;
  const held = stickyStatus(q);
  return held && FILTERS[filter].indexOf(held) !== -1 ? held : null;
}

export function sorted(filter) {
  const list = Object.values(state.questions).filter((q) => placeStatus(q, filter) !== null);
  if (filter === "done") {
    list.sort((a, b) => (b.updated_at || "").localeCompare(a.updated_at || "") || b.id - a.id);
  } else if (filter === "active") {
    list.sort((a, b) => {
      const sa = placeStatus(a, filter);
      const r = STATUS_RANK[sa] - STATUS_RANK[placeStatus(b, filter)];
      if (r) return r;
      return sa === "submitted" ? a.id - b.id : byPosition(a, b);
    });
  } else if (filter === "new") {
    list.sort((a, b) => a.id - b.id);
  } else {
    list.sort(byPosition);
  }
  return list;
}

// The questions that can be moved in this tab, in order: only open ones of its status
// (finished questions held in sight for a while are not part of the queue).
export function orderable(filter) {
  if (!mayTriage || !REORDERABLE[filter]) return [];
  return sorted(filter).filter((q) => inFilter(q, filter) && actionsFor(q).indexOf("reorder") !== -1);
}

export function defaultOfficial(q, categoryId) {
  if (q.official_id) return q.official_id;
  const category = categories[categoryId];
  return category && category.default_official_id ? category.default_official_id : null;
}

export function numberOrNull(value) {
  return value === "" || value == null ? null : Number(value);
}
