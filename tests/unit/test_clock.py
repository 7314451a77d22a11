import time
from datetime import datetime

import pytest

from data.clock import LOCAL_TZ, FixedClock, ScaledClock, SystemClock, parse_clock


def test_unset_is_real_time_in_vietnam():
    clock = parse_clock(None)
    assert isinstance(clock, SystemClock)
    assert clock.now().utcoffset().total_seconds() == 7 * 3600


def test_an_iso_moment_freezes_the_clock():
    clock = parse_clock("2026-03-15T19:30+07:00")
    assert isinstance(clock, FixedClock)
    assert clock.now() == datetime(2026, 3, 15, 19, 30, tzinfo=LOCAL_TZ)


def test_a_speed_runs_the_clock_faster_from_its_start():
    clock = parse_clock("2026-03-15T06:00+07:00 x60", epoch=time.time() - 60)  # a minute ago
    assert isinstance(clock, ScaledClock)
    elapsed = clock.now() - datetime(2026, 3, 15, 6, 0, tzinfo=LOCAL_TZ)
    assert 3590 <= elapsed.total_seconds() <= 3700  # about an hour of election day


@pytest.mark.parametrize("spec", ["yesterday", "2026-03-15T06:00 60", "2026-03-15T06:00 x0"])
def test_a_malformed_clock_is_refused_with_its_reason(spec):
    with pytest.raises(ValueError, match="BAUCU_CLOCK"):
        parse_clock(spec)
