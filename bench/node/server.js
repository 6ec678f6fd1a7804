// A reference live server in Node socket.io 4.8 that speaks LiveQA's protocol on the wire.
//
// Same routes as the load uses (login with a CSRF token, submit, queue, approve, route,
// support), same rooms, two numbered streams (staff: every change; public: only changes
// that alter the public board), `changes` batches within --batch-ms, a coalesced `tally`
// with counters, `heartbeat` every 5 s, and question payloads with LiveQA's fields.
// State lives in memory: this is the yardstick, not a product. permessage-deflate stays
// off, socket.io's default.
//
//   node server.js --port 24100 [--moderator moderator] [--password e2e-pass-137]
"use strict";

const crypto = require("node:crypto");
const http = require("node:http");
const { Server } = require("socket.io");

const opt = parseArgs(process.argv.slice(2), {
  port: 24100,
  host: "127.0.0.1",
  moderator: "moderator",
  password: "e2e-pass-137",
  "session-id": 1,
  "batch-ms": 100,
  "tally-ms": 1000,
  "heartbeat-ms": 5000,
});

function parseArgs(argv, defaults) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "");
    const value = argv[i + 1];
    out[key] = typeof defaults[key] === "number" ? Number(value) : value;
  }
  return out;
}

const PUBLIC = new Set(["approved", "routed", "on_air", "answered"]);
const OPEN = new Set(["pending", "approved", "routed", "on_air"]);
// Python's isoformat() of an aware UTC datetime, so timestamps weigh the same.
const now = () => new Date().toISOString().replace("Z", "000+00:00");
// The e2e seed's officials (tests/realseed.py): the same names, the same payload sizes.
const official = (id, name, title) => ({ id, name, title, title_en: title, portfolio: title });
const OFFICIALS = [
  official(1, "مهندس آزمون‌پور", "معاون خدمات شهری"),
  official(2, "دکتر دومی", "معاون حمل و نقل"),
];
const SID = opt["session-id"];
const live = {
  id: SID, title: "جلسه پرسش و پاسخ زنده شهروندان", status: "live", seq: 0, public_seq: 0,
  starts_at: now(), ends_at: null,
};
const questions = new Map();
const sessions = new Map(); // session cookie -> {csrf, user}
let nextQuestionId = 1;

function sessionJson() {
  return {
    id: live.id, title: live.title, status: live.status, accepting_questions: true,
    starts_at: live.starts_at, ends_at: live.ends_at,
    edition: { id: 1, number: 1, title: "دوره نخست" }, officials: OFFICIALS, seq: live.seq,
  };
}

function questionPublic(q) {
  return {
    id: q.id, session_id: SID, text: q.text, status: q.status, category: q.category,
    district: q.district, asker_name: q.name, support_count: q.support_count,
    official: q.official_id ? OFFICIALS[q.official_id - 1] : null, answer: null,
    position: q.position, submitted_at: q.submitted_at, on_air_at: null, answered_at: null,
  };
}

function questionStaff(q) {
  return {
    ...questionPublic(q), tracking_code: q.tracking_code, verbatim_text: q.text,
    edited_text: null, asker_phone: null, channel: "web", version: q.version,
    merged_into_id: null, reject_reason: null, reject_note: null, official_id: q.official_id,
    category_id: null, district_id: null, approved_at: q.approved_at, routed_at: q.routed_at,
    updated_at: q.updated_at,
    actions: q.status === "pending" ? ["approve", "reject", "edit", "merge", "classify"]
      : ["route", "reject", "edit", "classify", "put_back"],
  };
}

function tracking(q) {
  return {
    tracking_code: q.tracking_code, tracking_code_display: q.tracking_code, text: q.text,
    status: q.status, status_label: "در انتظار بررسی", outcome: null,
    submitted_at: q.submitted_at, session_id: SID, reject_reason: null,
    reject_reason_label: null, reject_note: null, merged_into: null,
    effective_status: q.status, effective_status_label: "در انتظار بررسی", official: null,
    answer: null, follow_ups: [], carried_to_session_id: null,
  };
}

function counters() {
  let answered = 0;
  let waiting = 0;
  for (const q of questions.values()) {
    if (q.status === "answered") answered += 1;
    if (OPEN.has(q.status)) waiting += 1;
  }
  return { received: questions.size, answered, waiting };
}

// --- rooms, streams and batches -------------------------------------------------------

const room = (kind) => `session:${SID}:${kind}`;
const publicRooms = () => [room("public"), room("screen")];
const staffRooms = () => [room("moderators"), ...OFFICIALS.map((o) => room(`official:${o.id}`))];

