"""Performance measurements of the registry (issue 6; docs/benchmarks.md).

`python -m benchmarks` (or `tox -e bench`) measures cold start, AWS round
trips per action, spec validation against its floor, warm memory, the
deployment package and throughput, prints one table and writes
`benchmarks/results/latest.json`. Every figure is a median of several runs
and a ratio against a baseline measured in the same run.
"""
