/*
 * Citizen page and tracking pages: ask with an idempotency key, remember tracking codes,
 * follow them live, and keep the public board (on air, answers, supportable questions) current.
 * The markup built here mirrors templates/citizen/_macros.html.
 */
(function () {
  "use strict";

  var L = window.LiveQA;
  var el = L.el;
  var t = L.t;
  var CODES_KEY = "liveqa.codes";
  var SUPPORTED_KEY = "liveqa.supported";
  var PENDING_KEY = "liveqa.pendingAsk";
  var MAX_CODES = 20;

  var pageData = L.pageData("page-data");
  var load = L.load;
  var save = L.save;
  var localName = L.localName;
  var officialLine = L.officialLine;

  function displayCode(q) {
    return L.lang === "fa" ? q.tracking_code_display || L.digits(q.tracking_code) : q.tracking_code;
  }

  function followUpLine(f) {
    var text = t("follow_up", { unit: f.responsible_unit, date: L.formatDay(f.due_on) });
    if (f.status === "done") text += " · " + t("done");
    return el("p", { className: "follow-up", text: text });
  }

  function answerBlock(answer, testid) {
    var by = answer.kind === "verbal" ? t("spoken_answer_by") : t("answer_by");
    var nodes = [
      el("p", { className: "answer__by" }, [by + " ", el("strong", { text: officialLine(answer.official) })]),
      el("p", { className: "answer__text", dir: "auto", "data-testid": testid || null, text: answer.text }),
    ];
    if (answer.follow_up) nodes.push(followUpLine(answer.follow_up));
    return el("div", { className: "answer" }, nodes);
  }

  /* ---------- my questions (tracking) ---------- */

  function trackedItem(q) {
    var status = q.effective_status || q.status;
    var children = [
      el("div", { className: "tracked__head" }, [
        el("span", { className: "code" }, [
          t("tracking_code") + " ",
          el("bdi", { className: "code__value", dir: "ltr", text: displayCode(q) }),
        ]),
        el("span", {
          className: "status status--" + status,
          "data-role": "status",
          text: q.effective_status_label || q.status_label,
        }),
      ]),
      el("p", { className: "tracked__text", dir: "auto", text: q.text }),
    ];
    if (q.status === "merged" && q.merged_into) {
      children.push(
        el("div", { className: "note" }, [
          el("p", { text: t("merged_note") }),
          el("blockquote", { dir: "auto", text: q.merged_into.text }),
        ])
      );
    }
    if (q.status === "rejected") {
      var note = [el("p", {}, [el("strong", { text: t("reason") }), " " + (q.reject_reason_label || "")])];
      if (q.reject_note) {
        note.push(el("p", {}, [el("strong", { text: t("moderator_note") }), " ", el("bdi", { text: q.reject_note })]));
      }
      children.push(el("div", { className: "note note--warn" }, note));
    }
    if (q.answer) {
      children.push(answerBlock(q.answer, "my-answer"));
    } else if (q.official && (status === "routed" || status === "on_air")) {
      children.push(el("p", { className: "muted", text: t("will_answer", { official: officialLine(q.official) }) }));
    }
    if (q.status === "carried_over") {
      children.push(el("p", { className: "note", text: t("carried_note") }));
    }
    var answerFollowUp = q.answer && q.answer.follow_up ? q.answer.follow_up.id : null;
    (q.follow_ups || []).forEach(function (f) {
      if (f.id !== answerFollowUp) children.push(followUpLine(f));
    });
    return el(
      "li",
      {
        className: "card tracked",
        "data-testid": "my-question",
        "data-code": q.tracking_code,
        "data-status": status,
      },
      children
    );
  }

  var myList = document.querySelector('[data-testid="my-questions"]');
  var tracker = null;

  function showTracked(q) {
    if (!myList || !q || !q.tracking_code) return;
    var fresh = trackedItem(q);
    var old = myList.querySelector('[data-testid="my-question"][data-code="' + q.tracking_code + '"]');
    if (old) {
      myList.replaceChild(fresh, old);
    } else {
      myList.insertBefore(fresh, myList.firstChild);
    }
    var section = document.querySelector('[data-role="mine-section"]');
    if (section) section.hidden = false;
  }

  function rememberCode(code) {
    var codes = load(CODES_KEY, []).filter(function (c) {
      return c !== code;
    });
    codes.unshift(code);
    save(CODES_KEY, codes.slice(0, MAX_CODES));
  }

  function startTracking() {
    if (!myList) return;
    var codes = [];
    myList.querySelectorAll('[data-testid="my-question"]').forEach(function (node) {
      codes.push(node.getAttribute("data-code"));
    });
    if (pageData.track) {
      codes = codes.concat(pageData.track);
      if (pageData.remember) pageData.track.forEach(rememberCode);
    } else {
      // The citizen page also follows codes this device remembers (asked, perhaps, elsewhere).
      codes = codes.concat(load(CODES_KEY, []));
      codes.forEach(function (c) {
        if (load(CODES_KEY, []).indexOf(c) === -1) rememberCode(c);
      });
    }
    var unique = codes.filter(function (c, i) {
      return c && codes.indexOf(c) === i;
    });
    tracker = L.track(unique, showTracked);
  }

  /* ---------- the ask form ---------- */

  var form = document.getElementById("ask-form");
  var formError = document.querySelector('[data-testid="form-error"]');

  function showFormError(message, field) {
    if (!formError) return;
    formError.textContent = message;
    formError.hidden = !message;
    if (form) {
      form.querySelectorAll("[aria-invalid]").forEach(function (node) {
        node.removeAttribute("aria-invalid");
      });
      var names = { text: "text", name: "name", phone: "phone", category: "category_id", district: "district_id" };
      var input = field && names[field] ? form.elements[names[field]] : null;
      if (input) {
        input.setAttribute("aria-invalid", "true");
        input.focus();
      }
    }
  }

  function updateCounter() {
    var counter = document.getElementById("ask-text-count");
    if (!counter || !form) return;
    var max = Number(counter.getAttribute("data-max")) || 1000;
    var n = form.elements.text.value.length;
    counter.textContent = t("chars", { n: n, max: max });
    counter.classList.toggle("counter--near", n > max * 0.9);
  }

  // Retrying an unchanged question after a network error reuses its key: never stored twice.
  var askKeys = L.idempotency(PENDING_KEY);

  function setupForm() {
    if (!form) return;
    var button = form.querySelector('[data-testid="ask-submit"]');
    var sent = document.querySelector('[data-role="sent"]');
    form.elements.text.addEventListener("input", updateCounter);
    updateCounter();

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = {
        text: form.elements.text.value,
        name: form.elements.name.value || null,
        category_id: form.elements.category_id.value ? Number(form.elements.category_id.value) : null,
        district_id: form.elements.district_id.value ? Number(form.elements.district_id.value) : null,
        phone: form.elements.phone.value || null,
      };
      if (!body.text.trim()) {
        showFormError(t("required"), "text");
        return;
      }
      var key = askKeys.key(body);
      form.elements.idempotency_key.value = key;
      body.idempotency_key = key;

      showFormError("");
      button.disabled = true;
      button.textContent = t("sending");
      L.api("POST", pageData.submit_url, body)
        .then(function (data) {
          askKeys.settle();
          var q = data.question;
          form.reset();
          form.elements.idempotency_key.value = "";
          updateCounter();
          rememberCode(q.tracking_code);
          showTracked(q);
          if (tracker) tracker.add(q.tracking_code);
          if (sent) {
            sent.querySelector('[data-testid="tracking-code"]').textContent = displayCode(q);
            sent.hidden = false;
            sent.setAttribute("tabindex", "-1");
            sent.focus();
          }
        })
        .catch(function (error) {
          askKeys.settle(error);
          showFormError(error.message, error.field);
        })
        .then(function () {
          button.disabled = false;
          button.textContent = t("send");
        });
    });

    var copy = sent && sent.querySelector('[data-role="copy"]');
    if (copy) {
      copy.addEventListener("click", function () {
        var code = sent.querySelector('[data-testid="tracking-code"]').textContent;
        if (navigator.clipboard) {
          navigator.clipboard.writeText(code).then(function () {
            toast(t("copied"));
          });
        }
      });
    }
  }

  /* ---------- notices ---------- */

  var toastNode = document.querySelector('[data-role="toast"]');
  var toastTimer = null;
  function toast(message) {
    if (!toastNode) return;
    toastNode.textContent = message;
    toastNode.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () {
      toastNode.hidden = true;
    }, 4000);
  }

  /* ---------- the live board ---------- */

  var board = document.querySelector('[data-testid="board"]');
  var answersList = document.querySelector('[data-testid="answers"]');
  var onAirBody = document.querySelector('[data-role="on-air-body"]');
  var questions = {};
  var supported = {};
  var order = pageData.order || "support";

  (pageData.supported || []).concat(load(SUPPORTED_KEY, [])).forEach(function (id) {
    supported[id] = true;
  });

  function boardItem(q) {
    var isSupported = !!supported[q.id];
    var meta = [];
    if (q.category) meta.push(localName(q.category, "name"));
    if (q.district) meta.push(localName(q.district, "name"));
    if (q.asker_name) meta.push(q.asker_name);
    var button = el(
      "button",
      {
        type: "submit",
        className: "support",
        "data-testid": "support",
        "data-id": q.id,
        "aria-pressed": isSupported ? "true" : "false",
        disabled: isSupported,
      },
      [
        supportIcon(),
        el("span", { className: "support__label", text: isSupported ? t("supported") : t("support") }),
        el("span", { className: "support__count", "data-testid": "support-count", text: L.digits(q.support_count) }),
      ]
    );
    return el(
      "li",
      { className: "card bq", id: "q-" + q.id, "data-testid": "board-question", "data-id": q.id, "data-status": q.status },
      [
        el("p", { className: "bq__text", dir: "auto", text: q.text }),
        el("div", { className: "bq__foot" }, [
          el("p", { className: "bq__meta", text: meta.join(" · ") }),
          el("form", { className: "support-form", method: "post", action: "/support/" + q.id }, [button]),
        ]),
      ]
    );
  }

  function supportIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "support__icon");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M12 4l7 8h-4.5v8h-5v-8H5z");
    svg.appendChild(path);
    return svg;
  }

  function answerItem(q) {
    return el("li", { className: "card answer-item", "data-testid": "answer-item", "data-id": q.id }, [
      el("p", { className: "answer-item__q", dir: "auto", text: q.text }),
      q.answer ? answerBlock(q.answer) : null,
    ]);
  }

  function compare(a, b) {
    if (order === "time") return (b.submitted_at || "").localeCompare(a.submitted_at || "");
    return b.support_count - a.support_count || (a.submitted_at || "").localeCompare(b.submitted_at || "");
  }

  function values() {
    return Object.keys(questions).map(function (id) {
      return questions[id];
    });
  }

  function isWaiting(q) {
    return q.status === "approved" || q.status === "routed";
  }

  /*
   * The board keeps the order it was last sorted in: cards must not move under a reader's
   * finger each time a tally arrives. New questions slot in where they sort; when counts
   * would change the order, a chip offers to sort again.
   */
  var BOARD_PAGE = 50;
  var ANSWERS_PAGE = 10;
  var boardLimit = BOARD_PAGE;
  var answersLimit = ANSWERS_PAGE;
  var shownOrder = null; // question ids in board order
  var boardNodes = {}; // question id -> rendered card

  function sortedIds() {
    return values().filter(isWaiting).sort(compare).map(function (q) {
      return q.id;
    });
  }

  function arrangeBoard(resort) {
    if (resort || !shownOrder) {
      shownOrder = sortedIds();
      return;
    }
    var kept = shownOrder.filter(function (id) {
      return questions[id] && isWaiting(questions[id]);
    });
    var known = {};
    kept.forEach(function (id) {
      known[id] = true;
    });
    values()
      .filter(function (q) {
        return isWaiting(q) && !known[q.id];
      })
      .sort(compare)
      .forEach(function (q) {
        var at = kept.findIndex(function (id) {
          return compare(q, questions[id]) < 0;
        });
        kept.splice(at === -1 ? kept.length : at, 0, q.id);
      });
    shownOrder = kept;
  }

  function cardKey(q) {
    return [q.status, q.text, q.category && q.category.id, q.district && q.district.id, q.asker_name, !!supported[q.id]].join("|");
  }

  function moreButton(list, role, shown, total, onMore) {
    var button = list.parentNode.querySelector('[data-role="' + role + '"]');
    if (!button) {
      button = el("button", { type: "button", className: "btn btn--small btn--block more", "data-role": role });
      button.addEventListener("click", onMore);
      list.parentNode.insertBefore(button, list.nextSibling);
    }
    button.hidden = total <= shown;
    button.textContent = t("show_more", { n: Math.min(total - shown, role === "more-board" ? BOARD_PAGE : ANSWERS_PAGE) });
  }

  function renderBoardList() {
    if (!board) return;
    var ids = shownOrder.slice(0, boardLimit);
    var keep = {};
    var previous = null;
    ids.forEach(function (id) {
      var q = questions[id];
      var node = boardNodes[id];
      var key = cardKey(q);
      if (!node || node.getAttribute("data-key") !== key) {
        var fresh = boardItem(q);
        fresh.setAttribute("data-key", key);
        if (node && node.parentNode) {
          var hadFocus = node.contains(document.activeElement);
          node.parentNode.replaceChild(fresh, node);
          var button = fresh.querySelector("button");
          if (hadFocus && button && !button.disabled) button.focus();
        }
        node = boardNodes[id] = fresh;
      } else {
        node.querySelector('[data-testid="support-count"]').textContent = L.digits(q.support_count);
      }
      keep[id] = true;
      var expected = previous ? previous.nextSibling : board.firstChild;
      if (expected !== node) board.insertBefore(node, expected);
      previous = node;
    });
    Array.prototype.slice.call(board.children).forEach(function (child) {
      var id = child.getAttribute("data-id");
      if (!id || !keep[id] || boardNodes[id] !== child) board.removeChild(child);
    });
    Object.keys(boardNodes).forEach(function (id) {
      if (!keep[id]) delete boardNodes[id];
    });
    if (!ids.length) board.appendChild(el("li", { className: "muted empty", text: t("no_board") }));
    moreButton(board, "more-board", ids.length, shownOrder.length, function () {
      boardLimit += BOARD_PAGE;
      renderBoardList();
    });
    updateResortChip();
  }

  var resortChip = null;
  function updateResortChip() {
    if (!board) return;
    var sorted = sortedIds();
    var changed = sorted.length === shownOrder.length && sorted.some(function (id, i) {
      return shownOrder[i] !== id;
    });
    if (!resortChip) {
      resortChip = el("button", { type: "button", className: "btn btn--small resort", "data-role": "resort", text: t("new_order") });
      resortChip.addEventListener("click", function () {
        arrangeBoard(true);
        renderBoardList();
        board.setAttribute("tabindex", "-1");
        board.focus();
      });
      board.parentNode.insertBefore(resortChip, board);
    }
    resortChip.hidden = !changed;
  }

  function renderAnswers() {
    if (!answersList) return;
    var answered = values()
      .filter(function (q) {
        return q.status === "answered";
      })
      .sort(function (a, b) {
        return (b.answered_at || "").localeCompare(a.answered_at || "");
      });
    var nodes = answered.slice(0, answersLimit).map(answerItem);
    if (!nodes.length) nodes = [el("li", { className: "muted empty", text: t("no_answers") })];
    answersList.replaceChildren.apply(answersList, nodes);
    moreButton(answersList, "more-answers", Math.min(answersLimit, answered.length), answered.length, function () {
      answersLimit += ANSWERS_PAGE;
      renderAnswers();
    });
  }

  function renderOnAir() {
    if (!onAirBody) return;
    var onAir = values().filter(function (q) {
      return q.status === "on_air";
    })[0];
    onAirBody.replaceChildren.apply(
      onAirBody,
      onAir
        ? [
            el("p", { className: "on-air__text", dir: "auto", text: onAir.text }),
            el("p", { className: "on-air__official", "data-testid": "on-air-official", text: officialLine(onAir.official) }),
          ]
        : [el("p", { className: "muted", text: t("no_on_air") })]
    );
  }

  function renderBoard(resort) {
    arrangeBoard(resort);
    renderBoardList();
    renderAnswers();
    renderOnAir();
  }

  function setCounters(counters) {
    if (!counters) return;
    Object.keys(counters).forEach(function (name) {
      document.querySelectorAll('[data-counter="' + name + '"]').forEach(function (node) {
        node.textContent = L.digits(counters[name]);
      });
    });
  }

  function setSessionStatus(status) {
    var badge = document.querySelector('[data-testid="session-status"]');
    if (badge) {
      badge.textContent = t("status_" + status);
      badge.className = "session-status session-status--" + status;
    }
    if (form) {
      var accepting = status === "open" || status === "live";
      var fieldset = form.querySelector("fieldset");
      if (fieldset) fieldset.disabled = !accepting;
      if (!accepting && status !== pageData.status) {
        showFormError(status === "closed" ? t("session_closed") : t("session_not_open"));
      }
    }
    pageData.status = status;
  }

  function setupBoard() {
    if (!board || !pageData.session_id) return;
    // Adopt the server-rendered cards, so the first render replaces them in place (and a
    // support button being pressed keeps its focus).
    board.querySelectorAll('[data-testid="board-question"]').forEach(function (node) {
      boardNodes[node.getAttribute("data-id")] = node;
    });
    L.connectBoard({
      sessionId: pageData.session_id,
      room: "public",
      snapshotUrl: pageData.snapshot_url,
      onCounters: setCounters,
      onSession: function (session) {
        setSessionStatus(session.status);
      },
      render: function (current, msg) {
        questions = current;
        renderBoard(false);
      },
      onTally: function (msg) {
        Object.keys(msg.counts || {}).forEach(function (id) {
          if (questions[id]) questions[id].support_count = msg.counts[id];
          var node = boardNodes[id];
          var count = node && node.querySelector('[data-testid="support-count"]');
          if (count) count.textContent = L.digits(msg.counts[id]);
        });
        updateResortChip();
      },
    });

    board.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = event.target.querySelector('[data-testid="support"]');
      if (!button || button.disabled) return;
      var id = Number(button.getAttribute("data-id"));
      button.disabled = true;
      L.api("POST", "/api/v1/questions/" + id + "/support")
        .then(function (data) {
          markSupported(id, data.support_count);
          toast(t("support_thanks"));
        })
        .catch(function (error) {
          if (error.code === "already_supported") {
            markSupported(id, null);
            toast(t("already_supported"));
          } else {
            button.disabled = false;
            toast(error.message);
          }
        });
    });

    document.querySelectorAll(".sort [data-order]").forEach(function (chip) {
      chip.addEventListener("click", function (event) {
        event.preventDefault();
        order = chip.getAttribute("data-order");
        document.querySelectorAll(".sort [data-order]").forEach(function (other) {
          other.setAttribute("aria-pressed", other === chip ? "true" : "false");
        });
        board.setAttribute("data-order", order);
        renderBoard(true);
      });
    });
  }

  function markSupported(id, count) {
    supported[id] = true;
    var ids = load(SUPPORTED_KEY, []);
    if (ids.indexOf(id) === -1) ids.push(id);
    save(SUPPORTED_KEY, ids.slice(-500));
    if (questions[id] && count !== null) questions[id].support_count = count;
    var item = board.querySelector('[data-id="' + id + '"]');
    if (!item) return;
    var button = item.querySelector('[data-testid="support"]');
    button.disabled = true;
    button.setAttribute("aria-pressed", "true");
    item.querySelector(".support__label").textContent = t("supported");
    if (count !== null) item.querySelector('[data-testid="support-count"]').textContent = L.digits(count);
  }

  setupForm();
  setupBoard();
  startTracking();
  if (!pageData.session_id) {
    // Tracking pages have no board, but the indicator should still reflect the socket.
    var s = L.socket();
    if (s) {
      s.on("connect", function () {
        L.setConnection("connected");
      });
      if (s.connected) L.setConnection("connected");
    }
  }
})();
