"""The transport's floor for the round-trip benchmark: a bare python-socketio server on the same path and
namespace as Reflex's, answering each "event" at once with the payload it got. Served by granian, like the app."""

import socketio

sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins="*")


@sio.on("event", namespace="/_event")
async def echo(sid, data):
    await sio.emit("event", {"delta": data.get("payload", {})}, to=sid, namespace="/_event")


app = socketio.ASGIApp(sio, socketio_path="_event")
