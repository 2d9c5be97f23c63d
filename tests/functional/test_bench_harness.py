"""The benchmark harness works: the quick mode of the pure-Python benchmarks runs and reports.

No timing is asserted (the machine is shared); the submit cost is counted, not timed, so its numbers
are facts of the pipeline's storage protocol and are asserted. If a change to the pipeline moves them,
update these numbers and bench/RESULTS.md together (`python -m bench.run --only submit-cost`).

``bench`` is imported from the repository root, as ``python -m bench.run`` imports it (pytest's ``pythonpath``
setting in pyproject.toml puts the root on the path, as running from it does).
"""

from __future__ import annotations

from bench import cold_start, submit_cost
from bench.run import with_summary


def test_quick_benchmarks_run_and_the_submit_cost_is_what_the_protocol_says() -> None:
    costs = submit_cost.measure_all(quick=True)

    single = costs["highlight video upload (1 object)"]
    # 22: 20 of the run's own records, and the batch index's copy of the view as it changes (claimed, submitted)
    assert (single.oss_ops, dict(single.ice)) == (22, {"SubmitSceneMediaSelectionJob": 1}), single
    assert single.http == single.oss_ops  # one request per port operation: no hidden paging
    duplicate = costs["same OSS event delivered again (duplicate)"]
    assert (duplicate.oss_ops, dict(duplicate.ice)) == (4, {}), duplicate
    callback = costs["ICE callback → results written"]
    assert (callback.oss_ops, dict(callback.ice)) == (23, {"GetBatchMediaProducingJob": 1}), callback
    assert costs["reconcile tick, nothing pending"].ops == {"list": 2}  # the pending and exports indexes

    named_first_media = costs["10 media named in job.json, job.json first: the 10 media uploads"]
    assert named_first_media.outcomes == {"waiting": 9, "submitted": 1}
    waiting = [ops for outcome, ops in named_first_media.per_event if outcome == "waiting"]
    # HEAD+GET job.json, HEAD script.txt, one listing — not one HEAD per named media — and the batch index's
    # waiting entry (what `scene-select status` shows for the batch)
    assert max(waiting) == 5
    listed = [prefix for cost in costs.values() for prefix in cost.listed]
    assert listed and not [p for p in listed if submit_cost.too_broad(p)]

    section = submit_cost.report(costs)
    assert [t.met for t in section.targets] == [True, True, True]

    cold = cold_start.run(quick=True)
    text = with_summary(cold.markdown())
    for name in ("submit", "callback", "reconcile"):
        assert f"| functions/{name} |" in text
    assert len(cold.targets) == 3 and "| cold-start |" in text  # the summary table lists every target
