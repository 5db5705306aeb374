"""The stepper over the FlexVPN tunnel-interface lab (``Lab.seed(ike=2, form="vti")``): a static
VTI is up before any traffic (IOS negotiates when the tunnel interface comes up), so the seed's
ping steps through ESP only; ``shutdown`` and ``no shutdown`` on ``Tunnel0`` step through the
Delete and the same IKEv2 exchanges as the crypto map form (RFC 7296 §1.4.1 INFORMATIONAL, then
§1.2: IKE_SA_INIT, IKE_AUTH with TSi and TSr inside SK). A lab's recipe keeps its form, so
``Stepper.for_lab`` replays the tunnel interface, not a crypto map."""

from __future__ import annotations

from vpnteach.lab import Lab
from vpnteach.stepper import StepKind, Stepper
from vpnteach.stepper.ikev2_steps import Ikev2Message


def test_the_seed_ping_over_a_vti_lab_steps_through_esp_only() -> None:
    stepper = Stepper.for_lab(Lab.seed(ike=2, form="vti", auth="pre-share"))
    steps = list(stepper)
    assert stepper.lab.branch1.gateway is not None
    assert stepper.lab.branch1.gateway.interface == "Tunnel0"  # the recipe kept form="vti"
    assert not [s for s in steps if isinstance(s.payload, Ikev2Message)]
    esp = [s for s in steps if s.kind is StepKind.ESP_PACKET]
    assert len(esp) == 20  # five echoes and five replies, each sealed and opened


def test_shutdown_and_no_shutdown_step_through_delete_ike_sa_init_and_ike_auth() -> None:
    lab = Lab.seed(ike=2, form="vti", auth="pre-share")
    stepper = Stepper.for_lab(lab, commands=())
    stepper.configure("Branch1", "interface Tunnel0\n shutdown\n")
    stepper.configure("Branch1", "interface Tunnel0\n no shutdown\n")
    messages = [s.payload for s in stepper if isinstance(s.payload, Ikev2Message)]
    assert [(m.label, m.sender) for m in messages] == [
        ("INFORMATIONAL request", "Branch1"),
        ("IKE_SA_INIT request", "Branch1"),
        ("INFORMATIONAL response", "Branch2"),
        ("IKE_SA_INIT response", "Branch2"),
        ("IKE_AUTH request", "Branch1"),
        ("IKE_AUTH response", "Branch2"),
    ]
    request, response = messages[4:]
    assert {"IDi", "AUTH", "SA", "TSi", "TSr"} <= set(request.inner)
    assert {"IDr", "AUTH", "SA", "TSi", "TSr"} <= set(response.inner)
