import reflex as rx


class S(rx.State):
    count: int = 0

    @rx.event
    def inc(self):
        self.count += 1


def index():
    return rx.vstack(rx.heading("hi"), rx.button("Inc", on_click=S.inc), rx.text(S.count))


app = rx.App()
app.add_page(index, route="/")
