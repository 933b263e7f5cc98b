"""The page's one visual language, in one module: shared style values for components, and the few rules that
need selectors or queries (the page grid, section navigation, responsive tables, truncation, the skip link, native
selects). Colours, radii and spacing come from Radix Themes' CSS variables, so light and dark mode follow."""

from __future__ import annotations

# Hidden on screen, read by assistive technology (a table's caption names it; empty header cells say "Actions").
VISUALLY_HIDDEN = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "overflow": "hidden",
    "clip": "rect(0 0 0 0)",
    "white_space": "nowrap",
}

SNIPPET = {
    "font_family": "var(--code-font-family, monospace)",
    "font_size": "0.8em",
    "white_space": "pre",
    "overflow_x": "auto",
    "padding": "0.75em",
    "border_radius": "var(--radius-2)",
    "background": "var(--gray-a3)",
    "width": "100%",
    "margin": 0,
}

# Class names the components use; the rules are in GLOBAL_CSS below.
VISUALLY_HIDDEN_CLASS = "visually-hidden"
TRUNCATE = "truncate"
NATIVE_SELECT = "native-select"
FIELD_LABEL = "field-label"
SECTION = "profile-section"
SECTION_HEADER = "section-header"
TABLE = "data-table"
TABLE_WRAP = "data-table-wrap"
ACTIONS_CELL = "actions"
# A table becomes stacked cards when its section is narrower than this (wide tables need more room).
STACK_BELOW = {"narrow": "stack-narrow", "medium": "stack-medium", "wide": "stack-wide"}

HEADER_HEIGHT = "3.5rem"

CONNECTION_BANNER = {
    "position": "fixed",
    "top": "0",
    "left": "0",
    "right": "0",
    "z_index": "2000",
    "display": "flex",
    "gap": "0.5rem",
    "align_items": "center",
    "justify_content": "center",
    "padding": "0.5rem 1rem",
    "background": "var(--amber-3, #fff7c2)",
    "color": "var(--amber-12, #4f3422)",
    "border_bottom": "1px solid var(--amber-7, #e2a336)",
    "font_size": "0.9375rem",
    "font_weight": "500",
}

