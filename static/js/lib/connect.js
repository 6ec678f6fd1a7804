/*
 * Keep a page in step with a session: its room's stream (public or staff) of numbered changes.
 *
 *   connectSession({sessionId, room, snapshotUrl, onSnapshot, onChange, onTally, onState,
 *                   onProblem, reloadOn, pollWhenOfflineMs})
 *       -> snapshot, then join; applies a `changes` batch {from, to, changes} only when it
 *          starts at or below seq + 1 (its items above seq, in order, then seq = to), reloads
 *          the snapshot on a gap, after every reconnect and when a `heartbeat` shows a newer
 *          seq, retries failed snapshots and joins with back-off. onChange gets each item;
 *          onTally gets tallies, their `counters` null when older than the page's.
 *          Returns {reload(), reloadSoon(), seq(), close()}.
 *   connectBoard(options)
 *       -> connectSession for public pages keeping a map of questions; calls
 *          options.render(questions, msg).
 */
import { api } from "./api.js";
import { batchStep, bySeq, isBatch, newerItems } from "./batch.js";
import { t } from "./i18n.js";
import { connectionState, emitAck, getSocket, onConnectionState, setConnection } from "./socket.js";

// Exponential back-off with jitter: about 1 s, 2 s, 4 s, ... up to 30 s, each between half
// and all of its step, so clients that failed together do not retry together.
var BACKOFF_MAX_MS = 30000;
function backoff(attempt) {
  var step = Math.min(BACKOFF_MAX_MS, 1000 * Math.pow(2, Math.max(0, attempt - 1)));
  return step / 2 + Math.random() * (step / 2);
}

// Session-wide changes make every client reload its snapshot: spread those reloads out.
var RELOAD_JITTER_MS = 1500;
var MAX_BUFFERED = 1000;
// A heartbeat may overtake the change it counts: wait this long (plus the reload jitter)
// before deciding that change was lost.
var HEARTBEAT_GRACE_MS = 1000;
// Refusals about who the user is: retrying alone may not help, so the page says why.
var ACCESS_CODES = {
  login_required: "live_login_required",
  forbidden: "live_forbidden",
  no_official: "live_forbidden",
};

function accessMessage(error) {
  var key = ACCESS_CODES[error.code] || (error.status === 401 ? "live_login_required" : "live_forbidden");
  var message = t(key, { reason: error.message || "" });
  return message === key ? error.message || t("offline") : message;
}

function isSessionWide(msg) {
  return typeof msg.kind === "string" && msg.kind.indexOf("session.") === 0;
}

/*
 * Keep a page in step with a session: the snapshot gives the state at `seq`; each `changes`
 * batch covers the stream's numbers from..to. While no usable snapshot is in hand (loading,
 * or waiting to retry a failed load) batches are buffered, then applied in order above the
 * snapshot's seq. A gap or a reconnect loads a fresh snapshot; only one load runs at a time, and failed loads and
 * refused joins are retried with back-off. While offline for long the snapshot is polled.
 */
