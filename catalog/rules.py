"""The catalog's safety rules: how much intensity a goal allows, and what the timer may say about it.

Plain functions over model instances (or anything with the same attributes):
no request, no serializer, no query. The catalog's plan uses them, and the
sessions app imports them rather than restating a rule.
"""

from __future__ import annotations

import re
from typing import Protocol

from . import choices

# What a cue template may name; `fill_cue` puts in the numbers of the plan's dose.
CUE_PLACEHOLDERS = ("intensity_min", "intensity_max")
_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")


class _HasTargetIntensity(Protocol):
    target_intensity_min: int
    target_intensity_max: int


class _HasIntensityCap(Protocol):
    intensity_cap: int


class _HasSeverity(Protocol):
    severity: str


def intensity_ceiling(exercise: _HasTargetIntensity, dose: _HasIntensityCap | None) -> int:
    """The most intensity (0–10) allowed at a goal.

    The dose's `intensity_cap` when the exercise has a dose for that goal;
    without one (`dose` None), the exercise's `target_intensity_max` is the
    fallback.
    """
    if dose is None:
        return exercise.target_intensity_max
    return dose.intensity_cap


def target_intensity(exercise: _HasTargetIntensity, dose: _HasIntensityCap | None) -> tuple[int, int]:
    """The (min, max) intensity to aim for at a dose: the exercise's target, never above the ceiling.

    A cap below the target's low end narrows the window to the cap itself:
    target 5–7 at a cap of 4 is 4–4.
    """
    ceiling = intensity_ceiling(exercise, dose)
    return min(exercise.target_intensity_min, ceiling), min(exercise.target_intensity_max, ceiling)


def cue_placeholders(template: str) -> list[str]:
    """The placeholder names a cue uses, in order (`{intensity_max}` → `intensity_max`)."""
    return _PLACEHOLDER_RE.findall(template)


def cue_brace_problem(template: str) -> str | None:
    """Why a cue's braces are not a placeholder, or None: a `{` or `}` outside `{name}`."""
    outside = _PLACEHOLDER_RE.sub("", template)
    if "{" in outside or "}" in outside:
        return "has a '{' or '}' that does not enclose a placeholder"
    return None


def fill_cue(template: str, window: tuple[int, int]) -> str:
    """A cue as the timer shows it: `{intensity_min}`/`{intensity_max}` replaced by the window's numbers.

    Anything else in braces is left as written (content.check_exercise refuses it).
    """
    values = dict(zip(CUE_PLACEHOLDERS, (str(window[0]), str(window[1])), strict=True))
    return _PLACEHOLDER_RE.sub(lambda match: values.get(match.group(1), match.group(0)), template)


def means_stop(stop_sign: _HasSeverity) -> bool:
    """True when the sign ends the stretch at once; a `caution` sign asks to ease off and watch."""
    return stop_sign.severity == choices.StopSeverity.STOP
