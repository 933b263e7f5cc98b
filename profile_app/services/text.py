"""User text, checked once for every field: what people type is shown to other people (names, workspace names,
labels) and can reach the web framework's own machinery, so it must be plain, visible text.

`clean_text` normalises to NFC and refuses what has no business in a name or a label: control and format
characters (NUL, bidi overrides, zero-width characters, BOM), lone surrogates, long runs of combining marks, text
made only of invisible characters, and Reflex's internal var marker (`<reflex.Var>`), which the framework would try
to parse as code if it ever reached a returned event."""

from __future__ import annotations

import unicodedata

from profile_app.services.errors import ValidationFailed

# Reflex's var markers all start like this (`<reflex.Var>…</reflex.Var>`); no legitimate text needs it.
FRAMEWORK_MARKER = "<reflex."
# Combining marks in a row after NFC: real scripts stack two or three (Vietnamese, Devanagari), "Zalgo" stacks dozens.
MAX_COMBINING_RUN = 4
_MULTILINE_ALLOWED = {"\n", "\t"}
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs"}


def contains_framework_marker(value: str) -> bool:
    return FRAMEWORK_MARKER in value.lower()


def _describe(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name.title()}" if name else "")


def clean_text(
    value: object,
    *,
    field: str,
    label: str,
    max_length: int,
    min_length: int = 0,
    single_line: bool = True,
) -> str:
    """The NFC form of `value`, trimmed (and, on a single line, with runs of whitespace made one space); or
    ValidationFailed naming `label` and saying exactly what is wrong. `min_length > 0` also requires a visible
    character."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(f"{label} must be text.", field=field)
    text = unicodedata.normalize("NFC", value)
    text = " ".join(text.split()) if single_line else text.strip()
    if contains_framework_marker(text):
        raise ValidationFailed(f"{label} contains markup that is not allowed here.", field=field)
    run = 0
    for char in text:
        category = unicodedata.category(char)
        if category in _REFUSED_CATEGORIES and not (not single_line and char in _MULTILINE_ALLOWED):
            raise ValidationFailed(
                f"{label} contains an invisible or control character ({_describe(char)}). Remove it and try again.",
                field=field,
            )
        run = run + 1 if category.startswith("M") else 0
        if run > MAX_COMBINING_RUN:
            raise ValidationFailed(f"{label} stacks too many accent marks on one character.", field=field)
    if len(text) > max_length:
        raise ValidationFailed(f"{label} must be at most {max_length} characters.", field=field)
    if min_length:
        if len(text) < min_length:
            raise ValidationFailed(f"{label} must be at least {min_length} characters.", field=field)
        if not any(unicodedata.category(char)[0] not in "ZMC" for char in text):
            raise ValidationFailed(f"{label} must contain at least one visible character.", field=field)
    return text