class Stream {
  // Pending items of one stream, latest per question, sent as one contiguous batch.
  constructor(rooms) {
    this.rooms = rooms;
    this.pending = new Map();
    this.from = null;
    this.to = 0;
  }

  add(seq, kind, q, view) {
    const key = q ? `q${q.id}` : `s${seq}`;
    this.pending.delete(key); // re-inserted last: items stay in seq order
    this.pending.set(key, { seq, session_id: SID, kind, question_id: q ? q.id : null, question: view });
    if (this.from === null) this.from = seq;
    this.to = seq;
  }

  flush() {
    if (this.from === null) return;
    const batch = { session_id: SID, from: this.from, to: this.to, changes: [...this.pending.values()] };
    this.pending.clear();
    this.from = null;
    io.to(this.rooms).emit("changes", batch);
  }
}

const staffStream = new Stream(staffRooms());
const publicStream = new Stream(publicRooms());
let lastBatch = 0;
let batchTimer = null;

function recordChange(kind, q, wasPublic) {
  live.seq += 1;
  staffStream.add(live.seq, kind, q, q ? questionStaff(q) : null);
  const isPublic = q ? PUBLIC.has(q.status) : true;
  if (wasPublic || isPublic) {
    live.public_seq += 1;
    publicStream.add(live.public_seq, kind, q, q && isPublic ? questionPublic(q) : null);
  }
  scheduleBatch();
}

function scheduleBatch() {
  if (batchTimer) return;
  // The first change after a quiet period goes at once (after the HTTP answer, as after
  // a commit); later ones wait for the window to close.
  const wait = Math.max(0, lastBatch + opt["batch-ms"] - Date.now());
  batchTimer = setTimeout(sendBatches, wait);
}

function sendBatches() {
  batchTimer = null;
  lastBatch = Date.now();
  publicStream.flush();
  staffStream.flush();
}

const dirtyCounts = new Set();
let tallyDirty = false;
let tallyTimer = null;

function markTally(questionId) {
  if (questionId) dirtyCounts.add(questionId);
  tallyDirty = true;
  if (!tallyTimer) tallyTimer = setTimeout(sendTally, opt["tally-ms"]);
}

function sendTally() {
  tallyTimer = null;
  if (!tallyDirty) return;
  tallyDirty = false;
  const counts = {};
  for (const id of dirtyCounts) counts[id] = questions.get(id).support_count;
  dirtyCounts.clear();
  const base = { session_id: SID, counts, counters: counters() };
  io.to(publicRooms()).emit("tally", { ...base, seq: live.public_seq });
  io.to(staffRooms()).emit("tally", { ...base, seq: live.seq });
}

// --- HTTP ------------------------------------------------------------------------------

function cookies(req) {
  const out = {};
  for (const part of (req.headers.cookie || "").split(";")) {
    const at = part.indexOf("=");
    if (at > 0) out[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return out;
}

function send(res, status, body, setCookies = []) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const headers = {
    "Content-Type": typeof body === "string" ? "text/html; charset=utf-8" : "application/json",
    "Content-Length": Buffer.byteLength(text),
  };
  if (setCookies.length) headers["Set-Cookie"] = setCookies;
  res.writeHead(status, headers);
  res.end(text);
}

const fail = (res, status, code) => send(res, status, { error: { code, message: code } });

function browserSession(req, setCookies) {
  const id = cookies(req).session;
  if (id && sessions.has(id)) return sessions.get(id);
  const fresh = crypto.randomBytes(16).toString("hex");
  const state = { csrf: crypto.randomBytes(20).toString("hex"), user: null };
  sessions.set(fresh, state);
  setCookies.push(`session=${fresh}; HttpOnly; Path=/; SameSite=Lax`);
  return state;
}

function readJson(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString() || "{}"));
      } catch {
        resolve(null);
      }
    });
  });
}

function page(state) {
  const filler = "<p>پرسش خود را از مدیران شهری بپرسید.</p>".repeat(40);
  return `<!doctype html><html lang="fa" dir="rtl"><head><meta charset="utf-8">
<meta name="csrf-token" content="${state.csrf}"><title>LiveQA</title></head>
<body>${filler}</body></html>`;
}