GLOBAL_CSS = """
:root { --header-height: 3.5rem; --section-nav-height: 0rem; }
@media (max-width: 63.99em) { :root { --section-nav-height: 3.25rem; } }
html { background: var(--color-background, Canvas); }
body { overflow-x: hidden; }
/* With the HiDPI zoom on the root, vh units shrink with it: stretch the theme root back to the full window. */
.radix-themes[data-is-root-theme="true"] { min-height: calc(100dvh / var(--profile-zoom, 1)); }
/* Menus, selects and tooltips are placed by Floating UI, which measures in window pixels and moves its wrapper
   with a transform, which the root zoom would scale a second time. The wrapper cancels the zoom (so the transform
   lands where it was measured) and its content takes it back (so the menu is drawn at the page's scale). */
html[data-hidpi-scale] [data-radix-popper-content-wrapper] { zoom: calc(1 / var(--profile-zoom, 1)); }
html[data-hidpi-scale] [data-radix-popper-content-wrapper] > * { zoom: var(--profile-zoom, 1); }

/* Radix lightens a solid button on hover; in dark mode that leaves white text below 4.5:1. Darken instead. */
.dark .rt-BaseButton.rt-variant-solid:not([data-disabled]):not(.rt-high-contrast):hover {
  background-color: color-mix(in oklab, var(--accent-9), black 14%); }

.visually-hidden { position: absolute !important; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }

.skip-link { position: fixed; left: 0.75rem; top: -5rem; z-index: 1000; padding: 0.5rem 1rem;
  background: var(--accent-12); color: var(--accent-1); border-radius: var(--radius-3); font-weight: 500; }
.skip-link:focus { top: 0.5rem; }

.app-header { position: sticky; top: 0; z-index: 20; height: var(--header-height);
  background: var(--color-background); border-bottom: 1px solid var(--gray-a5); }
.app-header-inner { display: flex; align-items: center; gap: var(--space-4); height: 100%;
  max-width: 100rem; margin: 0 auto; padding: 0 var(--space-4); min-width: 0; }
.app-header .header-user-name { max-width: min(16rem, 34vw); }
.app-header .header-workspace { max-width: 20rem; color: var(--gray-11); font-size: var(--font-size-2); }
@media (max-width: 47.99em) { .app-header .header-workspace { display: none; } }

.page-shell { display: grid; grid-template-columns: minmax(0, 1fr); gap: var(--space-5);
  max-width: 100rem; margin: 0 auto; padding: var(--space-4); min-width: 0; }
@media (min-width: 64em) { .page-shell { padding: var(--space-6) var(--space-5); }
  .page-shell.has-nav { grid-template-columns: 13rem minmax(0, 1fr); gap: var(--space-7); } }
.page-main { min-width: 0; display: flex; flex-direction: column; gap: var(--space-5); }
.page-main:focus { outline: none; }

.section-nav { position: sticky; z-index: 10; top: var(--header-height); align-self: start; min-width: 0; }
.section-nav ul { list-style: none; margin: 0; padding: 0; }
.section-nav a { display: block; padding: var(--space-2) var(--space-3); border-radius: var(--radius-2);
  color: var(--gray-12); text-decoration: none; font-size: var(--font-size-2); overflow: hidden;
  text-overflow: ellipsis; white-space: nowrap; border-left: 2px solid transparent; }
.section-nav a:hover { background: var(--gray-a3); }
.section-nav a[aria-current="true"] { background: var(--accent-a3); color: var(--accent-12);
  border-left-color: var(--accent-9); font-weight: 500; }
.section-nav .section-nav-toggle { display: none; }
@media (min-width: 64em) { .section-nav { top: calc(var(--header-height) + var(--space-6)); } }
@media (max-width: 63.99em) {
  .section-nav { margin: calc(-1 * var(--space-4)) calc(-1 * var(--space-4)) 0; padding: var(--space-2) var(--space-4);
    background: var(--color-background); border-bottom: 1px solid var(--gray-a5); }
  .section-nav .section-nav-toggle { display: flex; width: 100%; align-items: center; gap: var(--space-3); }
  .section-nav .section-nav-current { color: var(--gray-11); font-size: var(--font-size-2); }
  .section-nav ul { display: none; padding-top: var(--space-2); }
  .section-nav[data-expanded="true"] ul { display: block; }
}

.profile-section { container-type: inline-size; min-width: 0; background: var(--color-panel-solid);
  border: 1px solid var(--gray-a5); border-radius: var(--radius-4); padding: var(--space-5);
  scroll-margin-top: calc(var(--header-height) + var(--section-nav-height) + var(--space-4)); }
@media (max-width: 29.99em) { .profile-section { padding: var(--space-4) var(--space-3); } }
.profile-section:focus { outline: none; }
.section-header { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between;
  gap: var(--space-3); width: 100%; }
.section-header h2:focus { outline: none; }
.section-body { display: flex; flex-direction: column; gap: var(--space-4); margin-top: var(--space-3); min-width: 0; }

.truncate { display: block; max-width: var(--truncate-width, 18rem); overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; min-width: 0; }
.wrap-anywhere { overflow-wrap: anywhere; min-width: 0; }

.field-label { font-size: var(--font-size-2); font-weight: 500; }
.native-select { appearance: auto; width: 100%; height: var(--space-6); padding: 0 var(--space-2);
  font: inherit; font-size: var(--font-size-2); color: var(--gray-12); background-color: var(--color-surface);
  border: 1px solid var(--gray-a7); border-radius: var(--radius-2); }
.native-select:focus-visible { outline: 2px solid var(--focus-8); outline-offset: -1px; }
.native-select[aria-invalid="true"], .rt-TextFieldRoot:has(input[aria-invalid="true"]) {
  box-shadow: inset 0 0 0 1px var(--red-8); }

.data-table-wrap { width: 100%; overflow-x: auto; }
.data-table { width: 100%; border-collapse: collapse; font-size: var(--font-size-2); }
.data-table th, .data-table td { text-align: left; vertical-align: middle; padding: var(--space-2) var(--space-3);
  border-bottom: 1px solid var(--gray-a5); }
.data-table thead th { font-weight: 500; color: var(--gray-11); white-space: nowrap; }
.data-table th[scope="row"] { font-weight: 500; }
.data-table td.actions, .data-table th.actions { position: sticky; right: 0; background: var(--color-panel-solid); }
.data-table td.actions > div { display: flex; gap: var(--space-2); justify-content: flex-end; }
/* Tables with many row actions let them wrap onto two lines rather than squeeze the data columns. */
.data-table.wrap-actions td.actions > div { flex-wrap: wrap; max-width: 12rem; margin-left: auto; }
/* When the table scrolls under the pinned actions, a soft edge shows there is more to its left. */
.data-table td.actions { box-shadow: -10px 0 10px -10px var(--gray-a8); }
.data-table .cell-empty { color: var(--gray-11); }
""" + "\n".join(
    f"""@container (max-width: {width}) {{
  .data-table.{name}, .data-table.{name} tbody, .data-table.{name} tr, .data-table.{name} td,
  .data-table.{name} th {{ display: block; width: 100%; }}
  .data-table.{name} thead {{ position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }}
  .data-table.{name} tr {{ border: 1px solid var(--gray-a5); border-radius: var(--radius-3);
    padding: var(--space-2) var(--space-3); margin-bottom: var(--space-3); }}
  .data-table.{name} td, .data-table.{name} th {{ border: none; padding: var(--space-1) 0; display: grid;
    grid-template-columns: minmax(5.5rem, 32%) minmax(0, 1fr); gap: var(--space-2); align-items: baseline; }}
  .data-table.{name} [data-label]::before {{ content: attr(data-label); color: var(--gray-11);
    font-size: var(--font-size-1); font-weight: 400; }}
  .data-table.{name} td.actions {{ position: static; display: block; width: 100%; background: none;
    padding-top: var(--space-2); box-shadow: none; }}
  .data-table.{name} td.actions > div {{ justify-content: flex-start; max-width: none; margin-left: 0; }}
  .data-table.{name} .truncate {{ max-width: 100%; }}
}}"""
    for name, width in (("stack-narrow", "30rem"), ("stack-medium", "44rem"), ("stack-wide", "58rem"))
)
