/*
 * LiveQA shared client library: window.LiveQA.
 *
 *   LiveQA.api(method, url, body)      -> Promise of parsed JSON; rejects with an Error carrying
 *                                         .status, .code, .message (and .field, .details) taken
 *                                         from the API's error shape; status 0 = network error.
 *   LiveQA.connectSession({sessionId, room, snapshotUrl, onSnapshot, onChange, onTally, onState,
 *                          onProblem, reloadOn})
 *                                      -> snapshot, then join; applies `change` only when
 *                                         seq === last + 1, reloads the snapshot on a gap and
 *                                         after every reconnect, retries failed snapshots and
 *                                         joins with back-off. Returns {reload(), reloadSoon(),
 *                                         seq(), close()}.
 *   LiveQA.connectBoard(options)       -> connectSession for public pages keeping a map of
 *                                         questions; calls options.render(questions).
 *   LiveQA.track(codes, onTracked)     -> follows tracking codes (re-sent after reconnect);
 *                                         returns {add(code)}.
 *   LiveQA.t(key, params)              -> translated string from <script id="i18n">.
 *   LiveQA.digits(n)                   -> Persian digits on Persian pages.
 *   LiveQA.formatDate(iso), LiveQA.formatTime(iso), LiveQA.formatDateTime(iso)
 *   LiveQA.formatDay("YYYY-MM-DD")     -> a calendar day, the same in every time zone.
 *   LiveQA.localName(obj, field), LiveQA.officialLine(official)
 *   LiveQA.randomKey(), LiveQA.idempotency(storageKey) -> keys for retry-safe submits.
 *   LiveQA.load(name, fallback), LiveQA.save(name, value|null) -> JSON in localStorage.
 *   LiveQA.pageData(id)                -> parsed <script type="application/json" id=ID>.
 *   LiveQA.staff                       -> helpers shared by the desk and the panel.
 *   LiveQA.el(tag, attrs, children)    -> element; strings become text nodes (never HTML).
 *   LiveQA.setConnection(state)        -> updates every [data-testid=connection].
 *
 * User data is only ever inserted with textContent / text nodes, never innerHTML.
 */
