"""Calendar rules shared by features: whole months, and Social Work England's registration year.

Calendar days are UTC dates, passed in by callers (``today``), never read from a clock here.
"""
from __future__ import annotations

import calendar
from datetime import date
from functools import lru_cache


@lru_cache(maxsize=16384)  # reports call it for every cell of a people x modules matrix
def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the last day of that month (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def registration_year(day: date) -> tuple[date, date]:
    """Social Work England's registration year containing ``day``: 1 December to 30 November."""
    start_year = day.year if day.month == 12 else day.year - 1
    return date(start_year, 12, 1), date(start_year + 1, 11, 30)
