"""Every threshold of the session rules, named once, with where it comes from."""

from __future__ import annotations

from datetime import timedelta

# Our choice: phones' clocks drift; a moment up to five minutes ahead of the server is not "in the future".
CLOCK_SKEW = timedelta(minutes=5)
# Our choice: a hold or stop event may be stamped up to five minutes outside its session's start and end.
WINDOW_TOLERANCE = timedelta(minutes=5)
# Every time a door accepts lies within years 2000–2100 (`stretchapi.inputs` EARLIEST_MOMENT and
# LATEST_MOMENT, named there for every door), so the tolerances above, added to or taken from an
# accepted time, never reach the year-1 or year-9999 edge of Python's datetime.

# Clinical convention: on the 0–10 numeric pain rating scale, 7 and above is severe pain.
HIGH_PAIN = 7

# The catalog's progression principle (longer holds before more intensity), in steps of five
# seconds: our choice, the smallest change a phone timer and a person notice.
HOLD_STEP_SECONDS = 5
# Our choice, after the seeds' advice to go no further while a stop sign is unexplained: after a
# safety alert has been acknowledged, progression waits for a clean session logged at least a day
# after the event, so that the body has had a night to show what the event left behind.
CLEAN_SESSION_AFTER = timedelta(hours=24)
