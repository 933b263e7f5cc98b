"""Client-side effects of the user's display preferences, rendered once by the signed-in page frame so they hold on
every signed-in page: the HiDPI browser scale override and the appearance (Reflex color mode).

The HiDPI factor is ClearML's: with the override on and window.devicePixelRatio > 1, the page is scaled to
r = clamp(round(10 * min(screen.width, screen.height) / 1080) * 10, 60, 100) percent. Unlike ClearML, which scales
<body> with `transform` (that makes the body the containing block of every fixed overlay, so dialogs, menus and
tooltips land off their anchors), it sets CSS `zoom` on the root element: layout is computed at the new size and
overlays stay in the viewport, anchored. Only desktop-class screens are scaled (a fine pointer and a screen at least
700 CSS px on its short side): phones and tablets never are. The choice comes from the server (it follows the user)
and applies at once; resize, resolution and pointer changes re-apply it while the page is open.
"""

from __future__ import annotations

import reflex as rx

from profile_app.states.base import AuthState
from profile_app.states.framework import effect

DESKTOP_MIN_SCREEN_PX = 700

# Installed once per window; `set` is idempotent, so React may call it as often as it likes.
_INSTALL_SCALER_JS = (
    """
if (!window.__profileHidpi) {
  const hidpi = { enabled: false, media: null };
  const fine = window.matchMedia("(pointer: fine)");
  hidpi.ratio = () => Math.min(100, Math.max(60, Math.round((10 * Math.min(screen.width, screen.height)) / 1080) * 10));
  hidpi.desktop = () => fine.matches && Math.min(screen.width, screen.height) >= DESKTOP_MIN;
  hidpi.factor = () => (hidpi.enabled && window.devicePixelRatio > 1 && hidpi.desktop() ? hidpi.ratio() : 100);
  hidpi.apply = () => {
    const root = document.documentElement;
    const r = hidpi.factor();
    if (r < 100) {
      root.style.zoom = String(r / 100);
      root.style.setProperty("--profile-zoom", String(r / 100));
      root.dataset.hidpiScale = String(r);
    } else {
      root.style.removeProperty("zoom");
      root.style.removeProperty("--profile-zoom");
      delete root.dataset.hidpiScale;
    }
  };
  hidpi.onResolutionChange = () => { hidpi.watchResolution(); hidpi.apply(); };
  hidpi.watchResolution = () => {
    if (hidpi.media) hidpi.media.removeEventListener("change", hidpi.onResolutionChange);
    hidpi.media = window.matchMedia(`(resolution: ${window.devicePixelRatio}dppx)`);
    hidpi.media.addEventListener("change", hidpi.onResolutionChange);
  };
  hidpi.set = (on) => { hidpi.enabled = Boolean(on); hidpi.apply(); };
  window.addEventListener("resize", hidpi.apply);
  fine.addEventListener("change", hidpi.apply);
  hidpi.watchResolution();
  window.__profileHidpi = hidpi;
}
"""
).replace("DESKTOP_MIN", str(DESKTOP_MIN_SCREEN_PX))


def hidpi_scaler(enabled: rx.Var[bool]) -> rx.Var:
    return effect(
        f"{_INSTALL_SCALER_JS}\nwindow.__profileHidpi.set({enabled!s});\n"
        "return () => window.__profileHidpi.set(false);",
        [enabled],
    )


def appearance_sync(theme: rx.Var[str]) -> rx.Var:
    """Keeps Reflex's color mode equal to the user's stored appearance (light, dark, system)."""
    return effect(
        f"""const wanted = {theme!s};
if (["light", "dark", "system"].includes(wanted) && wanted !== profileRawColorMode) profileSetColorMode(wanted);""",
        [theme],
        hooks=[
            "const { rawColorMode: profileRawColorMode, setColorMode: profileSetColorMode } = "
            "useContext(ColorModeContext);"
        ],
        imports={"react": ["useContext"], "$/utils/context": ["ColorModeContext"]},
    )


def display_preferences() -> rx.Component:
    """What the signed-in page frame renders: the signed-in user's HiDPI scaling and appearance, applied live."""
    return rx.fragment(hidpi_scaler(AuthState.hidpi_override), appearance_sync(AuthState.theme))
