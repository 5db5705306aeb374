"""The exercise machinery: per-learner parameters, checking, targeted feedback, hints.

An :class:`Exercise` is built for one learner. Its parameters (the numbers in the statement)
come from a :class:`~vpnteach.crypto.rng.SeededRng` seeded with the learner id and forked with
the exercise id, so two learners get different numbers and the same learner always gets the
same ones.

**Where the answer lives.** Nowhere in the notebook, and not on the object either: the notebook
only says ``ex = exercises.skeyid_e()`` and ``ex.check(answer)``; :meth:`Exercise.check`
computes the expected value from the parameters at that moment (with the package's own RFC
functions), compares, and forgets it. The typical wrong answers are computed the same way and
compared too, so a mistake gets a message aimed at it. Each check records the answer (not the
verdict) in the notebook (:mod:`vpnteach.exercises.records`); the grader recomputes the verdict
(:mod:`vpnteach.exercises.grade`). In self-study the parameters are public and
:meth:`Exercise.solution` opens with ``VPNTEACH_INSTRUCTOR``; in course mode
(:mod:`vpnteach.exercises.course`) the learner's object is *sealed*: it checks against the
hand-out's answer digests and its solver and ``solution()`` need the course secret.
"""

from __future__ import annotations

import functools
import hmac
import html
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Generic, TypeVar

from vpnteach._html import HtmlRepr, widget_of
from vpnteach.crypto.rng import SeededRng
from vpnteach.exercises.answers import AnswerFormatError, parse_hex, show_tokens
from vpnteach.exercises.course import active_course, answer_digest, course_seed
from vpnteach.exercises.gradebook import current_learner
from vpnteach.exercises.records import MIME, AnswerRecord, new_record, publish

P = TypeVar("P")
A = TypeVar("A")
T = TypeVar("T")

INSTRUCTOR_ENV = "VPNTEACH_INSTRUCTOR"

#: Exercise kinds (issue 8): compute a value, predict an outcome, decode bytes, fix a config,
#: decrypt a packet.
KINDS = ("compute", "predict", "decode", "fix", "decrypt")


@dataclass(frozen=True)
class Feedback(HtmlRepr):
    """The verdict on one answer.

    Attributes:
        correct: the answer is right.
        message: what to tell the learner (aimed at the mistake when one was recognised).
        mistake: an id of the recognised typical mistake (``"cookies_swapped"``), ``"format"``
            for an answer that could not be read, ``None`` when right or not recognised.
    """

    correct: bool
    message: str
    mistake: str | None = None
    record: AnswerRecord | None = field(default=None, compare=False, repr=False)

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        return ("Correct! " if self.correct else "Not yet. ") + self.message

    def _repr_html_(self) -> str:
        colour, mark = ("#1b7f3a", "✔ Correct") if self.correct else ("#b3261e", "✘ Not yet")
        return (
            f"<div class='vpnteach-feedback' style='border-left:4px solid {colour};"
            f"padding:4px 8px'><b style='color:{colour}'>{mark}</b> "
            f"{html.escape(self.message)}</div>"
        )

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, Any]:
        """HTML and text, plus the answer record when no publisher showed it already."""
        bundle: dict[str, Any] = {"text/plain": repr(self), "text/html": self._repr_html_()}
        if self.record is not None:
            bundle[MIME] = self.record.to_json()
        return bundle


@dataclass(frozen=True)
class Statement(HtmlRepr):
    """An exercise statement as plain text and as HTML."""

    text: str
    html: str

    def __str__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return self.html


@dataclass(frozen=True)
class Mistake(Generic[A]):
    """A typical wrong answer: its id, the value it produces, and what to say about it."""

    id: str
    value: A
    message: str


