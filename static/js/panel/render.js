/*
 * Drawing the panel: each question is a copy of <template id="tpl-panel-item">
 * (templates/staff/_cards.html) with its slots filled and the parts and verbs that do not
 * apply removed.
 */
import { card, el, fill, keep, keepVerbs } from "../lib/dom.js";
import { digits, formatDay, localName, t } from "../lib/i18n.js";
import { disableIfBusy, renderSessionBar, staffCard } from "../lib/staff.js";
import { actionsFor } from "../lib/access.js";

const RECENT = 10;

function renderItem(q, ctx) {
  const node = staffCard("tpl-panel-item", q);
  keep(node, "category", !!q.category);
  if (q.category) fill(node, "category", localName(q.category, "name"));
  keep(node, "district", !!q.district);
  if (q.district) fill(node, "district", localName(q.district, "name"));
  fill(node, "text", q.text);
  const edited = !!q.edited_text && q.edited_text !== q.verbatim_text;
  keep(node, "edited", edited);
  if (edited) fill(node, "verbatim", q.verbatim_text);

  const who = [];
  if (q.asker_name) who.push(t("asker") + ": " + q.asker_name);
  if (!ctx.isOfficial && q.official) who.push(t("another_official", { name: q.official.name }));
  keep(node, "who", who.length > 0);
  if (who.length) fill(node, "who", who.join(" · "));

  const answer = q.status === "answered" ? q.answer : null;
  keep(node, "answer", !!answer);
  if (answer) fill(node, "answer", answer.text);
  const followUp = answer && answer.follow_up;
  keep(node, "follow-up", !!followUp);
  if (followUp) fill(node, "follow-up", t("follow_up", { unit: followUp.responsible_unit, date: formatDay(followUp.due_on) }));

  const verbs = actionsFor(q);
  keepVerbs(node, verbs);
  keep(node, "actions", verbs.indexOf("on_air") !== -1 || verbs.indexOf("put_back") !== -1 || verbs.indexOf("transfer") !== -1);
  const transfer = node.querySelector('select[name="official_id"]');
  if (transfer) {
    const own = transfer.querySelector('option[value="' + q.official_id + '"]');
    if (own) own.remove();
  }
  return disableIfBusy(node, ctx.state.busy[q.id]);
}

function emptyLine(text) {
  return el("li", { className: "queue__empty" }, [text]);
}

// Replace a list's items, keeping a transfer choice the official is in the middle of.
function fillList(container, items, emptyText) {
  const chosen = {};
  container.querySelectorAll('[data-testid="panel-item"] select[name=official_id]').forEach((s) => {
    if (s.value) chosen[s.closest("[data-id]").getAttribute("data-id")] = s.value;
  });
  container.textContent = "";
  if (!items.length && emptyText) container.appendChild(emptyLine(emptyText));
  items.forEach((item) => {
    container.appendChild(item);
    const kept = chosen[item.getAttribute("data-id")];
    const s = item.querySelector("select[name=official_id]");
    if (kept && s) s.value = kept;
  });
}

function elsewhere(q) {
  const node = card("tpl-on-air-elsewhere");
  fill(node, "official", t("another_official", { name: q.official ? q.official.name : "" }) + ": ");
  fill(node, "text", q.text);
  return node;
}

/*
 * Draw the panel from CTX ({state, isOfficial, mine(q), questions}); returns the question
 * of this view that is on air (the answer form's), or null.
 */
export function renderPanel(ctx) {
  const state = ctx.state;
  renderSessionBar(state.session, state.counters);
  const hint = document.querySelector('[data-testid="session-hint"]');
  if (hint) hint.hidden = state.session.status === "live" || state.session.status === "closed";

  const questions = ctx.questions;
  const onAir = questions.find((q) => q.status === "on_air");
  const myOnAir = onAir && ctx.mine(onAir) ? onAir : null;

  const focused = document.activeElement;
  const focusKey =
    focused && focused.closest && focused.closest('[data-testid="panel-item"]')
      ? [focused.closest("[data-id]").getAttribute("data-id"), focused.getAttribute("data-action") || focused.name]
      : null;

  const onAirBox = document.getElementById("onair");
  if (myOnAir) fillList(onAirBox, [renderItem(myOnAir, ctx)]);
  else if (onAir) fillList(onAirBox, [elsewhere(onAir)]);
  else fillList(onAirBox, [], t("nothing_on_air"));

  const byPosition = (a, b) => {
    const pa = a.position == null ? Infinity : a.position;
    const pb = b.position == null ? Infinity : b.position;
    return pa !== pb ? pa - pb : a.id - b.id;
  };
  const routed = questions.filter((q) => q.status === "routed" && ctx.mine(q)).sort(byPosition);
  fillList(
    document.getElementById("routed-list"),
    routed.map((q) => renderItem(q, ctx)),
    t("nothing_routed")
  );
  const count = document.querySelector('[data-count="routed"]');
  if (count) count.textContent = routed.length ? "(" + digits(routed.length) + ")" : "";

  const answered = questions
    .filter((q) => q.status === "answered" && ctx.mine(q))
    .sort((a, b) => (b.answered_at || "").localeCompare(a.answered_at || ""))
    .slice(0, RECENT);
  fillList(
    document.getElementById("answered-list"),
    answered.map((q) => renderItem(q, ctx)),
    t("nothing_answered")
  );

  if (focusKey) {
    const again = document.querySelector(
      '[data-testid="panel-item"][data-id="' +
        focusKey[0] +
        '"] ' +
        (focused.name ? '[name="' + focusKey[1] + '"]' : '[data-action="' + focusKey[1] + '"]')
    );
    if (again) again.focus();
  }
  return myOnAir;
}
