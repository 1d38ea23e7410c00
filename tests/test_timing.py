"""Tests of ceasefire.compliance.timing: closed-form time shares, time-zone edges included."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ceasefire.compliance.timing import share_after, time_shares
from ceasefire.events import day_window

MIN = 60 * 10**9
DAY = 1440 * MIN


def utc_ns(local: str, tz: str = "Asia/Damascus") -> int:
    """A local wall-clock time as int nanoseconds UTC."""
    return int(pd.Timestamp(local).tz_localize(tz).tz_convert("UTC").value)


def days(first: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """UTC windows of local calendar days (ceasefire.events.day_window)."""
    s, e = day_window(pd.Series(first))
    return s.astype("int64").to_numpy(), e.astype("int64").to_numpy()


# Moscow ceasefire: in force from 00:01 on 6 March 2020, Damascus time (UTC+2 then)
START = utc_ns("2020-03-06 00:01")
CRISP = (START, START)


def test_start_in_damascus_time_is_2201_utc() -> None:
    assert utc_ns("2020-03-05 22:01", "UTC") == START


def test_exact_timestamps_either_side_of_the_start() -> None:
    t = np.array([utc_ns("2020-03-05 23:59"), utc_ns("2020-03-06 00:02"), START, START - 1])
    assert time_shares(t, t, CRISP, None).tolist() == [0.0, 1.0, 1.0, 0.0]


def test_event_dated_to_the_day_of_the_start() -> None:
    a, b = days(["2020-03-06", "2020-03-05", "2020-03-07"])
    assert a[0] == utc_ns("2020-03-05 22:00", "UTC") and b[0] - a[0] == DAY
    p = time_shares(a, b, CRISP, None)
    assert p[0] == pytest.approx(1439 / 1440, abs=1e-12)
    assert p[1] == 0.0  # the day before
    assert p[2] == 1.0  # the day after


def test_uncertain_start_matches_monte_carlo() -> None:
    """'00:01' in Moscow (UTC+3) or Damascus (UTC+2) time: the start is uniform over an hour."""
    s0, s1 = utc_ns("2020-03-06 00:01", "Europe/Moscow"), START
    assert s1 - s0 == 60 * MIN
    a = np.array(
        [days(["2020-03-06"])[0][0], s0 - 30 * MIN, s0 + 10 * MIN, s0 + 20 * MIN, s1 - MIN,
         s0 - 2 * DAY, s0 - DAY]
    )  # fmt: skip
    b = a + np.array([DAY, 45 * MIN, 0, 3 * 60 * MIN, 0, 2 * DAY + 30 * MIN, DAY + 3 * MIN])
    p = time_shares(a, b, (s0, s1), None)
    rng = np.random.default_rng(42)
    n = 200_000
    s = rng.uniform(s0, s1, n)
    for i in range(len(a)):
        t = a[i] + rng.uniform(0.0, 1.0, n) * (b[i] - a[i])
        mc = np.mean(t >= s)
        assert p[i] == pytest.approx(mc, abs=0.01), i
    # an exact timestamp 10 minutes into the uncertain hour: P(start <= t) = 10/60
    assert p[2] == pytest.approx(10 / 60, abs=1e-12)
    assert 0.0 < p[1] < 1.0 and 0.0 < p[3] < 1.0


def test_ends_work_symmetrically() -> None:
    end = (utc_ns("2020-03-20 00:00"), utc_ns("2020-03-20 01:00"))
    a, b = days(["2020-03-19", "2020-03-20", "2020-03-21", "2020-03-10"])
    p = time_shares(a, b, CRISP, end)
    assert p[0] == 1.0 and p[2] == 0.0 and p[3] == 1.0
    # day of the end: in force for its first 0-60 minutes, 30 on average, of 1440
    assert p[1] == pytest.approx(30 / 1440, abs=1e-12)
    t = np.array([end[0] - 1, end[1], end[0] + 15 * MIN])
    assert time_shares(t, t, CRISP, (end[0], end[0])).tolist() == [1.0, 0.0, 0.0]
    assert time_shares(t, t, CRISP, end)[2] == pytest.approx(0.75)  # P(E > t)
    rng = np.random.default_rng(3)
    n = 200_000
    e = rng.uniform(end[0], end[1], n)
    tt = a[1] + rng.uniform(0.0, 1.0, n) * (b[1] - a[1])
    assert p[1] == pytest.approx(np.mean(tt < e), abs=0.01)


def test_share_after_degenerate_cases() -> None:
    a = np.array([0, 0, 10, 5])
    b = np.array([10, 0, 10, 5])
    assert share_after(a, b, 5, 5).tolist() == [0.5, 0.0, 1.0, 1.0]
    # an exact time inside an uncertain start: P(S <= t)
    assert share_after(np.array([5]), np.array([5]), 0, 20).tolist() == [0.25]
    # windows wholly before or after an uncertain start
    assert share_after(np.array([-50, 30]), np.array([-40, 40]), 0, 20).tolist() == [0.0, 1.0]
    # both uncertain and overlapping: integral by hand, T~U[0,10), S~U[5,15]: 1/8
    assert share_after(np.array([0]), np.array([10]), 5, 15)[0] == pytest.approx(0.125)


def test_nanosecond_precision_near_2020() -> None:
    a = np.array([START - 1, START])
    b = np.array([START + 1, START + 3])
    assert share_after(a, b, START, START).tolist() == [0.5, 1.0]
    # T~U[-1, 1), S~U[0, 2]: 1/8; T~U[0, 3), S~U[0, 2]: 2/3 (integrals by hand)
    assert share_after(a, b, START, START + 2).tolist() == [0.125, pytest.approx(2 / 3)]


def test_datetime64_inputs() -> None:
    a = np.array(["2020-03-05T22:00"], dtype="datetime64[ns]")
    b = np.array(["2020-03-06T22:00"], dtype="datetime64[ns]")
    start = np.datetime64("2020-03-05T22:01", "ns")
    p = time_shares(a, b, (start, start), None)
    assert p[0] == pytest.approx(1439 / 1440, abs=1e-12)


def test_bad_windows_raise() -> None:
    with pytest.raises(ValueError, match="a <= b"):
        share_after(np.array([2]), np.array([1]), 0, 0)
    with pytest.raises(ValueError, match="s0 <= s1"):
        share_after(np.array([0]), np.array([1]), 5, 4)
    with pytest.raises(ValueError, match="shape"):
        share_after(np.array([0, 1]), np.array([1]), 0, 0)


def test_many_events_vectorised() -> None:
    rng = np.random.default_rng(0)
    a = START + rng.integers(-5 * DAY, 5 * DAY, 100_000)
    b = a + rng.integers(0, 2 * DAY, 100_000)
    p = time_shares(a, b, (START - 3600 * 10**9, START), (START + DAY, START + DAY))
    assert p.shape == (100_000,) and p.dtype == np.float64
    assert np.all((p >= 0) & (p <= 1))
