/*
 * LiveQA shared client library: window.LiveQA.
 *
 *   LiveQA.api(method, url, body)      -> Promise of parsed JSON; rejects with an Error carrying
 *                                         .status, .code, .message (and .field, .details) taken
 *                                         from the API's error shape; status 0 = network error.
 *   LiveQA.connectSession({sessionId, room, snapshotUrl, onSnapshot, onChange, onTally, onState})
 *                                      -> snapshot, then join; applies `change` only when
 *                                         seq === last + 1, reloads the snapshot on a gap and
 *                                         after every reconnect. Returns {reload(), seq(), close()}.
 *   LiveQA.track(codes, onTracked)     -> follows tracking codes (re-sent after reconnect);
 *                                         returns {add(code)}.
 *   LiveQA.t(key, params)              -> translated string from <script id="i18n">.
 *   LiveQA.digits(n)                   -> Persian digits on Persian pages.
 *   LiveQA.formatDate(iso), LiveQA.formatTime(iso), LiveQA.formatDateTime(iso)
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

  function format(iso, options) {
    if (!iso) return "";
    var date = new Date(iso);
    if (isNaN(date.getTime())) return "";
    try {
      return new Intl.DateTimeFormat(locale, Object.assign({ timeZone: timeZone }, options)).format(date);
    } catch (e) {
      return digits(date.toLocaleString());
    }
  }

  // Chromium builds without Persian date patterns put Jalali parts in English order
  // ("1404 Azar 12, Wednesday"), so Persian dates are assembled from their parts.
  function faParts(iso, options) {
    if (!iso) return null;
    var date = new Date(iso);
    if (isNaN(date.getTime())) return null;
    try {
      var parts = {};
      new Intl.DateTimeFormat(locale, Object.assign({ timeZone: timeZone }, options))
        .formatToParts(date)
        .forEach(function (part) { parts[part.type] = part.value; });
      return parts;
    } catch (e) {
      return null;
    }
  }

  function formatDate(iso) {
    var options = { weekday: "long", day: "numeric", month: "long", year: "numeric" };
    if (lang !== "fa") return format(iso, options);
    var p = faParts(iso, options);
    if (!p) return format(iso, options);
    return [p.weekday, p.day, p.month, p.year].join(" ");
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

  function setConnection(state) {
    connectionState = state;
    document.querySelectorAll('[data-testid="connection"]').forEach(function (node) {
      node.setAttribute("data-state", state);
      var label = node.querySelector(".connection__label");
      if (label) label.textContent = t(state);
      node.setAttribute("title", t(state));
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

  /*
   * Keep a page in step with a session: the snapshot gives the state at `seq`; every `change`
   * carries the next seq. Events are buffered while a snapshot loads, applied in order, and any
   * gap or reconnect triggers a fresh snapshot. While offline for long the snapshot is polled.
   */
  function connectSession(options) {
    var sessionId = Number(options.sessionId);
    var room = options.room || "public";
    var onSnapshot = options.onSnapshot || function () {};
    var onChange = options.onChange || function () {};
    var onTally = options.onTally || function () {};
    var onState = options.onState || function () {};
    var pollMs = options.pollWhenOfflineMs || 30000;
    var seq = -1;
    var loading = null;
    var reloadAgain = false;
    var buffer = [];
    var closed = false;
    var pollTimer = null;
    var offlineSince = null;

    function applyChange(msg) {
      if (msg.seq <= seq) return;
      if (msg.seq !== seq + 1) {
        reload();
        return;
      }
      seq = msg.seq;
      try {
        onChange(msg);
      } catch (e) {
        if (window.console) console.error(e);
      }
    }

    function reload() {
      if (closed) return Promise.resolve();
      if (loading) {
        reloadAgain = true;
        return loading;
      }
      buffer = [];
      loading = api("GET", options.snapshotUrl)
        .then(function (snap) {
          seq = typeof snap.seq === "number" ? snap.seq : -1;
          onSnapshot(snap);
        })
        .catch(function (error) {
          if (window.console) console.warn("snapshot failed", error);
        })
        .then(function () {
          loading = null;
          if (reloadAgain) {
            reloadAgain = false;
            return reload();
          }
          var pending = buffer.sort(function (a, b) {
            return a.seq - b.seq;
          });
          buffer = [];
          pending.forEach(applyChange);
        });
      return loading;
    }

    function join() {
      return emitAck("join", { session_id: sessionId, room: room }).then(
        function (reply) {
          if (!reply.ok) {
            setConnection("offline");
            return;
          }
          setConnection("connected");
          // Changes committed between the snapshot and the join were not delivered to us.
          if (typeof reply.seq === "number" && reply.seq > seq && !loading) reload();
        },
        function () {
          /* the socket reconnects on its own and joins again */
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
          if (Date.now() - offlineSince >= pollMs) reload();
        }, pollMs);
      }
    }
    stateListeners.push(onStateChange);

    var s = getSocket();
    reload();
    if (!s) {
      onStateChange("offline");
      return { reload: reload, seq: function () { return seq; }, close: function () {} };
    }

    function handleChange(msg) {
      if (closed || !msg || Number(msg.session_id) !== sessionId) return;
      if (loading) buffer.push(msg);
      else applyChange(msg);
    }
    function handleTally(msg) {
      if (closed || !msg || Number(msg.session_id) !== sessionId) return;
      onTally(msg);
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
    if (s.connected) handleConnect();
    else onStateChange(connectionState);

    return {
      reload: reload,
      seq: function () {
        return seq;
      },
      close: function () {
        closed = true;
        s.off("change", handleChange);
        s.off("tally", handleTally);
        s.off("connect", handleConnect);
        if (pollTimer) clearInterval(pollTimer);
      },
    };
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
    formatDate: formatDate,
    formatTime: formatTime,
    formatDateTime: formatDateTime,
    el: el,
    socket: getSocket,
    setConnection: setConnection,
  };
})();
