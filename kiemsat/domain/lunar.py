"""Vietnamese lunar calendar (UTC+7), a thin wrapper over the `lunar-vn` package.

Vietnam's lunar calendar is computed at UTC+7; Chinese-calendar libraries compute at UTC+8 and
differ in some years (Tết 02/02/2030 in Vietnam, 03/02/2030 in China). Pure Python.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import lunar_vn

VN_TIME_ZONE = 7.0


@lru_cache(maxsize=4096)
def lunar_to_solar(year: int, month: int, day: int, leap: bool = False) -> dt.date | None:
    """The solar date of a lunar date in Vietnam; None outside the supported range."""
    try:
        return lunar_vn.convert_lunar_to_solar(day, month, year, 1 if leap else 0, VN_TIME_ZONE)
    except (ValueError, TypeError, OverflowError):
        return None


def tet(year: int) -> dt.date | None:
    """Mùng 1 Tết (lunar new year's day) falling in solar `year`."""
    return lunar_to_solar(year, 1, 1)


def gio_to(year: int) -> dt.date | None:
    """Giỗ Tổ Hùng Vương, 10/3 âm lịch, in solar `year`."""
    return lunar_to_solar(year, 3, 10)
