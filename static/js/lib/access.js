/*
 * What this staff user may do: the verbs the server lists in q.actions and s.actions for
 * the user's audience (computed from the verb table in liveqa/domain/permissions.py), and
 * the access flags of the page data. Scripts decide no permission of their own.
 */
import { pageData } from "./dom.js";

const access = pageData("staff-data").access;

// Whether the user triages at all: the desk's triage bar and the queue order controls.
export const mayTriage = access.can_triage;

// Whether the panel shows only the user's own questions (an official's panel).
export const isOfficial = access.is_official;

// The verbs this user may perform on question Q now (approve, route, on_air, answer …).
export function actionsFor(q) {
  return (q.actions && q.actions[access.audience]) || [];
}

// The session verbs (open, start, close) this user may perform on session S now.
export function sessionActionsFor(s) {
  return (s && s.actions && s.actions[access.audience]) || [];
}
