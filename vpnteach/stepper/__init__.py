"""The stepper: drive a lab one event at a time and record a :class:`Step` for each thing worth
looking at (messages, DH, key derivations, signatures, certificate checks, state moves, ESP
packets, timers, drops, the learner's own actions); go back by deterministic replay.

See :mod:`vpnteach.stepper.stepper` for the navigation and intervention API,
:mod:`vpnteach.stepper.builder` for how steps are made from facts, records and network events,
and :mod:`vpnteach.stepper.adapter` for what the stepper needs from a lab;
:mod:`vpnteach.stepper.session` holds the learner's interventions as replayable data.
"""

from __future__ import annotations

from vpnteach.stepper.adapter import InterventionError
from vpnteach.stepper.naming import MessageNamer
from vpnteach.stepper.session import ReplayError, ScriptEntry, SteppingError
from vpnteach.stepper.step import (
    IkeMessage,
    LearnerAction,
    LogEntry,
    PeerState,
    PendingDatagram,
    Step,
    StepKind,
    Transition,
)
from vpnteach.stepper.stepper import SEED_COMMAND, Stepper, stepper_for

__all__ = [
    "SEED_COMMAND",
    "IkeMessage",
    "InterventionError",
    "LearnerAction",
    "LogEntry",
    "MessageNamer",
    "PeerState",
    "PendingDatagram",
    "ReplayError",
    "ScriptEntry",
    "Step",
    "StepKind",
    "Stepper",
    "SteppingError",
    "Transition",
    "stepper_for",
]
