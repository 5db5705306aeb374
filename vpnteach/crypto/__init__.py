"""The cryptography of IKEv1 and ESP, as pure functions over bytes.

* :mod:`~vpnteach.crypto.rng` - random sources (``OsRng``, replayable ``SeededRng``);
* :mod:`~vpnteach.crypto.prf` - negotiated hashes and their HMAC PRFs (RFC 2409 §4);
* :mod:`~vpnteach.crypto.modp` - MODP Diffie-Hellman groups 1, 2, 5, 14, 15, 16;
* :mod:`~vpnteach.crypto.dh` - the Diffie-Hellman exchange of Main Mode (RFC 2409 §5);
* :mod:`~vpnteach.crypto.cipher` - DES/3DES/AES-CBC without hidden padding;
* :mod:`~vpnteach.crypto.rsa_sig` - the IKEv1 RSA signature (PKCS#1 v1.5, no DigestInfo).

Submodules are imported explicitly; importing this package imports nothing heavy.
"""
