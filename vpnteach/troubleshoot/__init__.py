"""The troubleshooting lab: named failure scenarios, a diagnosis from the run's facts, mysteries.

::

    from vpnteach import troubleshoot
    lab = troubleshoot.broken_lab("transform_set")     # the seed lab with one fault
    troubleshoot.run_traffic(lab)                      # the seed's ping
    print(troubleshoot.diagnose(lab))                  # phase, router, check, cause, fix

    lab = troubleshoot.mystery_lab(learner="ada")      # a fault you are not told
    troubleshoot.check_fix(lab, {"Branch2": "..."}, cause="...")

:data:`SCENARIOS` lists the named faults (:mod:`vpnteach.troubleshoot.scenarios`);
:func:`diagnose` reads any run, however the fault was made
(:mod:`vpnteach.troubleshoot.diagnose`).
"""

from __future__ import annotations

from vpnteach.troubleshoot.diagnose import diagnose
from vpnteach.troubleshoot.edit import edit_config
from vpnteach.troubleshoot.finding import Diagnosis, Finding
from vpnteach.troubleshoot.mystery import CAUSES, apply_commands, check_fix, mystery_lab
from vpnteach.troubleshoot.oneside import diagnose_endpoint
from vpnteach.troubleshoot.scenarios import (
    SCENARIOS,
    Scenario,
    ScenarioError,
    broken_lab,
    run_scenario,
    run_traffic,
    scenario,
)

__all__ = [
    "CAUSES",
    "SCENARIOS",
    "Diagnosis",
    "Finding",
    "Scenario",
    "ScenarioError",
    "apply_commands",
    "broken_lab",
    "check_fix",
    "diagnose",
    "diagnose_endpoint",
    "edit_config",
    "mystery_lab",
    "run_scenario",
    "run_traffic",
    "scenario",
]
