"""Timestamps in the shapes log writers use, turned into timezone-aware UTC datetimes.

One :class:`TimeParser` per reader holds the two settings that text cannot carry: the ``year``
for stamps without one (RFC 3164 syslog, Android, Proxifier) and the zone ``tz`` for stamps
without an offset. The shapes are data (:data:`PATTERNS`); the last shape that matched is tried
first, so a file with one shape costs one regex match per line.

>>> p = TimeParser(year=2024)
>>> p.parse("2024-01-01 12:00:00,123").isoformat()
'2024-01-01T12:00:00.123000+00:00'
>>> p.parse("Jun 14 15:16:01").isoformat()
'2024-06-14T15:16:01+00:00'
>>> p.parse("1700000000123").isoformat()
'2023-11-14T22:13:20.123000+00:00'
>>> TimeParser(tz="Europe/Paris").parse("2024-07-01 12:00:00").isoformat()
'2024-07-01T10:00:00+00:00'

Every stamp must lie in the years 1970-2199 (:data:`MIN_TIME` to :data:`MAX_TIME`): a stamp
outside is not a time (``1e30``, ``inf``, year 9999) and is rejected with a reason by
:func:`time_problem`, the one check file readers, the metric loader and the service share.

>>> time_problem(1e30), time_problem(float("nan")), time_problem(1700000000)
('timestamp 1e+30 is after 2200-01-01', 'timestamp nan is not a finite number', None)
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo

from rca.errors import ConfigError

UTC = timezone.utc
_fromiso = datetime.fromisoformat
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_MON = r"(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"
_HMS = r"(?P<H>\d{1,2})[:.](?P<M>\d{2})[:.](?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?"
_ZONE = r"(?:\s*(?P<z>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?))?"

#: Shapes tried in order (after the ISO fast path). Named groups: y (4 digits) or yy, mon
#: (name) or m, d, H, M, S, f (fraction), z (zone), epoch.
PATTERNS: tuple[re.Pattern[str], ...] = tuple(re.compile(p, re.IGNORECASE) for p in (
    # 2024-01-01T12:00:00.123Z, 2005-06-03-15.42.50.675872 (BGL), 2024/01/01 12:00:00
    r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?:[T _-]+|,\s*)" + _HMS + _ZONE,
    # syslog / ctime: [Sun ]Dec 04 04:47:44[ 2005]
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s+)?" + _MON + r"\s+(?P<d>\d{1,2})\s+" + _HMS
    + r"(?:\s+(?P<y>\d{4}))?" + _ZONE,
    # 081109 203615 (HDFS)
    r"(?P<yy>\d{2})(?P<m>\d{2})(?P<d>\d{2})\s+(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})",
    # 17/06/09 20:10:40 (Spark: yy/MM/dd)
    r"(?P<yy>\d{2})/(?P<m>\d{2})/(?P<d>\d{2})\s+" + _HMS + _ZONE,
    # 03-17 16:13:38.811 (Android), 10.30 16:49:06 (Proxifier): no year
    r"(?P<m>\d{1,2})[-.](?P<d>\d{1,2})\s+" + _HMS + _ZONE,
    # 04/Dec/2005:04:47:44 +0000 (common log format)
    r"(?P<d>\d{1,2})/" + _MON + r"/(?P<y>\d{4}):" + _HMS + _ZONE,
    # 01 Dec 2024 12:00:00 / 1 December 2024 12:00:00 (RFC 2822 without weekday)
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s+)?(?P<d>\d{1,2})\s+" + _MON
    + r"\s+(?P<y>\d{4})\s+" + _HMS + _ZONE,
    # epoch seconds / ms / us / ns, optionally with a fraction
    r"(?P<epoch>\d{9,19}(?:\.\d+)?)",
    # date only: 2005.06.03
    r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})",
))


#: The range of usable timestamps (UTC): years 1970 to 2199.
MIN_TIME = datetime(1970, 1, 1, tzinfo=UTC)
MAX_TIME = datetime(2200, 1, 1, tzinfo=UTC)
MAX_EPOCH_SECONDS = MAX_TIME.timestamp()


def time_problem(value: float | int | datetime | None) -> str | None:
    """Why ``value`` (epoch seconds or an aware datetime) is not a usable timestamp, or None."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        if value < MIN_TIME:
            return f"timestamp {value.isoformat()} is before 1970-01-01"
        if value >= MAX_TIME:
            return f"timestamp {value.isoformat()} is after 2200-01-01"
        return None
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return f"timestamp {value!r:.40} is not a number"
    if v != v or v in (float("inf"), float("-inf")):
        return f"timestamp {value!r:.40} is not a finite number"
    if v < 0:
        return f"timestamp {v:g} is before 1970-01-01"
    if v >= MAX_EPOCH_SECONDS:
        return f"timestamp {v:g} is after 2200-01-01"
    return None


