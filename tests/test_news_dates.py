"""News dates resolved against the publication date with news conventions (issue 3, item 4)."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest

from ceasefire.errors import InputError
from ceasefire.news.dates import (
    DateMention,
    resolve_dates,
    sentence_tense,
    timezone_for_place,
)

PUB = dt.date(2020, 3, 5)  # a Thursday: the Moscow summit on Idlib
DAMASCUS = ZoneInfo("Asia/Damascus")


def at(*args: int, zone: ZoneInfo = DAMASCUS) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zone)


def one(text: str, published: dt.date = PUB, **kw: str) -> DateMention:
    found = resolve_dates(text, published, **kw)
    assert len(found) == 1, found
    m = found[0]
    assert text[m.start : m.end] == m.text
    return m


def window(m: DateMention) -> tuple[dt.datetime, dt.datetime, str]:
    return m.earliest, m.latest, m.granularity


# ------------------------------------------------------------------ the conventions of the issue


def test_midnight_weekday_is_the_end_of_that_day():
    m = one("The cease-fire takes effect at midnight Thursday, Erdogan said.")
    assert m.text == "midnight Thursday"
    assert window(m) == (at(2020, 3, 6), at(2020, 3, 6), "minute")
    assert m.exact
    assert m.rule == "midnight-weekday=end-of-day"
    # the same in a future-tense sentence: the publication day itself, not next week
    m = one("A ceasefire will take effect at midnight Thursday.")
    assert m.earliest == at(2020, 3, 6)
    # and "Thursday at midnight", "midnight on March 5"
    assert one("It begins Thursday at midnight.").earliest == at(2020, 3, 6)
    m = one("It begins at midnight on March 5.")
    assert (m.earliest, m.rule) == (at(2020, 3, 6), "midnight-date=end-of-day")


def test_exact_minute_on_a_date():
    m = one("The truce will start at 00:01 on March 6.")
    assert m.text == "00:01 on March 6"
    assert window(m) == (at(2020, 3, 6, 0, 1), at(2020, 3, 6, 0, 1), "minute")
    assert m.rule == "time-on-day"


def test_yearless_date_in_a_past_sentence_is_in_the_past():
    m = one("The offensive began on Feb. 27, killing dozens.")
    assert m.text == "Feb. 27"
    assert window(m) == (at(2020, 2, 27), at(2020, 2, 28), "day")
    assert m.rule == "no-year=past-on-or-before-publication"
    # a month/day after the publication date in a past-tense sentence is last year
    m = one("The two leaders met on Sept. 17 in Sochi.")
    assert window(m) == (at(2019, 9, 17), at(2019, 9, 18), "day")


def test_yearless_date_in_a_future_sentence_is_in_the_future():
    text = (
        "A 12-kilometer-wide security corridor along the strategic M4 highway is to be "
        "policed by joint Russian-Turkish patrols from March 15."
    )
    m = one(text)
    assert m.text == "March 15"
    assert window(m) == (at(2020, 3, 15), at(2020, 3, 16), "day")
    assert m.rule == "no-year=future-on-or-after-publication"
    # a date before the publication day in a future sentence is next year
    assert one("Elections will be held on Feb. 10.").earliest == at(2021, 2, 10)
    # present tense: the nearest reading
    assert one("The deadline is Feb. 10.").earliest == at(2020, 2, 10)
    # a passive future is not made past by its participle
    assert one("Talks will be held on Monday.").earliest == at(2020, 3, 9)


@pytest.mark.parametrize(
    ("text", "day", "rule"),
    [
        ("Turkish troops clashed with Syrian forces on Thursday.", 5, "past"),
        ("Thursday's attack killed 33 Turkish soldiers.", 5, "past"),
        ("Rebels shelled the town on Monday.", 2, "past"),
        ("Rebels shelled the town on Friday.", -1, "past"),  # 28 February
        ("Talks will resume on Monday.", 9, "future"),
        ("Patrols will begin on Thursday.", 5, "future"),  # AP: the publication day by name
        ("Talks are on Monday.", 2, "present"),  # within three days of publication
        ("Talks are on Sunday.", 8, "present"),
    ],
)
def test_weekday_alone_is_the_nearest_in_the_tense_direction(text: str, day: int, rule: str):
    m = one(text)
    expected = dt.date(2020, 3, 1) + dt.timedelta(days=day - 1)
    assert window(m) == (
        at(*expected.timetuple()[:3]),
        at(*(expected + dt.timedelta(1)).timetuple()[:3]),
        "day",
    )
    assert m.rule.startswith("weekday=") and rule in m.rule
    assert m.text in ("Thursday", "Monday", "Friday", "Sunday")


def test_tense_argument_overrides_the_guess():
    assert one("on Monday", tense="past").earliest == at(2020, 3, 2)
    assert one("on Monday", tense="future").earliest == at(2020, 3, 9)
    assert one("on Sept. 17", tense="future").earliest == at(2020, 9, 17)


def test_reporting_verb_next_to_the_date_makes_it_past():
    found = resolve_dates("Russia said on Friday that it would respond on Monday.", PUB)
    assert [(m.text, m.earliest.date()) for m in found] == [
        ("Friday", dt.date(2020, 2, 28)),
        ("Monday", dt.date(2020, 3, 9)),
    ]


@pytest.mark.parametrize(
    ("phrase", "start", "end", "granularity"),
    [
        ("yesterday", (2020, 3, 4), (2020, 3, 5), "day"),
        ("today", (2020, 3, 5), (2020, 3, 6), "day"),
        ("tomorrow", (2020, 3, 6), (2020, 3, 7), "day"),
        ("last week", (2020, 2, 24), (2020, 3, 2), "week"),
        ("this week", (2020, 3, 2), (2020, 3, 9), "week"),
        ("next week", (2020, 3, 9), (2020, 3, 16), "week"),
        ("next month", (2020, 4, 1), (2020, 5, 1), "month"),
        ("last month", (2020, 2, 1), (2020, 3, 1), "month"),
        ("earlier this month", (2020, 3, 1), (2020, 3, 5), "month"),
        ("later this year", (2020, 3, 6), (2021, 1, 1), "year"),
        ("last year", (2019, 1, 1), (2020, 1, 1), "year"),
        ("two days ago", (2020, 3, 3), (2020, 3, 4), "day"),
    ],
)
def test_relative_words(
    phrase: str, start: tuple[int, ...], end: tuple[int, ...], granularity: str
):
    text = f"It happened {phrase}, officials said." if "ago" in phrase else f"Talks {phrase}."
    m = one(text)
    assert m.text == phrase
    assert window(m) == (at(*start), at(*end), granularity)


@pytest.mark.parametrize(
    ("text", "phrase", "start", "end", "granularity"),
    [
        ("a deal first agreed in 2018", "2018", (2018, 1, 1), (2019, 1, 1), "year"),
        (
            "signed on Sept. 17, 2018, in Sochi",
            "Sept. 17, 2018",
            (2018, 9, 17),
            (2018, 9, 18),
            "day",
        ),
        (
            "the memorandum of 17 September 2018",
            "17 September 2018",
            (2018, 9, 17),
            (2018, 9, 18),
            "day",
        ),
        ("fighting in March 2020", "March 2020", (2020, 3, 1), (2020, 4, 1), "month"),
        ("the 2018 Sochi agreement", "2018", (2018, 1, 1), (2019, 1, 1), "year"),
        ("on 2019-10-22 in Sochi", "2019-10-22", (2019, 10, 22), (2019, 10, 23), "day"),
        ("clashes on March 1-3 left", "March 1-3", (2020, 3, 1), (2020, 3, 4), "day"),
        ("in late March", "late March", (2020, 3, 21), (2020, 4, 1), "month"),
        ("by mid-2019", "mid-2019", (2019, 5, 1), (2019, 9, 1), "year"),
    ],
)
def test_absolute_dates(
    text: str, phrase: str, start: tuple[int, ...], end: tuple[int, ...], granularity: str
):
    m = one(text)
    assert m.text == phrase
    assert window(m) == (at(*start), at(*end), granularity)


def test_weekday_with_date_is_one_mention():
    m = one("The leaders met on Thursday, March 5, at 6 p.m. in Moscow.")
    assert m.text == "Thursday, March 5, at 6 p.m."
    assert window(m) == (at(2020, 3, 5, 18), at(2020, 3, 5, 18), "minute")


def test_duration_from_the_publication_day_or_the_mention_before():
    m = one("Forces must withdraw within 7 days.")
    assert m.text == "within 7 days"
    assert window(m) == (at(2020, 3, 5), at(2020, 3, 12), "day")
    assert m.rule == "duration"
    found = resolve_dates("Patrols start on March 15 and must finish within seven days.", PUB)
    assert [m.text for m in found] == ["March 15", "within seven days"]
    assert window(found[1]) == (at(2020, 3, 15), at(2020, 3, 22), "day")
    m = one("Militants must leave within 150 hours", anchor=dt.datetime(2019, 10, 23, 12))  # type: ignore[arg-type]
    assert window(m) == (at(2019, 10, 23, 12), at(2019, 10, 29, 18), "hour")
    # a new sentence does not anchor on the last one's mention
    found = resolve_dates("Talks were held on March 1. Forces must leave within 2 days.", PUB)
    assert found[1].earliest == at(2020, 3, 5)


def test_deadline_is_the_end_of_the_period():
    m = one("Radical groups were to be removed by the end of 2018.")
    assert m.text == "by the end of 2018"
    assert window(m) == (at(2019, 1, 1), at(2019, 1, 1), "day")
    assert m.rule == "deadline=end-of-period"
    spec = m.to_timespec(end=True)
    assert (spec.at, spec.end_of_day, spec.timezone) == (
        dt.date(2018, 12, 31),
        True,
        "Asia/Damascus",
    )
    assert one("by the end of the month").earliest == at(2020, 4, 1)


def test_to_timespec_round_trips_to_the_same_moment():
    m = one("The ceasefire takes effect at midnight Thursday.")
    spec = m.to_timespec()
    assert (spec.at, spec.end_of_day) == (dt.date(2020, 3, 5), True)
    assert spec.utc_readings() == [m.earliest.astimezone(dt.UTC)]
    spec = one("at 00:01 on March 6").to_timespec(alternative_timezones=["Europe/Moscow"])
    assert spec.at == dt.datetime(2020, 3, 6, 0, 1)
    assert [x.isoformat() for x in spec.utc_window()] == [
        "2020-03-05T21:01:00+00:00",
        "2020-03-05T22:01:00+00:00",
    ]
    day = one("on Feb. 27, officials said").to_timespec()
    assert (day.at, day.end_of_day) == (dt.date(2020, 2, 27), False)


# ------------------------------------------------------------------ time zones


def test_times_take_the_zone_passed():
    m = one("at 00:01 on March 6", timezone="Europe/Istanbul")
    assert m.earliest == at(2020, 3, 6, 0, 1, zone=ZoneInfo("Europe/Istanbul"))
    assert m.earliest.utcoffset() == dt.timedelta(hours=3)
    assert one("at 00:01 on March 6").earliest.utcoffset() == dt.timedelta(hours=2)


def test_daylight_saving_in_damascus_2018():
    summer = one("at 00:01 on September 17, 2018")
    winter = one("at 00:01 on January 17, 2018")
    assert summer.earliest.utcoffset() == dt.timedelta(hours=3)
    assert winter.earliest.utcoffset() == dt.timedelta(hours=2)
    assert summer.earliest.astimezone(dt.UTC) == dt.datetime(2018, 9, 16, 21, 1, tzinfo=dt.UTC)
    # summer time ended at midnight on 26 October 2018: 25 October had 25 hours
    day = one("on Oct. 25, 2018")
    assert day.latest.astimezone(dt.UTC) - day.earliest.astimezone(dt.UTC) == dt.timedelta(hours=25)


def test_times_in_another_zone_are_converted():
    m = one("The truce began at 2201 GMT on Thursday.")
    assert m.earliest == at(2020, 3, 6, 0, 1)
    m = one("at 13:00 Moscow time on Friday")
    assert m.earliest == at(2020, 3, 6, 12, 0)


@pytest.mark.parametrize(
    ("place", "zone"),
    [
        ("Syria", "Asia/Damascus"),
        ("DAMASCUS", "Asia/Damascus"),
        ("Idlib", "Asia/Damascus"),
        ("Aleppo, Syria", "Asia/Damascus"),
        ("Turkey", "Europe/Istanbul"),
        ("ANKARA (Reuters)", "Europe/Istanbul"),
        ("Istanbul", "Europe/Istanbul"),
        ("Russia", "Europe/Moscow"),
        ("Moscow", "Europe/Moscow"),
        ("Sochi", "Europe/Moscow"),
        ("Beirut", "Asia/Beirut"),
        ("Geneva", "Europe/Zurich"),
        ("New York", "America/New_York"),
        ("Washington", "America/New_York"),
        ("London", "Europe/London"),
        ("Brussels", "Europe/Brussels"),
        ("Atlantis", None),
        ("", None),
    ],
)
def test_timezone_for_place(place: str, zone: str | None):
    assert timezone_for_place(place) == zone


def test_every_zone_in_the_table_exists():
    from ceasefire.news.timezones import PLACE_ZONES

    for zone in set(PLACE_ZONES.values()):
        ZoneInfo(zone)


# ------------------------------------------------------------------ tense, offsets, no false alarms


@pytest.mark.parametrize(
    ("sentence", "tense"),
    [
        ("Joint patrols will start on March 15.", "future"),
        ("The corridor is to be policed by joint patrols.", "future"),
        ("From March 15 onward, patrols run along the M4.", "future"),
        ("Starting Friday, the guns fall silent.", "future"),
        ("The strike killed 33 Turkish soldiers.", "past"),
        ("Erdogan was in Moscow.", "past"),
        ("Putin said the talks were difficult.", "past"),
        ("The ceasefire holds.", "present"),
    ],
)
def test_sentence_tense(sentence: str, tense: str):
    assert sentence_tense(sentence) == tense


def test_offsets_in_a_whole_article():
    text = (
        "MOSCOW (Reuters) - Russia and Turkey agreed on Thursday a ceasefire in Idlib that will "
        "take effect at midnight Thursday. Thirty-three Turkish soldiers were killed on Feb. 27. "
        "Joint patrols will start on March 15 along the M4 highway, within a 12-kilometer corridor."
    )
    found = resolve_dates(text, PUB, timezone=timezone_for_place("Moscow") or "UTC")
    assert [m.text for m in found] == ["Thursday", "midnight Thursday", "Feb. 27", "March 15"]
    for m in found:
        assert text[m.start : m.end] == m.text
    assert [m.start for m in found] == sorted(m.start for m in found)
    assert all(a.end <= b.start for a, b in itertools.pairwise(found))
    assert found[1].earliest == at(2020, 3, 6, zone=ZoneInfo("Europe/Moscow"))


def test_longest_match_wins():
    found = resolve_dates("The agreement of Sept. 17, 2018 and 00:01 on March 6.", PUB)
    assert [m.text for m in found] == ["Sept. 17, 2018", "00:01 on March 6"]


@pytest.mark.parametrize(
    "text",
    [
        "33 soldiers were killed.",
        "along the M4 highway",
        "a 12-kilometer corridor",
        "6 km south of the M5",
        "a force of 2000 troops and 1,200 vehicles",
        "Turkey may retaliate, and troops march on.",
        "Resolution 2254 was adopted.",
        "the ratio was 3:1",
        "a 1:100,000 map",
    ],
)
def test_no_false_positives(text: str):
    assert resolve_dates(text, PUB) == []


def test_bad_arguments_are_input_errors():
    with pytest.raises(InputError, match="time zone"):
        resolve_dates("on Thursday", PUB, timezone="Mars/Olympus")
    with pytest.raises(InputError, match="tense"):
        resolve_dates("on Thursday", PUB, tense="pluperfect")
    with pytest.raises(InputError, match="date"):
        resolve_dates("on Thursday", "2020-03-05")  # type: ignore[arg-type]


def test_published_as_datetime_is_its_date():
    assert one("yesterday", dt.datetime(2020, 3, 5, 23, 0)).earliest == at(2020, 3, 4)  # type: ignore[arg-type]
