"""The pipeline's use cases: what the three FC functions do, with no FC, OSS or SDK inside.

Each use case takes one ``ports.PipelineDeps`` (the bucket, ICE, the layout, the clock), so the same
code runs in Function Compute, in the local stack and in the tests with a faulty store or a moved clock:

* ``ingest`` — the submit function: an OSS event's records → ``plan`` (is the batch complete?) →
  ``submit`` (exactly one ICE job per run, claimed through ``records``);
* ``callback`` — the callback function: verify, fetch the job from ICE, then ``complete``;
* ``reconcile`` — the timer: finish whatever a lost callback or a dead instance left pending;
* ``complete`` — the one path to results: ``normalise`` (selection.json), ``report`` (report.html,
  pictures from ``thumbnails``), then the run's records;
* ``layout`` and ``manifest`` — the bucket conventions and the files a media team writes.
"""
