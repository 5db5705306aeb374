"""The IOS console as a notebook widget, built from stock ipywidgets only.

``lab.branch1.console()`` shows it once :mod:`vpnteach.ui` is imported or ``%load_ext vpnteach``
runs (:mod:`vpnteach.ui.register` puts it in the widget registry). What stock widgets allow
without custom JavaScript: a ``Text`` reports its value as it changes, so a ``?`` typed at the
end of the line shows IOS's help at once (the ``?`` is then taken off the line, as IOS does);
Enter submits the line. Tab and the arrow keys never reach the kernel (the browser keeps Tab
for focus, a ``Text`` sends no key events), so completion and history are buttons: ``Tab``,
``▲`` / ``▼``, ``Ctrl-Z``. A password question switches to a ``Password`` field.
"""

from __future__ import annotations

import html
import warnings
from typing import Any

from vpnteach.ios.console import Console

SCREEN_LINES = 400
"""Lines of the session kept on screen (the oldest scroll away)."""


class ConsoleWidget:
    """A console's screen, prompt, input line and key buttons (see the module docstring)."""

    def __init__(self, console: Console) -> None:
        import ipywidgets as w

        self.console = console
        self.lines: list[str] = []
        self._back = 0
        self._busy = False
        self.screen = w.HTML().add_class("vt-console-screen")
        self.prompt = w.Label().add_class("vt-console-prompt")
        self.text = w.Text(continuous_update=True).add_class("vt-console-input")
        self.password = w.Password(continuous_update=False).add_class("vt-console-password")
        with warnings.catch_warnings():
            # on_submit is ipywidgets 8's only way to see Enter while the value is sent on
            # every keystroke (continuous_update, for "?"); it is deprecated, not removed
            warnings.simplefilter("ignore", DeprecationWarning)
            self.text.on_submit(lambda _: self._submit(self.text))
            self.password.on_submit(lambda _: self._submit(self.password))
        self.text.observe(self._typed, "value")
        keys = []
        for label, action in (("Tab", self._tab), ("▲", self._up), ("▼", self._down),
                              ("Ctrl-Z", self._ctrl_z)):  # fmt: skip
            button = w.Button(description=label, layout=w.Layout(width="auto"))
            button.on_click(lambda _b, act=action: act())
            keys.append(button)
        self.box = w.VBox(
            [self.screen, w.HBox([self.prompt, self.text, self.password]), w.HBox(keys)]
        ).add_class("vt-console")
        self._refresh()

    def _refresh(self) -> None:
        shown = "\n".join(self.lines[-SCREEN_LINES:])
        self.screen.value = (
            "<pre style='background:#111;color:#ddd;padding:6px;max-height:30em;"
            f"overflow:auto'>{html.escape(shown)}</pre>"
        )
        self.prompt.value = self.console.prompt
        secret = self.console.secret
        self.text.layout.display = "none" if secret else None
        self.password.layout.display = None if secret else "none"

    def _print(self, text: str) -> None:
        self.lines += text.rstrip("\n").split("\n") if text else []

    def _submit(self, field: Any) -> None:
        line, self._back = field.value, 0
        self._busy = True
        field.value = ""
        self._busy = False
        self.lines.append(self.console.prompt + ("" if self.console.secret else line))
        self._print(self.console.enter(line) + self.console.unsolicited())
        self._refresh()

    def _typed(self, change: dict[str, Any]) -> None:
        value = str(change["new"])
        if self._busy or not value.endswith("?") or self.console.dialogue is not None:
            return
        line = value[:-1]
        self.lines.append(self.console.prompt + value)
        self._print(self.console.help(line))
        self._set(line)

    def _set(self, line: str) -> None:
        self._busy = True
        self.text.value = line
        self._busy = False
        self._refresh()

    def _tab(self) -> None:
        self._set(self.console.complete(self.text.value))

    def _up(self) -> None:
        history = self.console.history
        self._back = min(len(history), self._back + 1)
        self._set(history[-self._back] if self._back else "")

    def _down(self) -> None:
        history = self.console.history
        self._back = max(0, self._back - 1)
        self._set(history[-self._back] if self._back else "")

    def _ctrl_z(self) -> None:
        self.lines.append(self.console.prompt + self.text.value + "^Z")
        self._print(self.console.end() + self.console.unsolicited())
        self._set("")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.box._repr_mimebundle_(**kwargs)
