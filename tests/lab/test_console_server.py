"""The console server of ``vpnteach console``: one console per device, ``@NAME`` switches."""

from __future__ import annotations

import io

from vpnteach.lab import Lab
from vpnteach.ui.terminal import ConsoleServer, transcript


def test_switching_devices_and_the_cas_command_prompt() -> None:
    lab = Lab.seed()
    out = io.StringIO()
    transcript(
        ConsoleServer(lab),
        ["en", "@branch2", "show clock", "@CA", "certutil -view", "dir",
         "certutil -revoke 614C662A000000000009", "certutil -view", "@Nowhere", "@Branch1",
         "show crypto isakmp sa ?"],
        out,
    )  # fmt: skip
    text = out.getvalue()
    assert "[connected to Branch2]\nBranch2>show clock\n*" in text
    # the seed's two router certificates (serials of the seed's show crypto pki certificates)
    assert 'Serial Number: "614ae084000000000008"' in text
    assert 'Serial Number: "614c662a000000000009" REVOKED' in text
    assert "'dir' is not recognized as an internal or external command" in text
    assert "% No such device 'Nowhere': Branch1, Branch2, ISP, CA" in text
    # back on Branch1, still in privileged EXEC: each console keeps its own mode
    assert text.endswith("[connected to Branch1]\nBranch1#show crypto isakmp sa ?\n  <cr>\n\n")
    assert lab.ca is not None and 0x614C662A000000000009 in lab.ca.revoked
