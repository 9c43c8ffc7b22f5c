"""The table, the closing note and the JSON of a run."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import Figure, SectionResult


def fmt_value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"
    if unit == "MiB":
        return f"{value:.1f} MiB"
    if unit in ("calls", "modules"):
        return f"{value:.0f}"
    if unit == "actions/s":
        return f"{value:.1f}/s"
    return f"{value:.3g} {unit}"


def verdict(figure: Figure) -> str:
    if figure.verdict:
        return figure.verdict
    if figure.met is None:
        return "-"
    return "met" if figure.met else "NOT MET"


def rows(sections: Sequence[SectionResult]) -> list[list[str]]:
    table = []
    for section in sections:
        for f in section.figures:
            ratio = f"{f.ratio:.2f}x" if f.ratio is not None else "-"
            baseline = (
                f"{fmt_value(f.baseline, f.unit)} ({f.baseline_name})"
                if f.baseline is not None
                else "-"
            )
            table.append(
                [
                    section.name,
                    f.name,
                    fmt_value(f.value, f.unit),
                    baseline,
                    ratio,
                    f.goal or "-",
                    verdict(f),
                ]
            )
    return table


HEADER = ["section", "figure", "value", "baseline", "ratio", "goal", "verdict"]


def text_table(sections: Sequence[SectionResult]) -> str:
    body = rows(sections)
    widths = [max(len(r[i]) for r in [HEADER, *body]) for i in range(len(HEADER))]
    lines = [
        "  ".join(h.ljust(w) for h, w in zip(HEADER, widths, strict=True)),
        "  ".join("-" * w for w in widths),
    ]
    last = None
    for row in body:
        shown = list(row)
        if row[0] == last:
            shown[0] = ""
        last = row[0]
        lines.append("  ".join(c.ljust(w) for c, w in zip(shown, widths, strict=True)).rstrip())
    return "\n".join(lines)


def markdown_table(sections: Sequence[SectionResult]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + " --- |" * len(HEADER)]
    for row in rows(sections):
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |")
    return "\n".join(lines)


def notes(sections: Sequence[SectionResult]) -> str:
    lines = []
    for section in sections:
        for f in section.figures:
            if f.note:
                lines.append(f"- {section.name} / {f.name}: {f.note}")
        lines.extend(f"- {section.name}: {n}" for n in section.notes)
    return "\n".join(lines)


def closing(sections: Sequence[SectionResult]) -> str:
    figures = [f for s in sections for f in s.figures]
    met = [f for f in figures if f.met is True]
    missed = [f for f in figures if f.met is False]
    lines = [f"Goals met: {len(met)}; not met: {len(missed)}."]
    for f in missed:
        ratio = f" ({f.ratio:.2f}x)" if f.ratio is not None else ""
        lines.append(f"- NOT MET {f.section} / {f.name}: goal {f.goal}{ratio}. {f.note}")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "cpus": os.cpu_count(),
    }
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        models = [ln.split(":", 1)[1].strip() for ln in cpuinfo.splitlines() if "model name" in ln]
        info["cpu_model"] = models[0] if models else None
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        info["memory_kib"] = int(meminfo[0].split()[1])
        info["load_average_at_start"] = os.getloadavg()
    except (OSError, IndexError, ValueError):
        pass
    return info


def document(
    sections: Sequence[SectionResult], *, started: float, argv: Sequence[str], host: dict[str, Any]
) -> dict[str, Any]:
    figures = [f for s in sections for f in s.figures]
    return {
        "schema": 1,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "command": "python -m benchmarks " + " ".join(argv),
        "seconds": time.time() - started,
        "machine": host,
        "figures": [f.to_dict() for f in figures],
        "summary": {
            "met": [f"{f.section} / {f.name}" for f in figures if f.met is True],
            "not_met": [f"{f.section} / {f.name}" for f in figures if f.met is False],
        },
        "sections": {
            s.name: {"seconds": s.seconds, "notes": s.notes, "raw": s.raw} for s in sections
        },
    }


def write(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1, sort_keys=False, default=str) + "\n")


def load_sections(path: Path) -> list[SectionResult]:
    """A written run, back as sections (for `--from` and the docs' table)."""
    doc = json.loads(path.read_text())
    sections: dict[str, SectionResult] = {}
    for raw in doc["figures"]:
        name = raw["section"]
        section = sections.setdefault(name, SectionResult(name))
        fields = {k: raw[k] for k in Figure.__dataclass_fields__ if k != "section"}
        section.figures.append(Figure(section=name, **fields))
    for name, data in doc.get("sections", {}).items():
        section = sections.setdefault(name, SectionResult(name))
        section.notes = list(data.get("notes", []))
        section.seconds = float(data.get("seconds", 0.0))
    return list(sections.values())
