/*
 * What the panel offers on a question: the verbs the server lists for this user in q.actions
 * (computed from the verb table in liveqa/domain/permissions.py), never a rule of its own.
 */
import { pageData } from "../lib/dom.js";

const access = pageData("staff-data").access;

// Whether the panel shows only the user's own questions (an official's panel).
export const isOfficial = access.is_official;

// The verbs this user may perform on Q now (on_air, put_back, transfer, answer …).
export function actionsFor(q) {
  return (q.actions && q.actions[access.audience]) || [];
}