(function () {
  "use strict";

  var html = document.documentElement;
  var lang = html.getAttribute("lang") || "fa";
  var strings = {};
  try {
    var block = document.getElementById("i18n");
    strings = block ? JSON.parse(block.textContent) : {};
  } catch (e) {
    strings = {};
  }

  function meta(name) {
    var node = document.querySelector('meta[name="' + name + '"]');
    return node ? node.getAttribute("content") : "";
  }

  function digits(value) {
    var text = value === null || value === undefined ? "" : String(value);
    if (lang !== "fa") return text;
    return text.replace(/[0-9]/g, function (d) {
      return String.fromCharCode(0x06f0 + Number(d));
    });
  }

  function t(key, params) {
    var text = Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
    if (params) {
      text = text.replace(/%\((\w+)\)[sd]/g, function (whole, name) {
        return Object.prototype.hasOwnProperty.call(params, name) ? digits(params[name]) : whole;
      });
    }
    return text;
  }

  var timeZone = meta("time-zone") || undefined;
  var locale = lang === "fa" ? "fa-IR-u-ca-persian-nu-arabext" : "en-GB";

  function format(iso, options, zone) {
    if (!iso) return "";
    var date = new Date(iso);
    if (isNaN(date.getTime())) return "";
    try {
      return new Intl.DateTimeFormat(locale, Object.assign({ timeZone: zone || timeZone }, options)).format(date);
    } catch (e) {
      return digits(date.toLocaleString());
    }
  }

  // Chromium builds without Persian date patterns put Jalali parts in English order
  // ("1404 Azar 12, Wednesday"), so Persian dates are assembled from their parts.
  function faParts(iso, options, zone) {
    if (!iso) return null;
    var date = new Date(iso);
    if (isNaN(date.getTime())) return null;
    try {
      var parts = {};
      new Intl.DateTimeFormat(locale, Object.assign({ timeZone: zone || timeZone }, options))
        .formatToParts(date)
        .forEach(function (part) { parts[part.type] = part.value; });
      return parts;
    } catch (e) {
      return null;
    }
  }

  function formatDate(iso, zone) {
    var options = { weekday: "long", day: "numeric", month: "long", year: "numeric" };
    if (lang !== "fa") return format(iso, options, zone);
    var p = faParts(iso, options, zone);
    if (!p) return format(iso, options, zone);
    return digits([p.weekday, p.day, p.month, p.year].join(" "));
  }

  // A bare date (YYYY-MM-DD) is a calendar day, not an instant: read and show it in UTC so
  // neither the browser's zone nor the site's can move it to the day before or after.
  function formatDay(isoDay) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(isoDay || "")) return "";
    return formatDate(isoDay + "T12:00:00Z", "UTC");
  }

  function formatTime(iso) {
    var options = { hour: "2-digit", minute: "2-digit", hour12: false };
    if (lang !== "fa") return format(iso, options);
    var p = faParts(iso, options);
    return p ? digits(p.hour + ":" + p.minute) : format(iso, options);
  }

  function formatDateTime(iso) {
    var options = {
      day: "numeric", month: "long", hour: "2-digit", minute: "2-digit", hour12: false,
    };
    if (lang !== "fa") return format(iso, options);
    var p = faParts(iso, options);
    if (!p) return format(iso, options);
    return p.day + " " + p.month + "، " + digits(p.hour + ":" + p.minute);
  }

  function localName(obj, field) {
    if (!obj) return "";
    var en = obj[(field || "name") + "_en"];
    return lang === "en" && en ? en : obj[field || "name"];
  }

  // Names and titles may be in either script: isolate each so the line reads correctly.
  function officialLine(official) {
    if (!official) return "";
    var title = localName(official, "title");
    var name = "\u2068" + official.name + "\u2069";
    return title ? name + (lang === "en" ? ", " : "، ") + "\u2068" + title + "\u2069" : name;
  }

  function pageData(id) {
    try {
      var node = document.getElementById(id);
      return node ? JSON.parse(node.textContent) : {};
    } catch (e) {
      return {};
    }
  }

  function randomKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // randomUUID exists only in secure contexts; a plain-http LAN address still needs a key.
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  function storageGet(name, fallback) {
    var missing = fallback === undefined ? null : fallback;
    try {
      var raw = window.localStorage.getItem(name);
      return raw ? JSON.parse(raw) : missing;
    } catch (e) {
      return missing;
    }
  }

  function storageSet(name, value) {
    try {
      if (value === null) window.localStorage.removeItem(name);
      else window.localStorage.setItem(name, JSON.stringify(value));
    } catch (e) {
      /* private mode or full storage: the page still works, it just forgets */
    }
  }

  /*
   * Idempotency keys for a form: an attempt whose fate is unknown (network error, 5xx) keeps
   * its key, so resending the SAME payload cannot store it twice; a changed payload gets a new
   * key, so the server does not answer the edit with the first attempt's result. With a
   * storage name the pending attempt survives a page reload.
   */
  function idempotency(storageName) {
    var pending = storageName ? storageGet(storageName) : null;

    function remember(value) {
      pending = value;
      if (storageName) storageSet(storageName, value);
    }

    return {
      key: function (payload) {
        var text = JSON.stringify(payload);
        var key = pending && pending.payload === text ? pending.key : randomKey();
        remember({ key: key, payload: text });
        return key;
      },
      // Call with the request's outcome: nothing (success) or its error.
      settle: function (error) {
        var unknown = error && (!error.status || error.status >= 500);
        if (!unknown) remember(null);
      },
    };
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        var value = attrs[name];
        if (value === null || value === undefined || value === false) return;
        if (name === "text") node.textContent = value;
        else if (name === "className") node.className = value;
        else if (name.slice(0, 2) === "on" && typeof value === "function") {
          node.addEventListener(name.slice(2), value);
        } else node.setAttribute(name, value === true ? "" : String(value));
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function apiError(status, body) {
    var info = (body && body.error) || {};
    var error = new Error(info.message || t(status === 0 ? "network_error" : "unexpected_error"));
    error.status = status;
    error.code = info.code || (status === 0 ? "network" : "http_" + status);
    error.field = info.field;
    error.details = info.details;
    return error;
  }

  function api(method, url, body) {
    var headers = { Accept: "application/json", "Accept-Language": lang };
    var token = meta("csrf-token");
    if (token) headers["X-CSRFToken"] = token;
    var options = { method: method, headers: headers, credentials: "same-origin" };
    if (body !== undefined && body !== null) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(
      function (response) {
        return response.text().then(function (text) {
          var data = null;
          try {
            data = text ? JSON.parse(text) : {};
          } catch (e) {
            data = null;
          }
          if (!response.ok) throw apiError(response.status, data);
          return data || {};
        });
      },
      function () {
        throw apiError(0, null);
      }
    );
  }

  // One socket per page, shared by connectSession and track.
  var socket = null;
  var connectionState = "connecting";
  var stateListeners = [];

  // DETAIL, when given, replaces the state's label (say, why live updates stopped).
  function setConnection(state, detail) {
    connectionState = state;
    var label = detail || t(state);
    document.querySelectorAll('[data-testid="connection"]').forEach(function (node) {
      node.setAttribute("data-state", state);
      var text = node.querySelector(".connection__label");
      if (text) text.textContent = label;
      node.setAttribute("title", label);
    });
    stateListeners.forEach(function (listener) {
      listener(state);
    });
  }

  function getSocket() {
    if (socket) return socket;
    if (typeof window.io !== "function") {
      setConnection("offline");
      return null;
    }
    socket = window.io({
      transports: ["websocket", "polling"],
      reconnectionDelay: 1000,
      reconnectionDelayMax: 10000,
      timeout: 10000,
    });
    socket.on("disconnect", function () {
      setConnection("offline");
    });
    socket.on("connect_error", function () {
      setConnection("offline");
    });
    socket.io.on("reconnect_attempt", function () {
      if (connectionState !== "connected") setConnection("connecting");
    });
    window.addEventListener("online", function () {
      if (!socket.connected) socket.connect();
    });
    return socket;
  }

  function emitAck(name, payload, timeoutMs) {
    return new Promise(function (resolve, reject) {
      var s = getSocket();
      if (!s) return reject(new Error("no socket"));
      var done = false;
      var timer = setTimeout(function () {
        if (!done) {
          done = true;
          reject(new Error("ack timeout"));
        }
      }, timeoutMs || 10000);
      s.emit(name, payload, function (reply) {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(reply || {});
      });
    });
  }

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

  function bySeq(a, b) {
    return a.seq - b.seq;
  }

  function isSessionWide(msg) {
    return typeof msg.kind === "string" && msg.kind.indexOf("session.") === 0;
  }

  /*
   * Keep a page in step with a session: the snapshot gives the state at `seq`; every `change`
   * carries the next seq. While no usable snapshot is in hand (loading, or waiting to retry a
   * failed load) events are buffered, then applied in order above the snapshot's seq. A gap
   * or a reconnect loads a fresh snapshot; only one load runs at a time, and failed loads and
   * refused joins are retried with back-off. While offline for long the snapshot is polled.
   */
  function connectSession(options) {
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
    var joinFailures = 0;
    var joinTimer = null;
    var buffer = [];
    var closed = false;
    var pollTimer = null;
    var offlineSince = null;
    // Support counts come from snapshots, changes and tallies, which can arrive out of order:
    // question id -> {seq, count} of the newest source seen (counts never go down).
    var counts = {};

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

    function apply(msg) {
      seq = msg.seq;
      if (msg.question) {
        msg.question.support_count = freshCount(msg.question.id, msg.question.support_count, msg.seq);
      }
      call(onChange, msg);
      if (reloadOn(msg)) reloadSoon();
    }

    // Apply buffered changes above the snapshot in order; false when one is missing.
    function drain() {
      var pending = buffer.sort(bySeq);
      buffer = [];
      for (var i = 0; i < pending.length; i++) {
        var msg = pending[i];
        if (msg.seq <= seq) continue;
        if (msg.seq !== seq + 1 || loading) {
          buffer = pending.slice(i);
          return !!loading;
        }
        apply(msg);
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
    stateListeners.push(onStateChange);

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
          s.off("change", handleChange);
          s.off("tally", handleTally);
          s.off("connect", handleConnect);
          s.off("disconnect", handleDisconnect);
        }
        [retryTimer, soonTimer, joinTimer].forEach(clearTimeout);
        if (pollTimer) clearInterval(pollTimer);
        stateListeners.splice(stateListeners.indexOf(onStateChange), 1);
      },
    };

    reload();
    if (!s) {
      onStateChange("offline");
      return controller;
    }

    function handleChange(msg) {
      if (closed || !msg || Number(msg.session_id) !== sessionId || typeof msg.seq !== "number") return;
      if (waiting()) {
        buffer.push(msg);
        if (buffer.length > MAX_BUFFERED) buffer.sort(bySeq).splice(0, buffer.length - MAX_BUFFERED);
        return;
      }
      if (msg.seq <= seq) return;
      if (msg.seq !== seq + 1) {
        // Missed one: keep this change for after the reload, which fills the gap.
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
      call(onTally, Object.assign({}, msg, { counts: fresh }));
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
    s.on("change", handleChange);
    s.on("tally", handleTally);
    s.on("connect", handleConnect);
    s.on("disconnect", handleDisconnect);
    if (s.connected) handleConnect();
    else onStateChange(connectionState);

    return controller;
  }

  /*
   * A public page's view of a session (citizen board, big screen): a map of questions by id,
   * kept by snapshots and changes. Calls onCounters(counters), onSession(session) and
   * render(questions) after each; returns the connectSession controller.
   */
  function connectBoard(options) {
    var questions = {};
    var onCounters = options.onCounters || function () {};
    var onSession = options.onSession || function () {};
    return connectSession({
      sessionId: options.sessionId,
      room: options.room,
      snapshotUrl: options.snapshotUrl,
      pollWhenOfflineMs: options.pollWhenOfflineMs,
      onTally: options.onTally,
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
        onCounters(msg.counters);
        // Session-wide changes carry no question; connectSession reloads the snapshot.
        if (!msg.question_id) return;
        if (msg.question) questions[msg.question.id] = msg.question;
        else delete questions[msg.question_id];
        options.render(questions, msg);
      },
    });
  }

  /* Follow questions by tracking code; onTracked(question_tracking) for each update. */
  function track(codes, onTracked) {
    var followed = [];
    var s = getSocket();

    function send(code) {
      emitAck("track", { code: code }).then(
        function (reply) {
          if (reply.ok && reply.question) onTracked(reply.question);
        },
        function () {}
      );
    }

    function add(code) {
      code = String(code);
      if (followed.indexOf(code) !== -1) return;
      followed.push(code);
      if (s && s.connected) send(code);
    }

    if (s) {
      s.on("tracked", function (question) {
        if (question && followed.indexOf(String(question.tracking_code)) !== -1) onTracked(question);
      });
      s.on("connect", function () {
        followed.forEach(send);
      });
    }
    (codes || []).forEach(add);
    return { add: add, codes: function () { return followed.slice(); } };
  }

  /* ---------- shared by the moderator desk and the official panel ---------- */

  function officialLabel(official) {
    if (!official) return "";
    return t("official_title", { name: official.name, title: localName(official, "title") });
  }

  // A notice function for NODE: errors stay until replaced, other messages fade after 6 s.
  // notice.problem(message) suits connectSession's onProblem: the message shows as an error
  // and is cleared by problem(null) unless something else was shown since.
  function notifier(node) {
    var timer = null;
    var problem = null;
    function notice(message, kind) {
      if (!node) return;
      clearTimeout(timer);
      node.textContent = message || "";
      node.setAttribute("data-kind", kind || "info");
      if (message && kind !== "error") {
        timer = setTimeout(function () {
          node.textContent = "";
        }, 6000);
      }
    }
    notice.problem = function (message) {
      if (message) notice(message, "error");
      else if (problem && node && node.textContent === problem) notice("");
      problem = message;
    };
    return notice;
  }

  /*
   * Keep STATE ({session, counters, questions}) from staff snapshots, changes and tallies.
   * Snapshots, events and our own command replies may arrive in any order: a question is
   * only replaced by one of the same or a newer version. ON_UPSERT(q) runs after each.
   */
  function staffStore(state, onUpsert) {
    function upsert(q) {
      if (!q || q.session_id !== state.session.id) return;
      var old = state.questions[q.id];
      if (old && old.version > q.version) return;
      if (old && old.version === q.version && old.support_count > q.support_count) {
        q.support_count = old.support_count;
      }
      state.questions[q.id] = q;
      if (onUpsert) onUpsert(q);
    }
    return {
      upsert: upsert,
      snapshot: function (snap) {
        state.session = snap.session;
        state.counters = snap.counters;
        var fresh = {};
        snap.questions.forEach(function (q) {
          fresh[q.id] = true;
          upsert(q);
        });
        // Carried-in questions can leave a session; drop what the snapshot no longer lists.
        Object.keys(state.questions).forEach(function (id) {
          if (!fresh[id]) delete state.questions[id];
        });
      },
      change: function (msg) {
        if (msg.counters) state.counters = msg.counters;
        if (msg.question) upsert(msg.question);
      },
      // Set the tallied counts and refresh each shown "N supporters" line found by NODE_OF(id).
      tally: function (msg, nodeOf) {
        Object.keys(msg.counts || {}).forEach(function (id) {
          var q = state.questions[id];
          if (!q) return;
          q.support_count = msg.counts[id];
          var node = nodeOf(id);
          var count = node && node.querySelector("[data-role=support]");
          if (count) count.textContent = t("supporters", { count: q.support_count });
        });
      },
      all: function () {
        return Object.keys(state.questions).map(function (id) {
          return state.questions[id];
        });
      },
      // POST a command on Q (with its version, so a stale one is refused); Q is busy until the
      // reply, which is stored and resolved with. A 409/404 means the question moved on:
      // RELOAD() then shows its current state.
      command: function (apiRoot, q, verb, body, reload) {
        state.busy[q.id] = true;
        var payload = Object.assign({ version: q.version }, body || {});
        return api("POST", apiRoot + "/questions/" + q.id + "/" + verb, payload).then(
          function (data) {
            delete state.busy[q.id];
            upsert(data.question);
            return data.question;
          },
          function (error) {
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
  function staffConnect(apiRoot, sessionId, room, store, render, nodeOf, onProblem) {
    return connectSession({
      sessionId: sessionId,
      room: room,
      snapshotUrl: apiRoot + "/sessions/" + sessionId + "/queue",
      reloadOn: function (msg) {
        return !msg.question_id;
      },
      onSnapshot: function (snap) {
        store.snapshot(snap);
        render();
      },
      onChange: function (msg) {
        store.change(msg);
        render();
      },
      onTally: function (msg) {
        store.tally(msg, nodeOf);
      },
      onProblem: onProblem,
    });
  }

  // The session badge, "next session" hint and counters every staff page shows.
  function renderSessionBar(session, counters) {
    var badge = document.querySelector('[data-testid="session-status"]');
    if (badge && session) {
      badge.setAttribute("data-status", session.status);
      badge.textContent = t("session." + session.status);
    }
    var next = document.querySelector('[data-testid="next-session"]');
    if (next && session) next.hidden = session.status !== "closed";
    document.querySelectorAll("[data-counter]").forEach(function (node) {
      var value = (counters || {})[node.getAttribute("data-counter")];
      node.textContent = value === undefined ? "–" : digits(value);
    });
  }

  function submittedAt(q) {
    if (!q.submitted_at) return null;
    return el("time", { dateTime: q.submitted_at, title: formatDateTime(q.submitted_at) }, [
      formatTime(q.submitted_at),
    ]);
  }

  function supporters(q) {
    return el("span", { className: "item__support", "data-role": "support" }, [
      t("supporters", { count: q.support_count }),
    ]);
  }

  // A question's <li> in a staff list; while BUSY (a command in flight) its controls are off.
  function staffItem(q, testid, className, children, busy) {
    var item = el(
      "li",
      {
        className: className + " item--" + q.status + (busy ? " is-busy" : ""),
        "data-testid": testid,
        "data-id": q.id,
        "data-status": q.status,
        "data-version": q.version,
      },
      children
    );
    if (busy) {
      item.querySelectorAll("button, select, textarea").forEach(function (c) {
        c.disabled = true;
      });
    }
    return item;
  }

  // The indicator is hidden in the markup: without JavaScript there is no connection to show.
  document.querySelectorAll('[data-testid="connection"]').forEach(function (node) {
    node.hidden = false;
  });

  window.LiveQA = {
    lang: lang,
    api: api,
    connectSession: connectSession,
    track: track,
    t: t,
    digits: digits,
    formatDate: function (iso) {
      return formatDate(iso);
    },
    formatDay: formatDay,
    formatTime: formatTime,
    formatDateTime: formatDateTime,
    el: el,
    socket: getSocket,
    setConnection: setConnection,
    connectBoard: connectBoard,
    localName: localName,
    officialLine: officialLine,
    pageData: pageData,
    randomKey: randomKey,
    load: storageGet,
    save: storageSet,
    idempotency: idempotency,
    staff: {
      officialLabel: officialLabel,
      notifier: notifier,
      store: staffStore,
      connect: staffConnect,
      renderSessionBar: renderSessionBar,
      submittedAt: submittedAt,
      supporters: supporters,
      item: staffItem,
    },
  };
})();
