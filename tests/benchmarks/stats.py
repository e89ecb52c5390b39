"""The few statistics every benchmark reports, in one place."""

import math
import statistics


def percentile(values, share: float) -> float:
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def median(values) -> float:
    return statistics.median(values)


def size_label(size: int) -> str:
    """100k, 1m, 50: the suffix of the figures' names."""
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}m"
    if size >= 1000 and size % 1000 == 0:
        return f"{size // 1000}k"
    return str(size)
