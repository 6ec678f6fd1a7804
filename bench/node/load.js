// The load generator: N citizens on the public room, a moderator driving changes over HTTP,
// and citizens submitting while the session broadcasts. The same run against LiveQA and
// against the Node reference server; raw timings go to --out as JSON (bench/compare.py
// turns them into percentiles and ratios).
//
// It understands both live protocols: per-change `change` events (LiveQA before the split
// streams) and `changes` batches. A receipt is keyed by (question, kind), not by seq, so
// it holds whichever stream numbering the server uses; an item that supersedes an earlier
// change of its question (a coalesced batch) counts as the receipt of both.
"use strict";

const fs = require("node:fs");
const { io } = require("socket.io-client");

const cfg = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const urls = cfg.urls;
const origin = urls[0];
const t = () => performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (...args) => console.error(`[load ${new Date().toISOString().slice(11, 19)}]`, ...args);

// --- /proc of the server processes ---------------------------------------------------------

const TICK = 100; // USER_HZ on Linux
function procSample() {
  let cpu = 0;
  let rssKb = 0;
  for (const pid of cfg.pids || []) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(")").pop().trim().split(" ");
      cpu += (Number(stat[11]) + Number(stat[12])) / TICK;
      const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
      rssKb += Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
    } catch {
      // a vanished server shows as missing CPU and memory; the lost sockets tell why
    }
  }
  const own = process.cpuUsage();
  const loadavg = fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  // wall_ms: to place the orchestrator's PostgreSQL samples (bench/pgactivity.py) in phases
  const sample = { at: t(), wall_ms: Date.now(), cpu, rss_kb: rssKb };
  return { ...sample, load_cpu: (own.user + own.system) / 1e6, loadavg };
}

// --- HTTP as a browser ------------------------------------------------------------------------

class Browser {
  constructor(base) {
    this.base = base;
    this.jar = new Map();
    this.csrf = null;
  }

  cookieHeader() {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  async request(method, path, body, timeoutMs = 15000) {
    const headers = { Origin: this.base, Referer: `${this.base}/`, Cookie: this.cookieHeader() };
    if (this.csrf) headers["X-CSRFToken"] = this.csrf;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(this.base + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      redirect: "manual", signal: AbortSignal.timeout(timeoutMs),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair.indexOf("=");
      this.jar.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
    const text = await response.text();
    return { status: response.status, text, json: () => JSON.parse(text) };
  }

  async loadCsrf() {
    for (const path of ["/login", "/"]) {
      const page = await this.request("GET", path);
      const match = /<meta\s+name="csrf-token"\s+content="([^"]+)"/.exec(page.text);
      if (match) {
        this.csrf = match[1];
        return;
      }
    }
    throw new Error("no CSRF token on /login or /");
  }

  async post(path, body, expect, timeoutMs = 15000) {
    const reply = await this.request("POST", path, body, timeoutMs);
    if (expect && !expect.includes(reply.status)) {
      const error = new Error(`POST ${path}: ${reply.status} ${reply.text.slice(0, 300)}`);
      error.httpStatus = reply.status;
      throw error;
    }
    return reply;
  }
}

// --- setup: moderator, questions ---------------------------------------------------------------

