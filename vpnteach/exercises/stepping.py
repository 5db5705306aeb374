"""Predict-before-you-step exercises: the next state, the key sizes, the retransmission timer,
the anti-replay window and the ping counters, asked *before* the stepper or the lab shows them.

Expected answers come from the engine: the Main Mode transition table
(:data:`vpnteach.ike.transitions.MAIN_MODE`, the states IOS logs), the IOS retransmission
timer (:class:`vpnteach.ike.config.Retransmission`), the key sizes of
:mod:`vpnteach.crypto` and the MODP groups, and the ESP replay window
(:class:`vpnteach.esp.replay.ReplayWindow`, RFC 4303 §3.4.3).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from vpnteach.crypto.cipher import get_cipher
from vpnteach.crypto.modp import get_group
from vpnteach.crypto.prf import get_hash
from vpnteach.crypto.rng import SeededRng, random_int_below
from vpnteach.esp.replay import ReplayWindow
from vpnteach.exercises.answers import AnswerFormatError, parse_yes_no_list
from vpnteach.exercises.base import Exercise, Mistake
from vpnteach.exercises.keys import pick
from vpnteach.ike.config import Retransmission
from vpnteach.ike.states import IkeState, isakmp_sa_state
from vpnteach.ike.transitions import MAIN_MODE

_SPLIT = re.compile(r"[\s,;]+")


def parse_tokens(answer: object, count: int, what: str) -> tuple[str, ...]:
    """``count`` words (spaces or commas between them), upper-cased."""
    if not isinstance(answer, (str, list, tuple)):
        raise AnswerFormatError(f"{what}: give {count} values separated by spaces")
    items = [str(t) for t in answer] if isinstance(answer, (list, tuple)) else answer.split()
    tokens = [t for item in items for t in _SPLIT.split(item.strip()) if t]
    if len(tokens) != count:
        raise AnswerFormatError(f"{what}: {count} values expected, got {len(tokens)}")
    return tuple(t.upper() for t in tokens)


def parse_numbers(answer: object, count: int, what: str) -> tuple[int, ...]:
    """``count`` whole numbers."""
    tokens = parse_tokens(answer, count, what)
    if not all(t.isdigit() for t in tokens):
        raise AnswerFormatError(f"{what}: whole numbers only, such as '96 20 24 36'")
    return tuple(int(t) for t in tokens)


# --------------------------------------------------------------------------- next state

_RECEIVED = [m for m in MAIN_MODE.moves if m.message]


@dataclass(frozen=True)
class StateParams:
    message: str


def _after(state: IkeState, role: str) -> tuple[IkeState, str]:
    """Follow the internal moves from ``state``: the state after processing, and the next
    message this router sends (``QM1`` once phase 1 completes on the initiator)."""
    for move in MAIN_MODE.moves:
        internal = move.state == state and move.role in (role, "both") and not move.message
        if internal and move.next_state != state:
            return move.next_state, _sent(move.next_state, role)
    return state, "NONE"


def _sent(state: IkeState, role: str) -> str:
    if state == IkeState.IKE_P1_COMPLETE:  # the responder's MM6 completes phase 1
        return "QM1" if role == "initiator" else "MM6"
    return "MM" + str(state)[-1]


class NextState(Exercise[StateParams, tuple[str, ...]]):
    """Predict what a Main Mode message does to the receiving router's state machine."""

    id = "next_state"
    title = "Predict the next state"
    kind = "predict"
    answer_format = "three words: New State, the next message sent, show crypto isakmp sa state"
    hint_ladder = (
        "IOS names its states after the last message of the exchange it has handled: "
        "IKE_I_MMn on the initiator (Branch1), IKE_R_MMn on the responder.",
        "The 'New State' logged right after a message arrives names that message's number.",
        "Then the router processes it and answers (the responder) or sends its next message "
        "(the initiator); Main Mode alternates MM1, MM2, ... MM6, and the initiator starts "
        "Quick Mode (QM1) at once because the ping is waiting.",
        "show crypto isakmp sa groups the states: MM_NO_STATE, MM_SA_SETUP (after the SA "
        "payloads), MM_KEY_EXCH (after the KE payloads), QM_IDLE (phase 1 done).",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> StateParams:
        return StateParams(pick(rng, [m.message for m in _RECEIVED]))

    def _move(self, p: StateParams) -> Any:
        return next(m for m in _RECEIVED if m.message == p.message)

    def _givens(self, p: StateParams) -> list[tuple[str, Any]]:
        move = self._move(p)
        router = "Branch1" if move.role == "initiator" else "Branch2"
        return [
            ("router", f"{router} ({move.role})"),
            ("its state", f"{move.state.value} ({isakmp_sa_state(move.state)})"),
            ("arrives", f"{p.message} from the peer, acceptable"),
        ]

    def _question(self, p: StateParams) -> str:
        return (
            "Before stepping on: what 'New State =' does IOS log when this message is "
            "accepted, which message does the router send next (MM1..MM6, QM1, or NONE), and "
            "what state does show crypto isakmp sa print once it has sent it?"
        )

    def _read(self, answer: object) -> tuple[str, ...]:
        return parse_tokens(answer, 3, "New State, next message, isakmp sa state")

    def _solve(self, p: StateParams) -> tuple[str, ...]:
        move = self._move(p)
        final, sent = _after(move.next_state, move.role)
        return move.next_state.value, sent, isakmp_sa_state(final)

    def _mistakes(self, p: StateParams) -> list[Mistake[tuple[str, ...]]]:
        move = self._move(p)
        new, sent, coarse = self._solve(p)
        final, _ = _after(move.next_state, move.role)
        other = new.replace("_I_", "_R_") if "_I_" in new else new.replace("_R_", "_I_")
        return [
            Mistake("old_state", (move.state.value, sent, coarse),
                    "That is the state before the message: the move logged on arrival names "
                    "the message just received."),
            Mistake("other_role", (other, sent, coarse),
                    "The _I_ states belong to the initiator (Branch1), the _R_ states to the "
                    "responder (Branch2)."),
            Mistake("sent_state", (final.value, sent, coarse),
                    "That is the state after the router has also sent its next message; the "
                    "'New State' logged on arrival comes first."),
            Mistake("coarse_before", (new, sent, isakmp_sa_state(move.state)),
                    "show crypto isakmp sa moves on too: after the SA payloads it says "
                    "MM_SA_SETUP, after the KE payloads MM_KEY_EXCH, after MM5/MM6 QM_IDLE."),
        ]  # fmt: skip


# --------------------------------------------------------------------------- key sizes

_IKE_CIPHERS = (("des", "des"), ("3des", "3des"), ("aes", "aes128"), ("aes 256", "aes256"))
_ESP = (("esp-des", 8), ("esp-3des", 24), ("esp-aes", 16), ("esp-aes 256", 32))
_ESP_AUTH = (("esp-md5-hmac", 16), ("esp-sha-hmac", 20))


@dataclass(frozen=True)
class SizeParams:
    encryption: str
    cipher: str
    hash: str
    group: int
    esp: str
    esp_key: int
    esp_auth: str
    auth_key: int


class KeySizes(Exercise[SizeParams, tuple[int, ...]]):
    """Predict four sizes before the key ledger shows them."""

    id = "key_sizes"
    title = "Predict the sizes before the ledger shows them"
    kind = "predict"
    answer_format = "four byte counts: KE data, SKEYID_e, Ka, KEYMAT of one ESP SA"
    hint_ladder = (
        "The KE data is g^x mod p written with as many bytes as the prime p: group 1 is a "
        "768-bit prime, group 2 1024 bits, group 5 1536 bits.",
        "Every SKEYID_* is one prf output: as long as the hash (MD5 16 bytes, SHA-1 20).",
        "Ka is as long as the cipher's key (DES 8, 3DES 24, AES 16 or 32), expanded from "
        "SKEYID_e when that is too short (RFC 2409 Appendix B).",
        "One SA's KEYMAT holds the encryption key and the HMAC key, one after the other.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> SizeParams:
        encryption, cipher = pick(rng, _IKE_CIPHERS)
        esp, esp_key = pick(rng, _ESP)
        auth, auth_key = pick(rng, _ESP_AUTH)
        return SizeParams(encryption, cipher, pick(rng, ("md5", "sha")), pick(rng, (1, 2, 5)),
                          esp, esp_key, auth, auth_key)  # fmt: skip

    def _givens(self, p: SizeParams) -> list[tuple[str, Any]]:
        return [
            ("crypto isakmp policy 10", f" encryption {p.encryption}\n hash {p.hash}\n "
             f"authentication rsa-sig\n group {p.group}"),
            ("crypto ipsec transform-set TS", f"{p.esp} {p.esp_auth}"),
        ]  # fmt: skip

    def _question(self, p: SizeParams) -> str:
        return (
            "Both routers use this policy and transform set. Before the key ledger shows "
            "them: how many bytes are the KE data of MM3, SKEYID_e, the phase-1 key Ka, and "
            "the KEYMAT of one ESP SA?"
        )

    def _read(self, answer: object) -> tuple[int, ...]:
        return parse_numbers(answer, 4, "four sizes in bytes")

    def _solve(self, p: SizeParams) -> tuple[int, ...]:
        prime = (get_group(p.group).p.bit_length() + 7) // 8
        digest = get_hash(p.hash).digest_size
        return prime, digest, get_cipher(p.cipher).key_size, p.esp_key + p.auth_key

    def _mistakes(self, p: SizeParams) -> list[Mistake[tuple[int, ...]]]:
        ke, skeyid, ka, keymat = self._solve(p)
        return [
            Mistake("bits_not_bytes", (ke * 8, skeyid * 8, ka * 8, keymat * 8),
                    "Those are bits: the question asks bytes (divide by 8)."),
            Mistake("ka_is_skeyid_e", (ke, skeyid, skeyid, keymat),
                    "Ka is not simply SKEYID_e: it is as long as the cipher needs (cut, or "
                    "expanded when SKEYID_e is shorter)."),
            Mistake("keymat_one_key", (ke, skeyid, ka, p.esp_key),
                    "KEYMAT of one SA carries both the encryption key and the HMAC key."),
            Mistake("keymat_both_directions", (ke, skeyid, ka, 2 * keymat),
                    "Each direction has its own SA and its own KEYMAT: give one SA's."),
            Mistake("ke_is_exponent", (skeyid, skeyid, ka, keymat),
                    "The KE data is the public value g^x mod p, as long as the prime."),
        ]  # fmt: skip


# --------------------------------------------------------------------------- retransmissions


@dataclass(frozen=True)
class RetransmitParams:
    first: dt.datetime
    attempt: int


def _schedule(config: Retransmission) -> tuple[list[float], float]:
    """Seconds after the first send of each retransmission, and of the give-up."""
    times, at, interval = [], 0.0, config.interval
    for _ in range(config.limit):
        at += interval
        times.append(at)
        interval *= config.backoff
    return times, at + interval


def _clock(when: dt.datetime) -> str:
    return when.strftime("%H:%M:%S")


class Retransmits(Exercise[RetransmitParams, tuple[str, ...]]):
    """Predict when an unanswered MM1 is sent again, and when IKE gives up."""

    id = "retransmits"
    title = "Predict the retransmissions"
    kind = "predict"
    answer_format = "two clock times hh:mm:ss: the retransmission asked, the give-up"
    hint_ladder = (
        "IOS waits 5 s for an answer, then resends ('retransmitting phase 1 MM_NO_STATE'). ",
        "Each wait is twice the previous one: 5, 10, 20, 40, 80 s between sends.",
        "Add the waits up from the first send. After the 5th retransmission IOS waits once "
        "more (160 s), then deletes the SA ('Death by retransmission P1').",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> RetransmitParams:
        start = dt.datetime(2010, 6, 6, 10, random_int_below(rng, 60), random_int_below(rng, 60))
        return RetransmitParams(start, 2 + random_int_below(rng, 4))

    def _givens(self, p: RetransmitParams) -> list[tuple[str, Any]]:
        return [
            ("Branch1 debug", f"Jun 6 {_clock(p.first)}.071: ISAKMP:(0): sending packet to "
             "10.2.2.9 my_port 500 peer_port 500 (I) MM_NO_STATE"),
            ("retransmission asked", f"attempt {p.attempt} of 5"),
        ]  # fmt: skip

    def _question(self, p: RetransmitParams) -> str:
        return (
            "Branch1's set peer is wrong: nobody answers MM1. At what time does Branch1 log "
            f"'retransmitting phase 1 MM_NO_STATE... (attempt {p.attempt} of 5)', and at what "
            "time does it give up on the SA?"
        )

    def _read(self, answer: object) -> tuple[str, ...]:
        tokens = parse_tokens(answer, 2, "two times")
        if not all(re.fullmatch(r"\d\d:\d\d:\d\d", t) for t in tokens):
            raise AnswerFormatError("times as hh:mm:ss, such as 10:22:05 10:27:05")
        return tokens

    def _at(self, p: RetransmitParams, seconds: float) -> str:
        return _clock(p.first + dt.timedelta(seconds=seconds))

    def _solve(self, p: RetransmitParams) -> tuple[str, ...]:
        times, give_up = _schedule(Retransmission())
        return self._at(p, times[p.attempt - 1]), self._at(p, give_up)

    def _mistakes(self, p: RetransmitParams) -> list[Mistake[tuple[str, ...]]]:
        times, give_up = _schedule(Retransmission())
        base = Retransmission().interval
        return [
            Mistake("not_cumulative", (self._at(p, base * 2 ** (p.attempt - 1)),
                                       self._at(p, base * 2**5)),
                    "Those are single waits: each retransmission comes after all earlier waits "
                    "added up (5, then 5+10, then 5+10+20...)."),
            Mistake("no_backoff", (self._at(p, base * p.attempt), self._at(p, base * 6)),
                    "The wait doubles each time (backoff), it is not always 5 s."),
            Mistake("give_up_at_last", (self._at(p, times[p.attempt - 1]),
                                        self._at(p, times[-1])),
                    "After the 5th retransmission IOS still waits for an answer (one more, "
                    "doubled, wait) before it gives up."),
            Mistake("off_by_one", (self._at(p, times[p.attempt - 2] if p.attempt > 1 else 0),
                                   self._at(p, give_up)),
                    "Attempt 1 is the first *retransmission* (5 s after the first send), "
                    "not the first send."),
        ]  # fmt: skip


# --------------------------------------------------------------------------- anti-replay


@dataclass(frozen=True)
class ReplayParams:
    size: int
    start: int
    arrivals: tuple[int, ...]


def _replay(p: ReplayParams, how: str) -> tuple[bool, ...]:
    """Which arrivals pass the window (``how``: ``rfc``, or a misreading of it)."""
    window, top = ReplayWindow(size=p.size), p.start
    seen = set(range(max(1, p.start - p.size + 1), p.start + 1))
    for seq in sorted(seen):  # everything up to the right edge has arrived
        window.accept(seq)
    verdicts = []
    for seq in p.arrivals:
        if how == "rfc":
            ok = window.accept(seq).ok
        elif how == "strict":
            ok = seq > top
        elif how == "duplicates":
            ok = seq > top - p.size
        else:  # "edge": the window is one too wide
            ok = seq not in seen and seq > top - p.size - 1
        verdicts.append(ok)
        if ok:
            seen.add(seq)
            top = max(top, seq)
    return tuple(verdicts)


class AntiReplay(Exercise[ReplayParams, tuple[bool, ...]]):
    """Predict which ESP packets the receiver's replay window lets through (RFC 4303 §3.4.3)."""

    id = "anti_replay"
    title = "Predict the anti-replay verdicts"
    kind = "predict"
    answer_format = "yes or no per packet (accepted?), e.g. 'yes no yes yes no yes'"
    hint_ladder = (
        "The window remembers the highest sequence number received (the right edge) and which "
        "of the numbers below it, within the window size, were already seen.",
        "A number above the right edge is new: accepted, and the window slides up.",
        "A number inside the window is accepted once (late is fine, twice is a replay).",
        "A number at or below right edge - window size is too old: dropped, even if never seen.",
    )

    @classmethod
    def _make_params(cls, rng: SeededRng) -> ReplayParams:
        size = pick(rng, (32, 64))
        start = 100 + random_int_below(rng, 400)
        top = start + size + 4 + random_int_below(rng, 20)  # the window jumps up
        # late, duplicate, just too old, just inside: the traps, in this order
        arrivals = [start + 2, start + 1, start + 1, top, top - size, top - size + 1]
        arrivals.insert(random_int_below(rng, 4), start + 3)  # new, or late
        arrivals.insert(random_int_below(rng, 8), start - size - 5)  # long gone
        return ReplayParams(size, start, tuple(arrivals))

    def _givens(self, p: ReplayParams) -> list[tuple[str, Any]]:
        return [
            ("replay window", f"{p.size} packets"),
            ("highest sequence number received so far", str(p.start)),
            ("then arrive, in this order (ICV good)", " ".join(map(str, p.arrivals))),
        ]

    def _question(self, p: ReplayParams) -> str:
        return (
            "Branch2's inbound SA has received packets up to the number given, all of them. "
            "For each packet that arrives next, does the anti-replay check accept it?"
        )

    def _read(self, answer: object) -> tuple[bool, ...]:
        return parse_yes_no_list(answer, len(_REPLAY_SLOTS), "one answer per packet")

    def _solve(self, p: ReplayParams) -> tuple[bool, ...]:
        return _replay(p, "rfc")

    def _mistakes(self, p: ReplayParams) -> list[Mistake[tuple[bool, ...]]]:
        return [
            Mistake("strict_order", _replay(p, "strict"),
                    "A late packet is not a replay: any number inside the window that has not "
                    "been seen yet is accepted (IPsec runs over IP, which may reorder)."),
            Mistake("duplicates_accepted", _replay(p, "duplicates"),
                    "The window also remembers which numbers it has seen: the second copy of "
                    "a number is a replay and is dropped."),
            Mistake("window_too_wide", _replay(p, "edge"),
                    "Count the window: with the right edge at N and size W, it covers N-W+1 "
                    "to N; N-W is already too old."),
        ]  # fmt: skip


_REPLAY_SLOTS = range(8)
