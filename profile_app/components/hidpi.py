"""Client-side effects of the user's display preferences, rendered once by the signed-in page frame so they hold on
every signed-in page: the HiDPI browser scale override and the appearance (Reflex color mode).

The HiDPI scaling is ClearML's: with the override on and window.devicePixelRatio > 1, the body is scaled to
r = clamp(round(10 * min(screen.width, screen.height) / 1080) * 10, 60, 100) percent from its top-left corner and
enlarged to 10000/r vw by 10000/r vh so it still fills the window. Unlike ClearML the choice comes from the server
(it follows the user) and applies at once: a React effect re-runs whenever the state var changes, and a resize
listener plus a matchMedia resolution listener pick up a change of screen or zoom while the page is open.
"""

from __future__ import annotations

import reflex as rx
from reflex_base.vars.base import VarData

from profile_app.states.base import AuthState

# Installed once per window; `set` is idempotent, so React may call it as often as it likes.
_INSTALL_SCALER_JS = """
if (!window.__profileHidpi) {
  const hidpi = { enabled: false, media: null };
  hidpi.ratio = () => Math.min(100, Math.max(60, Math.round((10 * Math.min(screen.width, screen.height)) / 1080) * 10));
  hidpi.apply = () => {
    const body = document.body;
    if (!body) return;
    const r = hidpi.enabled && window.devicePixelRatio > 1 ? hidpi.ratio() : 100;
    const style = body.style;
    if (r < 100) {
      style.transform = `scale(${r / 100})`;
      style.transformOrigin = "top left";
      style.width = `${10000 / r}vw`;
      style.height = `${10000 / r}vh`;
      body.dataset.hidpiScale = String(r);
    } else {
      for (const name of ["transform", "transform-origin", "width", "height"]) style.removeProperty(name);
      delete body.dataset.hidpiScale;
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
  hidpi.watchResolution();
  window.__profileHidpi = hidpi;
}
"""


class HidpiScaler(rx.Fragment):
    """Renders nothing; its effect scales the body while `enabled` is true and unscales it when unmounted."""

    enabled: rx.Var[bool]

    def _exclude_props(self) -> list[str]:
        return [*super()._exclude_props(), "enabled"]

    def add_imports(self) -> dict:
        return {"react": ["useEffect"]}

    def add_hooks(self) -> list[str | rx.Var]:
        enabled = self.enabled
        code = f"""useEffect(() => {{
{_INSTALL_SCALER_JS}
  window.__profileHidpi.set({enabled!s});
  return () => window.__profileHidpi.set(false);
}}, [{enabled!s}]);"""
        return [rx.Var(code, _var_data=VarData.merge(enabled._get_all_var_data()))]


class AppearanceSync(rx.Fragment):
    """Renders nothing; keeps Reflex's color mode equal to the user's stored appearance (light, dark, system)."""

    theme: rx.Var[str]

    def _exclude_props(self) -> list[str]:
        return [*super()._exclude_props(), "theme"]

    def add_imports(self) -> dict:
        return {"react": ["useEffect", "useContext"], "$/utils/context": ["ColorModeContext"]}

    def add_hooks(self) -> list[str | rx.Var]:
        theme = self.theme
        code = f"""useEffect(() => {{
  const wanted = {theme!s};
  if (["light", "dark", "system"].includes(wanted) && wanted !== profileRawColorMode) profileSetColorMode(wanted);
}}, [{theme!s}]);"""
        context = VarData(
            hooks={
                (
                    "const { rawColorMode: profileRawColorMode, setColorMode: profileSetColorMode } = "
                    "useContext(ColorModeContext)"
                ): None
            }
        )
        return [rx.Var(code, _var_data=VarData.merge(theme._get_all_var_data(), context))]


def hidpi_scaler(enabled: rx.Var[bool]) -> rx.Component:
    return HidpiScaler.create(enabled=enabled)


def appearance_sync(theme: rx.Var[str]) -> rx.Component:
    return AppearanceSync.create(theme=theme)


def display_preferences() -> rx.Component:
    """What the signed-in page frame renders: the signed-in user's HiDPI scaling and appearance, applied live."""
    return rx.fragment(hidpi_scaler(AuthState.hidpi_override), appearance_sync(AuthState.theme))