async function setup() {
  const moderator = new Browser(origin);
  await moderator.loadCsrf();
  await moderator.post("/api/v1/auth/login", { username: cfg.moderator, password: cfg.password }, [200]);
  await moderator.loadCsrf(); // a login may rotate the token
  const current = (await moderator.request("GET", "/api/v1/sessions/current")).json().session;
  const officials = current.officials.map((o) => o.id).slice(0, 2);
  const citizen = new Browser(origin);
  await citizen.loadCsrf();
  const perPhase = [...cfg.rates.map(() => cfg.changes), Math.ceil(cfg.submits / cfg.submit_rate) + 1];
  const needed = perPhase.reduce((a, n) => a + Math.ceil(n / 2), 0);
  const marker = Math.random().toString(36).slice(2, 8);
  const codes = [];
  for (let i = 0; i < needed; i += 1) {
    const reply = await citizen.post(`/api/v1/sessions/${current.id}/questions`, {
      text: `پرسش سنجش بار ${marker}-${i + 1}: زمان بهسازی خیابان‌های منطقه کی است؟`,
      name: `شهروند ${i + 1}`,
    }, [200, 201]);
    codes.push(reply.json().question.tracking_code);
  }
  const queue = (await moderator.request("GET", `/api/v1/sessions/${current.id}/queue`)).json();
  const byCode = new Map(queue.questions.map((q) => [q.tracking_code, q.id]));
  const ids = codes.map((code) => byCode.get(code));
  const plans = perPhase.map((n) => {
    const steps = [];
    while (steps.length < n) {
      const qid = ids.shift();
      steps.push({ verb: "approve", qid, kind: "question.approved", body: {} });
      if (steps.length < n) {
        const official = officials[steps.length % officials.length];
        steps.push({ verb: "route", qid, kind: "question.routed", body: { official_id: official } });
      }
    }
    return steps;
  });
  return { moderator, citizen, sessionId: current.id, plans };
}

// --- citizens ---------------------------------------------------------------------------------

const citizens = [];
let expecting = new Map(); // "qid:kind" -> step, for the phase being measured
let closing = false;

function onItem(citizen, item, at, batched) {
  const step = expecting.get(`${item.question_id}:${item.kind}`);
  if (!step) return;
  if (citizen.index === 0) {
    citizen.itemBytes.push(Buffer.byteLength(JSON.stringify(item)));
    citizen.sampleItems[item.kind] = item;
  }
  const i = citizen.index;
  if (step.how[i] === 1) step.duplicates += 1;
  if (step.how[i] !== 0) return; // already covered by a later change of its question
  // Everything earlier on this question is covered by this item: coalesced into a batch,
  // or (per-change events) overtaken by a later change, which a client reads as a gap.
  for (const s of step.chain) {
    if (s.how[i] !== 0) continue;
    s.receipts[i] = at;
    s.how[i] = s === step ? 1 : 2;
    if (s !== step && batched) s.coalesced += 1;
    if (s !== step && !batched) s.overtaken += 1;
  }
}

function connect(index, sessionId) {
  const base = urls[index % urls.length];
  const citizen = {
    index, base, socket: null, joinedSeq: null, lost: false,
    messages: 0, batches: 0, legacy: 0, tallies: 0, bytes: 0, itemBytes: [], sampleItems: {},
  };
  citizens.push(citizen);
  return new Promise((resolve) => {
    const socket = io(base, {
      transports: ["websocket"], reconnection: false, forceNew: true, timeout: cfg.connect_timeout_ms,
      extraHeaders: { Origin: base },
      // Like a browser, the client offers permessage-deflate unless told not to; whether
      // it is used is the server's choice (socket.io declines by default).
      perMessageDeflate: cfg.client_deflate === false ? false : { threshold: 1024 },
    });
    citizen.socket = socket;
    const measure = (data) => {
      citizen.messages += 1;
      if (index === 0) citizen.bytes += Buffer.byteLength(JSON.stringify(data));
    };
    socket.on("change", (data) => {
      measure(data);
      citizen.legacy += 1;
      onItem(citizen, data, t(), false);
    });
    socket.on("changes", (batch) => {
      measure(batch);
      citizen.batches += 1;
      const at = t();
      for (const item of batch.changes || []) onItem(citizen, item, at, true);
    });
    socket.on("tally", (data) => {
      measure(data);
      citizen.tallies += 1;
    });
    socket.on("disconnect", (reason) => {
      if (!closing && citizen.joinedSeq !== null) {
        citizen.lost = true;
        citizen.lostReason = reason;
      }
    });
    const give = (error) => {
      citizen.error = String(error).slice(0, 200);
      resolve();
    };
    socket.on("connect_error", give);
    socket.on("connect", async () => {
      try {
        const ack = await socket.timeout(cfg.connect_timeout_ms)
          .emitWithAck("join", { session_id: sessionId, room: "public" });
        if (ack && ack.ok) citizen.joinedSeq = ack.seq;
        else citizen.error = `join refused: ${JSON.stringify(ack).slice(0, 200)}`;
      } catch (error) {
        citizen.error = `join: ${error}`;
      }
      resolve();
    });
  });
}

