"""The parts of :mod:`vpnteach.lab`: lab routers and their exec commands, enrollment over the
simulated network, and the seed and hub-and-spoke scenarios."""
