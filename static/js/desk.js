/*
 * Moderator desk: the session's live queue with triage actions, session controls and the
 * 137 operator entry form. Data comes from the page's JSON (#staff-data), the staff snapshot
 * (/queue) and live `change` events. Rendering lives in desk/render.js (cards cloned from
 * <template id="tpl-queue-item">), the controls in desk/control.js, the buttons a question
 * offers come from lib/access.js (the served actions).
 */
import { staffConnect } from "./lib/staff.js";
import { notice, setupControls } from "./desk/control.js";
import { API, state, store } from "./desk/model.js";
import { nodes, queueEl, render } from "./desk/render.js";

function renderLoaded() {
  queueEl.setAttribute("aria-busy", "false");
  render();
}

const connection = staffConnect(API, state.session.id, "moderators", store, renderLoaded, (id) => nodes[id], notice.problem);
setupControls(connection);
render();
