"""Answer records: every checked answer, written into the saved notebook itself.

Each :meth:`~vpnteach.exercises.base.Exercise.check` (and each click on a widget's Check)
produces one :class:`AnswerRecord`: the exercise id, the learner id the notebook claims, the
answer exactly as typed, the attempt number and the time. **No verdict**: the grader
recomputes every verdict from the exercise definition, so a record has nothing to forge.

**Where it is stored, and why there.** A Jupyter kernel cannot write cell or notebook
metadata (only the front end can, with JavaScript), and a file beside the notebook is
overwritten by nothing but is also not submitted with it. What the kernel *can* put in the
saved ``.ipynb`` is an output: ``check`` publishes a ``display_data`` output carrying the
record under its own MIME type ``application/vnd.vpnteach.answer+json`` (and a one-line
``text/plain`` so the learner sees "answer recorded"); Jupyter saves outputs with the
notebook (nbformat 4 ``display_data``, https://nbformat.readthedocs.io/en/latest/format_description.html).
A widget's Check runs after its cell has finished, when no cell output can be added any more,
so the widget appends the same output to an ``ipywidgets.Output`` inside the form: it is saved
in the notebook's widget state (``metadata.widgets``, saved when JupyterLab's "Save Widget
State Automatically" is on; the course image turns it on). The grader looks in both places.

Records are learner-controlled data: :func:`parse_record` validates every field's type and
size and raises :class:`RecordError` with what was wrong.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

MIME = "application/vnd.vpnteach.answer+json"
FORMAT_VERSION = 1
MAX_ANSWER_CHARS = 20_000
"""An answer longer than this (after encoding) is refused by the grader."""

_attempts: dict[tuple[str, str], int] = {}


class RecordError(ValueError):
    """A record in a notebook cannot be read (the message says which field and why)."""


@dataclass(frozen=True)
class AnswerRecord:
    """One checked answer as the notebook stores it (no verdict)."""

    exercise: str
    learner: str
    answer: Any
    attempt: int
    time: str
    source: str = "check"

    def to_json(self) -> dict[str, Any]:
        """The JSON object stored under :data:`MIME`."""
        return {"v": FORMAT_VERSION, **asdict(self)}


def encode_answer(answer: object) -> Any:
    """``answer`` as JSON: text and numbers as they are, bytes as ``{"hex": ...}``, lists and
    tuples item by item, anything else as its ``str``."""
    if isinstance(answer, (bytes, bytearray, memoryview)):
        return {"hex": bytes(answer).hex()}
    if answer is None or isinstance(answer, (str, bool, int, float)):
        return answer
    if isinstance(answer, (list, tuple)):
        return [encode_answer(item) for item in answer]
    return str(answer)


def decode_answer(data: Any) -> Any:
    """The value :func:`encode_answer` encoded (bytes back to bytes, lists as tuples)."""
    if isinstance(data, dict):
        value = data.get("hex")
        if set(data) != {"hex"} or not isinstance(value, str):
            raise RecordError("answer: an object must be {'hex': '...'}")
        try:
            return bytes.fromhex(value)
        except ValueError:
            raise RecordError("answer: 'hex' is not hex") from None
    if isinstance(data, list):
        return tuple(decode_answer(item) for item in data)
    if data is None or isinstance(data, (str, bool, int, float)):
        return data
    raise RecordError(f"answer: unexpected JSON type {type(data).__name__}")


def new_record(exercise: str, learner: str, answer: object, source: str) -> AnswerRecord:
    """The record of the next attempt at ``exercise`` by ``learner``: numbered after this
    process's earlier ones and, after a kernel restart, after those saved in the notebook."""
    key = (learner, exercise)
    if key not in _attempts:
        _attempts[key] = saved_attempts(learner, exercise)
    _attempts[key] += 1
    now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    return AnswerRecord(exercise, learner, encode_answer(answer), _attempts[key], now, source)


SESSION_ENV = "JPY_SESSION_NAME"
"""The notebook's path, which Jupyter Server gives the kernels it starts."""


