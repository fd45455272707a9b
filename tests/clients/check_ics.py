"""Reads calendars the way calendar programs do, for tests/calendar.rs.

Usage: check_ics.py FILE.ics...

Each file is read by two independent parsers: `icalendar` (which records the problems
it tolerated in each component's `errors`, required empty here) and `ical` (pydantic
models of RFC 5545, which refuses what does not fit). The raw bytes are checked too:
CRLF line endings and lines of at most 75 octets. Prints one JSON object: for each file,
its events as `icalendar` decoded them, and the problems found (none, for a pass).
"""

import json
import sys

import icalendar
from ical.calendar_stream import IcsCalendarStream


def raw_problems(data: bytes) -> list:
    problems = []
    if not data.endswith(b"\r\n"):
        problems.append("the file does not end in CRLF")
    lines = data.split(b"\r\n")[:-1]
    for n, line in enumerate(lines, 1):
        if b"\n" in line or b"\r" in line:
            problems.append(f"line {n}: a bare line break")
        if len(line) > 75:
            problems.append(f"line {n}: {len(line)} octets")
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(f"line {n}: folded inside a character")
    return problems


def check(path: str) -> dict:
    with open(path, "rb") as f:
        data = f.read()
    problems = raw_problems(data)

    cal = icalendar.Calendar.from_ical(data)
    for component in cal.walk():
        for prop, error in component.errors:
            problems.append(f"icalendar: {component.name} {prop}: {error}")
    header = {k: str(cal.get(k)) for k in ("VERSION", "PRODID", "CALSCALE", "METHOD")}
    events = []
    for e in cal.walk("VEVENT"):
        events.append(
            {
                "uid": str(e.get("UID")),
                "dtstamp": e.decoded("DTSTAMP").isoformat(),
                "dtstart": e.decoded("DTSTART").isoformat(),
                "dtend": e.decoded("DTEND").isoformat(),
                "dtstart_is_date": e.get("DTSTART").params.get("VALUE") == "DATE",
                "summary": str(e.get("SUMMARY")),
                "description": str(e.get("DESCRIPTION")),
                "status": str(e.get("STATUS")),
            }
        )

    strict = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    strict_events = [
        {
            "uid": e.uid,
            "dtstart": e.dtstart.isoformat(),
            "summary": e.summary,
            "description": e.description,
        }
        for e in strict.events
    ]
    mine = [
        {k: e[k] for k in ("uid", "dtstart", "summary", "description")} for e in events
    ]
    if strict_events != mine:
        problems.append("ical and icalendar read different events")
    return {"header": header, "events": events, "problems": problems}


def main() -> None:
    report = {}
    for path in sys.argv[1:]:
        try:
            report[path] = check(path)
        except Exception as e:  # a refusal is a finding, reported with its file
            report[path] = {"header": {}, "events": [], "problems": [repr(e)]}
    json.dump(report, sys.stdout, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
