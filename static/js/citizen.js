/*
 * Citizen page and tracking pages: ask with an idempotency key, remember tracking codes,
 * follow them live, and keep the public board (on air, answers, supportable questions)
 * current. Every card is cloned from a <template> the server renders with its own macros.
 */
import { setupForm } from "./citizen/ask.js";
import { setupBoard } from "./citizen/board.js";
import { startTracking } from "./citizen/mine.js";
import { pageData } from "./lib/dom.js";
import { getSocket, setConnection } from "./lib/socket.js";

const data = pageData("page-data");

setupForm(data);
setupBoard(data);
startTracking(data);
if (!data.session_id) {
  // Tracking pages have no board, but the indicator should still reflect the socket.
  const s = getSocket();
  if (s) {
    s.on("connect", () => setConnection("connected"));
    if (s.connected) setConnection("connected");
  }
}
