/*
 * Official panel: the questions routed to an official, the one on air with the answer form,
 * and the recently answered. Live through the staff snapshot (/queue) and `change` events;
 * all user text is inserted as text nodes.
 */
(function () {
  "use strict";

  var L = window.LiveQA;
  var t = L.t;
  var page = L.pageData("staff-data");
  var API = page.api;
  var IS_OFFICIAL = page.user.role === "official";
  var RECENT = 10;

  var state = {
    session: page.session,
    counters: null,
    questions: {},
    view: IS_OFFICIAL ? page.user.official_id || -1 : null, // null: every official (admin view)
    busy: {},
  };

  var onAirBox = document.getElementById("onair");
  var routedList = document.getElementById("routed-list");
  var answeredList = document.getElementById("answered-list");
  var noticeEl = document.querySelector('[data-testid="panel-notice"]');
  var form = document.getElementById("answer-form");
  var officials = {};
  page.officials.forEach(function (o) {
    officials[o.id] = o;
  });

  var h = L.el;

  function lookupName(item) {
    return L.localName(item, "name");
  }

  var officialLabel = L.staff.officialLabel;
  var notice = L.staff.notifier(noticeEl);

  /* ---- state ---- */

  var store = L.staff.store(state);
  var upsert = store.upsert;

  function mine(q) {
    if (state.view === null || state.view === undefined) return q.official_id !== null;
    return q.official_id === state.view;
  }

  var all = store.all;

  /* ---- rendering ---- */

  function transferControl(q) {
    var choose = h("select", { name: "official_id" });
    var placeholder = h("option", { value: "" }, [t("choose_official")]);
    placeholder.selected = true;
    choose.appendChild(placeholder);
    page.officials.forEach(function (o) {
      if (o.id === q.official_id) return;
      choose.appendChild(h("option", { value: o.id }, [officialLabel(o)]));
    });
    choose.setAttribute("aria-label", t("transfer"));
    return h("span", { className: "transfer" }, [
      choose,
      h("button", { type: "button", className: "btn", "data-action": "transfer" }, [t("transfer")]),
    ]);
  }

  function renderItem(q, kind) {
    var edited = q.edited_text && q.edited_text !== q.verbatim_text;
    var head = h("div", { className: "item__head" }, [
      h("span", { className: "item__id" }, ["#" + L.digits(q.id)]),
      q.category ? h("span", { className: "badge" }, [lookupName(q.category)]) : null,
      q.district ? h("span", { className: "badge" }, [lookupName(q.district)]) : null,
      h("span", { className: "badge badge--channel badge--" + q.channel }, [t("channel." + q.channel)]),
      L.staff.supporters(q),
      L.staff.submittedAt(q),
    ]);
    var body = [head, h("p", { className: "item__text panel-item__text", "data-role": "text" }, [q.text])];
    if (edited) {
      body.push(
        h("details", { className: "item__verbatim" }, [
          h("summary", null, [t("verbatim")]),
          h("p", null, [q.verbatim_text]),
        ])
      );
    }
    var who = [];
    if (q.asker_name) who.push(t("asker") + ": " + q.asker_name);
    if (!IS_OFFICIAL && q.official) who.push(t("another_official", { name: q.official.name }));
    if (who.length) body.push(h("p", { className: "item__meta" }, [who.join(" · ")]));

    if (kind === "answered" && q.answer) {
      body.push(h("p", { className: "item__answer-text" }, [q.answer.text]));
      var fu = q.answer.follow_up;
      if (fu) {
        body.push(
          h("p", { className: "item__follow-up" }, [
            t("follow_up", { unit: fu.responsible_unit, date: L.formatDay(fu.due_on) }),
          ])
        );
      }
    }
    var actions = h("div", { className: "item__actions" });
    if (kind === "routed") {
      actions.appendChild(
        h("button", { type: "button", className: "btn btn--primary btn--big", "data-action": "on-air" }, [
          t("on_air"),
        ])
      );
      actions.appendChild(transferControl(q));
    } else if (kind === "on_air") {
      actions.appendChild(
        h("button", { type: "button", className: "btn btn--big", "data-action": "put-back" }, [t("put_back")])
      );
      actions.appendChild(transferControl(q));
    }
    if (actions.childNodes.length) body.push(actions);
    return L.staff.item(q, "panel-item", "panel-item item", body, state.busy[q.id]);
  }

  // Replace a list's items, keeping a transfer choice the official is in the middle of.
  function fill(container, items, emptyText) {
    var chosen = {};
    container.querySelectorAll('[data-testid="panel-item"] select[name=official_id]').forEach(function (s) {
      if (s.value) chosen[s.closest("[data-id]").getAttribute("data-id")] = s.value;
    });
    container.textContent = "";
    if (!items.length && emptyText) {
      container.appendChild(h("li", { className: "queue__empty" }, [emptyText]));
    }
    items.forEach(function (item) {
      container.appendChild(item);
      var keep = chosen[item.getAttribute("data-id")];
      var s = item.querySelector("select[name=official_id]");
      if (keep && s) s.value = keep;
    });
  }

  function renderSession() {
    var s = state.session;
    L.staff.renderSessionBar(s, state.counters);
    var hint = document.querySelector('[data-testid="session-hint"]');
    if (hint) hint.hidden = s.status === "live" || s.status === "closed";
  }

  function render() {
    renderSession();
    var questions = all();
    var onAir = questions.find(function (q) {
      return q.status === "on_air";
    });
    var myOnAir = onAir && mine(onAir) ? onAir : null;

    var focused = document.activeElement;
    var focusKey =
      focused && focused.closest && focused.closest('[data-testid="panel-item"]')
        ? [focused.closest("[data-id]").getAttribute("data-id"), focused.getAttribute("data-action") || focused.name]
        : null;

    if (myOnAir) {
      fill(onAirBox, [renderItem(myOnAir, "on_air")]);
    } else if (onAir) {
      fill(onAirBox, []);
      onAirBox.appendChild(
        h("li", { className: "panel__elsewhere", "data-testid": "on-air-elsewhere" }, [
          t("another_official", { name: onAir.official ? onAir.official.name : "" }) + ": ",
          h("span", { "data-role": "text" }, [onAir.text]),
        ])
      );
    } else {
      fill(onAirBox, [], t("nothing_on_air"));
    }
    updateForm(myOnAir);

    var routed = questions
      .filter(function (q) {
        return q.status === "routed" && mine(q);
      })
      .sort(function (a, b) {
        var pa = a.position == null ? Infinity : a.position;
        var pb = b.position == null ? Infinity : b.position;
        return pa !== pb ? pa - pb : a.id - b.id;
      });
    fill(
      routedList,
      routed.map(function (q) {
        return renderItem(q, "routed");
      }),
      t("nothing_routed")
    );
    var count = document.querySelector('[data-count="routed"]');
    if (count) count.textContent = routed.length ? "(" + L.digits(routed.length) + ")" : "";

    var answered = questions
      .filter(function (q) {
        return q.status === "answered" && mine(q);
      })
      .sort(function (a, b) {
        return (b.answered_at || "").localeCompare(a.answered_at || "");
      })
      .slice(0, RECENT);
    fill(
      answeredList,
      answered.map(function (q) {
        return renderItem(q, "answered");
      }),
      t("nothing_answered")
    );

    if (focusKey) {
      var again = document.querySelector(
        '[data-testid="panel-item"][data-id="' + focusKey[0] + '"] ' +
          (focused.name ? '[name="' + focusKey[1] + '"]' : '[data-action="' + focusKey[1] + '"]')
      );
      if (again) again.focus();
    }
  }

  /* ---- answer form ---- */

  function updateForm(q) {
    var field = form.querySelector("[name=question_id]");
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
    var verbal = form.querySelector("[name=kind]:checked").value === "verbal";
    document.getElementById("answer-text-label").textContent = verbal ? t("answer_summary") : t("answer_text");
  }

  function today() {
    var parts = new Intl.DateTimeFormat("en-CA", {
      timeZone: document.querySelector('meta[name="time-zone"]').content || undefined,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    }).format(new Date());
    return parts;
  }

  function updateDue() {
    var due = form.querySelector("[name=follow_up_due]");
    var preview = form.querySelector('[data-testid="due-preview"]');
    preview.textContent = "";
    if (!due.value) return;
    // The date in its own isolate: Persian words must not reorder with the label around them.
    var parts = t("due_preview", { date: "\u0000" }).split("\u0000");
    preview.appendChild(document.createTextNode(parts[0]));
    preview.appendChild(h("bdi", null, [L.formatDay(due.value)]));
    preview.appendChild(document.createTextNode(parts[1] || ""));
  }

  form.querySelectorAll("[name=kind]").forEach(function (radio) {
    radio.addEventListener("change", updateKind);
  });
  var dueField = form.querySelector("[name=follow_up_due]");
  dueField.min = today();
  dueField.addEventListener("input", updateDue);
  dueField.addEventListener("change", updateDue);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var q = state.questions[form.querySelector("[name=question_id]").value];
    if (!q) return;
    var data = new FormData(form);
    var submit = form.querySelector('[data-testid="answer-submit"]');
    var errorBox = form.querySelector('[data-testid="answer-error"]');
    errorBox.hidden = true;
    submit.disabled = true;
    L.api("POST", API + "/questions/" + q.id + "/answer", {
      kind: data.get("kind"),
      text: data.get("text"),
      follow_up_unit: data.get("follow_up_unit") || null,
      follow_up_due: data.get("follow_up_due") || null,
      version: q.version,
    })
      .then(function (reply) {
        upsert(reply.question);
        form.reset();
        updateDue();
        notice(t("done.answered", { id: q.id }), "ok");
        render();
      })
      .catch(function (error) {
        errorBox.textContent = error.message;
        errorBox.hidden = false;
        var field = error.field && form.querySelector('[name="' + error.field + '"]');
        if (field) field.focus();
        if (error.status === 409 || error.status === 404) connection.reload();
      })
      .then(function () {
        submit.disabled = false;
      });
  });

  /* ---- item actions ---- */

  function command(q, verb, body, doneMessage) {
    var sent = store.command(API, q, verb, body, connection.reload);
    render();
    return sent
      .then(function () {
        notice(doneMessage, "ok");
      })
      .catch(function (error) {
        notice(error.message, "error");
      })
      .then(render);
  }

  document.querySelector(".panel").addEventListener("click", function (event) {
    var button = event.target.closest("[data-action]");
    var item = event.target.closest('[data-testid="panel-item"]');
    if (!button || !item || button.disabled) return;
    var q = state.questions[item.getAttribute("data-id")];
    if (!q) return;
    var action = button.getAttribute("data-action");
    if (action === "on-air") {
      command(q, "on-air", {}, t("done.on_air", { id: q.id })).then(function () {
        var text = form.querySelector("[name=text]");
        if (!form.hidden) text.focus();
      });
    } else if (action === "put-back") {
      command(q, "put-back", {}, t("done.put_back", { id: q.id }));
    } else if (action === "transfer") {
      var choose = item.querySelector("select[name=official_id]");
      if (!choose.value) {
        notice(t("choose_official"), "error");
        choose.focus();
        return;
      }
      command(q, "transfer", { official_id: Number(choose.value) }, t("done.transferred", { id: q.id }));
    }
  });

  var viewSelect = document.getElementById("view-official");
  if (viewSelect) {
    viewSelect.addEventListener("change", function () {
      state.view = viewSelect.value ? Number(viewSelect.value) : null;
      render();
    });
  }

  /* ---- start ---- */

  // An official's own room; moderators and admins watching the panel use theirs.
  var connection = L.staff.connect(
    API,
    state.session.id,
    IS_OFFICIAL ? "official" : "moderators",
    store,
    render,
    function (id) {
      return document.querySelector('[data-testid="panel-item"][data-id="' + id + '"]');
    },
    notice.problem
  );
  render();
})();
