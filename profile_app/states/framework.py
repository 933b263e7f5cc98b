"""Every Reflex internal the app leans on, in one small module, so a Reflex upgrade touches this file only:
client-side (React) variables, the connection-error hook, raw JavaScript bound to an event trigger, code run in a
React effect, calling another handler's function inside one event, and the app-wide wraps (overlay, error
boundary). States and components import these names from here, never from Reflex's private modules."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import reflex as rx
from reflex.experimental.client_state import ClientStateVar
from reflex_base.constants import Dirs
from reflex_base.event import EventChain
from reflex_base.utils.imports import ImportVar
from reflex_base.vars import VarData
from reflex_base.vars.function import FunctionStringVar, FunctionVar
from reflex_components_core.core.banner import has_connection_errors

__all__ = [
    "ClientStateVar",
    "client_setter_js",
    "client_state",
    "connection_lost",
    "effect",
    "event",
    "js_handler",
    "replace_app_wraps",
    "run_handler",
]

# True while the browser has failed to reach the server since the last successful connection.
connection_lost: rx.Var[bool] = has_connection_errors

_REFS_IMPORT = {f"$/{Dirs.STATE_PATH}": [ImportVar(tag="refs")]}


def event(fn: Callable | None = None, **options: Any):
    """`rx.event` for every handler a person can trigger: `temporal`, so a click made while the connection is
    lost is dropped by the browser instead of queued and replayed after reconnecting."""
    return rx.event(fn, temporal=True, **options)


def client_state(name: str, default: Any) -> ClientStateVar:
    """A React state variable shared by every component that renders it; the server can `push` values into it
    (fixed text or values it generated, never user text) and nothing of it is kept in Reflex's state."""
    return ClientStateVar.create(name, default)


def client_setter_js(var: ClientStateVar) -> str:
    """JavaScript that names the browser-side setter of a client-state variable (call it with the new value)."""
    return f"refs['_client_state_{var._setter_name}']"


def client_setter_var_data(var: ClientStateVar) -> VarData:
    return VarData.merge(var._get_all_var_data(), VarData(imports=_REFS_IMPORT))


def js_handler(code: str, *uses: rx.Var) -> rx.Var:
    """A JavaScript function (source text written here, never user text) bound to an event trigger, e.g.
    `on_close_auto_focus`. `uses` are the vars and client-state variables the code reads or sets."""
    var_data = VarData.merge(VarData(imports=_REFS_IMPORT), *(_var_data_of(var) for var in uses))
    return FunctionStringVar.create(code, _var_data=var_data).to(FunctionVar, EventChain)


def _var_data_of(var: rx.Var) -> VarData | None:
    if isinstance(var, ClientStateVar):
        return client_setter_var_data(var)
    return var._get_all_var_data()


def effect(code: str, deps: Iterable[rx.Var] = (), *, hooks: Iterable[str] = (), imports: dict | None = None) -> rx.Var:
    """Render this (it renders nothing) to run `code` in a React effect after every render in which one of
    `deps` changed (with no deps: once, after the first render). `hooks` are extra statements placed before it."""
    deps = list(deps)
    statement = f"useEffect(() => {{\n{code}\n}}, [{', '.join(str(dep) for dep in deps)}]);"
    hook_map = {hook: None for hook in hooks}
    hook_map[statement] = None
    var_data = VarData.merge(
        *(_var_data_of(dep) for dep in deps),  # first: the hooks that bring the deps into scope
        VarData(hooks=hook_map, imports={"react": [ImportVar(tag="useEffect"), ImportVar(tag="useRef")]}),
        VarData(imports=imports or {}),
        VarData(imports=_REFS_IMPORT),
    )
    return rx.Var("null", _var_data=var_data)


def element_by_id(element_id: str) -> rx.Var:
    """The DOM element with this id, e.g. as the `container` a Radix portal renders into. It is looked up in an
    effect once the component is on the page (during the first render the element does not exist yet), and the
    component renders again with it."""
    name = "profileElement_" + "".join(char if char.isalnum() else "_" for char in element_id)
    setter = "set" + name[0].upper() + name[1:]
    return rx.Var(
        name,
        _var_data=VarData(
            hooks={
                f"const [{name}, {setter}] = useState(undefined);": None,
                f'useEffect(() => {{ {setter}(document.getElementById("{element_id}") || undefined); }}, []);': None,
            },
            imports={"react": [ImportVar(tag="useState"), ImportVar(tag="useEffect")]},
        ),
    )


def anchor(*children: Any, **props: Any) -> rx.Component:
    """A plain `<a>` (Reflex's `rx.el.a` is a client-side router link, which neither scrolls to nor focuses an
    in-page target such as `#main-content`)."""
    from reflex_components_core.el.elements.inline import A

    return A.create(*children, **props)


def run_handler(state: rx.State, name: str, *args: Any) -> Any:
    """Run another handler's body inside the current event (one round trip and one state update for both)."""
    return type(state).event_handlers[name].fn(state, *args)


def replace_app_wraps(app: rx.App, *, overlay: Callable[[], rx.Component], error_fallback: rx.Component) -> None:
    """Reflex's default overlay shows developer wording ("Cannot connect to server: websocket error…"); the app
    shows its own connection banner instead. Its default error boundary prints a stack trace; ours does not."""
    from reflex_components_core.base.error_boundary import ErrorBoundary

    app.app_wraps[(5, "Overlay")] = lambda stateful: overlay() if stateful else None
    app.app_wraps[(55, "ErrorBoundary")] = lambda stateful: ErrorBoundary.create(
        fallback_render=rx.Var.create(error_fallback)
    )
