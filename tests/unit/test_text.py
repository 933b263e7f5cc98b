"""Every user text field goes through clean_text: what it accepts, what it refuses, and what it says."""

from __future__ import annotations

import pytest

from profile_app.services.errors import ValidationFailed
from profile_app.services.text import clean_text


def _clean(value, **overrides):
    options = {"field": "name", "label": "Name", "max_length": 100, "min_length": 2, **overrides}
    return clean_text(value, **options)


def test_normalises_to_nfc_and_collapses_whitespace():
    decomposed = "Ame\u0301lie   \t Poulain "
    assert _clean(decomposed) == "Amélie Poulain"


def test_keeps_real_scripts_and_emoji():
    for name in ("Nguyễn Văn Anh", "देवनागरी नाम", "王小明", "Zoë 🚀", "O'Brien-Smith"):
        assert _clean(name) == name


@pytest.mark.parametrize(
    "bad",
    [
        "Mallory\u202eevil",  # right-to-left override
        "a\u200bb",  # zero-width space
        "\ufeffBom",  # byte order mark
        "nul\x00here",
        "bell\x07",
        "lone\ud800surrogate",
        "\u2066isolate\u2069",
    ],
)
def test_refuses_control_and_format_characters_and_names_them(bad):
    with pytest.raises(ValidationFailed) as caught:
        _clean(bad)
    assert caught.value.field == "name"
    assert "U+" in caught.value.message and "invisible or control character" in caught.value.message


def test_only_invisible_characters_is_not_a_name():
    with pytest.raises(ValidationFailed, match="visible character"):
        _clean("\u0301\u0301\u0301")


def test_caps_combining_marks_in_a_row():
    assert _clean("e" + "\u0301\u0302\u0303\u0304")  # four stacked marks: still a name
    with pytest.raises(ValidationFailed, match="too many accent marks"):
        _clean("Zalgo" + "\u0300" * 90)


@pytest.mark.parametrize("marker", ["<reflex.Var>1</reflex.Var>", "x<REFLEX.var>y", "name <reflex.Var>"])
def test_refuses_the_framework_var_marker(marker):
    with pytest.raises(ValidationFailed, match="markup that is not allowed"):
        _clean(marker)


def test_lengths_are_counted_after_normalising():
    assert len(_clean("a" * 100)) == 100
    with pytest.raises(ValidationFailed, match="at most 100 characters"):
        _clean("a" * 101)
    with pytest.raises(ValidationFailed, match="at least 2 characters"):
        _clean(" a ")


def test_non_text_is_refused_and_none_is_empty():
    with pytest.raises(ValidationFailed, match="must be text"):
        _clean({"name": "x"})
    assert clean_text(None, field="label", label="Label", max_length=10) == ""


def test_multiline_text_keeps_newlines_but_not_other_controls():
    text = clean_text("line one\nline two", field="note", label="Note", max_length=100, single_line=False)
    assert text == "line one\nline two"
    with pytest.raises(ValidationFailed):
        clean_text("a\x1bb", field="note", label="Note", max_length=100, single_line=False)
