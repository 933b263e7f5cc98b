"""The Profile page's sections and their navigation. A section is one entry (title, anchor, component,
visibility); the page renders the entries in order, each inside a `<section id=anchor>` whose heading is the title,
and the navigation lists the same entries as links to `/profile#anchor`: a side list on wide screens that follows
scrolling, a compact "Sections" selector on narrow ones, both one `navigation` landmark. Opening
`/profile#anchor` (a new tab, a bookmark) scrolls to that section once the page has rendered."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import reflex as rx

from profile_app.components.styles import SECTION, SECTION_HEADER
from profile_app.states.framework import anchor, client_setter_js, client_state, effect, js_handler


@dataclass(frozen=True)
class Section:
    """`component(section)` renders the section's content with `section_card(section, ...)`; `visible` is a
    state var (e.g. `AuthState.is_admin`), None for always."""

    title: str
    anchor: str
    component: Callable[[Section], rx.Component]
    visible: rx.Var[bool] | None = None


NAV_ID = "section-nav"
current_section = client_state("current_section", "")
nav_expanded = client_state("section_nav_expanded", False)


def section_card(
    section: Section, *children: rx.Component, action=None, description=None, level: int = 2
) -> rx.Component:
    """The frame every section shares: its heading, its primary action on the heading's right, an optional
    description under them, then the content. (The first section's heading is the page's h1.)"""
    heading_id = f"{section.anchor}-title"
    return rx.el.section(
        rx.el.div(
            rx.heading(
                section.title,
                size="6" if level == 1 else "5",
                as_=f"h{level}",
                id=heading_id,
                tab_index=-1,
                data_focus_fallback="true",
            ),
            action if action is not None else rx.fragment(),
            class_name=SECTION_HEADER,
        ),
        rx.el.div(
            rx.text(description, size="2", color_scheme="gray") if description is not None else rx.fragment(),
            *children,
            class_name="section-body",
        ),
        id=section.anchor,
        aria_labelledby=heading_id,
        class_name=SECTION,
    )


def _shown(section: Section, component: rx.Component) -> rx.Component:
    return rx.cond(section.visible, component) if section.visible is not None else component


def render_sections(sections: list[Section]) -> list[rx.Component]:
    return [_shown(section, section.component(section)) for section in sections]


_FOLLOW_SCROLL = """
const nav = document.getElementById("NAV_ID");
if (!nav) return;
const setCurrent = SETTER;
const anchors = () => Array.from(nav.querySelectorAll("a[href^='#']")).map((a) => a.getAttribute("href").slice(1));
const update = () => {
  const ids = anchors();
  if (!ids.length) return;
  const sections = ids.map((id) => document.getElementById(id)).filter(Boolean);
  // A section is current once its top has passed the upper quarter of the window.
  const line = window.innerHeight / 4 + 48;
  let current = sections.length ? sections[0].id : "";
  for (const section of sections) { if (section.getBoundingClientRect().top <= line) current = section.id; }
  const bottom = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2;
  if (bottom && sections.length) current = sections[sections.length - 1].id;
  setCurrent(current);
};
let frame = 0;
const onScroll = () => { if (!frame) frame = requestAnimationFrame(() => { frame = 0; update(); }); };
window.addEventListener("scroll", onScroll, { passive: true });
window.addEventListener("resize", onScroll);
const target = decodeURIComponent(window.location.hash.slice(1));
if (target && anchors().includes(target)) {
  requestAnimationFrame(() => requestAnimationFrame(() => {
    const element = document.getElementById(target);
    if (element) element.scrollIntoView({ block: "start" });
    update();
  }));
} else {
  update();
}
return () => { window.removeEventListener("scroll", onScroll); window.removeEventListener("resize", onScroll); };
"""


def section_nav(sections: list[Section]) -> rx.Component:
    current = current_section.value.to(str)
    expanded = nav_expanded.value.to(bool)
    collapse = js_handler(f"() => {client_setter_js(nav_expanded)}(false)", nav_expanded)
    toggle = js_handler(f"() => {client_setter_js(nav_expanded)}(!{expanded!s})", nav_expanded, expanded)
    current_title = rx.match(current, *[(s.anchor, s.title) for s in sections], sections[0].title)
    links = [
        _shown(
            section,
            rx.el.li(
                anchor(
                    section.title,
                    href=f"#{section.anchor}",
                    aria_current=rx.cond(current == section.anchor, "true", "false"),
                    on_click=collapse,
                )
            ),
        )
        for section in sections
    ]
    follow = _FOLLOW_SCROLL.replace("NAV_ID", NAV_ID).replace("SETTER", client_setter_js(current_section))
    return rx.el.nav(
        effect(follow, hooks=[]),
        rx.el.div(
            rx.button(
                "Sections",
                rx.cond(
                    expanded,
                    rx.icon("chevron-up", size=16, aria_hidden="true"),
                    rx.icon("chevron-down", size=16, aria_hidden="true"),
                ),
                variant="soft",
                color_scheme="gray",
                aria_expanded=rx.cond(expanded, "true", "false"),
                aria_controls=f"{NAV_ID}-list",
                on_click=toggle,
            ),
            rx.el.span(current_title, class_name="truncate section-nav-current"),
            class_name="section-nav-toggle",
        ),
        rx.el.ul(*links, id=f"{NAV_ID}-list"),
        id=NAV_ID,
        aria_label="Sections",
        class_name="section-nav",
        data_expanded=rx.cond(expanded, "true", "false"),
    )