export function connectSession(options) {
  var sessionId = Number(options.sessionId);
  var room = options.room || "public";
  var onSnapshot = options.onSnapshot || function () {};
  var onChange = options.onChange || function () {};
  var onTally = options.onTally || function () {};
  var onState = options.onState || function () {};
  var onProblem = options.onProblem || function () {};
  var reloadOn = options.reloadOn || isSessionWide;
  var pollMs = options.pollWhenOfflineMs || 30000;
  var seq = -1;
  var haveSnapshot = false;
  var joinedSeq = -1; // the join ack's seq: a snapshot below it misses undelivered events
  var loading = null;
  var loadFailures = 0;
  var retryTimer = null;
  var soonTimer = null;
  var heartbeatSeq = -1; // the newest seq a heartbeat announced
  var heartbeatTimer = null;
  var joinFailures = 0;
  var joinTimer = null;
  var buffer = [];
  var closed = false;
  var pollTimer = null;
  var offlineSince = null;
  // Support counts come from snapshots, changes and tallies, which can arrive out of order:
  // question id -> {seq, count} of the newest source seen (counts never go down).
  var counts = {};
  var countersSeq = -1; // the seq of the newest counters seen (snapshot or tally)

  function call(handler, value) {
    try {
      handler(value);
    } catch (e) {
      if (window.console) console.error(e);
    }
  }

  function freshCount(id, count, at) {
    if (typeof count !== "number") return count;
    if (typeof at !== "number") at = seq;
    var known = counts[id];
    if (!known || at > known.seq) {
      counts[id] = { seq: at, count: count };
      return count;
    }
    if (at === known.seq) known.count = Math.max(known.count, count);
    return known.count;
  }

  function waiting() {
    return !haveSnapshot || !!loading || !!retryTimer;
  }

  // Apply a batch that reaches past seq and starts at or below seq + 1: its newer items in
  // order (each the latest state of its question), then seq = batch.to.
  function apply(batch) {
    var reloadNeeded = false;
    newerItems(batch, seq).forEach(function (msg) {
      seq = msg.seq;
      if (msg.question) {
        msg.question.support_count = freshCount(msg.question.id, msg.question.support_count, msg.seq);
      }
      call(onChange, msg);
      reloadNeeded = reloadNeeded || reloadOn(msg);
    });
    seq = batch.to;
    if (reloadNeeded) reloadSoon();
  }

  // Apply buffered batches above the snapshot in order; false when one is missing.
  function drain() {
    var pending = buffer.sort(bySeq);
    buffer = [];
    for (var i = 0; i < pending.length; i++) {
      var step = batchStep(seq, pending[i]);
      if (step === "ignore") continue;
      if (step === "gap" || loading) {
        buffer = pending.slice(i);
        return !!loading;
      }
      apply(pending[i]);
    }
    return true;
  }

  function retryLater() {
    loadFailures += 1;
    if (closed || retryTimer) return;
    retryTimer = setTimeout(function () {
      retryTimer = null;
      reload();
    }, backoff(loadFailures));
  }

  function reload() {
    if (closed) return Promise.resolve();
    // One load at a time: changes arriving meanwhile are buffered, so it is enough.
    if (loading) return loading;
    if (retryTimer) {
      clearTimeout(retryTimer);
      retryTimer = null;
    }
    loading = api("GET", options.snapshotUrl).then(
      function (snap) {
        loading = null;
        if (closed) return;
        seq = typeof snap.seq === "number" ? snap.seq : -1;
        countersSeq = Math.max(countersSeq, seq);
        haveSnapshot = true;
        (snap.questions || []).forEach(function (q) {
          q.support_count = freshCount(q.id, q.support_count, seq);
        });
        call(onSnapshot, snap);
        // A snapshot that still leaves a hole (or lags the join) is retried with back-off,
        // not at once: reloading in a tight loop would only hammer the server.
        if (drain() && seq >= joinedSeq) loadFailures = 0;
        else if (!loading) retryLater();
      },
      function (error) {
        loading = null;
        if (window.console) console.warn("snapshot failed", error);
        if (error.status === 401 || error.status === 403) onProblem(accessMessage(error));
        retryLater();
      }
    );
    return loading;
  }

  function reloadSoon() {
    if (closed || soonTimer) return;
    soonTimer = setTimeout(function () {
      soonTimer = null;
      reload();
    }, Math.random() * RELOAD_JITTER_MS);
  }

  function joinRefused(error) {
    joinFailures += 1;
    var message = ACCESS_CODES[error.code] ? accessMessage(error) : null;
    setConnection("offline", message);
    if (message) onProblem(message);
    var s = getSocket();
    if (!s || closed) return;
    joinTimer = setTimeout(function () {
      joinTimer = null;
      if (!s.connected) return; // the connect handler joins again
      // A socket the server has forgotten must reconnect; any other refusal may pass later.
      if (error.code === "not_connected") {
        s.disconnect();
        s.connect();
      } else {
        join();
      }
    }, backoff(joinFailures));
  }

  function join() {
    if (joinTimer) {
      clearTimeout(joinTimer);
      joinTimer = null;
    }
    return emitAck("join", { session_id: sessionId, room: room }).then(
      function (reply) {
        if (closed) return;
        if (!reply.ok) {
          joinRefused(reply.error || {});
          return;
        }
        if (joinFailures) onProblem(null);
        joinFailures = 0;
        setConnection("connected");
        // Changes committed between the snapshot and the join were not delivered to us.
        if (typeof reply.seq === "number") joinedSeq = Math.max(joinedSeq, reply.seq);
        if (!waiting() && seq < joinedSeq) reload();
      },
      function () {
        // No ack in time: on a live socket ask again; after a drop, connect re-joins.
        if (!closed) joinRefused({ code: "timeout" });
      }
    );
  }

  function onStateChange(state) {
    onState(state);
    if (state === "connected") {
      offlineSince = null;
      if (pollTimer) {
        clearInterval(pollTimer);
        pollTimer = null;
      }
    } else if (!pollTimer) {
      offlineSince = offlineSince || Date.now();
      pollTimer = setInterval(function () {
        if (Date.now() - offlineSince >= pollMs && !retryTimer) reload();
      }, pollMs);
    }
  }
  const unsubscribe = onConnectionState(onStateChange);

  var s = getSocket();
  var controller = {
    reload: reload,
    reloadSoon: reloadSoon,
    seq: function () {
      return seq;
    },
    close: function () {
      closed = true;
      if (s) {
        s.off("changes", handleBatch);
        s.off("tally", handleTally);
        s.off("heartbeat", handleHeartbeat);
        s.off("connect", handleConnect);
        s.off("disconnect", handleDisconnect);
      }
      [retryTimer, soonTimer, joinTimer, heartbeatTimer].forEach(clearTimeout);
      if (pollTimer) clearInterval(pollTimer);
      unsubscribe();
    },
  };

  reload();
  if (!s) {
    onStateChange("offline");
    return controller;
  }

  function handleBatch(msg) {
    if (closed || !isBatch(msg, sessionId)) return;
    if (waiting()) {
      buffer.push(msg);
      if (buffer.length > MAX_BUFFERED) buffer.sort(bySeq).splice(0, buffer.length - MAX_BUFFERED);
      return;
    }
    var step = batchStep(seq, msg);
    if (step === "ignore") return;
    if (step === "gap") {
      // Missed some: keep this batch for after the reload, which fills the gap.
      buffer.push(msg);
      reload();
      return;
    }
    apply(msg);
  }
  function handleTally(msg) {
    if (closed || !msg || Number(msg.session_id) !== sessionId) return;
    var fresh = {};
    Object.keys(msg.counts || {}).forEach(function (id) {
      fresh[id] = freshCount(id, msg.counts[id], msg.seq);
    });
    // Counters ride in tallies: ones older than the snapshot's (or a later tally's) are stale.
    var counters = null;
    if (msg.counters && typeof msg.seq === "number" && msg.seq >= countersSeq) {
      countersSeq = msg.seq;
      counters = msg.counters;
    }
    call(onTally, Object.assign({}, msg, { counts: fresh, counters: counters }));
  }
  // The server's periodic {session_id, seq}: a seq above ours means a change never came
  // (say the message queue was down), so reload unless it turns up meanwhile.
  function handleHeartbeat(msg) {
    if (closed || !msg || Number(msg.session_id) !== sessionId || typeof msg.seq !== "number") return;
    heartbeatSeq = Math.max(heartbeatSeq, msg.seq);
    if (heartbeatSeq <= seq || heartbeatTimer) return;
    heartbeatTimer = setTimeout(function () {
      heartbeatTimer = null;
      // A load under way (or a retry due) already brings the page up to date.
      if (!closed && !waiting() && seq < heartbeatSeq) reload();
    }, HEARTBEAT_GRACE_MS + Math.random() * RELOAD_JITTER_MS);
  }
  function handleDisconnect() {
    if (joinTimer) {
      clearTimeout(joinTimer);
      joinTimer = null;
    }
  }
  var first = true;
  function handleConnect() {
    if (closed) return;
    setConnection("connecting");
    // Initial connect: the snapshot is already loading. Reconnect: reload it and re-join.
    var ready = first ? loading || Promise.resolve() : reload();
    first = false;
    ready.then(join);
  }
  s.on("changes", handleBatch);
  s.on("tally", handleTally);
  s.on("heartbeat", handleHeartbeat);
  s.on("connect", handleConnect);
  s.on("disconnect", handleDisconnect);
  if (s.connected) handleConnect();
  else onStateChange(connectionState());

  return controller;
}

