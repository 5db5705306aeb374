"""The stepper over the FlexVPN tunnel-interface lab (``Lab.seed(ike=2, form="vti")``): the
same IKEv2 exchanges as the crypto map form (RFC 7296 §1.2: IKE_SA_INIT, then IKE_AUTH with
TSi and TSr inside SK), and a lab's recipe keeps its form, so ``Stepper.for_lab`` replays the
tunnel interface, not a crypto map."""

from __future__ import annotations

from vpnteach.lab import Lab
from vpnteach.stepper import StepKind, Stepper
from vpnteach.stepper.ikev2_steps import Ikev2Message


def test_a_vti_lab_steps_through_ike_sa_init_ike_auth_and_esp() -> None:
    lab = Lab.seed(ike=2, form="vti", auth="pre-share")
    stepper = Stepper.for_lab(lab)
    steps = list(stepper)
    assert stepper.lab.branch1.gateway is not None
    assert stepper.lab.branch1.gateway.interface == "Tunnel0"  # the recipe kept form="vti"
    messages = [s.payload for s in steps if isinstance(s.payload, Ikev2Message)]
    assert [(m.label, m.sender) for m in messages] == [
        ("IKE_SA_INIT request", "Branch1"),
        ("IKE_SA_INIT response", "Branch2"),
        ("IKE_AUTH request", "Branch1"),
        ("IKE_AUTH response", "Branch2"),
    ]
    request, response = messages[2:]
    assert {"IDi", "AUTH", "SA", "TSi", "TSr"} <= set(request.inner)
    assert {"IDr", "AUTH", "SA", "TSi", "TSr"} <= set(response.inner)
    esp = [s for s in steps if s.kind is StepKind.ESP_PACKET]
    assert len(esp) == 16  # four echoes and four replies, each sealed and opened
