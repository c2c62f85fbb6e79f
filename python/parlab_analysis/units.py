"""Time units for axes and text: ns, µs, ms or s, chosen from the values shown."""
import math

SCALES = (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9))


def time_scale(values):
    """(factor, unit) such that values * factor reads well: the largest unit in which the
    median of the finite positive values is at least 1."""
    finite = sorted(v for v in values if math.isfinite(v) and v > 0)
    if not finite:
        return 1.0, "s"
    typical = finite[len(finite) // 2]
    for unit, scale in SCALES:
        if typical >= scale:
            return 1.0 / scale, unit
    return 1e9, "ns"


def seconds_text(value, digits=3):
    """e.g. 25 ms, 92.1 µs; '-' when not finite."""
    if not math.isfinite(value):
        return "-"
    factor, unit = time_scale([abs(value)])
    return f"{value * factor:.{digits}g} {unit}"