/*
 * A public page's view of a session (citizen board, big screen): a map of questions by id,
 * kept by snapshots and changes, counters by snapshots and tallies. Calls
 * onCounters(counters), onSession(session) and render(questions, change); returns the
 * connectSession controller.
 */
export function connectBoard(options) {
  var questions = {};
  var onCounters = options.onCounters || function () {};
  var onSession = options.onSession || function () {};
  return connectSession({
    sessionId: options.sessionId,
    room: options.room,
    snapshotUrl: options.snapshotUrl,
    pollWhenOfflineMs: options.pollWhenOfflineMs,
    onTally: function (msg) {
      if (msg.counters) onCounters(msg.counters);
      if (options.onTally) options.onTally(msg);
    },
    onState: options.onState,
    onSnapshot: function (snap) {
      questions = {};
      (snap.questions || []).forEach(function (q) {
        questions[q.id] = q;
      });
      onCounters(snap.counters);
      if (snap.session) onSession(snap.session);
      options.render(questions, null);
    },
    onChange: function (msg) {
      // Session-wide changes carry no question; connectSession reloads the snapshot.
      if (!msg.question_id) return;
      if (msg.question) questions[msg.question.id] = msg.question;
      else delete questions[msg.question_id];
      options.render(questions, msg);
    },
  });
}
