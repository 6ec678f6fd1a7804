/*
 * What the panel offers on a question: the one place its buttons (and the answer form) are
 * decided. The server is to send q.actions (the verbs this user may perform on the question
 * now); when it does, actionsFor becomes `return q.actions`.
 */

// The verbs (on_air, put_back, transfer, answer) the panel offers on Q.
export function actionsFor(q) {
  if (q.status === "routed") return ["on_air", "transfer"];
  if (q.status === "on_air") return ["put_back", "transfer", "answer"];
  return [];
}
