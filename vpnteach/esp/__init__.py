"""ESP (RFC 4303) in tunnel mode, its SPD and SAD (RFC 4301), sans-IO.

* :mod:`vpnteach.esp.esp` — ``encapsulate`` / ``decapsulate`` / ``inspect_esp``;
* :mod:`vpnteach.esp.sa` — :class:`IpsecSa`, counters, lifetimes and their events;
* :mod:`vpnteach.esp.replay` — the 64-packet anti-replay window;
* :mod:`vpnteach.esp.integrity` — HMAC-MD5-96, HMAC-SHA-1-96, HMAC-SHA-256-128;
* :mod:`vpnteach.esp.spd`, :mod:`vpnteach.esp.sad` — policy from crypto maps, SAs by SPI;
* :mod:`vpnteach.esp.policy` — crypto ACLs, transform sets, crypto map entries (the SPD's
  configuration; IKE reads them too).
"""
