/*
 * The hall's big screen: the question on air (or the last answered one), who answers it,
 * the answer, and the session counters. It must recover alone: live.js re-joins and reloads
 * the snapshot after a drop, and polls the snapshot while the socket stays down.
 */
(function () {
  "use strict";

  var L = window.LiveQA;
  var el = L.el;
  var t = L.t;
  var pageData = L.pageData("page-data");
  var questions = {};
  var sessionStatus = null;

  var stage = document.querySelector(".screen-stage");
  var label = document.querySelector('[data-role="label"]');
  var questionNode = document.querySelector('[data-testid="screen-question"]');
  var officialNode = document.querySelector('[data-testid="screen-official"]');
  var answerNode = document.querySelector('[data-testid="screen-answer"]');

  function shownQuestion() {
    var all = Object.keys(questions).map(function (id) {
      return questions[id];
    });
    var onAir = all.filter(function (q) {
      return q.status === "on_air";
    })[0];
    if (onAir) return onAir;
    return all
      .filter(function (q) {
        return q.status === "answered";
      })
      .sort(function (a, b) {
        return (b.answered_at || "").localeCompare(a.answered_at || "");
      })[0];
  }

  function render() {
    var q = shownQuestion();
    stage.setAttribute("data-state", q ? q.status : "idle");
    if (q && q.status === "on_air") {
      label.replaceChildren(el("span", { className: "live-dot", "aria-hidden": "true" }), t("on_air"));
    } else if (q) {
      label.textContent = t("answered");
    } else {
      label.textContent = sessionStatus === "closed" ? t("session_closed") : t("waiting_next");
    }
    questionNode.textContent = q ? q.text : "";
    officialNode.textContent = q ? L.officialLine(q.official) : "";
    var answer = q && q.answer;
    answerNode.hidden = !answer;
    answerNode.replaceChildren.apply(
      answerNode,
      answer
        ? [
            answer.kind === "verbal" ? el("span", { className: "screen-answer__kind", text: t("spoken_answer") }) : null,
            el("p", { className: "screen-answer__text", dir: "auto", text: answer.text }),
          ].filter(Boolean)
        : []
    );
    fit();
  }

  // Long questions shrink the type a step at a time until the stage no longer overflows.
  function fit() {
    var steps = [1, 0.85, 0.72, 0.6, 0.5];
    for (var i = 0; i < steps.length; i++) {
      stage.style.setProperty("--fit", steps[i]);
      if (stage.scrollHeight <= stage.clientHeight + 1) return;
    }
  }

  function setCounters(counters) {
    if (!counters) return;
    ["received", "answered", "waiting"].forEach(function (name) {
      var node = document.querySelector('[data-testid="counter-' + name + '"]');
      if (node && counters[name] !== undefined) node.textContent = L.digits(counters[name]);
    });
  }

  L.connectBoard({
    sessionId: pageData.session_id,
    room: "screen",
    snapshotUrl: pageData.snapshot_url,
    pollWhenOfflineMs: 15000,
    onCounters: setCounters,
    onSession: function (session) {
      sessionStatus = session.status;
    },
    render: function (current) {
      questions = current;
      render();
    },
  });

  var fullscreen = document.querySelector('[data-role="fullscreen"]');
  if (fullscreen) {
    if (!document.documentElement.requestFullscreen) fullscreen.hidden = true;
    fullscreen.addEventListener("click", function () {
      if (document.fullscreenElement) document.exitFullscreen();
      else document.documentElement.requestFullscreen().catch(function () {});
    });
    document.addEventListener("fullscreenchange", function () {
      fullscreen.textContent = document.fullscreenElement ? t("exit_fullscreen") : t("enter_fullscreen");
      fit();
    });
  }
  window.addEventListener("resize", fit);
  fit();
})();
