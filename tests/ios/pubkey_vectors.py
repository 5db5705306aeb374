"""A peer's RSA public key as the pubkey-chain tests type it in (made once with openssl)."""

from __future__ import annotations

# openssl genrsa -out peer.pem 1024 && openssl rsa -in peer.pem -pubout -outform DER | xxd -p
PEER_SPKI_HEX = (
    "30819f300d06092a864886f70d010101050003818d0030818902818100c0a3fe"
    "af85352a71b79336cd7b8ce7f2a29b22b39bc326f698a3aaef266ab76bb8bdb3"
    "231b490369d77349ad33cabf4e6211c687262254fb9b71ff96719c45ad8a86d2"
    "17d52b4b478e5b90633acee7e54bb2d39a717f44790b2e27954186c1bef97d74"
    "89c4fb6ae64e86e2aa3e87781ca605ff856e3f327435dd92cd9b915285020301"
    "0001"
)
# openssl rsa -in peer.pem -noout -modulus
PEER_MODULUS_HEX = (
    "C0A3FEAF85352A71B79336CD7B8CE7F2A29B22B39BC326F698A3AAEF266AB76BB8BDB3231B490369D77349AD"
    "33CABF4E6211C687262254FB9B71FF96719C45AD8A86D217D52B4B478E5B90633ACEE7E54BB2D39A717F4479"
    "0B2E27954186C1BEF97D7489C4FB6AE64E86E2AA3E87781CA605FF856E3F327435DD92CD9B915285"
)
# openssl ecparam -name prime256v1 -genkey -noout | openssl ec -pubout -outform DER | xxd -p
EC_SPKI_HEX = (
    "3059301306072a8648ce3d020106082a8648ce3d03010703420004a1d441ba4ab1eb7fffcde60e4dc78a3224"
    "c933ed55bd46f2789ec001739e2a213e973e3820a52a78f50e77c94ed09fcb38ec7b9091792565d917697b2f"
    "75b482"
)


def ios_key_lines(hex_text: str, indent: str = "   ") -> str:
    """``hex_text`` in IOS's key-string layout: 8-digit groups, 8 groups a line."""
    digits = hex_text.upper()
    groups = [digits[i : i + 8] for i in range(0, len(digits), 8)]
    return "".join(indent + " ".join(groups[i : i + 8]) + "\n" for i in range(0, len(groups), 8))


def pubkey_chain(address: str = "10.2.2.1", hex_text: str = PEER_SPKI_HEX) -> str:
    """The configuration block giving ``address`` the key ``hex_text``."""
    return (
        "crypto key pubkey-chain rsa\n"
        f" addressed-key {address}\n"
        f"  address {address}\n"
        "  key-string\n" + ios_key_lines(hex_text) + "  quit\n exit\nexit\n"
    )
