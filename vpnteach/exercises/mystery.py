"""The self-graded troubleshooting exercise: a broken lab whose fault you are not told.

The broken lab and the diagnosis come from :mod:`vpnteach.troubleshoot` (the named faults and
the causes a learner may name); this module chooses the fault and grades the repair.

::

    lab = mystery_lab(learner="ada")            # the fault is chosen from the learner id
    lab.branch1.exec("ping 192.168.22.1 source 192.168.11.1")
    lab.branch2.exec("debug crypto isakmp") ...  # find it: show, debug, the stepper
    check_fix(lab, {"Branch2": "crypto isakmp policy 10\\n encryption 3des"},
              cause="isakmp_policy_mismatch")

:func:`check_fix` rebuilds the same broken lab from scratch, types the learner's commands on
the routers named (configuration lines; ``clock set`` and ``crypto pki ...`` go to exec mode),
runs the seed's ping and grades: the cause must be the one behind the fault (one of
:data:`~vpnteach.troubleshoot.CAUSES`) and the tunnel must carry 5 of 5 echoes. The fault's
name lives in a weak table keyed by the lab object, not in the notebook; the package can of
course be read.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from vpnteach.crypto.rng import SeededRng, random_int_below
from vpnteach.exercises.base import Feedback
from vpnteach.exercises.gradebook import Attempt, current_learner, record
from vpnteach.ios import IosConfigError
from vpnteach.troubleshoot.diagnose import diagnose
from vpnteach.troubleshoot.edit import apply_commands
from vpnteach.troubleshoot.finding import CAUSES
from vpnteach.troubleshoot.scenarios import broken_lab, run_traffic, scenario

if TYPE_CHECKING:
    from vpnteach.lab import Lab

EXERCISE_ID = "troubleshoot"
MYSTERIES = (
    "isakmp_encryption",
    "isakmp_hash",
    "isakmp_group",
    "transform_set",
    "pfs_one_side",
    "acl_not_mirrored",
    "wrong_peer",
    "crypto_map_not_applied",
    "clock_skew",
    "id_mismatch",
)
"""The faults a mystery lab may have: each is fixed by typing commands on one router."""


_FAULTS: weakref.WeakKeyDictionary[Lab, str] = weakref.WeakKeyDictionary()
_LEARNERS: weakref.WeakKeyDictionary[Lab, str] = weakref.WeakKeyDictionary()


def mystery_fault(learner: str) -> str:
    """The fault of ``learner``'s mystery lab (for instructors and tests)."""
    rng = SeededRng(f"vpnteach-exercise:{learner}").fork(EXERCISE_ID)
    return MYSTERIES[random_int_below(rng, len(MYSTERIES))]


def mystery_lab(learner: str | None = None) -> Lab:
    """The seed lab with one fault chosen from ``learner`` (default: the current learner)."""
    who = (learner or "").strip() or current_learner()
    name = mystery_fault(who)
    lab = broken_lab(name)
    _FAULTS[lab], _LEARNERS[lab] = name, who
    return lab


def check_fix(lab: Lab, commands: dict[str, str], cause: str) -> Feedback:
    """Grade a repair: rebuild ``lab`` broken, apply ``commands``, ping; name the ``cause``.

    Args:
        lab: a lab from :func:`mystery_lab` (or ``troubleshoot.broken_lab``).
        commands: ``{"Branch2": "crypto isakmp policy 10\\n hash md5"}``: what to type where.
        cause: the cause you found, one of :data:`CAUSES`.
    """
    feedback = _grade(lab, commands, cause)
    who = _LEARNERS.get(lab, current_learner())
    record(Attempt(who, EXERCISE_ID, feedback.correct, feedback.mistake, feedback.message))
    return feedback


def _grade(lab: Lab, commands: dict[str, str], cause: str) -> Feedback:
    if lab.recipe is None:
        return Feedback(False, "This lab cannot be rebuilt: use exercises.mystery_lab().")
    if cause not in CAUSES:
        return Feedback(False, f"Name the cause with one of: {', '.join(CAUSES)}.", "format")
    fresh = lab.recipe()
    try:
        apply_commands(fresh, commands)
    except (IosConfigError, ValueError) as exc:
        return Feedback(False, f"Your commands were refused: {exc}", "format")
    second = run_traffic(fresh, settle=5.0)
    up = diagnose(fresh).tunnel_up and "!!!!!" in second
    expected = _expected_cause(lab)
    if expected is not None and cause != expected:
        verdict = "The tunnel now comes up, but that" if up else "That"
        return Feedback(False, f"{verdict} is not the cause behind this fault: look at the "
                        "notification and the check that failed again.", "wrong_cause")  # fmt: skip
    if not up:
        return Feedback(
            False,
            "The tunnel still does not carry the ping after your commands: run "
            "troubleshoot.diagnose() on a lab with your fix applied, or compare the "
            "debug output of both routers.",
            "still_broken",
        )
    return Feedback(True, f"Fixed: the cause was {CAUSES[cause]}, and Branch1's ping now "
                    "crosses the tunnel (5/5).")  # fmt: skip


def _expected_cause(lab: Lab) -> str | None:
    name = _FAULTS.get(lab)
    return scenario(name).expect.cause if name is not None else None
