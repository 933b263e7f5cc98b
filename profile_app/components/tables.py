"""Section tables: one shape for every table of the page. A plain HTML table with explicit ARIA roles (so the
semantics survive the narrow layout), that turns into stacked cards when its section is narrow and otherwise
scrolls inside its card with the row actions pinned to the right; long text truncates with the full text on hover
and in the accessible name; an empty value reads "—". A long table shows one page of rows and, under it, how many
of how many with "Show N more" / "Show all N" (`more_rows`); the state sends the browser only the rows shown."""

from __future__ import annotations

import reflex as rx

from profile_app.components.styles import ACTIONS_CELL, STACK_BELOW, TABLE, TABLE_WRAP, TRUNCATE, VISUALLY_HIDDEN
from profile_app.states.display import EMPTY
from profile_app.states.framework import connection_lost
from profile_app.states.shown_rows import ROWS_PER_PAGE


def data_table(
    caption: str, headers: list[str], rows, row_fn, *, stack: str = "medium", wrap_actions: bool = False
) -> rx.Component:
    """`headers`: column titles in order, the first being the row header; an "Actions" column is added last.
    `rows`/`row_fn` are what `rx.foreach` takes; `row_fn` returns `table_row(...)`."""
    return rx.el.div(
        rx.el.table(
            rx.el.caption(caption, style=VISUALLY_HIDDEN),
            rx.el.thead(
                rx.el.tr(
                    *[rx.el.th(title, scope="col", role="columnheader") for title in headers],
                    rx.el.th(
                        rx.el.span("Actions", style=VISUALLY_HIDDEN),
                        scope="col",
                        role="columnheader",
                        class_name=ACTIONS_CELL,
                    ),
                    role="row",
                ),
                role="rowgroup",
            ),
            rx.el.tbody(rx.foreach(rows, row_fn), role="rowgroup"),
            class_name=f"{TABLE} {STACK_BELOW[stack]}" + (" wrap-actions" if wrap_actions else ""),
            role="table",
            aria_label=caption,
        ),
        class_name=TABLE_WRAP,
    )


def table_row(headers: list[str], header_cell, *cells, actions=None, **props) -> rx.Component:
    """One row: the row-header cell, the other cells in `headers` order, then the actions cell."""
    return rx.el.tr(
        rx.el.th(header_cell, scope="row", role="rowheader", data_label=headers[0]),
        *[rx.el.td(cell, role="cell", data_label=title) for title, cell in zip(headers[1:], cells, strict=True)],
        rx.el.td(rx.el.div(actions if actions is not None else rx.fragment()), role="cell", class_name=ACTIONS_CELL),
        role="row",
        **props,
    )


def truncated(text, *, width: str | None = None, **props) -> rx.Component:
    """Text cut with an ellipsis where it would not fit; the full text shows on hover and stays in the
    accessible name (the cut is visual only)."""
    style = {**props.pop("style", {}), **({"--truncate-width": width} if width else {})}
    extra = props.pop("class_name", "")
    return rx.el.span(text, title=text, class_name=f"{TRUNCATE} {extra}".strip(), style=style, **props)


def cell_text(text, *, truncate: bool = False, width: str | None = None) -> rx.Component:
    """A cell's text, or "—" when there is none."""
    shown = truncated(text, width=width) if truncate else rx.el.span(text)
    return rx.cond(text != "", shown, rx.el.span(EMPTY, class_name="cell-empty"))


def row_action(label: str, aria_label, on_click=None, *, danger: bool = False, **props) -> rx.Component:
    """A small soft button in a table row; `aria_label` starts with the visible label and names the row it acts
    on ("Revoke AKIA…")."""
    handlers = {"on_click": on_click} if on_click is not None else {}
    return rx.button(
        label,
        size="1",
        variant="soft",
        color_scheme="red" if danger else None,
        aria_label=aria_label,
        **handlers,
        **props,
    )


def more_rows(window, on_show, *, summary_id: str) -> rx.Component:
    """Under a long table: "Showing 20 of 1,000 members" and the buttons that show more. `window` is the state's
    `RowWindow` var; `on_show(count)` the event that shows `count` rows. Each button sends the count it means, so
    a double click shows one page, not two; the button is not disabled while the answer comes, so the focus stays
    on it, and the state moves the focus to the summary once the buttons are gone. The summary is announced politely."""
    return rx.cond(
        window.summary != "",
        rx.flex(
            rx.text(window.summary, id=summary_id, size="2", tab_index=-1, role="status"),
            rx.flex(
                _show_button(window.more_label, on_show(window.shown + ROWS_PER_PAGE)),
                _show_button(window.all_label, on_show(window.total)),
                spacing="2",
                wrap="wrap",
            ),
            justify="between",
            align="center",
            wrap="wrap",
            spacing="2",
            width="100%",
        ),
    )


def _show_button(label, on_click) -> rx.Component:
    """One of `more_rows`' buttons; absent while its label is empty."""
    return rx.cond(
        label != "",
        rx.button(label, size="2", variant="soft", color_scheme="gray", disabled=connection_lost, on_click=on_click),
    )
