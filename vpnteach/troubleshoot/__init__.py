"""The troubleshooting lab: named failure scenarios and a diagnosis from the run's facts.

::

    from vpnteach import troubleshoot
    lab = troubleshoot.broken_lab("transform_set")     # the seed lab with one fault
    troubleshoot.run_traffic(lab)                      # the seed's ping
    print(troubleshoot.diagnose(lab))                  # phase, router, check, cause, fix

    troubleshoot.apply_commands(lab, {"Branch2": "..."})  # type a fix (config and exec lines)

:data:`SCENARIOS` lists the named faults (:mod:`vpnteach.troubleshoot.scenarios`);
:func:`diagnose` reads any run, however the fault was made
(:mod:`vpnteach.troubleshoot.diagnose`); :data:`CAUSES` are the causes it names. The graded
mystery lab (a fault you are not told) is an exercise: :func:`vpnteach.exercises.mystery_lab`.
"""

from __future__ import annotations

from vpnteach.troubleshoot.diagnose import diagnose
from vpnteach.troubleshoot.edit import apply_commands, edit_config
from vpnteach.troubleshoot.finding import CAUSES, Diagnosis, Finding
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
    "diagnose",
    "diagnose_endpoint",
    "edit_config",
    "run_scenario",
    "run_traffic",
    "scenario",
]
