/*
 * What the desk offers on a question: the one place its buttons are decided. The server is
 * to send q.actions (the verbs this user may perform on the question now); when it does,
 * actionsFor becomes `return q.actions`.
 */
import { pageData } from "../lib/dom.js";

const ROLE = pageData("staff-data").user.role;
const FINISHED = { answered: 1, rejected: 1, merged: 1, carried_over: 1, unanswered: 1 };

// Whether the user triages at all: the triage bar and the queue order controls.
export const mayTriage = ROLE === "admin" || ROLE === "moderator";

// The verbs (approve, reject, merge, edit, classify, route) the desk offers on Q.
export function actionsFor(q) {
  if (!mayTriage) return [];
  const verbs = [];
  if (q.status === "submitted") verbs.push("approve");
  if (q.status === "submitted" || q.status === "approved") verbs.push("reject", "merge");
  if (!FINISHED[q.status]) verbs.push("edit", "classify");
  if (q.status === "approved" || q.status === "routed") verbs.push("route");
  return verbs;
}
