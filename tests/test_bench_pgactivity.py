"""The benchmark's PostgreSQL watch: pg_stat_activity samples become per-phase worst cases."""

import sys
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from compare_report import markdown_table, metric_rows, ratio_table, summarize
from pgactivity import (
    FIELDS,
    ROWS,
    activity_rows,
    backend_row,
    phase_windows,
    summarize_activity,
    summarize_samples,
)


def backend(pid=1, state="active", wait=None, xact_ms=5.0, state_ms=5.0, **extra):
    """Return one sampled backend; a transaction starts at its pid unless told."""
    result = {
        "pid": pid,
        "state": state,
        "wait_event_type": wait,
        "wait_event": None,
        "xact_start": extra.pop("xact_start", float(pid)),
        "xact_ms": xact_ms,
        "state_ms": state_ms,
        "lock_wait_ms": None,
        "holds_session_row": False,
        "query": "SELECT 1",
    }
    return result | extra


def sample(wall_ms, *backends):
    return {"wall_ms": wall_ms, "backends": list(backends)}


def test_backend_row_names_the_fields_and_makes_durations_floats():
    durations = (Decimal("1.5"), Decimal("2.25"), Decimal(3), None)
    row = (7, "active", "Lock", "tuple", *durations, True, "q")
    assert backend_row(row) == {
        "pid": 7,
        "state": "active",
        "wait_event_type": "Lock",
        "wait_event": "tuple",
        "xact_start": 1.5,
        "xact_ms": 2.25,
        "state_ms": 3.0,
        "lock_wait_ms": None,
        "holds_session_row": True,
        "query": "q",
    }
    assert list(backend_row(row)) == list(FIELDS)
    assert isinstance(backend_row(row)["xact_ms"], float)


def test_no_samples_is_all_zero():
    summary = summarize_samples([])
    assert (summary["samples"], summary["backends"], summary["longest_transaction_ms"]) == (0, 0, 0)
    assert summary["session_row_holder_query"] is None


def test_longest_transaction_and_backends_are_the_worst_seen():
    idle = backend(pid=3, state="idle", xact_ms=None, xact_start=None)
    summary = summarize_samples(
        [sample(0, backend(1, xact_ms=12.34), idle), sample(100, backend(2, xact_ms=80.0))]
    )
    assert summary["longest_transaction_ms"] == 80.0
    assert (summary["backends"], summary["distinct_backends"]) == (2, 3)


def test_idle_in_transaction_is_timed_from_its_state_change():
    waiting_on_hub = backend(state="idle in transaction", xact_ms=900.0, state_ms=750.0)
    # An idle backend outside a transaction is no hub wait, however long it idles.
    pooled = backend(pid=2, state="idle", xact_ms=None, state_ms=60_000.0, xact_start=None)
    summary = summarize_samples([sample(0, waiting_on_hub, pooled)])
    assert summary["longest_idle_in_transaction_ms"] == 750.0


def test_lock_waits_count_samples_and_take_the_longest_wait():
    a = backend(1, wait="Lock", state_ms=400.0, lock_wait_ms=120.0)
    b = backend(2, wait="Lock", state_ms=90.0, lock_wait_ms=None)
    other = backend(3, wait="LWLock", state_ms=5000.0)
    summary = summarize_samples([sample(0, a, b), sample(100, other), sample(200, b)])
    # Two samples had a Lock wait; a null waitstart falls back to the time since state change.
    assert summary["lock_wait_samples"] == 2
    assert summary["longest_lock_wait_ms"] == 120.0


def test_a_session_row_hold_is_timed_from_first_to_last_sample_of_one_transaction():
    def held(wall, pid, xact_start, xact_ms, state="active"):
        row = backend(pid, state=state, xact_ms=xact_ms, holds_session_row=True)
        return sample(wall, row | {"xact_start": xact_start, "query": f"UPDATE {pid}"})

    samples = [
        held(1000, 1, 10.0, 50.0),
        held(1100, 1, 10.0, 150.0, state="idle in transaction"),
        held(1200, 1, 10.0, 250.0, state="idle in transaction"),
        # The same backend, a later transaction: a hold of its own, seen once.
        held(1300, 1, 11.0, 20.0),
        sample(1400, backend(2)),
    ]
    summary = summarize_samples(samples)
    assert summary["session_row_held_samples"] == 4
    assert summary["session_row_held_idle_samples"] == 2
    assert summary["session_row_held_ms_at_least"] == 200.0
    assert summary["session_row_holder_transaction_ms"] == 250.0
    assert summary["session_row_holder_query"] == "UPDATE 1"