def show_value(value: object) -> str:
    """A given value as the statement prints it (bytes as hex)."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if isinstance(value, int) and not isinstance(value, bool) and value > 0xFFFFFFFF:
        return hex(value)
    return str(value)


def _text_row(name: str, value: str) -> str:
    if "\n" in value:
        return f"  {name}:\n" + "\n".join(f"    {line}" for line in value.splitlines())
    return f"  {name} = {value}"


def _cell(value: str) -> str:
    if "\n" in value:
        return f"<pre style='margin:0'>{html.escape(value)}</pre>"
    return f"<code style='word-break:break-all'>{html.escape(value)}</code>"


class Exercise(HtmlRepr, Generic[P, A]):
    """One self-graded exercise for one learner (see the module docstring).

    Subclasses set the class attributes and implement the ``_make_params``, ``_givens``,
    ``_question``, ``_read``, ``_solve`` and ``_mistakes`` hooks.
    """

    id: ClassVar[str]
    title: ClassVar[str]
    kind: ClassVar[str]
    answer_format: ClassVar[str]
    hint_ladder: ClassVar[tuple[str, ...]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_solve" in cls.__dict__:  # a sealed (course-mode) object has no solver
            cls._solve = _guarded(cls.__dict__["_solve"])  # type: ignore[method-assign,assignment]
        if "_mistakes" in cls.__dict__:  # nor the typical wrong answers
            cls._mistakes = _guarded(cls.__dict__["_mistakes"])  # type: ignore[method-assign,assignment]

    def __init__(self, learner: str | None = None) -> None:
        given = str(learner).strip() if learner is not None else ""
        self.learner = given or current_learner()
        seed, self._sealed = course_seed(self.learner, self.id)
        self._p: P = type(self).params(self.learner, seed)
        self.attempts = 0
        self._hints_shown = 0
        self.last_record: AnswerRecord | None = None

    def __repr__(self) -> str:
        return f"<exercise {self.id!r} ({self.kind}) for learner {self.learner!r}>"

    # ---------------------------------------------------------------- parameters, statement

    @classmethod
    def params(cls, learner: str, seed: bytes | None = None) -> P:
        """The parameters of ``learner``: deterministic from (exercise id, learner id), or
        from the course seed (:mod:`vpnteach.exercises.course`) when one is given."""
        rng = SeededRng(f"vpnteach-exercise:{learner}") if seed is None else SeededRng(seed)
        return cls._make_params(rng.fork(cls.id))

    @property
    def given(self) -> dict[str, Any]:
        """The values the statement gives, by their RFC names (bytes stay bytes)."""
        return dict(self._givens(self._p))

    @property
    def statement(self) -> Statement:
        """The statement for this learner, as text and HTML."""
        question = self._question(self._p)
        rows = [(name, show_value(value)) for name, value in self._givens(self._p)]
        text = "\n".join(
            [
                f"{self.title}",
                "",
                question,
                "",
                *(_text_row(n, v) for n, v in rows),
                "",
                f"Answer: {self.answer_format}",
            ]
        )
        table = "".join(
            f"<tr><th style='text-align:left;vertical-align:top'>{html.escape(n)}</th>"
            f"<td>{_cell(v)}</td></tr>"
            for n, v in rows
        )
        body = "".join(f"<p>{html.escape(par)}</p>" for par in question.split("\n\n"))
        markup = (
            f"<div class='vpnteach-exercise'><h4>{html.escape(self.title)}</h4>{body}"
            f"<table>{table}</table><p><i>Answer: {html.escape(self.answer_format)}</i></p></div>"
        )
        return Statement(text, markup)

    def _repr_html_(self) -> str:
        return self.statement.html

    # ---------------------------------------------------------------- hints

    @property
    def hints(self) -> list[str]:
        """The hint ladder, from a gentle nudge to nearly the whole method."""
        return list(self.hint_ladder)

    def hint(self) -> str:
        """The next hint of the ladder (the last one again once all are shown)."""
        ladder = self.hints
        self._hints_shown = min(self._hints_shown + 1, len(ladder))
        return f"Hint {self._hints_shown}/{len(ladder)}: {ladder[self._hints_shown - 1]}"

    # ---------------------------------------------------------------- checking

    def check(self, answer: object, *, source: str = "check") -> Feedback:
        """Compare ``answer`` with the expected one, computed now; say what went wrong.

        The answer is recorded in the notebook (:mod:`vpnteach.exercises.records`): the
        grader recomputes the verdict from it, never from what this returns."""
        feedback = self._evaluate(answer) if self._sealed is None else self._sealed_check(answer)
        self.attempts += 1
        self.last_record = new_record(self.id, self.learner, answer, source)
        if source == "check" and not publish(self.last_record):
            return replace(feedback, record=self.last_record)
        return feedback

    def _sealed_check(self, answer: object) -> Feedback:
        """Course mode, learner side: the verdict from the hand-out's answer digests."""
        if type(self)._evaluate is not Exercise._evaluate:
            return self._evaluate(answer)  # an exercise checked by simulation, not a solver
        try:
            value = self._read(answer)
        except AnswerFormatError as error:
            return Feedback(False, str(error), "format")
        assert self._sealed is not None
        known = self._sealed["digests"].get(
            answer_digest(bytes.fromhex(self._sealed["key"]), value)
        )
        if known is None:
            return Feedback(
                False, "That is not it. Compare your steps with the formula, or ask for a hint()."
            )
        mistake, message = known
        return Feedback(not mistake, message, mistake or None)

    def _evaluate(self, answer: object) -> Feedback:
        p = self._p
        try:
            value = self._read(answer)
        except AnswerFormatError as error:
            return Feedback(False, str(error), "format")
        if self._same(value, self._solve(p)):
            return Feedback(True, self._praise(p))
        for mistake in self._targeted_mistakes():
            if self._same(value, mistake.value):
                return Feedback(False, mistake.message, mistake.id)
        diagnosis = self._diagnose(p, value)  # not `or`: a Feedback is falsy when wrong
        return diagnosis if diagnosis is not None else Feedback(False, self._generic(p, value))

    def _targeted_mistakes(self) -> list[Mistake[A]]:
        """The typical mistakes that give an answer of their own (not the right one, and not
        one an earlier mistake already gives), in the order they are tried."""
        seen = [self._solve(self._p)]
        kept = []
        for mistake in self._mistakes(self._p):
            if not any(self._same(mistake.value, v) for v in seen):
                kept.append(mistake)
                seen.append(mistake.value)
        return kept

    def _same(self, a: A, b: A) -> bool:
        if isinstance(a, bytes) and isinstance(b, bytes):
            return hmac.compare_digest(a, b)
        return a == b

    def solution(self) -> str:
        """The expected answer, for instructors and tests only (needs ``VPNTEACH_INSTRUCTOR``
        in self-study, the course secret in course mode)."""
        if self._sealed is not None:
            raise PermissionError("in a course, solutions need the course secret")
        if active_course() is None and not os.environ.get(INSTRUCTOR_ENV):
            raise PermissionError(
                f"solutions are for instructors: set {INSTRUCTOR_ENV}=1 to see them "
                "(learners: try ex.hint() instead)"
            )
        return self._show_answer(self._solve(self._p))

    def widget(self) -> Any:
        """An ipywidgets form: answer box, Check, feedback, Hint (the notebook views of
        ``vpnteach.ui``: run ``%load_ext vpnteach`` first)."""
        return widget_of(self)

    # ---------------------------------------------------------------- hooks

    @classmethod
    def _make_params(cls, rng: SeededRng) -> P:
        raise NotImplementedError

    def _givens(self, p: P) -> list[tuple[str, Any]]:
        raise NotImplementedError

    def _question(self, p: P) -> str:
        raise NotImplementedError

    def _read(self, answer: object) -> A:
        raise NotImplementedError

    def _solve(self, p: P) -> A:
        raise NotImplementedError

    def _mistakes(self, p: P) -> list[Mistake[A]]:
        return []

    def _diagnose(self, p: P, answer: A) -> Feedback | None:
        """A structural look at an unrecognised wrong answer (default: nothing to say)."""
        return None

    def _generic(self, p: P, answer: A) -> str:
        return "That is not it. Compare your steps with the formula, or ask for a hint()."

    def _praise(self, p: P) -> str:
        return "Well done: that is the expected answer."

    def _show_answer(self, value: A) -> str:
        if isinstance(value, tuple):  # several words: as a learner types them
            return show_tokens(value)
        return show_value(value)


def _guarded(solver: Callable[[Any, Any], T]) -> Callable[[Any, Any], T]:
    """``solver`` refusing on a sealed object (course mode, learner side)."""

    @functools.wraps(solver)
    def guarded(self: Any, p: Any) -> T:
        if getattr(self, "_sealed", None) is not None:
            raise PermissionError("in a course, the solver needs the course secret")
        return solver(self, p)

    return guarded


class HexExercise(Exercise[P, bytes]):
    """An exercise whose answer is a byte string typed as hex."""

    answer_name: ClassVar[str]

    def _read(self, answer: object) -> bytes:
        return parse_hex(answer, self.answer_name)

    def _diagnose(self, p: P, answer: bytes) -> Feedback | None:
        expected = len(self._solve(p))
        if len(answer) == expected:
            return None
        message = (
            f"{self.answer_name} has {expected} bytes here, your answer has {len(answer)}: "
            "check what is cut, padded or concatenated."
        )
        return Feedback(False, message, "wrong_length")

    def _generic(self, p: P, answer: bytes) -> str:
        return (
            f"Right length, but not {self.answer_name}. Recheck each input and their order "
            "against the formula; hint() gives the next step."
        )
