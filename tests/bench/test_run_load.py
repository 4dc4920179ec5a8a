"""The load benchmark's arithmetic: each endpoint's share of the ceiling, the verdicts, the printed tables."""

from bench.run_load import ALONE, UPLOAD, as_markdown, summarize


def stats(rps: float, p99: float = 10.0, app_ms: float = 1.0) -> dict:
    cpu = {"app_ms": app_ms, "db_ms": 0.0, "client_ms": 0.5, "requests": int(rps * 5)}
    return {"rps": rps, "p50": p99 / 2, "p95": p99 * 0.9, "p99": p99, "count": int(rps * 5), "failures": 0, "cpu": cpu}


def measured(runs: list[float], ceilings: list[float], **kwargs) -> dict:
    return {"runs": [stats(rps, **kwargs) for rps in runs], "ceilings": [stats(rps, app_ms=0.4) for rps in ceilings]}


def result_of(alone: dict, *, upload_p99: float) -> tuple[list[dict], list[dict]]:
    mixed = {"requests": {name: stats(10.0, p99=upload_p99 if name == UPLOAD else 50.0) for _, name, _ in ALONE}}
    ceilings = [c for m in alone.values() for c in m["ceilings"]]
    return summarize(mixed, alone, ceilings)


def test_a_share_is_the_median_of_each_runs_share_of_the_ceiling_runs_around_it():
    alone = {
        # shares 600/1000, 1200/1500, 1000/2000 = 0.6, 0.8, 0.5: median 0.6, of the ceiling around that run
        "catalog list": measured([600, 1200, 1000], [1000, 1000, 2000, 2000]),
        "catalog list 304": measured([810, 810, 810], [1000, 1000, 1000, 1000]),
        "catalog detail 304": measured([790, 790, 790], [1000, 1000, 1000, 1000]),
    }

    rows, verdicts = result_of(alone, upload_p99=120.0)

    by_name = {row["endpoint"]: row for row in rows}
    assert by_name["catalog list"]["shares"] == [0.6, 0.8, 0.5]
    assert (by_name["catalog list"]["share_of_ceiling"], by_name["catalog list"]["ceiling_around"]) == (0.6, 1000)
    assert by_name["catalog list"]["alone"]["rps"] == 600
    met = {v["target"]: v["met"] for v in verdicts}
    assert {
        "catalog list": True,  # 60 % ≥ 50 %
        "catalog list, revalidated (304)": True,  # 81 %
        "catalog detail, revalidated (304)": False,  # 79 %
        "catalog plan, revalidated (304)": False,  # not measured
        "40-hold session upload, mixed load": False,  # 120 ms
    }.items() <= met.items()


def test_the_before_columns_and_the_targets_that_compare_with_them():
    alone = {"session list": measured([100] * 3, [1000] * 4), "catalog list": measured([600] * 3, [1000] * 4)}
    before = {"session list": measured([40] * 3, [1000] * 4), "catalog list": measured([700] * 3, [1000] * 4)}
    mixed = {"requests": {}}

    rows, verdicts = summarize(mixed, alone, [c for m in alone.values() for c in m["ceilings"]], before)

    by_name = {row["endpoint"]: row for row in rows}
    assert by_name["session list"]["before"] == {"rps": 40, "share_of_ceiling": 0.04, "app_ms": 1.0, "queries": None}
    by_target = {v["target"]: v for v in verdicts}
    assert (by_target["session list"]["measured"], by_target["session list"]["met"]) == (2.5, True)
    assert (by_target["catalog list: keeps its share"]["shown"], by_target["catalog list: keeps its share"]["met"]) == (
        "86%",
        False,
    )
    assert by_target["progress"]["measured"] is None  # not measured: not met