def test_a_writer_waiting_for_the_row_does_not_hold_it():
    waiter = backend(1, wait="Lock", lock_wait_ms=30.0, holds_session_row=True, xact_ms=40.0)
    summary = summarize_samples([sample(0, waiter), sample(100, waiter)])
    assert summary["session_row_held_samples"] == 0
    assert summary["session_row_holder_transaction_ms"] == 0
    assert summary["lock_wait_samples"] == 2


def raw_with_phases(**windows):
    return {
        "phases": {
            name: {"cpu": {"before": {"wall_ms": start}, "after": {"wall_ms": end}}}
            for name, (start, end) in windows.items()
        }
    }


def test_phase_windows_need_the_generators_wall_clock():
    raw = raw_with_phases(changes_1_per_s=(1000, 2000))
    raw["phases"]["older"] = {"cpu": {"before": {"at": 5}, "after": {"at": 9}}}
    assert phase_windows(raw) == {"changes_1_per_s": (1000, 2000)}


def test_samples_fall_into_the_phase_they_were_taken_in():
    raw = raw_with_phases(changes_1_per_s=(1000, 2000), during_submits=(3000, 4000))
    raw["samples"] = {"before_connect": {"wall_ms": 400}, "idle": {"wall_ms": 900}}
    samples = [
        sample(500, backend(xact_ms=999.0)),
        sample(1500, backend(xact_ms=10.0)),
        sample(2500, backend(xact_ms=500.0)),
        sample(3500, backend(xact_ms=30.0)),
        sample(4000, backend(xact_ms=40.0)),
    ]
    activity = summarize_activity(samples, raw)
    assert activity["whole_run"]["samples"] == 5
    assert activity["whole_run"]["longest_transaction_ms"] == 999.0
    assert activity["connect"]["longest_transaction_ms"] == 999.0
    assert activity["changes_1_per_s"]["samples"] == 1
    assert activity["changes_1_per_s"]["longest_transaction_ms"] == 10.0
    assert activity["during_submits"]["longest_transaction_ms"] == 40.0


@pytest.mark.parametrize("summary", [None, {}])
def test_no_activity_gives_no_rows(summary):
    assert activity_rows("changes_1_per_s", summary) == []


def test_a_phase_without_samples_shows_unknown_not_zero():
    rows = activity_rows("during_submits", summarize_samples([]))
    assert len(rows) == len(ROWS)
    assert all(value is None for _, value in rows)


def raw_run():
    phase = {"steps": [{"delays_ms": [10, 20], "http_ms": 5.0}]}
    phase["cpu"] = {"before": {"cpu": 1.0, "wall_ms": 0}, "after": {"cpu": 1.5, "wall_ms": 100}}
    return {"connect": {"joined": 2}, "phases": {"changes_1_per_s": phase}}


def test_liveqa_rows_follow_their_phase_and_node_shows_a_dash():
    liveqa, node = summarize(raw_run()), summarize(raw_run())
    samples = [sample(50, backend(xact_ms=42.0, state="idle in transaction", state_ms=41.0))]
    liveqa["pg_activity"] = summarize_activity(samples, raw_run()) | {"errors": []}
    labels = [label for label, _ in metric_rows(liveqa)]
    first = labels.index("changes_1_per_s: PG backends")
    assert labels[first : first + len(ROWS)] == [f"changes_1_per_s: {label}" for label, _ in ROWS]
    assert labels[first - 1].startswith("changes_1_per_s: ")
    assert "PG" not in " ".join(label for label, _ in metric_rows(node))
    table = markdown_table(ratio_table(liveqa, node))
    assert "| changes_1_per_s: PG longest transaction ms | 42 | – | – |" in table
    assert "| changes_1_per_s: PG longest idle in transaction ms | 41 | – | – |" in table
