/* track(codes, onTracked) -> follows tracking codes (re-sent after reconnect); returns {add(code), codes()}. */
import { emitAck, getSocket } from "./socket.js";

export function track(codes, onTracked) {
  const followed = [];
  const s = getSocket();

  function send(code) {
    emitAck("track", { code: code }).then(
      (reply) => {
        if (reply.ok && reply.question) onTracked(reply.question);
      },
      () => {}
    );
  }

  function add(code) {
    code = String(code);
    if (followed.indexOf(code) !== -1) return;
    followed.push(code);
    if (s && s.connected) send(code);
  }

  if (s) {
    s.on("tracked", (question) => {
      if (question && followed.indexOf(String(question.tracking_code)) !== -1) onTracked(question);
    });
    s.on("connect", () => followed.forEach(send));
  }
  (codes || []).forEach(add);
  return { add: add, codes: () => followed.slice() };
}
