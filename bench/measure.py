"""The bench's measurements: latency percentiles, and the CPU, memory and stalls of a phase.

The server is sampled from /proc; the bench itself through getrusage, a loop-lag watcher
and the garbage collector's callbacks, so a slow server can be told from a slow bench.
"""

import asyncio
import math
import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path


def percentile(values, pct: float) -> float | None:
    """Return the nearest-rank PCT percentile of VALUES, or None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_ms(values) -> dict:
    """Return count, min, p50, p90, p99 and max of VALUES (seconds) in milliseconds."""
    result = {"count": len(values)}
    for name, pct in (("min", 0), ("p50", 50), ("p90", 90), ("p99", 99), ("max", 100)):
        value = percentile(values, pct)
        result[name] = None if value is None else round(value * 1000, 1)
    return result


def fmt_ms(stats: dict) -> str:
    """Return STATS (from summary_ms) as one line."""
    if not stats["count"]:
        return "no samples"
    parts = [f"{name} {stats[name]:.1f}" for name in ("min", "p50", "p90", "p99", "max")]
    return " / ".join(parts) + f" ms  (n={stats['count']})"


@dataclass
class ProcessSample:
    """CPU seconds, resident memory and open files of one process at one moment."""

    at: float
    cpu: float
    rss_mb: float
    fds: int


def sample_process(pid: int | None) -> ProcessSample | None:
    """Read PID's CPU time, RSS and fd count from /proc (None if it cannot be read)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        cpu = (int(fields[11]) + int(fields[12])) / ticks
        rss_kb = 0
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss_kb = int(line.split()[1])
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except (OSError, IndexError, ValueError):
        return None
    return ProcessSample(time.monotonic(), cpu, rss_kb / 1024, fds)


def machine_busy() -> tuple[int, int] | None:
    """Return (busy, total) jiffies of all CPUs from /proc/stat."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


def self_cpu() -> float:
    """Return this process's CPU seconds (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class ClientHealth:
    """How long this bench's event loop stalled (loop lag, full garbage collections)."""

    def __init__(self):
        self.max_lag = 0.0
        self.gc_max = 0.0
        self.gc_total = 0.0
        self._gc_started = None

    def on_gc(self, phase: str, info: dict) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._gc_started = time.perf_counter()
        elif self._gc_started is not None:
            pause = time.perf_counter() - self._gc_started
            self.gc_max = max(self.gc_max, pause)
            self.gc_total += pause
            self._gc_started = None

    async def watch(self, tick: float = 0.01) -> None:
        """Record how late a short sleep wakes up, forever (cancel to stop)."""
        while True:
            before = time.monotonic()
            await asyncio.sleep(tick)
            self.max_lag = max(self.max_lag, time.monotonic() - before - tick)

    def take(self) -> dict:
        """Return the stalls seen since the last call, and start counting afresh."""
        result = {
            "bench_loop_max_lag_ms": round(self.max_lag * 1000, 1),
            "bench_gc2_max_ms": round(self.gc_max * 1000, 1),
            "bench_gc2_total_ms": round(self.gc_total * 1000, 1),
        }
        self.max_lag = self.gc_max = self.gc_total = 0.0
        return result


HEALTH = ClientHealth()


class Meter:
    """CPU share of the server and of this bench over one phase."""

    def __init__(self, pid: int | None):
        self.pid = pid
        HEALTH.take()
        self.start = sample_process(pid)
        self.start_self = self_cpu()
        self.start_machine = machine_busy()
        self.start_at = time.monotonic()

    def stop(self) -> dict:
        """Return the phase's wall time, CPU shares and the server's RSS and fds at its end."""
        elapsed = max(time.monotonic() - self.start_at, 1e-9)
        end = sample_process(self.pid)
        machine_end = machine_busy()
        result = {
            "seconds": round(elapsed, 2),
            "bench_cpu_pct": round(100 * (self_cpu() - self.start_self) / elapsed, 1),
            **HEALTH.take(),
        }
        if self.start_machine and machine_end and machine_end[1] > self.start_machine[1]:
            busy = machine_end[0] - self.start_machine[0]
            # 100% means every core busy: the server, the bench and the database together.
            result["machine_cpu_pct"] = round(
                100 * busy / (machine_end[1] - self.start_machine[1]), 1
            )
        if self.start and end:
            result.update(
                server_cpu_pct=round(100 * (end.cpu - self.start.cpu) / elapsed, 1),
                server_rss_mb=round(end.rss_mb, 1),
                server_fds=end.fds,
            )
        return result
