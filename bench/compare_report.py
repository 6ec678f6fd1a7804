"""Turn the load generator's raw timings into the side-by-side numbers and the ratio table.

Pure functions only (no processes, no sockets), so tests/test_bench_compare.py keeps them
honest. The generator (bench/node/load.js) writes, per phase, each command's per-citizen
delay in ms (-1: never received; -2: that citizen was not listening), and /proc samples
of the server processes.
"""

from measure import percentile
from pgactivity import activity_rows

NEVER = -1
NOT_LISTENING = -2


def latency(values) -> dict:
    """Return count, p50, p90, p99 and max of VALUES (ms), rounded to 0.1 ms."""
    result = {"count": len(values)}
    for name, pct in (("p50", 50), ("p90", 90), ("p99", 99), ("max", 100)):
        value = percentile(values, pct)
        result[name] = None if value is None else round(value, 1)
    return result


def achieved_rate(steps: list[dict]) -> float | None:
    """Return the changes per second actually sent (a slow answer delays the next command)."""
    sent = [s["sent_ms"] for s in steps if s.get("sent_ms") is not None]
    if len(sent) < 2 or max(sent) <= min(sent):
        return None
    return round((len(sent) - 1) * 1000 / (max(sent) - min(sent)), 2)


def phase_summary(phase: dict, listeners: int) -> dict:
    """Summarize one change phase: receipt delays, delivery, HTTP time and CPU per recipient."""
    delays, expected, http = [], 0, []
    coalesced = overtaken = duplicates = errors = 0
    for step in phase["steps"]:
        for delay in step["delays_ms"]:
            if delay == NOT_LISTENING:
                continue
            expected += 1
            if delay >= 0:
                delays.append(delay)
        if step.get("http_ms") is not None:
            http.append(step["http_ms"])
        errors += 1 if step.get("error") else 0
        coalesced += step.get("coalesced", 0)
        overtaken += step.get("overtaken", 0)
        duplicates += step.get("duplicates", 0)
    # A command the generator never sent (the phase ran out of time) costs no CPU.
    sent = sum(1 for step in phase["steps"] if step.get("sent_ms", 0) is not None)
    result = {
        "changes": sent,
        "receipt_ms": latency(delays),
        "delivered_pct": round(100 * len(delays) / expected, 2) if expected else None,
        "command_http_ms": latency(http),
        "command_errors": errors,
        "achieved_rate": achieved_rate(phase["steps"]),
        # Receipts covered by a later change of the same question: in one batch
        # (coalesced), or a per-change event that arrived after its successor (overtaken).
        "coalesced": coalesced,
        "overtaken": overtaken,
        "duplicates": duplicates,
    }
    cpu = phase.get("cpu")
    if cpu and listeners and sent:
        seconds = cpu["after"]["cpu"] - cpu["before"]["cpu"]
        recipients = sent * listeners
        result["server_cpu_s"] = round(seconds, 2)
        result["cpu_us_per_recipient"] = round(1e6 * seconds / recipients, 1)
        wall = (cpu["after"].get("at", 0) - cpu["before"].get("at", 0)) / 1000
        if wall > 0 and "load_cpu" in cpu["before"]:
            # The generator's own CPU share: near 100 % it, not the server, sets the delays.
            load = cpu["after"]["load_cpu"] - cpu["before"]["load_cpu"]
            result["generator_cpu_pct"] = round(100 * load / wall, 1)
    return result


def submit_summary(acks: list[dict]) -> dict:
    """Summarize the submit acknowledgements: latency of the answered, timeouts, statuses."""
    statuses: dict[str, int] = {}
    for ack in acks:
        statuses[str(ack["status"])] = statuses.get(str(ack["status"]), 0) + 1
    answered = [a["ms"] for a in acks if a["status"] in (200, 201)]
    return {
        "submits": len(acks),
        "ack_ms": latency(answered),
        "timeouts": statuses.get("timeout", 0),
        "statuses": statuses,
    }


def memory_per_connection(samples: dict, joined: int) -> dict:
    """Return the servers' RSS growth per joined citizen (KB), idle and after broadcasts."""
    base = samples.get("before_connect", {}).get("rss_kb")
    result = {}
    for name in ("idle", "after_broadcasts"):
        value = samples.get(name, {}).get("rss_kb")
        if base is not None and value is not None and joined:
            result[f"{name}_kb"] = round((value - base) / joined, 1)
    return result


