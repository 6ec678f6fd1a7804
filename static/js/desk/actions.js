/*
 * What the desk offers on a question: the verbs the server lists for this user in q.actions
 * (computed from the verb table in liveqa/domain/permissions.py), never a rule of its own.
 */
import { pageData } from "../lib/dom.js";

const access = pageData("staff-data").access;

// Whether the user triages at all: the triage bar and the queue order controls.
export const mayTriage = access.can_triage;

// The verbs this user may perform on Q now (approve, reject, merge, edit, classify, route …).
export function actionsFor(q) {
  return (q.actions && q.actions[access.audience]) || [];
}

// The session verbs (open, start, close) this user may perform on session S now.
export function sessionActionsFor(s) {
  return (s && s.actions && s.actions[access.audience]) || [];
}
