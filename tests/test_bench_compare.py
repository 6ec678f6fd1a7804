"""The side-by-side benchmark's arithmetic: percentiles, delivery, CPU, memory and ratios."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from compare_report import (
    NEVER,
    NOT_LISTENING,
    achieved_rate,
    latency,
    markdown_table,
    memory_per_connection,
    metric_rows,
    percentile,
    phase_summary,
    ratio,
    ratio_table,
    submit_summary,
    summarize,
)


@pytest.mark.parametrize(
    ("values", "pct", "expected"),
    [
        ([], 50, None),
        ([7.0], 99, 7.0),
        (list(range(1, 101)), 50, 50),
        (list(range(1, 101)), 99, 99),
        (list(range(100, 0, -1)), 90, 90),
        ([3, 1, 2], 100, 3),
        ([3, 1, 2], 0, 1),
    ],
)
def test_percentile_is_nearest_rank(values, pct, expected):
    assert percentile(values, pct) == expected


def test_latency_rounds_and_counts():
    assert latency([1.04, 2.26, 3.0]) == {
        "count": 3,
        "p50": 2.3,
        "p90": 3.0,
        "p99": 3.0,
        "max": 3.0,
    }
    assert latency([])["p99"] is None


def phase(delays_per_step, cpu_seconds=None, http=10.0):
    steps = [
        {"delays_ms": delays, "http_ms": http, "error": None, "coalesced": 0, "duplicates": 0}
        for delays in delays_per_step
    ]
    result = {"steps": steps}
    if cpu_seconds is not None:
        result["cpu"] = {"before": {"cpu": 1.0}, "after": {"cpu": 1.0 + cpu_seconds}}
    return result


def test_delivery_counts_only_listening_citizens_and_misses():
    summary = phase_summary(phase([[10, 20, NEVER, NOT_LISTENING], [30, 40, 50, NOT_LISTENING]]), 3)
    # Six expected receipts (the fourth citizen was not listening), five arrived.
    assert summary["delivered_pct"] == pytest.approx(83.33)
    assert summary["receipt_ms"]["count"] == 5
    assert summary["receipt_ms"]["max"] == 50


def test_cpu_is_per_change_per_recipient():
    summary = phase_summary(phase([[1, 2]] * 4, cpu_seconds=0.002), listeners=2)
    # 2 ms over 4 changes to 2 citizens: 250 µs per recipient.
    assert summary["cpu_us_per_recipient"] == pytest.approx(250.0)
    assert "generator_cpu_pct" not in summary


def test_a_command_never_sent_is_neither_expected_nor_charged():
    measured = phase([[1, 2]] * 2, cpu_seconds=0.002)
    measured["steps"][1] |= {"sent_ms": None, "delays_ms": [NOT_LISTENING] * 2, "error": "late"}
    summary = phase_summary(measured, listeners=2)
    assert (summary["changes"], summary["delivered_pct"], summary["command_errors"]) == (1, 100, 1)
    # 2 ms over the one change sent to 2 citizens.
    assert summary["cpu_us_per_recipient"] == pytest.approx(1000.0)


def test_the_generators_own_cpu_share_is_reported():
    measured = phase([[1, 2]], cpu_seconds=0.5)
    measured["cpu"]["before"].update(at=1000.0, load_cpu=3.0)
    measured["cpu"]["after"].update(at=5000.0, load_cpu=5.0)
    # 2 s of generator CPU over 4 s of wall time.
    assert phase_summary(measured, 2)["generator_cpu_pct"] == 50.0


@pytest.mark.parametrize(
    ("sent", "expected"), [([0, 1000, 2000], 1.0), ([0, 500, 1000, 3000], 1.0), ([5], None)]
)
def test_achieved_rate_is_commands_per_second_between_first_and_last(sent, expected):
    assert achieved_rate([{"sent_ms": ms} for ms in sent]) == expected


def test_submit_summary_separates_timeouts_from_answers():
    acks = [{"ms": 5, "status": 201}, {"ms": 7, "status": 201}, {"ms": 30000, "status": "timeout"}]
    acks.append({"ms": 3, "status": 429})
    summary = submit_summary(acks)
    assert summary["timeouts"] == 1
    assert summary["ack_ms"]["count"] == 2
    assert summary["ack_ms"]["max"] == 7
    assert summary["statuses"] == {"201": 2, "timeout": 1, "429": 1}


def test_memory_is_growth_per_joined_citizen():
    samples = {
        "before_connect": {"rss_kb": 50_000},
        "idle": {"rss_kb": 150_000},
        "after_broadcasts": {"rss_kb": 250_000},
    }
    assert memory_per_connection(samples, 1000) == {"idle_kb": 100.0, "after_broadcasts_kb": 200.0}
    assert memory_per_connection(samples, 0) == {}


def raw_run(delay, ack_ms, rss_kb):
    return {
        "connect": {"joined": 2},
        "citizens": {"lost": 0, "messages_citizen0": 3},
        "samples": {
            "before_connect": {"rss_kb": 0},
            "idle": {"rss_kb": rss_kb},
            "after_broadcasts": {"rss_kb": rss_kb},
        },
        "phases": {"changes_1_per_s": phase([[delay, delay]], cpu_seconds=0.001)},
        "submits": [{"ms": ack_ms, "status": 201}],
    }


def test_ratio_table_divides_liveqa_by_node_row_by_row():
    liveqa, node = summarize(raw_run(40, 9, 400)), summarize(raw_run(10, 3, 100))
    rows = {
        label: (ours, theirs, factor) for label, ours, theirs, factor in ratio_table(liveqa, node)
    }
    assert rows["changes_1_per_s: receipt p99 ms"] == (40, 10, 4.0)
    assert rows["submit ack p99 ms"] == (9, 3, 3.0)
    assert rows["RSS KB per citizen, idle"] == (200.0, 50.0, 4.0)
    assert rows["changes_1_per_s: delivered %"] == (100.0, 100.0, 1.0)
    # Nothing to divide by: no ratio rather than infinity.
    assert rows["sockets lost"] == (0, 0, None)
    assert [label for label, _ in metric_rows(liveqa)] == list(rows)


@pytest.mark.parametrize(
    ("ours", "theirs", "expected"), [(3, 2, 1.5), (1, 0, None), (None, 2, None)]
)
def test_ratio(ours, theirs, expected):
    assert ratio(ours, theirs) == expected


def test_a_missing_run_still_makes_a_table():
    rows = ratio_table(summarize(raw_run(40, 9, 400)), None)
    assert all(theirs is None and factor is None for _, _, theirs, factor in rows)
    table = markdown_table(rows)
    assert table.splitlines()[0] == "| metric | LiveQA | Node | LiveQA/Node |"
    assert "| changes_1_per_s: receipt p99 ms | 40 | – | – |" in table


def test_runs_side_by_side_are_matched_by_label():
    newer = ratio_table(summarize(raw_run(40, 9, 400)), summarize(raw_run(10, 3, 100)))
    older = [row for row in newer if "p90" not in row[0]]
    lines = markdown_table(older, newer).splitlines()
    assert lines[0].startswith("| metric | LiveQA A | Node A | LiveQA/Node A | LiveQA B |")
    assert "| changes_1_per_s: receipt p90 ms | – | – | – | 40 | 10 | 4.00× |" in lines
    assert [line.split(" | ")[0][2:] for line in lines[2:]] == [row[0] for row in newer]
