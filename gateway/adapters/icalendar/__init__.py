"""iCalendar (RFC 5545) feeds of timetabling systems, read with ``icalendar`` and
``recurring-ical-events``.

- :mod:`.codec`: bytes -> a checked calendar (size cap, parser errors as ``ValidationError``);
- :mod:`.split`: a feed cut into its series and their frame (parsed one series at a time);
- :mod:`.zones`: the time zones of a feed (unknown TZIDs refused, floating times localised);
- :mod:`.expansion`: the occurrences of each series within a window, as plain dataclasses;
- :mod:`.this_and_future`: ``RECURRENCE-ID;RANGE=THISANDFUTURE`` overrides applied to the
  later occurrences of their series (their recurrence ids kept);
- :mod:`.properties`: what a timetable reads from a VEVENT (rooms, ``X-MBO-*`` ids, title);
- :mod:`.fetch`: the feed over HTTP (timeout, body cap, retries, conditional GET).
"""
