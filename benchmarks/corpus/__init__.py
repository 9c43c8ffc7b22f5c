"""The public-spec corpus benchmark (issue 13): what the registry serves of
the OpenAPI 3.x specs teams publish. `python -m benchmarks.corpus`; see
docs/benchmarks.md, "Public-spec corpus"."""
