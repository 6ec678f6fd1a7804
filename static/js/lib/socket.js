/*
 * The page's one Socket.IO connection (socket.io.min.js is a classic script loaded first)
 * and its indicator.
 *
 *   getSocket()                  -> the shared socket, or null without Socket.IO
 *   setConnection(state, detail) -> updates every [data-testid=connection]
 *   connectionState()            -> "connecting" | "connected" | "offline"
 *   onConnectionState(listener)  -> listener(state) on every change; returns an unsubscribe
 *   emitAck(name, payload, ms)   -> Promise of the server's acknowledgement
 */
import { t } from "./i18n.js";

let socket = null;
let state = "connecting";
const listeners = [];

// DETAIL, when given, replaces the state's label (say, why live updates stopped).
export function setConnection(next, detail) {
  state = next;
  const text = detail || t(next);
  document.querySelectorAll('[data-testid="connection"]').forEach((node) => {
    node.setAttribute("data-state", next);
    const labelNode = node.querySelector('[data-role="connection-label"]');
    if (labelNode) labelNode.textContent = text;
    node.setAttribute("title", text);
  });
  listeners.slice().forEach((listener) => listener(next));
}

export function connectionState() {
  return state;
}

export function onConnectionState(listener) {
  listeners.push(listener);
  return () => {
    const at = listeners.indexOf(listener);
    if (at !== -1) listeners.splice(at, 1);
  };
}

export function getSocket() {
  if (socket) return socket;
  if (typeof window.io !== "function") {
    setConnection("offline");
    return null;
  }
  // Reconnects back off 1 s, 2 s, 4 s ... up to 10 s, each moved by up to half its length
  // at random (socket.io-client's Backoff), so pages dropped together by a restart do not
  // come back together. A handshake the server refuses (503 `busy`, over its admission
  // rate) fails the attempt like any other, and the next one waits its (longer) turn.
  socket = window.io({
    transports: ["websocket", "polling"],
    reconnectionDelay: 1000,
    reconnectionDelayMax: 10000,
    randomizationFactor: 0.5,
    timeout: 10000,
  });
  socket.on("disconnect", (reason) => {
    setConnection("offline");
    // A staff socket the server closes belongs to a session that ended (log-out elsewhere,
    // password change, deactivation): reload, and the page asks for a log-in.
    if (reason === "io server disconnect" && document.body.classList.contains("staff")) {
      window.location.reload();
    }
  });
  socket.on("session_ended", () => window.location.reload());
  socket.on("connect_error", () => setConnection("offline"));
  socket.io.on("reconnect_attempt", () => {
    if (state !== "connected") setConnection("connecting");
  });
  window.addEventListener("online", () => {
    if (!socket.connected) socket.connect();
  });
  return socket;
}

export function emitAck(name, payload, timeoutMs) {
  return new Promise((resolve, reject) => {
    const s = getSocket();
    if (!s) {
      reject(new Error("no socket"));
      return;
    }
    let done = false;
    const timer = setTimeout(() => {
      if (!done) {
        done = true;
        reject(new Error("ack timeout"));
      }
    }, timeoutMs || 10000);
    s.emit(name, payload, (reply) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(reply || {});
    });
  });
}

// The indicator is hidden in the markup: without JavaScript there is no connection to show.
document.querySelectorAll('[data-testid="connection"]').forEach((node) => {
  node.hidden = false;
});
