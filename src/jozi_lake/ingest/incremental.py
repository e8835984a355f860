"""Change times: comparing them across records and writing the watermark into the next request.

The watermark is the highest change time landed, stored as the source sent it (so it reads like the
source's own data in the state object). Comparing needs a parsed value: ISO 8601 text (with a space
or ``T``, optional fraction, optional ``Z``/offset), a date, or epoch seconds/milliseconds. Times
without an offset are compared as they are; every record of a source uses the same zone, so their
order is right whatever the zone.

Standard library only: the ingest Lambda imports it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from jozi_lake.sources import IncrementalOptions

_ISO = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:([ T])(\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?))?\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_EPOCH_MS_FROM = 100_000_000_000  # larger numbers are milliseconds (year 5138 in seconds)


def parse_change_time(value: Any) -> dt.datetime | None:
    """A change time as a datetime (aware when the value says its offset), or None if unreadable."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if abs(value) >= _EPOCH_MS_FROM else value
        try:
            return dt.datetime.fromtimestamp(seconds, dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if re.fullmatch(r"\d{9,13}", text):
        return parse_change_time(int(text))
    match = _ISO.match(text)
    if not match:
        return None
    day, _sep, clock, offset = match.groups()
    fraction = ""
    if clock and "." in clock:
        clock, fraction = clock.split(".", 1)
    stamp = f"{day}T{clock or '00:00:00'}"
    if clock and clock.count(":") == 1:
        stamp += ":00"
    if fraction:
        stamp += "." + fraction[:6].ljust(6, "0")
    if offset:
        stamp += "+00:00" if offset == "Z" else offset if ":" in offset else f"{offset[:3]}:{offset[3:]}"
    try:
        return dt.datetime.fromisoformat(stamp)
    except ValueError:
        return None


def order_key(moment: dt.datetime) -> float:
    """A number that orders change times (naive times as they are; aware ones by their UTC instant)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC).timestamp()
    return moment.timestamp()


def later(a: Any, b: Any) -> Any:
    """The later of two raw change times (either may be None or unreadable; readable wins)."""
    pa, pb = parse_change_time(a), parse_change_time(b)
    if pa is None:
        return b if pb is not None else a
    if pb is None:
        return a
    return a if order_key(pa) >= order_key(pb) else b


def is_after(value: Any, watermark: Any) -> bool:
    """True when ``value`` is after ``watermark`` (unreadable values count as after: never lose a record)."""
    pv, pw = parse_change_time(value), parse_change_time(watermark)
    if pv is None or pw is None:
        return True
    return order_key(pv) > order_key(pw)


def request_value(watermark: Any, options: IncrementalOptions) -> str | None:
    """The request parameter's value for a window starting at ``watermark`` minus the overlap."""
    if watermark is None:
        return options.initial
    moment = parse_change_time(watermark)
    if moment is None:
        return str(watermark)  # a change time we cannot read is passed back as the source wrote it
    if options.format == "as_received" and not options.overlap_seconds:
        return str(watermark)
    moment -= dt.timedelta(seconds=options.overlap_seconds)
    fmt = options.format
    if fmt == "unix":
        return str(int(order_key(moment)))
    if fmt == "unix_ms":
        return str(int(order_key(moment) * 1000))
    if fmt == "date":
        return moment.date().isoformat()
    if fmt == "iso":
        text = moment.isoformat(timespec="seconds")
        return text.replace("+00:00", "Z")
    if fmt == "as_received":
        return _like(str(watermark), moment)
    return moment.strftime(fmt)


def _like(original: str, moment: dt.datetime) -> str:
    """``moment`` written the way ``original`` was (separator, offset style, epoch or not)."""
    text = original.strip()
    if re.fullmatch(r"\d{9,13}", text) or isinstance(original, int | float):
        millis = len(text) >= 12
        return str(int(order_key(moment) * (1000 if millis else 1)))
    separator = "T" if "T" in text else " "
    written = moment.replace(tzinfo=None).isoformat(sep=separator, timespec="seconds")
    if text.endswith("Z"):
        return written + "Z"
    if moment.tzinfo is not None and re.search(r"[+-]\d{2}:?\d{2}$", text):
        return moment.isoformat(sep=separator, timespec="seconds")
    return written
