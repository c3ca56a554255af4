"""The public holidays a ward closes for, offered by default on the ward
calendar (the leader removes or adds days there).

Labour Code 2019 (Bộ luật Lao động số 45/2019/QH14), Article 112, clause 1:
- Tết Dương lịch: 1 day, 1 January;
- Tết Âm lịch: 5 days;
- Ngày Chiến thắng: 1 day, 30 April;
- Ngày Quốc tế lao động: 1 day, 1 May;
- Quốc khánh: 2 days, 2 September and the day before or after it;
- Giỗ Tổ Hùng Vương: 1 day, the 10th of the 3rd lunar month.
Clause 3: the Prime Minister fixes each year which days of Tết are taken
and whether the National Day's second day is 1 or 3 September. So the days
below are the usual pattern, not the decision: the 5 days of Tết are the
last day of the lunar year and the first four of the new one, and the
National Day's second day is 1 or 3 September as past decisions chose by
the weekday of 2 September (the day before on a Tuesday, Wednesday, Friday
or Saturday, the day after on a Monday, Thursday or Sunday; the same rule as
python-holidays). The leader corrects the calendar when the
year's decision is published, and adds compensatory days off (nghỉ bù,
Article 111, clause 3) if the ward office closes on them.

Ngày Văn hóa Việt Nam, 24 November, is a paid day off from 2026 on
(Politburo Resolution 80-NQ/TW of 7 January 2026; the Government's
Resolution 30/NQ-CP asks for it to be added to Article 112, clause 1).

Lunar dates cannot be worked out with the Gregorian calendar, so they are
stored for the coming years. Source: the Vietnamese lunar calendar (UTC+7,
which differs from the Chinese one in some years: Tết 2030 is 2 February in
Vietnam, 3 February in China), as tabulated by python-holidays 0.109
(`holidays/calendars/chinese.py`, VIETNAMESE_CALENDAR), checked against the
published dates of Tết Bính Ngọ 2026 (17/02/2026) and Giỗ Tổ 2026 (26/04/2026).
Add a year's line before it is needed; a year without one offers only its
Gregorian holidays.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

# year: (Tết Nguyên đán, mùng 1 tháng Giêng; Giỗ Tổ Hùng Vương, 10 tháng 3 âm lịch)
LUNAR_DATES: dict[int, tuple[date, date]] = {
    2026: (date(2026, 2, 17), date(2026, 4, 26)),
    2027: (date(2027, 2, 6), date(2027, 4, 16)),
    2028: (date(2028, 1, 26), date(2028, 4, 4)),
    2029: (date(2029, 2, 13), date(2029, 4, 23)),
    2030: (date(2030, 2, 2), date(2030, 4, 12)),
}

FIRST_CULTURE_DAY_YEAR = 2026


# weekday of 2 September (Monday 0) → the second day's offset from it
NATIONAL_DAY_SECOND = {0: 1, 1: -1, 2: -1, 3: 1, 4: -1, 5: -1, 6: 1}


def national_day_second(year: int) -> date:
    """1 or 3 September, whichever the usual decision takes (see the module's docstring)."""
    second = date(year, 9, 2)
    return second + timedelta(days=NATIONAL_DAY_SECOND[second.weekday()])


def default_holidays(year: int) -> list[tuple[date, str]]:
    """The year's usual public holidays, (day, name), in date order."""
    days = [(date(year, 1, 1), str(_l("New Year's Day")))]
    lunar = LUNAR_DATES.get(year)
    if lunar is not None:
        new_year, hung_kings = lunar
        days.append((new_year - timedelta(days=1), str(_l("Lunar New Year's Eve"))))
        for n in range(4):
            days.append((new_year + timedelta(days=n), str(_l("Lunar New Year, day %(n)s", n=n + 1))))
        days.append((hung_kings, str(_l("Hùng Kings' Commemoration Day"))))
    days.append((date(year, 4, 30), str(_l("Reunification Day"))))
    days.append((date(year, 5, 1), str(_l("International Labour Day"))))
    days.append((date(year, 9, 2), str(_l("National Day"))))
    days.append((national_day_second(year), str(_l("National Day"))))
    if year >= FIRST_CULTURE_DAY_YEAR:
        days.append((date(year, 11, 24), str(_l("Vietnamese Culture Day"))))
    # Tết's eve may fall in the year before (Tết in late January): keep the year's own days.
    return sorted((day, name) for day, name in days if day.year == year)
