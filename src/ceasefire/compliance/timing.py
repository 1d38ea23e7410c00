"""The share of an event's time window that falls inside a provision's window, in closed form.

Times are int64 nanoseconds since the epoch, UTC (``numpy.datetime64[ns]`` is accepted too). An
event lies uniformly in ``[a, b)`` (``a == b``: an exact timestamp). A provision is in force from
a start ``S`` that may itself be uncertain, uniform over ``[s0, s1]`` (``s0 == s1`` when crisp;
e.g. whether "00:01" meant Damascus or Moscow time), until an optional end ``E``, uniform over
``[e0, e1]``, or open. The event's share is ``P(S <= T < E)``.

With ``S`` uniform, ``P(T >= S) = (1 / (s1 - s0)) * integral over [s0, s1] of P(T >= s) ds``, and
``P(T >= s)`` is piecewise linear in ``s`` (1 before ``a``, falling to 0 at ``b``), so the
integral has a closed form: no sampling. Times are shifted to ``s0`` before going to float64 so
that nanosecond timestamps near 2020 keep their precision (a difference of 104 days is still
exact).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["reading_shares", "share_after", "time_shares"]

TimeLike = int | np.integer | np.datetime64

#: Events per chunk of float work.
_CHUNK = 1 << 16


def _ns(x: TimeLike) -> int:
    """One time as int nanoseconds.

    >>> _ns(np.datetime64("1970-01-01T00:00:01"))
    1000000000
    """
    if isinstance(x, np.datetime64):
        return int(x.astype("datetime64[ns]").astype(np.int64))
    return int(x)


def _ns_array(x: np.ndarray) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype.kind == "M":
        return arr.astype("datetime64[ns]").astype(np.int64)
    return arr.astype(np.int64, copy=False)


def share_after(a: np.ndarray, b: np.ndarray, s0: TimeLike, s1: TimeLike) -> np.ndarray:
    """``P(T >= S)`` for ``T ~ U[a, b)`` (one per event) and ``S ~ U[s0, s1]``.

    Crisp ``S`` (``s0 == s1``) and exact timestamps (``a == b``) are handled exactly: an exact
    timestamp at the very start counts as after it.

    >>> share_after(np.array([0, 10, 0]), np.array([10, 10, 0]), 5, 5).tolist()
    [0.5, 1.0, 0.0]
    >>> share_after(np.array([0]), np.array([0]), -5, 5).tolist()  # P(S <= 0)
    [0.5]
    """
    s0, s1 = _ns(s0), _ns(s1)
    if s1 < s0:
        raise ValueError("a start or end window must have s0 <= s1")
    return _chunked(*_windows(a, b), lambda fa, fb: _after(fa, fb, s0, s1))


def _windows(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The event windows as int64 ns, checked: one shape, ``a <= b``."""
    a64, b64 = _ns_array(a), _ns_array(b)
    if a64.shape != b64.shape:
        raise ValueError("a and b must have one shape")
    if np.any(b64 < a64):
        raise ValueError("event windows must have a <= b")
    return a64, b64


def _chunked(
    a64: np.ndarray, b64: np.ndarray, f: Callable[[np.ndarray, np.ndarray], np.ndarray]
) -> np.ndarray:
    """``f`` over the windows a chunk at a time: the float temporaries stay in cache (5x faster
    and 10x less memory at 1e7 events than one pass)."""
    out = np.empty(a64.shape, dtype=np.float64)
    fa_all, fb_all, flat = a64.reshape(-1), b64.reshape(-1), out.reshape(-1)
    for i in range(0, len(flat), _CHUNK):
        flat[i : i + _CHUNK] = f(fa_all[i : i + _CHUNK], fb_all[i : i + _CHUNK])
    return out


