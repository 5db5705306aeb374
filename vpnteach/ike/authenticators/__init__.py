"""Phase 1 authenticators: one object per authentication method (RFC 2409 §5.1-§5.4).

The Main Mode and Aggressive Mode handlers ask the SA's authenticator, chosen with the
transform in MM1/MM2, for what differs by method; :data:`AUTHENTICATORS` maps the IANA
Authentication Method (RFC 2409 Appendix A) to its class, :func:`usable` tells which of our
policies can be offered to a peer.
"""

from __future__ import annotations

from vpnteach.ike.authenticators.base import (
    Authenticator,
    HashOf,
    first_payload,
    identity_text,
    log_id_payload,
    read_peer_id,
    receive_cert_requests,
)
from vpnteach.ike.authenticators.pre_share import PreShareAuthenticator
from vpnteach.ike.authenticators.rsa_encr import RsaEncrAuthenticator
from vpnteach.ike.authenticators.rsa_sig import RsaSigAuthenticator
from vpnteach.ike.context import Context, IkeError
from vpnteach.ike.policy import IsakmpPolicy
from vpnteach.wire.constants import AuthenticationMethod

__all__ = [
    "AUTHENTICATORS",
    "Authenticator",
    "HashOf",
    "PreShareAuthenticator",
    "RsaEncrAuthenticator",
    "RsaSigAuthenticator",
    "authenticator_for",
    "first_payload",
    "identity_text",
    "log_id_payload",
    "read_peer_id",
    "receive_cert_requests",
    "usable",
]

#: The class of each authentication method we implement, by IANA value.
AUTHENTICATORS: dict[int, type[Authenticator]] = {
    AuthenticationMethod.PRE_SHARED_KEY: PreShareAuthenticator,
    AuthenticationMethod.RSA_SIGNATURES: RsaSigAuthenticator,
    AuthenticationMethod.RSA_ENCRYPTION: RsaEncrAuthenticator,
}
_BY_KEYWORD = {cls.keyword: cls for cls in AUTHENTICATORS.values()}


def authenticator_for(method: int, ctx: Context, peer: str) -> Authenticator:
    """The authenticator of the negotiated ``method`` for this SA with ``peer``."""
    cls = AUTHENTICATORS.get(method)
    if cls is None:  # select_ike_transform accepts only our policies' methods
        raise IkeError(f"authentication method {method} is not supported", None)
    return cls.create(ctx, peer)


def usable(ctx: Context, peer: str, policy: IsakmpPolicy, *, explain: bool = False) -> bool:
    """Whether ``policy``'s method can be used with ``peer`` (``explain``: log why not, for
    the methods whose absence IOS explains)."""
    cls = _BY_KEYWORD.get(policy.authentication)
    if cls is None:
        return False
    reason = cls.unusable_reason(ctx, peer)
    if reason is not None and explain:
        cls.explain_unusable(ctx, policy, reason)
    return reason is None