async function handle(req, res) {
  const setCookies = [];
  const state = browserSession(req, setCookies);
  const path = req.url.split("?")[0];
  if (req.method === "GET" && (path === "/" || path === "/login")) {
    return send(res, 200, page(state), setCookies);
  }
  if (req.method === "GET" && path === "/api/v1/sessions/current") {
    return send(res, 200, { session: sessionJson() }, setCookies);
  }
  if (req.method === "GET" && path === "/api/v1/officials") {
    return send(res, 200, { officials: OFFICIALS }, setCookies);
  }
  if (req.method === "GET" && path === `/api/v1/sessions/${SID}/queue`) {
    if (!state.user) return fail(res, 401, "login_required");
    const open = [...questions.values()].filter((q) => OPEN.has(q.status));
    return send(res, 200, { questions: open.map(questionStaff) }, setCookies);
  }
  if (req.method !== "POST") return fail(res, 404, "not_found");
  const body = await readJson(req);
  if (body === null) return fail(res, 400, "bad_json");
  if (req.headers["x-csrftoken"] !== state.csrf) return fail(res, 400, "csrf");
  if (path === "/api/v1/auth/login") {
    if (body.username !== opt.moderator || body.password !== opt.password) {
      return fail(res, 401, "bad_login");
    }
    state.user = { id: 2, username: opt.moderator, role: "moderator" };
    return send(res, 200, { user: state.user }, setCookies);
  }
  if (path === `/api/v1/sessions/${SID}/questions`) {
    if (typeof body.text !== "string" || body.text.length < 10) return fail(res, 422, "text");
    if (!cookies(req).liveqa_cid) {
      const cid = crypto.randomBytes(16).toString("hex");
      setCookies.push(`liveqa_cid=${cid}.signature; HttpOnly; Path=/; SameSite=Lax`);
    }
    const id = nextQuestionId++;
    const at = now();
    const q = {
      id, text: body.text, name: body.name || null, status: "pending", support_count: 0,
      category: null, district: null, official_id: null, position: null, submitted_at: at,
      approved_at: null, routed_at: null,
      updated_at: at, version: 1, tracking_code: crypto.randomBytes(4).toString("hex").toUpperCase(),
    };
    questions.set(id, q);
    send(res, 201, { question: tracking(q) }, setCookies);
    recordChange("question.submitted", q, false);
    return markTally(null);
  }
  const match = path.match(/^\/api\/v1\/questions\/(\d+)\/(approve|route|support)$/);
  const q = match && questions.get(Number(match[1]));
  if (!q) return fail(res, 404, "not_found");
  if (match[2] === "support") {
    q.support_count += 1;
    send(res, 201, { question_id: q.id, support_count: q.support_count }, setCookies);
    return markTally(q.id);
  }
  if (!state.user) return fail(res, 401, "login_required");
  const wasPublic = PUBLIC.has(q.status);
  const at = now();
  if (match[2] === "approve") {
    if (q.status !== "pending") return fail(res, 409, "conflict");
    Object.assign(q, { status: "approved", approved_at: at });
  } else {
    const officialId = Number(body.official_id);
    if (q.status !== "approved" || !OFFICIALS[officialId - 1]) return fail(res, 409, "conflict");
    Object.assign(q, { status: "routed", routed_at: at, official_id: officialId });
  }
  Object.assign(q, { updated_at: at, version: q.version + 1 });
  send(res, 200, { question: questionStaff(q) }, setCookies);
  recordChange(`question.${match[2] === "approve" ? "approved" : "routed"}`, q, wasPublic);
  return markTally(null);
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((error) => {
    console.error(error);
    fail(res, 500, "internal");
  });
});
const io = new Server(server, { transports: ["websocket", "polling"] });

io.on("connection", (socket) => {
  const state = sessions.get(cookies(socket.request).session);
  socket.on("join", (data, ack) => {
    const reply = typeof ack === "function" ? ack : () => {};
    if (!data || data.session_id !== SID) return reply({ ok: false, error: { code: "unknown_session" } });
    if (data.room === "public" || data.room === "screen") {
      socket.join(room(data.room));
      return reply({ ok: true, seq: live.public_seq });
    }
    if (data.room === "moderators" && state && state.user) {
      socket.join(room("moderators"));
      return reply({ ok: true, seq: live.seq });
    }
    return reply({ ok: false, error: { code: "forbidden" } });
  });
});

setInterval(() => {
  for (const r of publicRooms()) io.to(r).emit("heartbeat", { session_id: SID, seq: live.public_seq });
  for (const r of staffRooms()) io.to(r).emit("heartbeat", { session_id: SID, seq: live.seq });
}, opt["heartbeat-ms"]);

server.listen(opt.port, opt.host, () => {
  console.log(`reference server listening on http://${opt.host}:${opt.port}`);
});
process.on("SIGTERM", () => process.exit(0));