async function connectAll(sessionId) {
  const started = t();
  let next = 0;
  async function worker() {
    while (next < cfg.citizens) {
      const index = next;
      next += 1;
      await connect(index, sessionId);
    }
  }
  await Promise.all(Array.from({ length: cfg.connect_concurrency }, worker));
  const errors = {};
  for (const c of citizens) {
    if (c.error) errors[c.error.split(":")[0]] = (errors[c.error.split(":")[0]] || 0) + 1;
  }
  const joined = citizens.filter((c) => c.joinedSeq !== null).length;
  return { requested: cfg.citizens, joined, errors, seconds: (t() - started) / 1000 };
}

// --- changes and submits --------------------------------------------------------------------

async function drive(moderator, plan, rate, phase) {
  const n = citizens.length;
  const chains = new Map();
  expecting = new Map();
  for (const step of plan) {
    step.receipts = new Float64Array(n).fill(-1);
    for (const c of citizens) if (c.joinedSeq === null || c.lost) step.receipts[c.index] = -2;
    step.how = new Uint8Array(n);
    step.coalesced = 0;
    step.overtaken = 0;
    step.duplicates = 0;
    const chain = chains.get(step.qid) || [];
    chain.push(step);
    chains.set(step.qid, chain);
    step.chain = [...chain];
    expecting.set(`${step.qid}:${step.kind}`, step);
  }
  // One moderator: each command goes at its time on the schedule, or when the previous
  // one has been answered if that is later (a route needs its approve committed).
  const start = t() + 200;
  // A server that answers too slowly ends the phase early rather than the whole run.
  const phaseEnd = start + (3 * plan.length * 1000) / rate + cfg.settle_ms;
  for (const [i, step] of plan.entries()) {
    await sleep(Math.max(0, start + (i * 1000) / rate - t()));
    if (t() > phaseEnd) {
      step.error = "not sent: the phase ran out of time";
      step.receipts.fill(-2);
      continue;
    }
    step.sent = t();
    try {
      await moderator.post(`/api/v1/questions/${step.qid}/${step.verb}`, step.body, [200], 30000);
      step.answered = t();
    } catch (error) {
      step.error = String(error).slice(0, 300);
      // Refused: no change to receive. (A timed-out command may still commit: expected.)
      if (error.httpStatus) step.receipts = step.receipts.map((r) => (r === -1 ? -2 : r));
    }
  }
  const deadline = t() + cfg.settle_ms;
  const waiting = () => plan.some((s) => s.receipts.some((r, i) => r === -1 && !citizens[i].lost));
  while (t() < deadline && waiting()) await sleep(100);
  return plan.map((s) => ({
    phase, verb: s.verb, sent_ms: s.sent ?? null, http_ms: s.answered ? s.answered - s.sent : null,
    error: s.error || null,
    coalesced: s.coalesced, overtaken: s.overtaken, duplicates: s.duplicates,
    // per citizen: ms from the command's request to the receipt; -1 never; -2 not listening
    delays_ms: Array.from(s.receipts, (r) => (r >= 0 ? Math.round((r - s.sent) * 10) / 10 : r)),
  }));
}