def test_keeping_a_share_is_judged_slot_by_slot_against_the_code_before():
    # Ceilings of 1000 throughout. The before code's median run is 1000 and this code's 880 (88 %),
    # but each slot pairs the two codes on the same machine: 880/1000, 500/540, 1000/1050.
    alone = {"catalog detail": measured([880, 500, 1000], [1000] * 4)}
    before = {"catalog detail": measured([1000, 540, 1050], [1000] * 4)}

    rows, verdicts = summarize({"requests": {}}, alone, alone["catalog detail"]["ceilings"], before)

    row = next(row for row in rows if row["endpoint"] == "catalog detail")
    assert row["keeps_by_slot"] == [0.88, 0.926, 0.952]
    verdict = next(v for v in verdicts if v["target"] == "catalog detail: keeps its share")
    assert (verdict["measured"], verdict["shown"], verdict["met"]) == (0.926, "93%", True)
    report = as_markdown(
        {
            "rows": rows,
            "targets": verdicts,
            "upload_by_concurrency": [],
            "settings": {"users": 8, "workers": 4, "duration": 60, "endpoint_duration": 5, "repeats": 3,
                         "cached_repeats": 3, "data": "some"},
            "machine": {},
            "command": "make bench",
        }
    )  # fmt: skip
    assert "| catalog detail | 88%, 93%, 95% | 93% |" in report
    assert "3 × 5 s (3 × for the anonymous cached paths) between runs of the ceiling" in report


def test_the_cpu_share_compares_what_a_request_cost_with_the_ceilings_request():
    rows, _ = result_of({"catalog plan 304": measured([900] * 3, [1000] * 4, app_ms=0.5)}, upload_p99=90.0)

    row = next(row for row in rows if row["endpoint"] == "catalog plan 304")
    assert row["cpu_ms"] == {"app": 0.5, "db": 0.0, "client": 0.5, "total": 1.0}
    assert row["share_by_cpu"] == 0.9  # the ceiling's 0.4 + 0.5 ms over 1.0 ms


def test_the_printed_report_holds_the_ratio_table_the_targets_and_the_upload_by_concurrency():
    alone = {"catalog list": measured([700] * 3, [1000] * 4), UPLOAD: measured([40] * 3, [1000] * 4, p99=300.0)}
    rows, verdicts = result_of(alone, upload_p99=95.0)
    result = {
        "rows": rows,
        "targets": verdicts,
        "upload_by_concurrency": [
            {"users": 1, "rps": 20.0, "p50": 40.0, "p95": 60.0, "p99": 80.0, "count": 100, "failures": 0},
            {"users": 2, "rps": 30.0, "p50": 60.0, "p95": 90.0, "p99": 130.0, "count": 150, "failures": 0},
        ],
        "settings": {"users": 8, "workers": 4, "duration": 60, "endpoint_duration": 5, "repeats": 3, "data": "some"},
        "machine": {"cpus": "2"},
        "command": "make bench",
    }

    report = as_markdown(result)

    assert "| catalog list | 10.0 | 25.0 | 45.0 | 50.0 | 0 | 700.0 | 10.0 | 70% of 1000 |" in report
    assert "| catalog list | ≥ 50% of the ceiling | 70% | yes |" in report
    assert "| 40-hold session upload, mixed load | p99 < 100 ms, mixed load | 95.0 ms | yes |" in report
    assert "| catalog list, revalidated (304) | ≥ 80% of the ceiling | – | NO |" in report
    assert "| 1 | 20.0 | 40.0 | 60.0 | 80.0 | yes | 0 |" in report
    assert "| 2 | 30.0 | 60.0 | 90.0 | 130.0 | NO | 0 |" in report
    assert "| 8 | 40.0 | 150.0 | – | 300.0 | NO | 0 |" in report  # the 8-user row: the upload's own alone runs
    assert "Command: `make bench`" in report
    # gunicorn's own cost: the ceiling's 0.4 ms a request, of the list's 1.0 ms and the upload's 1.0 ms
    assert "gunicorn's own cost: 0.40 ms of a worker's CPU a request" in report
    assert "| catalog list | 1.00 | 40% | 0.60 |" in report
