/*
 * The client's rule for `changes` batches {session_id, from, to, changes: [{seq, ...}]}: each
 * covers the numbers from..to of one stream, keeping only the latest item per question.
 */

// Order batches (and items) by where they start.
export function bySeq(a, b) {
  return (a.from !== undefined ? a.from : a.seq) - (b.from !== undefined ? b.from : b.seq);
}

// Whether MSG is a well-formed batch of session SESSION_ID.
export function isBatch(msg, sessionId) {
  return (
    !!msg &&
    Number(msg.session_id) === sessionId &&
    typeof msg.from === "number" &&
    typeof msg.to === "number" &&
    msg.from <= msg.to &&
    Array.isArray(msg.changes)
  );
}

// What a page at SEQ does with BATCH: "ignore" (nothing newer), "gap" (some number between
// seq and the batch never came: reload) or "apply".
export function batchStep(seq, batch) {
  if (batch.to <= seq) return "ignore";
  if (batch.from > seq + 1) return "gap";
  return "apply";
}

// The items of BATCH a page at SEQ has not seen, in order.
export function newerItems(batch, seq) {
  return batch.changes
    .filter(function (item) {
      return item && typeof item.seq === "number" && item.seq > seq;
    })
    .sort(bySeq);
}