async function submits(base) {
  const results = [];
  const browsers = new Map();
  const start = t() + 200;
  const tasks = [];
  for (let i = 0; i < cfg.submits; i += 1) {
    tasks.push((async () => {
      await sleep(Math.max(0, start + (i * 1000) / cfg.submit_rate - t()));
      const who = i % Math.max(1, citizens.length);
      const url = urls[who % urls.length];
      // Each citizen its own browser: the shared signed session (CSRF), its own liveqa_cid.
      let browser = browsers.get(who);
      if (!browser) {
        browser = new Browser(url);
        browser.jar = new Map([...base.jar].filter(([k]) => k !== "liveqa_cid"));
        browser.csrf = base.csrf;
        browsers.set(who, browser);
      }
      const sent = t();
      let status = 0;
      try {
        const reply = await browser.request("POST", `/api/v1/sessions/${cfg.session_id}/questions`, {
          text: `پرسش همزمان شهروند ${who}-${i}: چه زمانی ایستگاه اتوبوس محله ما بازسازی می‌شود؟`,
          name: `شهروند ${who}`,
        }, cfg.submit_timeout_ms);
        status = reply.status;
      } catch (error) {
        status = error.name === "TimeoutError" ? "timeout" : "error";
      }
      results.push({ ms: Math.round((t() - sent) * 10) / 10, status });
    })());
  }
  await Promise.all(tasks);
  return results;
}

async function main() {
  const report = { config: { ...cfg, password: undefined }, phases: {}, samples: {} };
  const { moderator, citizen, sessionId, plans } = await setup();
  cfg.session_id = sessionId;
  report.samples.before_connect = procSample();
  log(`connecting ${cfg.citizens} citizens to ${urls.join(", ")}`);
  report.connect = await connectAll(sessionId);
  log(JSON.stringify(report.connect));
  await sleep(2000);
  report.samples.idle = procSample();
  for (const [i, rate] of cfg.rates.entries()) {
    const name = `changes_${rate}_per_s`;
    log(`${name}: ${plans[i].length} changes`);
    const before = procSample();
    report.phases[name] = { rate, steps: await drive(moderator, plans[i], rate, name) };
    report.phases[name].cpu = { before, after: procSample() };
  }
  report.samples.after_broadcasts = procSample();
  if (cfg.submits > 0) {
    log(`submits: ${cfg.submits} at ${cfg.submit_rate}/s while changes go at 1/s`);
    const before = procSample();
    const plan = plans[cfg.rates.length];
    const [steps, acks] = await Promise.all([drive(moderator, plan, 1, "during_submits"), submits(citizen)]);
    report.phases.during_submits = { rate: 1, steps, cpu: { before, after: procSample() } };
    report.submits = acks;
  }
  report.citizens = {
    joined: citizens.filter((c) => c.joinedSeq !== null).length,
    lost: citizens.filter((c) => c.lost).length,
    lost_reasons: citizens.filter((c) => c.lost)
      .reduce((acc, c) => ({ ...acc, [c.lostReason]: (acc[c.lostReason] || 0) + 1 }), {}),
    messages_citizen0: citizens[0] ? citizens[0].messages : 0,
    bytes_citizen0: citizens[0] ? citizens[0].bytes : 0,
    legacy_change_events_citizen0: citizens[0] ? citizens[0].legacy : 0,
    batches_citizen0: citizens[0] ? citizens[0].batches : 0,
    tallies_citizen0: citizens[0] ? citizens[0].tallies : 0,
    // JSON size of one measured change item (approve/route), to check payload parity
    sample_items_citizen0: citizens[0] ? citizens[0].sampleItems : {},
    item_bytes_citizen0: citizens[0] && citizens[0].itemBytes.length
      ? Math.round(citizens[0].itemBytes.reduce((a, b) => a + b, 0) / citizens[0].itemBytes.length) : null,
  };
  closing = true;
  for (const c of citizens) c.socket.close();
  fs.writeFileSync(cfg.out, JSON.stringify(report));
  log("done");
}

main().then(() => process.exit(0), (error) => {
  console.error(error);
  process.exit(1);
});
