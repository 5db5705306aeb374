"""Reading ``debug crypto isakmp``: find the line that shows something, and say what a failing
log means (which message the peer refused, and who decided).

The logs are the lab's own (:meth:`vpnteach.ike.endpoint.IkeEndpoint.debug_log`): the seed's
run, or a run with one fault of :mod:`vpnteach.troubleshoot.scenarios`, made once per process
(a second or so) and cached. Each learner gets a question and a window of the log of their own,
numbered from 1.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from vpnteach.crypto.rng import SeededRng, random_int_below
from vpnteach.exercises.answers import AnswerFormatError
from vpnteach.exercises.base import Exercise, Mistake
from vpnteach.exercises.keys import pick
from vpnteach.exercises.stepping import parse_tokens

PING = "ping 192.168.22.1 source 192.168.11.1"


@functools.cache
def seed_log() -> tuple[str, ...]:
    """Branch1's ``debug crypto isakmp`` lines during the seed's first ping."""
    from vpnteach.lab import Lab

    lab = Lab.seed()
    lab.branch1.exec(PING)
    assert lab.branch1.gateway is not None
    return tuple(lab.branch1.gateway.ike.debug_log().splitlines())


@functools.cache
def fault_log(fault: str) -> tuple[str, ...]:
    """Branch1's debug lines when the seed's ping meets ``fault`` (a troubleshoot scenario)."""
    from vpnteach.troubleshoot.scenarios import broken_lab, run_traffic

    lab = broken_lab(fault)
    run_traffic(lab, settle=1.0)
    assert lab.branch1.gateway is not None
    return tuple(lab.branch1.gateway.ike.debug_log().splitlines())


def _find(lines: tuple[str, ...], pattern: str, after: int = 0) -> int:
    """Index of the first line at or after ``after`` matching ``pattern``."""
    regex = re.compile(pattern)
    return next(i for i in range(after, len(lines)) if regex.search(lines[i]))


def parse_line_number(answer: object, count: int) -> int:
    """A line number from 1 to ``count``."""
    text = str(answer).strip().lower().removeprefix("line").strip()
    if not text.isdigit() or not 1 <= int(text) <= count:
        raise AnswerFormatError(f"answer with one line number, 1 to {count}")
    return int(text)


# --------------------------------------------------------------------------- which line


@dataclass(frozen=True)
class Question:
    """What to find, the line that shows it, a line often taken for it, and why not that one."""

    ask: str
    target: str
    decoy: str
    why_not: str
    after: str = ""


QUESTIONS = (
    Question(
        "Branch2 has accepted Branch1's proposal: which line says the offered attributes "
        "were found acceptable?",
        r"atts are acceptable\. Next payload",
        r"Checking ISAKMP transform 1 against",
        "That line starts the comparison; the verdict comes after the attributes are listed.",
    ),
    Question(
        "Which line shows that Branch1's certificate does not contain its IP address?",
        r"Addr not in Cert",
        r"Using FQDN as My ID",
        "That line is the consequence (IOS falls back to its name); the reason is logged "
        "just before it.",
    ),
    Question(
        "Which line shows that Branch1 has verified Branch2's signature in MM6?",
        r"SA has been authenticated with",
        r"processing SIG payload",
        "That line only starts processing the signature; the verdict comes a little later.",
        after=r"processing SIG payload",
    ),
    Question(
        "Which line shows Branch1 sending MM3 (its KE and nonce)?",
        r"sending packet to .* \(I\) MM_SA_SETUP",
        r"sending packet to .* \(I\) MM_NO_STATE",
        "That one goes out in MM_NO_STATE: it is MM1. The state printed is the ISAKMP SA's "
        "state when the packet leaves: MM_SA_SETUP once MM1/MM2 agreed the SA.",
    ),
    Question(
        "Which line shows the SPI Branch2 will put in the ESP packets it sends to Branch1?",
        r"has spi 0x",
        r"has spi 0x",
        "That is the SPI of Branch1's outbound SA (what Branch1 puts in its packets to "
        "Branch2). Packets from Branch2 arrive on Branch1's inbound SA.",
        after=r"inbound SA from",
    ),
    Question(
        "Which line shows that Branch2 runs Cisco IOS too?",
        r"speaking to another IOS box",
        r"vendor ID is Unity",
        "Unity is Cisco's remote-access client feature: ASAs and VPN concentrators send it "
        "too. A later vendor ID identifies an IOS router.",
    ),
)


@dataclass(frozen=True)
class LineParams:
    question: int
    start: int
    size: int


class DebugLine(Exercise[LineParams, int]):
    """Find the ``debug crypto isakmp`` line that shows something."""

    id = "debug_line"
    title = "Read the debug log: which line shows it?"
    kind = "decode"
    answer_format = "one line number"
    hint_ladder = (
        "Read the log as a story: 'sending packet' and 'received packet' lines mark the "
        "messages; between them IOS processes payloads one by one.",
        "IOS logs the start of a check ('Checking...', 'processing ... payload') before its "
        "verdict ('acceptable', 'authenticated'): look for the verdict.",
        "The state on a 'sending packet' line is the ISAKMP SA's state as it leaves "
        "(MM_NO_STATE, MM_SA_SETUP, MM_KEY_EXCH, QM_IDLE).",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> LineParams:
        q = random_int_below(rng, len(QUESTIONS))
        lines = seed_log()
        target, decoy = _lines_of(QUESTIONS[q], lines)
        low, high = min(target, decoy), max(target, decoy)
        size = max(18, high - low + 8)
        first = max(0, high - size + 2)
        start = first + random_int_below(rng, max(1, min(low, len(lines) - size) - first + 1))
        return LineParams(q, min(start, low), size)

    def _window(self, p: LineParams) -> tuple[str, ...]:
        return seed_log()[p.start : p.start + p.size]

    def _givens(self, p: LineParams) -> list[tuple[str, Any]]:
        numbered = "\n".join(f"{n:3} {line}" for n, line in enumerate(self._window(p), 1))
        return [("Branch1# debug crypto isakmp (excerpt, numbered)", numbered)]

    def _question(self, p: LineParams) -> str:
        return f"{QUESTIONS[p.question].ask} Answer with its number in the excerpt."

    def _read(self, answer: object) -> int:
        return parse_line_number(answer, len(self._window(self._p)))

    def _solve(self, p: LineParams) -> int:
        return _lines_of(QUESTIONS[p.question], seed_log())[0] - p.start + 1

    def _mistakes(self, p: LineParams) -> list[Mistake[int]]:
        question = QUESTIONS[p.question]
        decoy = _lines_of(question, seed_log())[1] - p.start + 1
        right = self._solve(p)
        near = [
            Mistake("next_line", right + 1, "Close: one line too far down."),
            Mistake("previous_line", right - 1, "Close: one line too far up."),
        ]
        inside = [m for m in near if 1 <= m.value <= len(self._window(p))]
        return [Mistake("decoy", decoy, question.why_not), *inside]

    def _show_answer(self, value: int) -> str:
        return str(value)


def _lines_of(question: Question, lines: tuple[str, ...]) -> tuple[int, int]:
    """(target index, decoy index) of ``question`` in ``lines``."""
    after = _find(lines, question.after) if question.after else 0
    target = _find(lines, question.target, after)
    if question.decoy == question.target:  # the decoy is the same kind of line, later
        return target, _find(lines, question.decoy, target + 1)
    return target, _find(lines, question.decoy)


# --------------------------------------------------------------------------- refused message

REFUSALS = (
    "isakmp_hash",
    "isakmp_group",
    "transform_set",
    "acl_not_mirrored",
    "clock_skew",
    "id_mismatch",
)
_STATE_SENT = {
    ("I", "MM_NO_STATE"): "MM1",
    ("I", "MM_SA_SETUP"): "MM3",
    ("I", "MM_KEY_EXCH"): "MM5",
    ("I", "QM_IDLE"): "QM1",
}
_ANSWERED = {"MM1": "MM2", "MM3": "MM4", "MM5": "MM6", "QM1": "QM2"}


@dataclass(frozen=True)
class RefusalParams:
    fault: str
    before: int


class DebugRefusal(Exercise[RefusalParams, tuple[str, ...]]):
    """Read a failing log: which of Branch1's messages was refused, and by whom."""

    id = "debug_refusal"
    title = "Read a failing log: what was refused, and where was it decided?"
    kind = "decode"
    answer_format = "two words: the refused message (MM1, MM3, MM5, QM1), the router that refused"
    hint_ladder = (
        "A NOTIFY line is what Branch1 *received*: the decision was made by the router that "
        "sent it.",
        "The notification answers the last message Branch1 sent: find the 'sending packet' "
        "line before it.",
        "The state printed on 'sending packet' tells which message: MM_NO_STATE is MM1, "
        "MM_SA_SETUP MM3, MM_KEY_EXCH MM5, QM_IDLE a Quick Mode message.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> RefusalParams:
        return RefusalParams(pick(rng, REFUSALS), 4 + random_int_below(rng, 8))

    def _excerpt(self, p: RefusalParams) -> tuple[str, ...]:
        lines = fault_log(p.fault)
        notify = _find(lines, r"processing NOTIFY (?!INITIAL_CONTACT)")
        sent = max(i for i in range(notify) if "sending packet to" in lines[i])
        return lines[max(0, sent - p.before) : notify + 3]

    def _givens(self, p: RefusalParams) -> list[tuple[str, Any]]:
        return [("Branch1# debug crypto isakmp (excerpt)", "\n".join(self._excerpt(p)))]

    def _question(self, p: RefusalParams) -> str:
        return (
            "Branch1's ping did not cross the tunnel. From Branch1's log alone: which message "
            "of Branch1's did the peer refuse, and which router made that decision?"
        )

    def _read(self, answer: object) -> tuple[str, ...]:
        message, router = parse_tokens(answer, 2, "message, router")
        if message not in _ANSWERED and message not in _ANSWERED.values():
            raise AnswerFormatError("the message is one of MM1..MM6, QM1..QM3")
        if router not in ("BRANCH1", "BRANCH2"):
            raise AnswerFormatError("the router is Branch1 or Branch2")
        return message, router

    def _refused(self, p: RefusalParams) -> str:
        lines = self._excerpt(p)
        sent = max(i for i, line in enumerate(lines) if "sending packet to" in line)
        match = re.search(r"\((I|R)\) (\w+)", lines[sent])
        assert match is not None
        return _STATE_SENT[(match[1], match[2])]

    def _solve(self, p: RefusalParams) -> tuple[str, ...]:
        return self._refused(p), "BRANCH2"

    def _mistakes(self, p: RefusalParams) -> list[Mistake[tuple[str, ...]]]:
        refused = self._refused(p)
        return [
            Mistake("receiver_blamed", (refused, "BRANCH1"),
                    "Branch1 only received the notification: the router that sent it "
                    "(Branch2) ran the check that failed."),
            Mistake("answer_message", (_ANSWERED[refused], "BRANCH2"),
                    "The notification came in place of Branch2's answer: the refused message "
                    "is the one Branch1 sent before it."),
            Mistake("state_misread", (_misread(refused), "BRANCH2"),
                    "Read the state on Branch1's last 'sending packet' line: MM_NO_STATE is "
                    "MM1, MM_SA_SETUP MM3, MM_KEY_EXCH MM5, QM_IDLE Quick Mode."),
        ]  # fmt: skip


def _misread(refused: str) -> str:
    """The message a learner who counts states instead of messages names."""
    return {"MM1": "MM3", "MM3": "MM1", "MM5": "MM3", "QM1": "MM5"}[refused]