def _after(a: np.ndarray, b: np.ndarray, s0: int, s1: int) -> np.ndarray:
    if s1 == s0:
        return _mean_after(a, b, [s0])
    # relative to s0 before float64: no precision lost on 1.6e18 ns timestamps
    fa = (a - s0).astype(np.float64)
    fb = (b - s0).astype(np.float64)
    # an exact timestamp gets a 1 ns window in the divisions below: its ramp is then 0 (hi == lo)
    span = np.maximum(fb - fa, 1.0)
    w = float(s1 - s0)
    # integral over s in [0, w] of P(T >= s): 1 up to a, then linear down to 0 at b
    lo = np.clip(fa, 0.0, w)
    hi = np.clip(fb, 0.0, w)
    fb += fb
    fb -= lo
    fb -= hi  # 2 b - lo - hi
    hi -= lo
    hi *= fb
    hi /= span
    hi *= 0.5  # the ramp: (hi - lo) (2 b - lo - hi) / (2 (b - a))
    hi += lo
    hi *= 1.0 / w
    return np.clip(hi, 0.0, 1.0, out=hi)


def time_shares(
    a: np.ndarray,
    b: np.ndarray,
    start: tuple[TimeLike, TimeLike],
    end: tuple[TimeLike, TimeLike] | None,
) -> np.ndarray:
    """``P(start <= T < end)`` for ``T ~ U[a, b)``; ``start``/``end`` are ``(earliest, latest)``.

    ``end=None``: in force indefinitely. The end window is assumed to lie after the start window
    (the result is clipped to [0, 1] should they overlap).

    >>> day = 86_400 * 10**9
    >>> time_shares(np.array([0, 0, 2 * day]), np.array([day, 0, 3 * day]),
    ...             (day // 2, day // 2), (2 * day, 2 * day)).tolist()
    [0.5, 0.0, 0.0]
    """
    p = share_after(a, b, *start)
    if end is not None:
        p -= share_after(a, b, *end)
    return np.clip(p, 0.0, 1.0, out=p)


def reading_shares(
    a: np.ndarray,
    b: np.ndarray,
    starts: Sequence[TimeLike],
    ends: Sequence[TimeLike] | None = None,
) -> np.ndarray:
    """``P(start <= T < end)`` for ``T ~ U[a, b)`` when the start (and end) is one of several
    equally likely readings, e.g. "00:01" in Damascus time or in Moscow time.

    The readings are discrete: an event between two readings is after one and before the other,
    so its share is 1/2, not a share of the gap between them.

    >>> reading_shares(np.array([5]), np.array([5]), [0, 10]).tolist()
    [0.5]
    >>> reading_shares(np.array([0]), np.array([10]), [5], [8]).tolist()
    [0.3]
    """
    s_ns, e_ns = [_ns(s) for s in starts], [_ns(e) for e in (ends or ())]

    def one_chunk(fa: np.ndarray, fb: np.ndarray) -> np.ndarray:
        # every reading of a chunk while it is in cache (one pass, not one a reading)
        p = _mean_after(fa, fb, s_ns)
        if e_ns:
            p -= _mean_after(fa, fb, e_ns)
        return np.clip(p, 0.0, 1.0, out=p)

    return _chunked(*_windows(a, b), one_chunk)


def _mean_after(a: np.ndarray, b: np.ndarray, readings: Sequence[int]) -> np.ndarray:
    """The mean of ``P(T >= s)`` over the crisp readings ``s`` (summed in order, then divided:
    what ``np.mean`` over the stacked shares gives, to the bit).

    ``P(T >= s) = (b - s) / (b - a)``, clipped to [0, 1]; an exact timestamp (``a == b``) counts
    as after ``s`` when ``a >= s``: ``(b + 1 - s) / 1``, clipped. The window's length and the
    exact flag do not depend on the reading, so they are computed once for all readings. The
    differences are taken in int64 before float64: exact for windows and distances up to 104
    days (2**53 ns); beyond, the share is 0 or 1 after clipping or off by an ulp.
    """
    span = (b - a).astype(np.float64)
    top = b + (span == 0)
    np.maximum(span, 1.0, out=span)
    p = _crisp_after(top, span, readings[0])
    for s in readings[1:]:
        p += _crisp_after(top, span, s)
    if len(readings) > 1:
        p /= len(readings)
    return p


def _crisp_after(top: np.ndarray, span: np.ndarray, s: int) -> np.ndarray:
    out = (top - s).astype(np.float64)
    out /= span
    return np.clip(out, 0.0, 1.0, out=out)
