"""Column profiles from sampled values (pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

TOP_N = 5


@dataclass(frozen=True)
class Profile:
    sample_size: int
    null_fraction: float | None
    distinct_count: int
    min_length: int | None
    max_length: int | None
    top_values: list[list]  # [[value, count], ...]

    def as_fields(self) -> dict:
        # Not dataclasses.asdict: it deep-copies, which costs more than the scan's own writes.
        return {
            "sample_size": self.sample_size,
            "null_fraction": self.null_fraction,
            "distinct_count": self.distinct_count,
            "min_length": self.min_length,
            "max_length": self.max_length,
            "top_values": self.top_values,
        }


def profile(values: Sequence[str | None], *, keep_top_values: bool = True) -> Profile:
    n = len(values)
    present = [v for v in values if v is not None]
    lengths = [len(v) for v in present]
    counts = Counter(present)
    top: list[list] = []
    if keep_top_values:
        top = [[v[:100], c] for v, c in counts.most_common(TOP_N) if c > 1]
    return Profile(
        sample_size=n,
        null_fraction=round((n - len(present)) / n, 4) if n else None,
        distinct_count=len(counts),
        min_length=min(lengths) if lengths else None,
        max_length=max(lengths) if lengths else None,
        top_values=top,
    )
