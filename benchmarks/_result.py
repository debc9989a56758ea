"""What a benchmark returns, and the Markdown table they are printed in."""

from __future__ import annotations

from dataclasses import dataclass, field

from ._timing import Timing


@dataclass
class Result:
    """One row of the table.

    ``minigrad``/``numpy``/``torch`` are figures in ``unit`` (``torch`` is None when torch
    is not installed or not compared); ``passed`` is the verdict on ``target``; ``notes``
    are extra lines printed under the table (e.g. checks that are not timings).
    """

    name: str
    unit: str
    minigrad: float
    numpy: float | None
    torch: float | None
    target: str
    passed: bool
    notes: list[str] = field(default_factory=list)
    timings: dict[str, Timing] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "name": self.name, "unit": self.unit, "minigrad": self.minigrad,
            "numpy": self.numpy, "torch": self.torch, "target": self.target,
            "passed": self.passed, "notes": self.notes,
            "timings": {k: t.as_dict() for k, t in self.timings.items()},
            "extra": self.extra,
        }


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def _ratio(a: float, b: float | None) -> str:
    return "—" if not b else f"{a / b:.2f}×"


def markdown_table(results: list[Result]) -> str:
    lines = [
        "| benchmark | unit | minigrad (median) | numpy floor (median) | minigrad / numpy "
        "| torch (median) | minigrad / torch | target | result |",
        "|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.name} | {r.unit} | {_fmt(r.minigrad)} | {_fmt(r.numpy)} "
            f"| {_ratio(r.minigrad, r.numpy)} | {_fmt(r.torch)} | {_ratio(r.minigrad, r.torch)} "
            f"| {r.target} | {'pass' if r.passed else '**FAIL**'} |")
    return "\n".join(lines)