def summarize(raw: dict) -> dict:
    """Return every headline number of one generator run."""
    joined = raw.get("connect", {}).get("joined", 0)
    summary = {
        "connect": raw.get("connect", {}),
        "lost_sockets": raw.get("citizens", {}).get("lost", 0),
        "lost_reasons": raw.get("citizens", {}).get("lost_reasons", {}),
        "citizen0": {k: v for k, v in raw.get("citizens", {}).items() if k.endswith("citizen0")},
        "memory_per_connection": memory_per_connection(raw.get("samples", {}), joined),
        "phases": {
            name: phase_summary(phase, joined) for name, phase in raw.get("phases", {}).items()
        },
    }
    if "submits" in raw:
        summary["submits"] = submit_summary(raw["submits"])
    return summary


def metric_rows(summary: dict) -> list[tuple[str, float | None]]:
    """Return (label, value) rows of one run's summary, in the table's order."""
    rows = []
    for name, phase in summary["phases"].items():
        receipt = phase["receipt_ms"]
        for pct in ("p50", "p90", "p99", "max"):
            rows.append((f"{name}: receipt {pct} ms", receipt[pct]))
        rows.append((f"{name}: delivered %", phase["delivered_pct"]))
        rows.append((f"{name}: changes/s achieved", phase["achieved_rate"]))
        rows.append((f"{name}: command errors", phase["command_errors"]))
        if "cpu_us_per_recipient" in phase and name != "during_submits":
            rows.append((f"{name}: CPU µs per recipient", phase["cpu_us_per_recipient"]))
        if "generator_cpu_pct" in phase:
            rows.append((f"{name}: generator CPU %", phase["generator_cpu_pct"]))
        rows += activity_rows(name, summary.get("pg_activity", {}).get(name))
    submits = summary.get("submits")
    if submits:
        rows.append(("submit ack p50 ms", submits["ack_ms"]["p50"]))
        rows.append(("submit ack p99 ms", submits["ack_ms"]["p99"]))
        rows.append(("submit timeouts", submits["timeouts"]))
    memory = summary["memory_per_connection"]
    rows.append(("RSS KB per citizen, idle", memory.get("idle_kb")))
    rows.append(("RSS KB per citizen, after broadcasts", memory.get("after_broadcasts_kb")))
    rows.append(("sockets lost", summary["lost_sockets"]))
    return rows


def ratio(ours: float | None, theirs: float | None) -> float | None:
    """Return OURS / THEIRS rounded to 0.01, or None when it means nothing."""
    if ours is None or theirs is None or theirs <= 0:
        return None
    return round(ours / theirs, 2)


def ratio_table(liveqa: dict | None, node: dict | None) -> list[tuple]:
    """Return (metric, LiveQA, Node, LiveQA/Node) rows for two run summaries."""
    ours = dict(metric_rows(liveqa)) if liveqa else {}
    theirs = dict(metric_rows(node)) if node else {}
    labels = list(ours) + [label for label in theirs if label not in ours]
    rows = []
    for label in labels:
        mine, yours = ours.get(label), theirs.get(label)
        rows.append((label, mine, yours, ratio(mine, yours)))
    return rows


def _cell(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 10 else f"{value:,.0f}"
    return f"{value:,}"


def markdown_table(*tables: list[tuple]) -> str:
    """Return ratio tables (from ratio_table) as one Markdown table, runs A, B ... side by side."""
    names = [""] if len(tables) == 1 else [f" {chr(ord('A') + i)}" for i in range(len(tables))]
    # Rows are matched by label: a run may lack a row another has (an older generator).
    ordered = sorted(tables, key=len, reverse=True)
    labels = list(dict.fromkeys(row[0] for table in ordered for row in table))
    by_label = [{row[0]: row for row in table} for table in tables]
    head = "".join(f" LiveQA{n} | Node{n} | LiveQA/Node{n} |" for n in names)
    lines = [f"| metric |{head}", "|---|" + "---:|" * 3 * len(tables)]
    for label in labels:
        cells = []
        for rows in by_label:
            _, ours, theirs, factor = rows.get(label, (label, None, None, None))
            cells += [_cell(ours), _cell(theirs), "–" if factor is None else f"{factor:.2f}×"]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
