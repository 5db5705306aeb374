"""Everything that touches the outside world: namespaces, real transports, pcap files.

This is the only layer allowed to run subprocesses, open sockets or read the clock.
``vpnteach.net.pcap`` is pure stdlib file-format code; ``vpnteach.net.netns`` drives
``ip`` (iproute2) to build lab topologies in Linux network namespaces.
"""

from __future__ import annotations
