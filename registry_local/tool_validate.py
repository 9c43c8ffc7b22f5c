"""`registry tool validate PATH`: validate_spec's checks on a file, offline.

An API team runs it in its own pipeline, before a spec reaches the
registry: the same intake (size, parse, the safe YAML loader), normalization
and AgentCore rules as the `validate_spec` action (services/tools/
spec_pipeline.py `check`), with no AWS and no network: only the file is
read, and a `$ref` to anywhere else is never fetched (the validator
resolves local references only). Each finding is placed on its line and
column in the file (services/tools/spec_locate.py).

Formats: `text` (one line per finding, `file:line:column: severity rule:
message`), `json` (validate_spec's answer, each finding with its
`location`), `sarif` (SARIF 2.1.0, for code-scanning tools:
https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html). Exit
codes: 0 the spec can be served (warnings allowed), 1 it cannot (or the
file cannot be read as a spec), 2 a usage error (argparse's).
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from services.errors import RegistryError

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "agentcore-tool-registry"


def run(
    path: str,
    *,
    output: str,
    include: list[str] | None,
    exclude: list[str] | None,
    on_unsupported: str,
    target_name: str,
    out: TextIO,
    url: str | None = None,
) -> int:
    """Validate the spec at `path` and write the report to `out`; the exit code.
    `url`: the URL the spec will be registered by, the base of its relative
    server URLs (as for a `url` source; nothing is fetched)."""
    from pydantic import ValidationError

    from services.tools.models import FileSource

    raw = Path(path).read_bytes()
    try:
        source = FileSource(
            type="file",
            filename=Path(path).name,
            content_base64=base64.b64encode(raw).decode(),
            include_operations=include,
            exclude_operations=exclude,
            on_unsupported=on_unsupported,  # type: ignore[arg-type]
        )
    except ValidationError as exc:
        # An option's value (the file's own bytes are never refused here).
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        print(f"registry tool validate: {problems}", file=sys.stderr)
        return 2
    if url is not None and not url.lower().startswith("https://"):
        print("registry tool validate: --url must be an https URL", file=sys.stderr)
        return 2
    report = _report(source, raw, target_name, url)
    _write(report, path, output, out)
    return 0 if report["ok"] else 1


def _report(source: Any, raw: bytes, target_name: str, url: str | None) -> dict[str, Any]:
    """validate_spec's answer for the file, each finding located."""
    from services.tools.spec_intake import load_spec, public_url
    from services.tools.spec_locate import SpecText
    from services.tools.spec_pipeline import check

    try:
        loaded = load_spec(source)
    except RegistryError as exc:
        # The intake's own refusal (not a spec, too large, too deep, ...):
        # one finding at the top of the file.
        finding: dict[str, Any] = {
            "severity": "error",
            "rule": exc.code,
            "path": "$",
            "operation": None,
            "operations": [],
            "message": exc.message,
            "location": {"line": 1, "column": 1, "exact": False},
        }
        return {"ok": False, "errors": [finding], "warnings": [], "operations": []}
    checked = check(
        loaded.document,
        target_name=target_name,
        include_operations=source.include_operations,
        exclude_operations=source.exclude_operations,
        on_unsupported=source.on_unsupported,
        size_bytes=len(raw),
        base_url=public_url(url) if url else None,
    )
    report = checked.to_dict()
    text = SpecText(raw.decode("utf-8-sig"))
    for finding in report["errors"] + report["warnings"]:
        where = text.locate(str(finding["path"]))
        finding["location"] = (
            {"line": where.line, "column": where.column, "exact": where.exact}
            if where
            else {"line": 1, "column": 1, "exact": False}
        )
    return report


def _write(report: dict[str, Any], path: str, output: str, out: TextIO) -> None:
    findings = report["errors"] + report["warnings"]
    if output == "json":
        json.dump(report, out, indent=2, default=str)
        out.write("\n")
    elif output == "sarif":
        json.dump(sarif(findings, path), out, indent=2)
        out.write("\n")
    else:
        for f in findings:
            place = f"{path}:{f['location']['line']}:{f['location']['column']}"
            operation = _operations(f.get("operations") or [])
            out.write(f"{place}: {f['severity']} {f['rule']}{operation}: {f['message']}\n")
        counts = f"{len(report['errors'])} error(s), {len(report['warnings'])} warning(s)"
        if report["ok"]:
            served = len(report.get("published_operations") or [])
            out.write(f"{path}: servable by AgentCore Gateway ({counts}): {served} tool(s)\n")
        else:
            out.write(f"{path}: not servable by AgentCore Gateway ({counts})\n")


def _operations(names: list[str], shown: int = 3) -> str:
    """` [a, b, c +2 more]`: the operations a finding concerns, in short."""
    if not names:
        return ""
    more = f" +{len(names) - shown} more" if len(names) > shown else ""
    return f" [{', '.join(names[:shown])}{more}]"


def sarif(findings: list[dict[str, Any]], path: str) -> dict[str, Any]:
    """SARIF 2.1.0: one run, a rule per finding code, a result per finding
    with its file, line and column."""
    rules = sorted({str(f["rule"]) for f in findings})
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "informationUri": "https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-schema-openapi.html",
                        "rules": [{"id": rule} for rule in rules],
                    }
                },
                "results": [
                    {
                        "ruleId": str(f["rule"]),
                        "ruleIndex": rules.index(str(f["rule"])),
                        "level": "error" if f["severity"] == "error" else "warning",
                        "message": {"text": str(f["message"])},
                        "properties": {"operations": list(f.get("operations") or [])},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": Path(path).as_posix()},
                                    "region": {
                                        "startLine": f["location"]["line"],
                                        "startColumn": f["location"]["column"],
                                    },
                                },
                                "logicalLocations": [{"fullyQualifiedName": str(f["path"])}],
                            }
                        ],
                    }
                    for f in findings
                ],
            }
        ],
    }
