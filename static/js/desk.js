/*
 * Moderator desk: the session's live queue with triage actions, session controls and the
 * 137 operator entry form. Data comes from the page's JSON (#staff-data), the staff snapshot
 * (/queue) and live `change` events; all user text is inserted as text nodes.
 */
(function () {
  "use strict";

  var L = window.LiveQA;
  var t = L.t;
  var page = L.pageData("staff-data");
  var API = page.api;
  var ROLE = page.user.role;
  var CAN_TRIAGE = ROLE === "admin" || ROLE === "moderator";

  var FILTERS = {
    active: ["on_air", "submitted", "approved", "routed"],
    new: ["submitted"],
    approved: ["approved"],
    routed: ["routed"],
    on_air: ["on_air"],
    done: ["answered", "rejected", "merged", "carried_over", "unanswered"],
  };
  var REORDERABLE = { approved: true, routed: true };
  // In "all open" the one on air leads, then the questions still needing triage.
  var STATUS_RANK = { on_air: 0, submitted: 1, approved: 2, routed: 3 };
  var FINISHED = { answered: 1, rejected: 1, merged: 1, carried_over: 1, unanswered: 1 };
  var MERGE_TARGETS = { submitted: 1, approved: 1, routed: 1, on_air: 1, answered: 1 };

  var state = {
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
  var STICKY_MS = 20000;
  var nodes = {}; // question id -> rendered <li>

  var queueEl = document.getElementById("queue");
  var noticeEl = document.querySelector('[data-testid="desk-notice"]');
  var byId = function (list) {
    var map = {};
    list.forEach(function (item) {
      map[item.id] = item;
    });
    return map;
  };
  var categories = byId(page.categories);
  var districts = byId(page.districts);
  var officials = byId(page.officials);
  var reasonLabels = {};
  page.reject_reasons.forEach(function (r) {
    reasonLabels[r.value] = r.label;
  });

  /* ---- small helpers ---- */

  function h(tag, attrs, children) {
    return L.el(tag, attrs, children);
  }

  function lookupName(item) {
    return L.localName(item, "name");
  }

  var officialLabel = L.staff.officialLabel;

  function option(value, label, selected) {
    var node = h("option", { value: value }, [label]);
    if (selected) node.selected = true;
    return node;
  }

  function select(name, choices, current, emptyLabel) {
    var node = h("select", { name: name });
    if (emptyLabel !== null) node.appendChild(option("", emptyLabel, current == null));
    choices.forEach(function (c) {
      node.appendChild(option(String(c.id), c.label, String(c.id) === String(current)));
    });
    return node;
  }

  var notice = L.staff.notifier(noticeEl);

  /* ---- state ---- */

  var store = L.staff.store(state, function (q) {
    if (FINISHED[q.status]) delete state.open[q.id];
  });

  function inFilter(q, filter) {
    return FILTERS[filter].indexOf(q.status) !== -1;
  }

  function matchesSearch(q) {
    if (!state.search) return true;
    var needle = state.search;
    return [q.text, q.verbatim_text, q.tracking_code, q.asker_name, String(q.id)].some(function (v) {
      return v && String(v).toLowerCase().indexOf(needle) !== -1;
    });
  }

  function byPosition(a, b) {
    var pa = a.position == null ? Infinity : a.position;
    var pb = b.position == null ? Infinity : b.position;
    return pa !== pb ? pa - pb : a.id - b.id;
  }

  function stickyStatus(q) {
    var held = state.sticky[q.id];
    return held && held.until > Date.now() ? held.status : null;
  }

  // The status a question is filed under in this tab (a sticky one keeps its old place).
  function placeStatus(q, filter) {
    if (inFilter(q, filter)) return q.status;
    var held = stickyStatus(q);
    return held && FILTERS[filter].indexOf(held) !== -1 ? held : null;
  }

  function sorted(filter) {
    var list = Object.keys(state.questions)
      .map(function (id) {
        return state.questions[id];
      })
      .filter(function (q) {
        return placeStatus(q, filter) !== null;
      });
    if (filter === "done") {
      list.sort(function (a, b) {
        return (b.updated_at || "").localeCompare(a.updated_at || "") || b.id - a.id;
      });
    } else if (filter === "active") {
      list.sort(function (a, b) {
        var sa = placeStatus(a, filter);
        var r = STATUS_RANK[sa] - STATUS_RANK[placeStatus(b, filter)];
        if (r) return r;
        return sa === "submitted" ? a.id - b.id : byPosition(a, b);
      });
    } else if (filter === "new") {
      list.sort(function (a, b) {
        return a.id - b.id;
      });
    } else {
      list.sort(byPosition);
    }
    return list;
  }

  /* ---- rendering ---- */

  function metaItem(label, value, role) {
    if (value === null || value === undefined || value === "") return null;
    return h("span", { className: "meta__item", "data-role": role }, [
      h("span", { className: "meta__label" }, [label + ": "]),
      String(value),
    ]);
  }

  function outcome(q) {
    if (q.status === "rejected") {
      var parts = [t("rejected_because", { reason: reasonLabels[q.reject_reason] || "" })];
      if (q.reject_note) parts.push(" — " + q.reject_note);
      return h("p", { className: "item__outcome" }, parts);
    }
    if (q.status === "merged") {
      return h("p", { className: "item__outcome" }, [t("merged_into", { id: q.merged_into_id })]);
    }
    if (q.status === "carried_over") return h("p", { className: "item__outcome" }, [t("carried_over")]);
    if (q.status === "unanswered") return h("p", { className: "item__outcome" }, [t("unanswered")]);
    if (q.status === "answered" && q.answer) {
      return h("div", { className: "item__answer" }, [
        h("p", { className: "item__answer-by" }, [
          t("answered_by", { name: q.answer.official ? q.answer.official.name : "" }),
          " · ",
          t(q.answer.kind === "verbal" ? "answer_verbal" : "answer_written"),
        ]),
        h("p", { className: "item__answer-text" }, [q.answer.text]),
      ]);
    }
    return null;
  }

  function subForm(q, kind) {
    var form = h("div", { className: "subform", "data-subform": kind });
    if (kind === "reject") {
      var reasons = h("select", { name: "reason", required: true });
      page.reject_reasons.forEach(function (r) {
        reasons.appendChild(option(r.value, r.label, false));
      });
      form.appendChild(
        h("label", { className: "field" }, [h("span", { className: "field__label" }, [t("reason")]), reasons])
      );
      form.appendChild(
        h("label", { className: "field" }, [
          h("span", { className: "field__label" }, [t("note")]),
          h("textarea", { name: "note", rows: "2", maxlength: "500" }),
        ])
      );
      form.appendChild(
        h("div", { className: "subform__actions" }, [
          h("button", { type: "button", className: "btn btn--danger", "data-action": "confirm-reject" }, [
            t("confirm_reject"),
          ]),
          h("button", { type: "button", className: "btn", "data-action": "cancel" }, [t("cancel")]),
        ])
      );
    } else if (kind === "edit") {
      var area = h("textarea", { name: "edited_text", rows: "4", maxlength: "1000", required: true });
      area.value = q.edited_text || q.verbatim_text;
      form.appendChild(
        h("label", { className: "field" }, [h("span", { className: "field__label" }, [t("edited_text")]), area])
      );
      form.appendChild(
        h("div", { className: "subform__actions" }, [
          h("button", { type: "button", className: "btn btn--primary", "data-action": "save-edit" }, [
            t("save_edit"),
          ]),
          h("button", { type: "button", className: "btn", "data-action": "cancel" }, [t("cancel")]),
        ])
      );
    } else if (kind === "merge") {
      var targets = Object.keys(state.questions)
        .map(function (id) {
          return state.questions[id];
        })
        .filter(function (o) {
          return o.id !== q.id && MERGE_TARGETS[o.status];
        })
        .sort(function (a, b) {
          return a.id - b.id;
        })
        .map(function (o) {
          var text = o.text.length > 70 ? o.text.slice(0, 70) + "…" : o.text;
          return { id: o.id, label: "#" + L.digits(o.id) + " — " + text };
        });
      form.appendChild(
        h("label", { className: "field" }, [
          h("span", { className: "field__label" }, [t("merge_into")]),
          select("into", targets, null, t("choose_question")),
        ])
      );
      form.appendChild(
        h("div", { className: "subform__actions" }, [
          h("button", { type: "button", className: "btn btn--primary", "data-action": "confirm-merge" }, [
            t("confirm_merge"),
          ]),
          h("button", { type: "button", className: "btn", "data-action": "cancel" }, [t("cancel")]),
        ])
      );
    }
    return form;
  }

  function triage(q, place) {
    var status = q.status;
    var bar = h("div", { className: "item__actions" });
    if (status === "submitted") {
      bar.appendChild(
        h("button", { type: "button", className: "btn btn--ok", "data-action": "approve" }, [t("approve")])
      );
    }
    if (status === "submitted" || status === "approved") {
      bar.appendChild(
        h("button", { type: "button", className: "btn btn--danger-ghost", "data-action": "reject" }, [t("reject")])
      );
      bar.appendChild(h("button", { type: "button", className: "btn", "data-action": "merge" }, [t("merge")]));
    }
    if (!FINISHED[status]) {
      bar.appendChild(h("button", { type: "button", className: "btn", "data-action": "edit" }, [t("edit")]));
    }
    if (place) {
      var up = h("button", { type: "button", className: "btn btn--icon", "data-action": "move-up" }, ["▲"]);
      var down = h("button", { type: "button", className: "btn btn--icon", "data-action": "move-down" }, ["▼"]);
      up.setAttribute("aria-label", t("move_up"));
      up.title = t("move_up");
      down.setAttribute("aria-label", t("move_down"));
      down.title = t("move_down");
      up.disabled = place.first;
      down.disabled = place.last;
      bar.appendChild(h("span", { className: "item__order" }, [up, down]));
    }
    var parts = [bar];
    var row = [];
    if (!FINISHED[status]) {
      var catChoices = page.categories.map(function (c) {
        return { id: c.id, label: lookupName(c) };
      });
      var distChoices = page.districts.map(function (d) {
        return { id: d.id, label: lookupName(d) };
      });
      row.push(
        h("span", { className: "item__group" }, [
          h("label", { className: "field field--inline" }, [
            h("span", { className: "field__label" }, [t("category")]),
            select("category_id", catChoices, q.category_id, t("no_category")),
          ]),
          h("label", { className: "field field--inline" }, [
            h("span", { className: "field__label" }, [t("district")]),
            select("district_id", distChoices, q.district_id, t("no_district")),
          ]),
          h("button", { type: "button", className: "btn", "data-action": "classify" }, [t("classify")]),
        ])
      );
    }
    if (status === "approved" || status === "routed") {
      row.push(
        h("span", { className: "item__group item__group--route" }, [
          h("label", { className: "field field--inline" }, [
            h("span", { className: "field__label" }, [t("official")]),
            select("official_id", officialChoices(), defaultOfficial(q, q.category_id), t("choose_official")),
          ]),
          h("button", { type: "button", className: "btn btn--primary", "data-action": "route" }, [
            status === "routed" ? t("reroute") : t("route"),
          ]),
        ])
      );
    }
    if (row.length) parts.push(h("div", { className: "item__row" }, row));
    if (state.open[q.id]) parts.push(subForm(q, state.open[q.id]));
    return h("div", { className: "item__triage" }, parts);
  }

  function officialChoices() {
    return page.officials.map(function (o) {
      return { id: o.id, label: officialLabel(o) };
    });
  }

  function defaultOfficial(q, categoryId) {
    if (q.official_id) return q.official_id;
    var category = categories[categoryId];
    return category && category.default_official_id ? category.default_official_id : null;
  }

  function renderItem(q, place) {
    var edited = q.edited_text && q.edited_text !== q.verbatim_text;
    var head = h("div", { className: "item__head" }, [
      h("span", { className: "item__id" }, ["#" + L.digits(q.id)]),
      h("span", { className: "badge badge--" + q.status, "data-role": "status" }, [t("status." + q.status)]),
      h("span", { className: "badge badge--channel badge--" + q.channel }, [t("channel." + q.channel)]),
      h("span", { className: "item__code", dir: "ltr" }, [t("code", { code: q.tracking_code })]),
      L.staff.submittedAt(q),
      L.staff.supporters(q),
    ]);
    var texts = [];
    if (edited) {
      texts.push(
        h("div", { className: "item__text item__text--edited" }, [
          h("span", { className: "item__text-label" }, [t("edited")]),
          h("p", { "data-role": "text" }, [q.edited_text]),
        ])
      );
      texts.push(
        h("div", { className: "item__text item__text--verbatim" }, [
          h("span", { className: "item__text-label" }, [t("verbatim")]),
          h("p", { "data-role": "verbatim" }, [q.verbatim_text]),
        ])
      );
    } else {
      texts.push(h("div", { className: "item__text" }, [h("p", { "data-role": "text" }, [q.verbatim_text])]));
    }
    var meta = h("div", { className: "item__meta" }, [
      metaItem(t("asker"), q.asker_name || t("anonymous"), "asker"),
      q.asker_phone ? h("span", { className: "meta__item", dir: "ltr", "data-role": "phone" }, [q.asker_phone]) : null,
      metaItem(t("category"), q.category ? lookupName(q.category) : t("no_category"), "category"),
      metaItem(t("district"), q.district ? lookupName(q.district) : t("no_district"), "district"),
      metaItem(t("official"), q.official ? officialLabel(q.official) : t("no_official"), "official"),
    ]);
    var children = [head].concat(texts, [meta, outcome(q)]);
    if (CAN_TRIAGE) children.push(triage(q, place));
    return L.staff.item(q, "queue-item", "item", children, state.busy[q.id]);
  }

  function itemKey(q, place) {
    return [
      q.version,
      q.status,
      state.open[q.id] || "",
      state.busy[q.id] ? 1 : 0,
      place ? (place.first ? "f" : "") + (place.last ? "l" : "") : "-",
      q.support_count,
    ].join("|");
  }

  // Keep what a moderator is typing or choosing when another change re-renders the item.
  function carryOver(old, fresh) {
    old.querySelectorAll("select[data-dirty], [data-subform] select, [data-subform] textarea").forEach(
      function (field) {
        var twin = fresh.querySelector('[name="' + field.name + '"]');
        if (!twin) return;
        twin.value = field.value;
        if (field.hasAttribute("data-dirty")) twin.setAttribute("data-dirty", "");
      }
    );
    var active = document.activeElement;
    if (active && old.contains(active)) {
      var selector = active.name
        ? '[name="' + active.name + '"]'
        : active.getAttribute("data-action")
          ? '[data-action="' + active.getAttribute("data-action") + '"]'
          : null;
      var target = selector && fresh.querySelector(selector);
      return { target: target, start: active.selectionStart, end: active.selectionEnd };
    }
    return null;
  }

  // The questions that can be moved in this tab, in order: only open ones of its status
  // (finished questions held in sight for a while are not part of the queue).
  function orderable(filter) {
    if (!REORDERABLE[filter]) return [];
    return sorted(filter).filter(function (q) {
      return inFilter(q, filter) && q.status !== "on_air" && !FINISHED[q.status];
    });
  }

  function renderList() {
    var list = sorted(state.filter).filter(matchesSearch);
    var queue = orderable(state.filter).map(function (q) {
      return q.id;
    });
    var keep = {};
    var previous = null;
    var refocus = null;
    list.forEach(function (q) {
      var at = queue.indexOf(q.id);
      var place = at === -1 ? null : { first: at === 0, last: at === queue.length - 1 };
      var key = itemKey(q, place);
      var node = nodes[q.id];
      if (!node || node.getAttribute("data-key") !== key) {
        var fresh = renderItem(q, place);
        fresh.setAttribute("data-key", key);
        if (node) {
          refocus = carryOver(node, fresh) || refocus;
          if (node.parentNode) node.parentNode.replaceChild(fresh, node);
        }
        node = fresh;
        nodes[q.id] = node;
      }
      keep[q.id] = true;
      var expected = previous ? previous.nextSibling : queueEl.firstChild;
      if (expected !== node) queueEl.insertBefore(node, expected);
      previous = node;
    });
    Object.keys(nodes).forEach(function (id) {
      if (!keep[id]) {
        if (nodes[id].parentNode) nodes[id].parentNode.removeChild(nodes[id]);
        delete nodes[id];
      }
    });
    var empty = queueEl.querySelector(".queue__empty");
    if (!list.length && !empty) {
      queueEl.appendChild(h("li", { className: "queue__empty" }, [t("empty")]));
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
    document.querySelectorAll("[data-filter]").forEach(function (tab) {
      var key = tab.getAttribute("data-filter");
      tab.setAttribute("aria-pressed", key === state.filter ? "true" : "false");
      var n = Object.keys(state.questions).filter(function (id) {
        return inFilter(state.questions[id], key);
      }).length;
      var badge = tab.querySelector("[data-count]");
      if (badge) badge.textContent = L.digits(n);
    });
  }

  function renderSession() {
    var s = state.session;
    L.staff.renderSessionBar(s, state.counters);
    var show = {
      "session-open": s.status === "scheduled",
      "session-start": s.status === "scheduled" || s.status === "open",
      "session-close": s.status === "open" || s.status === "live",
    };
    Object.keys(show).forEach(function (action) {
      var button = document.querySelector('[data-action="' + action + '"]');
      if (button) button.hidden = !show[action];
    });
    var form = document.getElementById("operator-form");
    if (form) {
      var accepting = s.status === "open" || s.status === "live";
      form.querySelector('[data-testid="operator-submit"]').disabled = !accepting;
      form.setAttribute("data-accepting", accepting ? "true" : "false");
    }
  }

  function render() {
    renderSession();
    renderTabs();
    renderList();
  }

  /* ---- actions ---- */

  function command(q, verb, body, doneMessage) {
    var before = q.status;
    var sent = store.command(API, q, verb, body, connection.reload);
    render();
    return sent
      .then(function (fresh) {
        delete state.open[q.id];
        if (!inFilter(fresh, state.filter) && inFilter(q, state.filter)) {
          state.sticky[q.id] = { until: Date.now() + STICKY_MS, status: before };
          setTimeout(render, STICKY_MS + 50);
        }
        notice(doneMessage, "ok");
      })
      .catch(function (error) {
        notice(error.message, "error");
      })
      .then(render);
  }

  function itemField(item, name) {
    return item.querySelector('[name="' + name + '"]');
  }

  function numberOrNull(value) {
    return value === "" || value == null ? null : Number(value);
  }

  function move(q, delta) {
    var list = orderable(state.filter);
    var index = list.findIndex(function (o) {
      return o.id === q.id;
    });
    var target = index + delta;
    if (index < 0 || target < 0 || target >= list.length) return;
    var ids = list.map(function (o) {
      return o.id;
    });
    ids.splice(target, 0, ids.splice(index, 1)[0]);
    // Show the new order at once; the reorder event reloads the snapshot with the truth.
    ids.forEach(function (id, i) {
      state.questions[id].position = i + 1;
    });
    render();
    L.api("POST", API + "/sessions/" + state.session.id + "/order", { order: ids })
      .then(function () {
        notice(t("done.order"), "ok");
      })
      .catch(function (error) {
        notice(error.message, "error");
        connection.reload();
      });
  }

  queueEl.addEventListener("click", function (event) {
    var button = event.target.closest("[data-action]");
    var item = event.target.closest('[data-testid="queue-item"]');
    if (!button || !item || button.disabled) return;
    var q = state.questions[item.getAttribute("data-id")];
    if (!q) return;
    var action = button.getAttribute("data-action");
    var focusAfter = null;
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
      case "confirm-merge":
        var into = numberOrNull(itemField(item, "into").value);
        if (into === null) {
          notice(t("choose_question"), "error");
          return;
        }
        command(q, "merge", { into: into }, t("done.merged", { id: q.id, into: into }));
        break;
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
      case "route":
        var official = numberOrNull(itemField(item, "official_id").value);
        if (official === null) {
          notice(t("choose_official"), "error");
          itemField(item, "official_id").focus();
          return;
        }
        command(q, "route", { official_id: official }, t("done.routed", { id: q.id }));
        break;
      case "move-up":
        move(q, -1);
        break;
      case "move-down":
        move(q, 1);
        break;
    }
    if (focusAfter && nodes[q.id]) {
      var field = nodes[q.id].querySelector('[name="' + focusAfter + '"]');
      if (field) field.focus();
    }
  });

  queueEl.addEventListener("change", function (event) {
    var field = event.target;
    if (field.tagName !== "SELECT") return;
    field.setAttribute("data-dirty", "");
    // A new category suggests its default official, unless one was picked by hand.
    if (field.name === "category_id") {
      var item = field.closest('[data-testid="queue-item"]');
      var q = item && state.questions[item.getAttribute("data-id")];
      var routeSelect = item && itemField(item, "official_id");
      if (q && routeSelect && !routeSelect.hasAttribute("data-dirty") && !q.official_id) {
        var suggested = defaultOfficial(q, numberOrNull(field.value));
        routeSelect.value = suggested ? String(suggested) : "";
      }
    }
  });

  document.querySelectorAll("[data-filter]").forEach(function (tab) {
    tab.addEventListener("click", function () {
      state.filter = tab.getAttribute("data-filter");
      state.sticky = {};
      render();
    });
  });

  var search = document.getElementById("desk-search");
  if (search) {
    search.addEventListener("input", function () {
      state.search = search.value.trim().toLowerCase();
      renderList();
    });
  }

  /* ---- session controls ---- */

  function sessionCommand(verb, body) {
    return L.api("POST", API + "/sessions/" + state.session.id + "/" + verb, body || {})
      .then(function (data) {
        if (data.session) state.session = data.session;
        notice(t("done.session", { status: t("session." + state.session.status) }), "ok");
        connection.reload();
        render();
      })
      .catch(function (error) {
        notice(error.message, "error");
        connection.reload();
      });
  }

  document.querySelectorAll("[data-action=session-open], [data-action=session-start]").forEach(function (b) {
    b.addEventListener("click", function () {
      sessionCommand(b.getAttribute("data-action") === "session-open" ? "open" : "start");
    });
  });

  var closeDialog = document.getElementById("close-dialog");
  var closeButton = document.querySelector("[data-action=session-close]");
  if (closeDialog && closeButton) {
    closeButton.addEventListener("click", function () {
      var radios = closeDialog.querySelectorAll("input[name=disposition]");
      var firstEnabled = Array.prototype.find.call(radios, function (r) {
        return !r.disabled;
      });
      if (firstEnabled) firstEnabled.checked = true;
      closeDialog.showModal();
    });
    closeDialog.addEventListener("close", function () {
      if (closeDialog.returnValue !== "confirm") return;
      var chosen = closeDialog.querySelector("input[name=disposition]:checked");
      sessionCommand("close", { disposition: chosen ? chosen.value : null });
    });
  }

  /* ---- 137 operator form ---- */

  var operatorForm = document.getElementById("operator-form");
  if (operatorForm) {
    var keyField = operatorForm.querySelector("[name=idempotency_key]");
    var errorBox = operatorForm.querySelector('[data-testid="operator-error"]');
    var result = document.querySelector('[data-testid="operator-result"]');
    var codeBox = document.querySelector('[data-testid="operator-tracking-code"]');
    var submit = operatorForm.querySelector('[data-testid="operator-submit"]');
    // A retry of an unchanged call after a network error reuses its key, so the question is
    // not stored twice; once the operator edits the fields it is a new question.
    var operatorKeys = L.idempotency();

    operatorForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(operatorForm);
      var body = {
        text: data.get("text"),
        name: data.get("name") || null,
        phone: data.get("phone") || null,
        category_id: numberOrNull(data.get("category_id")),
        district_id: numberOrNull(data.get("district_id")),
      };
      body.idempotency_key = keyField.value = operatorKeys.key(body);
      errorBox.hidden = true;
      submit.disabled = true;
      L.api("POST", API + "/sessions/" + state.session.id + "/operator-questions", body)
        .then(function (reply) {
          operatorKeys.settle();
          var q = reply.question;
          codeBox.textContent = L.digits(q.tracking_code);
          codeBox.setAttribute("data-code", q.tracking_code);
          result.hidden = false;
          operatorForm.reset();
          keyField.value = "";
          notice(t("operator_saved"), "ok");
          result.querySelector("[data-action=operator-next]").focus();
        })
        .catch(function (error) {
          operatorKeys.settle(error);
          errorBox.textContent = error.message;
          errorBox.hidden = false;
          var field = error.field && operatorForm.querySelector('[name="' + error.field + '"]');
          if (field) field.focus();
        })
        .then(function () {
          renderSession();
        });
    });

    result.querySelector("[data-action=operator-next]").addEventListener("click", function () {
      result.hidden = true;
      operatorForm.querySelector("[name=text]").focus();
    });
  }

  /* ---- start ---- */

  function renderLoaded() {
    queueEl.setAttribute("aria-busy", "false");
    render();
  }

  var connection = L.staff.connect(API, state.session.id, "moderators", store, renderLoaded, function (id) {
    return nodes[id];
  }, notice.problem);
  render();
})();
