"""catalog.rules: the intensity ceiling and window of a dose, cue templates, stop-sign severity."""

from types import SimpleNamespace

from catalog.rules import fill_cue, intensity_ceiling, means_stop, target_intensity

EXERCISE = SimpleNamespace(target_intensity_min=5, target_intensity_max=7)


def test_ceiling_is_the_dose_cap_when_the_goal_has_a_dose():
    assert intensity_ceiling(EXERCISE, SimpleNamespace(intensity_cap=4)) == 4


def test_ceiling_falls_back_to_the_target_max_without_a_dose():
    assert intensity_ceiling(EXERCISE, None) == 7


def test_window_is_the_whole_target_when_the_cap_is_its_max():
    assert target_intensity(EXERCISE, SimpleNamespace(intensity_cap=7)) == (5, 7)


def test_window_is_cut_at_a_cap_inside_the_target():
    assert target_intensity(EXERCISE, SimpleNamespace(intensity_cap=6)) == (5, 6)


def test_window_never_rises_above_a_cap_below_the_target():
    assert target_intensity(EXERCISE, SimpleNamespace(intensity_cap=4)) == (4, 4)


def test_window_without_a_dose_is_the_exercise_target():
    assert target_intensity(EXERCISE, None) == (5, 7)


def test_fill_cue_puts_in_the_window_numbers():
    assert fill_cue("Keep it at {intensity_min} to {intensity_max} of 10.", (4, 5)) == "Keep it at 4 to 5 of 10."


def test_fill_cue_leaves_a_cue_without_placeholders_alone():
    assert fill_cue("Breathe out slowly.", (4, 5)) == "Breathe out slowly."


def test_fill_cue_leaves_unknown_braces_as_written():
    assert fill_cue("Say {pain} at {intensity_max}.", (4, 5)) == "Say {pain} at 5."


def test_a_stop_sign_of_severity_stop_means_stop():
    assert means_stop(SimpleNamespace(severity="stop")) is True


def test_a_caution_sign_does_not_mean_stop():
    assert means_stop(SimpleNamespace(severity="caution")) is False