def epoch_to_datetime(value: float | int) -> datetime | None:
    """Epoch seconds, milliseconds, microseconds or nanoseconds (told apart by magnitude);
    None when it is no number or lies outside 1970-2199."""
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if v != v or v <= 0 or v == float("inf"):
        return None
    if v >= 1e17:
        v /= 1e9
    elif v >= 1e14:
        v /= 1e6
    elif v >= 1e11:
        v /= 1e3
    if v >= MAX_EPOCH_SECONDS:
        return None
    try:
        return datetime.fromtimestamp(v, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _zone(text: str) -> tzinfo:
    t = text.upper()
    if t in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if t[0] == "-" else 1
    digits = t[1:].replace(":", "")
    hours = int(digits[:2])
    minutes = int(digits[2:4] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


class TimeParser:
    """Parse timestamp text into aware UTC datetimes; ``year``/``tz`` fill what the text lacks.

    ``year=None`` infers the year: the current one, or the previous one when the stamp would
    otherwise lie more than a day in the future (a December log read in January).
    """

    def __init__(self, year: int | None = None, tz: str | None = "UTC") -> None:
        self.year = year
        self.tz = tz
        self._zone = _load_zone(tz)
        self._now = datetime.now(UTC)
        self._order = list(range(len(PATTERNS)))
        self._cache: dict[str, datetime | None] = {}

    def parse(self, text: str) -> datetime | None:
        """The UTC datetime in ``text`` (which holds only the stamp), or None."""
        cache = self._cache
        try:
            return cache[text]
        except KeyError:
            pass
        if len(cache) >= 4096:
            cache.clear()
        dt = self._parse(text.strip()) if text else None
        if dt is not None and not MIN_TIME <= dt < MAX_TIME:
            dt = None  # year 0001 or 9999: not a time (time_problem says why)
        cache[text] = dt
        return dt

    def _parse(self, text: str) -> datetime | None:
        if len(text) >= 10 and text[4] == "-" and text[7] == "-":
            try:
                if self._zone is UTC and len(text) > 16 and text[-1] != "Z" \
                        and "+" not in text[10:] and "-" not in text[16:]:
                    return _fromiso(text + "+00:00")  # (keyword calls such as replace are slow)
                return self._finish(_fromiso(text))
            except ValueError:
                pass
        order = self._order
        for pos, k in enumerate(order):
            m = PATTERNS[k].fullmatch(text)
            if m is not None:
                dt = self._build(m)
                if dt is None:
                    continue
                if pos:
                    order.insert(0, order.pop(pos))
                return dt
        return None

    def _build(self, m: re.Match[str]) -> datetime | None:
        g = m.groupdict()
        if g.get("epoch"):
            return epoch_to_datetime(g["epoch"])
        try:
            month = int(g["m"]) if g.get("m") else _MONTHS[g["mon"][:3].lower()]
            day = int(g["d"])
            frac = g.get("f")
            micro = int((frac + "00000")[:6]) if frac else 0
            hms = (int(g["H"]), int(g["M"]), int(g["S"])) if g.get("H") else (0, 0, 0)
            if g.get("y"):
                year = int(g["y"])
            elif g.get("yy"):
                year = 2000 + int(g["yy"])
            else:
                return self._no_year(month, day, hms, micro, g.get("z"))
            if g.get("z"):
                return datetime(year, month, day, *hms, micro, _zone(g["z"])).astimezone(UTC)
            if self._zone is UTC:
                return datetime(year, month, day, *hms, micro, UTC)
            return self._finish(datetime(year, month, day, *hms, micro))
        except (ValueError, KeyError):
            return None

    def _no_year(self, month, day, hms, micro, zone) -> datetime | None:
        year = self.year if self.year is not None else self._now.year
        for y in (year, year - 1, year - 2, year - 3):
            try:
                dt = datetime(y, month, day, *hms, micro)
            except ValueError:  # Feb 29 in a non-leap year
                continue
            dt = dt.replace(tzinfo=_zone(zone)).astimezone(UTC) if zone else self._finish(dt)
            if self.year is not None or dt <= self._now + timedelta(days=1):
                return dt
        return None

    def _finish(self, dt: datetime) -> datetime:
        if dt.tzinfo is None:
            if self._zone is UTC:
                return datetime(dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second,
                                dt.microsecond, UTC)
            return dt.replace(tzinfo=self._zone).astimezone(UTC)
        if dt.tzinfo is UTC:
            return dt
        return dt.astimezone(UTC)


def _load_zone(tz: str | None) -> tzinfo:
    if tz is None or tz.upper() in ("UTC", "Z", "GMT", ""):
        return UTC
    if tz[0] in "+-" and tz[1:3].isdigit():
        return _zone(tz)
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(tz)
    except Exception as exc:  # ZoneInfoNotFoundError, ValueError
        raise ConfigError(f"unknown time zone {tz!r} (use e.g. UTC, Europe/Paris, +02:00)") from exc
