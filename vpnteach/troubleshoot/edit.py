"""Configuration edits as IOS makes them, including the two the lab router does not follow yet.

:func:`edit_config` is :meth:`~vpnteach.labs.router.LabRouter.configure` plus what IOS also
does and the lab router leaves out today (hooks asked for in ``LabRouter.configure``):

* ``no crypto map CRYPTO`` under the last crypto interface: IOS simply stops encrypting on it
  (traffic leaves in clear); the lab's gateway refuses the configuration
  (:class:`~vpnteach.gateway.GatewayConfigError`). Here the router keeps the new configuration
  and runs without a gateway, as IOS does.
* ``ip domain-name`` / ``hostname``: IOS's FQDN identity follows the running configuration;
  the lab's PKI keeps the name it had at enrollment. Here the PKI follows.

:func:`apply_commands` types a whole fix, router by router: exec lines (``clock set``,
``crypto pki ...``) one by one, the rest as one ``configure terminal`` block.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vpnteach.gateway import GatewayConfigError
from vpnteach.ios import RouterConfig

if TYPE_CHECKING:
    from vpnteach.lab import Lab
    from vpnteach.labs.router import LabRouter

IKE_PORTS = (500, 4500)
EXEC_PREFIXES = ("clock set", "crypto pki authenticate", "crypto pki enroll")
"""Lines of a fix typed in exec mode; every other line is configuration."""


def edit_config(lab: Lab, router: str, text: str) -> RouterConfig:
    """``configure terminal`` + ``text`` on ``router``, all lines or none (IosConfigError)."""
    target = lab.router(router)
    try:
        config = target.configure(text)
    except GatewayConfigError:
        stop_crypto(target)
        config = target.config
    if config.domain_name and target.pki.domain != config.domain_name:
        target.pki.domain = config.domain_name
    target.pki.hostname = config.hostname
    return config


def stop_crypto(router: LabRouter) -> None:
    """The router no longer has a crypto map on any interface: no IPsec, no IKE."""
    router.gateway = None
    router.node.outbound_hook = None
    router.node.inbound_hook = None
    for port in IKE_PORTS:
        router.node.unbind_udp(port)


def apply_commands(lab: Lab, commands: dict[str, str]) -> None:
    """Type ``commands`` (router -> lines) on ``lab``: exec lines one by one, the rest as one
    ``configure terminal`` block per router (all or none)."""
    for router, text in commands.items():
        lines = [line for line in text.splitlines() if line.strip()]
        config = "\n".join(line for line in lines if not _is_exec(line))
        if config:
            edit_config(lab, router, config + "\n")
        for line in lines:
            if _is_exec(line):
                lab.router(router).exec(line.strip())


def _is_exec(line: str) -> bool:
    return line.strip().lower().startswith(EXEC_PREFIXES)
