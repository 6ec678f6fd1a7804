/*
 * Shared by the moderator desk and the official panel: notices, the staff store, the
 * session connection, the session bar and the parts every staff question card shares.
 */
import { api } from "./api.js";
import { connectSession } from "./connect.js";
import { digits, formatDateTime, formatTime, label, t } from "./i18n.js";
import { card, fill, keep, setModifier, slot } from "./dom.js";

// A notice function for NODE: errors stay until replaced, other messages fade after 6 s.
// notice.problem(message) suits connectSession's onProblem: the message shows as an error
// and is cleared by problem(null) unless something else was shown since.
export function notifier(node) {
  let timer = null;
  let problem = null;
  function notice(message, kind) {
    if (!node) return;
    clearTimeout(timer);
    node.textContent = message || "";
    node.setAttribute("data-kind", kind || "info");
    if (message && kind !== "error") {
      timer = setTimeout(() => {
        node.textContent = "";
      }, 6000);
    }
  }
  notice.problem = (message) => {
    if (message) notice(message, "error");
    else if (problem && node && node.textContent === problem) notice("");
    problem = message;
  };
  return notice;
}

/*
 * Keep STATE ({session, counters, questions, busy}) from staff snapshots, changes and tallies.
 * Snapshots, events and our own command replies may arrive in any order: a question is
 * only replaced by one of the same or a newer version. ON_UPSERT(q) runs after each.
 */
export function staffStore(state, onUpsert) {
  function upsert(q) {
    if (!q || q.session_id !== state.session.id) return;
    const old = state.questions[q.id];
    if (old && old.version > q.version) return;
    if (old && old.version === q.version && old.support_count > q.support_count) {
      q.support_count = old.support_count;
    }
    state.questions[q.id] = q;
    if (onUpsert) onUpsert(q);
  }
  return {
    upsert: upsert,
    snapshot(snap) {
      state.session = snap.session;
      state.counters = snap.counters;
      const fresh = {};
      snap.questions.forEach((q) => {
        fresh[q.id] = true;
        upsert(q);
      });
      // Carried-in questions can leave a session; drop what the snapshot no longer lists.
      Object.keys(state.questions).forEach((id) => {
        if (!fresh[id]) delete state.questions[id];
      });
    },
    change(msg) {
      if (msg.question) upsert(msg.question);
    },
    // Set the tallied counts and refresh each shown "N supporters" line found by NODE_OF(id);
    // the counters ride in tallies too (null when older than the snapshot's).
    tally(msg, nodeOf) {
      if (msg.counters) {
        state.counters = msg.counters;
        renderSessionBar(state.session, state.counters);
      }
      Object.keys(msg.counts || {}).forEach((id) => {
        const q = state.questions[id];
        if (!q) return;
        q.support_count = msg.counts[id];
        const node = nodeOf(id);
        const count = node && node.querySelector("[data-role=support]");
        if (count) count.textContent = t("supporters", { count: q.support_count });
      });
    },
    all() {
      return Object.keys(state.questions).map((id) => state.questions[id]);
    },
    // POST a command on Q (with its version, so a stale one is refused); Q is busy until the
    // reply, which is stored and resolved with. A 409/404 means the question moved on:
    // RELOAD() then shows its current state.
    command(apiRoot, q, verb, body, reload) {
      state.busy[q.id] = true;
      const payload = Object.assign({ version: q.version }, body || {});
      return api("POST", apiRoot + "/questions/" + q.id + "/" + verb, payload).then(
        (data) => {
          delete state.busy[q.id];
          upsert(data.question);
          return data.question;
        },
        (error) => {
          delete state.busy[q.id];
          if (error.status === 409 || error.status === 404) reload();
          throw error;
        }
      );
    },
  };
}

/*
 * Follow a session's staff view (the /queue snapshot) into STORE, calling RENDER() after
 * snapshots and changes; tallies update the count in the item NODE_OF(id) in place.
 * Reorders and session changes carry no single question: they reload the snapshot.
 */
export function staffConnect(apiRoot, sessionId, room, store, render, nodeOf, onProblem) {
  return connectSession({
    sessionId: sessionId,
    room: room,
    snapshotUrl: apiRoot + "/sessions/" + sessionId + "/queue",
    reloadOn: (msg) => !msg.question_id,
    onSnapshot(snap) {
      store.snapshot(snap);
      render();
    },
    onChange(msg) {
      store.change(msg);
      render();
    },
    onTally(msg) {
      store.tally(msg, nodeOf);
    },
    onProblem: onProblem,
  });
}

// The session badge, "next session" hint and counters every staff page shows.
export function renderSessionBar(session, counters) {
  const badge = document.querySelector('[data-testid="session-status"]');
  if (badge && session) {
    badge.setAttribute("data-status", session.status);
    badge.textContent = label("session_status", session.status);
  }
  const next = document.querySelector('[data-testid="next-session"]');
  if (next && session) next.hidden = session.status !== "closed";
  document.querySelectorAll("[data-counter]").forEach((node) => {
    const value = (counters || {})[node.getAttribute("data-counter")];
    node.textContent = value === undefined ? "–" : digits(value);
  });
}

/*
 * A staff question card from <template id=TEMPLATE_ID> with the parts every staff card
 * shares filled in: identity attributes, number, channel, supporters, time sent. While BUSY
 * (a command in flight) its controls are off: call disableIfBusy after filling the rest.
 */
export function staffCard(templateId, q) {
  const node = card(templateId);
  setModifier(node, "item", q.status);
  node.setAttribute("data-id", q.id);
  node.setAttribute("data-status", q.status);
  node.setAttribute("data-version", q.version);
  fill(node, "id", "#" + digits(q.id));
  const channel = fill(node, "channel", label("channel", q.channel));
  if (channel) setModifier(channel, "badge", q.channel);
  fill(node, "support", t("supporters", { count: q.support_count }));
  keep(node, "submitted", !!q.submitted_at);
  const sent = slot(node, "submitted");
  if (sent) {
    sent.setAttribute("datetime", q.submitted_at);
    sent.title = formatDateTime(q.submitted_at);
    sent.textContent = formatTime(q.submitted_at);
  }
  return node;
}

export function disableIfBusy(node, busy) {
  if (!busy) return node;
  node.classList.add("is-busy");
  node.querySelectorAll("button, select, textarea").forEach((control) => {
    control.disabled = true;
  });
  return node;
}