def saved_attempts(learner: str, exercise: str) -> int:
    """The highest attempt number saved in this kernel's notebook (0 if none or unknown)."""
    path = Path(os.environ.get(SESSION_ENV, ""))
    if path.suffix != ".ipynb" or not path.is_file() or path.stat().st_size > 20 * 2**20:
        return 0
    try:
        found = raw_records(json.loads(path.read_bytes()))
    except (OSError, ValueError, RecursionError):
        return 0
    numbers = [0]
    for data in found:
        try:
            rec = parse_record(data)
        except RecordError:
            continue
        if (rec.learner, rec.exercise) == (learner, exercise):
            numbers.append(rec.attempt)
    return max(numbers)


def output(record: AnswerRecord) -> dict[str, Any]:
    """The nbformat ``display_data`` output carrying ``record``."""
    text = f"vpnteach: answer to {record.exercise} recorded (attempt {record.attempt})"
    return {
        "output_type": "display_data",
        "data": {MIME: record.to_json(), "text/plain": text},
        "metadata": {},
    }


Publisher = Callable[[AnswerRecord], bool]
_publisher: list[Publisher] = []


def set_publisher(publisher: Publisher | None) -> None:
    """Install the function that shows a record as an output of the running cell
    (:mod:`vpnteach.ui.records` installs IPython's when ``vpnteach.ui`` is imported or
    ``%load_ext vpnteach`` runs); ``None`` removes it."""
    _publisher[:] = [] if publisher is None else [publisher]


def publish(record: AnswerRecord) -> bool:
    """Show ``record`` as an output now, if a publisher is installed and a kernel runs us.

    ``False`` means it was not shown: :meth:`~vpnteach.exercises.base.Exercise.check` then
    attaches it to the returned feedback, whose display carries it (``_repr_mimebundle_``).
    """
    return any(publisher(record) for publisher in _publisher)


def iter_outputs(notebook: Any) -> Iterator[Any]:
    """Every output dict of ``notebook`` (parsed JSON): cell outputs, then the outputs held
    in saved widget state (``ipywidgets.Output`` models). Malformed parts are skipped."""
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    for cell in cells if isinstance(cells, list) else []:
        outputs = cell.get("outputs") if isinstance(cell, dict) else None
        yield from outputs if isinstance(outputs, list) else []
    meta = notebook.get("metadata") if isinstance(notebook, dict) else None
    widgets = meta.get("widgets") if isinstance(meta, dict) else None
    for saved in widgets.values() if isinstance(widgets, dict) else []:
        models = saved.get("state") if isinstance(saved, dict) else None
        for model in models.values() if isinstance(models, dict) else []:
            state = model.get("state") if isinstance(model, dict) else None
            outputs = state.get("outputs") if isinstance(state, dict) else None
            yield from outputs if isinstance(outputs, list) else []


def raw_records(notebook: Any) -> list[Any]:
    """The JSON stored under :data:`MIME` in every output of ``notebook``."""
    found = []
    for out in iter_outputs(notebook):
        data = out.get("data") if isinstance(out, dict) else None
        if isinstance(data, dict) and MIME in data:
            found.append(data[MIME])
    return found


def _field(data: dict[str, Any], name: str, kind: type, limit: int = 200) -> Any:
    value = data.get(name)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise RecordError(f"{name}: expected {kind.__name__}, got {type(value).__name__}")
    if isinstance(value, str) and len(value) > limit:
        raise RecordError(f"{name}: {len(value)} characters, at most {limit}")
    return value


def parse_record(data: Any) -> AnswerRecord:
    """Validate one stored record (types, sizes); the answer is kept as stored JSON."""
    if not isinstance(data, dict):
        raise RecordError(f"a record must be a JSON object, not {type(data).__name__}")
    if data.get("v") != FORMAT_VERSION:
        raise RecordError(f"v: unknown record version {data.get('v')!r}")
    if "answer" not in data:
        raise RecordError("answer: missing")
    if len(repr(data["answer"])) > MAX_ANSWER_CHARS:
        raise RecordError(f"answer: longer than {MAX_ANSWER_CHARS} characters")
    attempt = _field(data, "attempt", int)
    if attempt < 1:
        raise RecordError(f"attempt: {attempt} is not a positive number")
    return AnswerRecord(
        _field(data, "exercise", str, 64),
        _field(data, "learner", str),
        data["answer"],
        attempt,
        _field(data, "time", str, 64),
        _field(data, "source", str, 16),
    )
