# ruff: noqa: E501
"""The seed tutorial's ``debug crypto isakmp`` log of Branch1 (the initiator), verbatim.

Source: seed/ipsec-vpn-digital-certificates.txt, sections "IKE Policy Negotiated" through
"ID and Certificate Exchange in IKE Phase 1" (MAIN_MODE_LOG, up to IKE_P1_COMPLETE and the
start of Quick Mode) and the rest of "IKE Phase 2 messages" (QUICK_MODE_LOG, from the second
Quick Mode message on). The tutorial's "!" commentary lines are kept: they are part of the text. Below the texts: the
one way the tests read a log against them (its moves, its lines in order).
"""

import re

MAIN_MODE_LOG = """Jun 6 10:21:50.071: ISAKMP:(0): SA request profile is (NULL)
Jun 6 10:21:50.071: ISAKMP: Created a peer struct for 10.2.2.1, peer port 500
Jun 6 10:21:50.071: ISAKMP: New peer created peer = 0x6735D84C peer_handle = 0x80000002
Jun 6 10:21:50.071: ISAKMP: Locking peer struct 0x6735D84C, refcount 1 for isakmp_initiator
Jun 6 10:21:50.075: ISAKMP: local port 500, remote port 500
Jun 6 10:21:50.075: ISAKMP: set new node 0 to QM_IDLE
Jun 6 10:21:50.087: insert sa successfully sa = 66BF8998
Jun 6 10:21:50.087: ISAKMP:(0):Can not start Aggressive mode, trying Main mode.
Jun 6 10:21:50.091: ISAKMP:(0):No pre-shared key with 10.2.2.1!
Jun 6 10:21:50.091: ISAKMP:(0): constructed NAT-T vendor-rfc3947 ID
Jun 6 10:21:50.095: ISAKMP:(0): constructed NAT-T vendor-07 ID
Jun 6 10:21:50.095: ISAKMP:(0): constructed NAT-T vendor-03 ID
Jun 6 10:21:50.095: ISAKMP:(0): constructed NAT-T vendor-02 ID
Jun 6 10:21:50.095: ISAKMP:(0):Input = IKE_MESG_FROM_IPSEC, IKE_SA_REQ_MM
Jun 6 10:21:50.095: ISAKMP:(0):Old State = IKE_READY New State = IKE_I_MM1
! Indicates IKE negotiation has begun and first ISAKMP message in Main Mode is about to be sent
Jun 6 10:21:50.099: ISAKMP:(0): beginning Main Mode exchange
Jun 6 10:21:50.099: ISAKMP:(0): sending packet to 10.2.2.1 my_port 500 peer_port 500 (I)
MM_NO_STATE
! Indicates Branch1 router is sending IKE Policy Proposal message
Jun 6 10:21:50.099: ISAKMP:(0):Sending an IKE IPv4 Packet.
Jun 6 10:21:50.307: ISAKMP (0:0): received packet from 10.2.2.1 dport 500 sport 500 Global (I)
MM_NO_STATE
! Indicates Branch1 router received IKE Policy Acceptance message from remote peer
Jun 6 10:21:50.319: ISAKMP:(0):Input = IKE_MESG_FROM_PEER, IKE_MM_EXCH
Jun 6 10:21:50.319: ISAKMP:(0):Old State = IKE_I_MM1 New State = IKE_I_MM2
! Indicates that first two messages were exchanged successfully
Jun 6 10:21:50.323: ISAKMP:(0): processing SA payload. message ID = 0
Jun 6 10:21:.!50.327: ISAKMP:(0): processing vendor id payload
Jun 6 10:21:50.327: ISAKMP:(0): vendor ID seems Unity/DPD but major 69 mismatch
Jun 6 10:21:50.327: ISAKMP (0:0): vendor ID is NAT-T RFC 3947
Jun 6 10:21:50.327: ISAKMP : Scanning profiles for xauth ...
Jun 6 10:21:50.331: ISAKMP:(0):Checking ISAKMP transform 1 against priority 10 policy
Jun 6 10:21:50.331: ISAKMP: encryption 3DES-CBC
Jun 6 10:21:50.331: ISAKMP: hash MD5
Jun 6 10:21:50.331: ISAKMP: default group 1
Jun 6 10:21:50.331: ISAKMP: auth RSA sig
Jun 6 10:21:50.331: ISAKMP: life type in seconds
Jun 6 10:21:50.335: ISAKMP: life duration (VPI) of 0x0 0x1 0x51 0x80
Jun 6 10:21:50.335: ISAKMP:(0):atts are acceptable. Next payload is 0
! Indicates that the attributes received are acceptable
Jun 6 10:21:50.335: ISAKMP:(0):Acceptable atts:actual life: 0
Jun 6 10:21:50.339: ISAKMP:(0):Acceptable atts:life: 0
Jun 6 10:21:50.339: ISAKMP:(0):Fill atts in sa vpi_length:4
Jun 6 10:21:50.339: ISAKMP:(0):Fill atts in sa life_in_seconds:86400
Jun 6 10:21:50.339: ISAKMP:(0):Returning Actual lifetime: 86400
Jun 6 10:21:50.343: ISAKMP:(0)::Started lifetime timer: 86400
Jun 6 10:21:50.395: ISAKMP:(0): processing vendor id payload
Jun 6 10:21:50.395: ISAKMP:(0): vendor ID seems Unity/DPD but major 69 mismatch
Jun 6 10:21:50.395: ISAKMP (0:0): vendor ID is NAT-T RFC 3947
Jun 6 10:21:50.395: ISAKMP:(0):Input = IKE_MESG_INTERNAL, IKE_PROCESS_MAIN_MODE
Jun 6 10:21:50.395: ISAKMP:(0):Old State = IKE_I_MM2 New State = IKE_I_MM2
The next two message serve to exchange Diffie-Hellman Public-Keyvalues. Diffie-Hellman is a public-key algorithm that allows peers toexchange Public Key values over an insecure network. Combined togetherwith their own Private Keys, both routers derive a same
shared secret key (also called session key).
Diffie-Hellman Key Exchange
Jun 6 10:21:50.395: ISAKMP (0:0): constructing CERT_REQ for issuer cn=WIN2003,dc=amit,dc=com
Jun 6 10:21:50.399: ISAKMP:(0): sending packet to 10.2.2.1 my_port 500 peer_port 500 (I) MM_SA_SETUP
! Indicates Branch1 router is sending its Diffie-Hellman Public Key and Nonce value to remote peer
Jun 6 10:21:50.399: ISAKMP:(0):Sending an IKE IPv4 Packet.
Jun 6 10:21:50.399: ISAKMP:(0):Input = IKE_MESG_INTERNAL, IKE_PROCESS_COMPLETE
Jun 6 10:21:50.403: ISAKMP:(0):Old State = IKE_I_MM2 New State = IKE_I_MM3
! Indicates third message in IKE Phase 1 is sent
Jun 6 10:21:50.587: ISAKMP (0:0): received packet from 10.2.2.1 dport 500 sport 500 Global (I) MM_SA_SETUP
! Indicates Branch1 router receives Diffie-Hellman Public Key and Nonce value from remote peer- Branch2 router
Jun 6 10:21:50.587: ISAKMP:(0):Input = IKE_MESG_FROM_PEER, IKE_MM_EXCH
Jun 6 10:21:50.591: ISAKMP:(0):Old State = IKE_I_MM3 New State = IKE_I_MM4! Indicates that four messages have been exchanged successfully in IKE Phase 1
Jun 6 10:21:50.595: ISAKMP:(0): processing KE payload. message ID = 0
! This payload contains Diffie-Hellman Public Key of Branch2 router
Jun 6 10:21:50.659: ISAKMP:(0): processing NONCE payload. message ID = 0
! This payload contains the Nonce (random value) of Branch2 router
The last two messages of IKE Phase 1 between IKE peers using RSA-Signature exchange Identification, Digital Certificate and Digital Signature. The ID can be the peer IP Address or fully qualified domain name (FQDN). The messages are encrypted using the encryption method negotiated in IKE Policy and the key used is the session-key derived using Diffie-Hellman key exchange.
ID and Certificate Exchange in IKE Phase 1
Jun 6 10:21:50.659: ISAKMP:(1001): processing CERT_REQ payload. message ID = 0
Jun 6 10:21:50.659: ISAKMP:(1001): peer wants a CT_X509_SIGNATURE cert
! Indicates the peer has requested a Digital Certificate as the authentication method used is RSA-SIG
Jun 6 10:21:50.659: ISAKMP:(1001): peer wants cert issued by cn=WIN2003,dc=amit,dc=com
Jun 6 10:21:50.659: Choosing trustpoint WIN2003 as issuer
Jun 6 10:21:50.659: ISAKMP:(1001): processing vendor id payload
Jun 6 10:21:50.659: ISAKMP:(1001): vendor ID is Unity
Jun 6 10:21:50.663: ISAKMP:(1001): processing vendor id payload
Jun 6 10:21:50.663: ISAKMP:(1001): vendor ID is DPD
Jun 6 10:21:50.663: ISAKMP:(1001): processing vendor id payload
Jun 6 10:21:50.667: ISAKMP:(1001): speaking to another IOS box!
Jun 6 10:21:50.667: ISAKMP:received payload type 20
Jun 6 10:21:50.667: ISAKMP:received payload type 20
Jun 6 10:21:50.667: ISAKMP:(1001):Input = IKE_MESG_INTERNAL, IKE_PROCESS_MAIN_MODE
Jun 6 10:21:50.671: ISAKMP:(1001):Old State = IKE_I_MM4 New State = IKE_I_MM4
Jun 6 10:21:50.675: ISAKMP:(1001):Send initial contact
Jun 6 10:21:50.691: ISAKMP:(1001):My ID configured as IPv4 Addr, but Addr not in Cert!
Jun 6 10:21:50.691: ISAKMP:(1001):Using FQDN as My ID
Jun 6 10:21:50.691: ISAKMP:(1001):SA is doing RSA signature authentication using id type ID_FQDN
Jun 6 10:21:50.691: ISAKMP (0:1001): ID payload
next-payload : 6
type : 2
FQDN name : Branch1.amit.com
protocol : 17
port : 500
length : 24
Jun 6 10:21:50.691: ISAKMP:(1001):Total payload length: 24
Jun 6 10:21:50.707: ISAKMP (0:1001): constructing CERT payload for hostname=Branch1.amit.com
Jun 6 10:21:50.707: ISKAMP: growing send buffer from 1024 to 3072
Jun 6 10:21:50.707: ISAKMP:(1001): using the WIN2003 trustpoint's keypair to sign
! Indicates the Digital Certificate is signed by the Public Key of the CA Server (Windows Server 2003)
Jun 6 10:21:50.751: ISAKMP:(1001): sending packet to 10.2.2.1 my_port 500 peer_port 500 (I) MM_KEY_EXCH
Jun 6 10:21:50.755: ISAKMP:(1001):Sending an IKE IPv4 Packet.
Jun 6 10:21:50.755: ISAKMP:(1001):Input = IKE_MESG_INTERNAL, IKE_PROCESS_COMPLETE
Jun 6 10:21:50.759: ISAKMP:(1001):Old State = IKE_I_MM4 New State = IKE_I_MM5
! Indicates the Branch1 router has sent the fifth message of IKE Phase 1 containing the Digital Certificate
Jun 6 10:21:51.075: ISAKMP (0:1001): received packet from 10.2.2.1 dport 500 sport 500 Global (I) MM_KEY_EXCH
! This router has received the Digital Certificate from the peer
Jun 6 10:21:51.083: ISAKMP:(1001): processing ID payload. message ID = 0
Jun 6 10:21:51.083: ISAKMP (0:1001): ID payload
next-payload : 6
type : 2
FQDN name : Branch2.amit.com
protocol : 17
port : 500
length : 24
Jun 6 10:21:51.087: ISAKMP:(0):: peer matches *none* of the profiles
Jun 6 10:21:51.087: ISAKMP:(1001): processing CERT payload. message ID = 0
! The CERT payload contains the Digital Certificate
Jun 6 10:21:51.087: ISAKMP:(1001): processing a CT_X509_SIGNATURE cert
Jun 6 10:21:51.143: ISAKMP:(1001): peer's pubkey isn't cached
Jun 6 10:21:51.187: ISAKMP:(1001): Unable to get DN from certificate!
Jun 6 10:21:51.191: ISAKMP:(1001): Cert presented by peer contains no OU field.
Jun 6 10:21:51.191: ISAKMP:(0):: peer matches *none* of the profiles
Jun 6 10:21:51.199: ISAKMP:(1001): processing SIG payload. message ID = 0
! This router is processing the Digital Signature of the Certificate contained in SIG payload
Jun 6 10:21:51.215: ISAKMP:(1001):SA authentication status:
authenticated
Jun 6 10:21:51.215: ISAKMP:(1001):SA has been authenticated with 10.2.2.1
! This indicates the peers have authenticated themselves
Jun 6 10:21:51.219: ISAKMP: Trying to insert a peer 10.1.1.1/10.2.2.1/500/, and inserted successfully 6735D84C.
Jun 6 10:21:51.219: ISAKMP:(1001):Input = IKE_MESG_FROM_PEER, IKE_MM_EXCH
Jun 6 10:21:51.219: ISAKMP:(1001):Old State = IKE_I_MM5 New State = IKE_I_MM6
! Indicates the sixth message has been exchanged in IKE Phase 1
Jun 6 10:21:51.223: ISAKMP:(1001):Input = IKE_MESG_INTERNAL, IKE_PROCESS_MAIN_MODE
Jun 6 10:21:51.223: ISAKMP:(1001):Old State = IKE_I_MM6 New State = IKE_I_MM6
Jun 6 10:21:51.231: ISAKMP:(1001):Input = IKE_MESG_INTERNAL, IKE_PROCESS_COMPLETE
Jun 6 10:21:51.231: ISAKMP:(1001):Old State = IKE_I_MM6 New State = IKE_P1_COMPLETE
Jun 6 10:21:51.247: ISAKMP:(1001):beginning Quick Mode exchange, M-ID of -1512312688
Jun 6 10:21:51.251: ISAKMP:(1001):QM Initiator gets spi
Jun 6 10:21:51.255: ISAKMP:(1001): sending packet to 10.2.2.1 my_port 500 peer_port 500 (I) QM_IDLE
Jun 6 10:21:51.255: ISAKMP:(1001):Sending an IKE IPv4 Packet.
Jun 6 10:21:51.259: ISAKMP:(1001):Node -1512312688, Input = IKE_MESG_INTERNAL, IKE_INIT_QM
Jun 6 10:21:51.259: ISAKMP:(1001):Old State = IKE_QM_READY New State = IKE_QM_I_QM1
Jun 6 10:21:51.259: ISAKMP:(1001):Input = IKE_MESG_INTERNAL, IKE_PHASE1_COMPLETE
Jun 6 10:21:51.263: ISAKMP:(1001):Old State = IKE_P1_COMPLETE New State = IKE_P1_COMPLETE
"""

QUICK_MODE_LOG = """Jun 6 10:21:51.447: ISAKMP (0:1001): received packet from 10.2.2.1 dport 500 sport 500 Global (I) QM_IDLE
! This is the second message in IKE Phase 2
Jun 6 10:21:51.451: ISAKMP:(1001): processing HASH payload. message ID = -1512312688
Jun 6 10:21:51.451: ISAKMP:(1001): processing SA payload. message ID = -1512312688
Jun 6 10:21:51.455: ISAKMP:(1001):Checking IPSec proposal 1
Jun 6 10:21:51.455: ISAKMP: transform 1, ESP_3DES
Jun 6 10:21:51.455: ISAKMP: attributes in transform:
Jun 6 10:21:51.455: ISAKMP: encaps is 1 (Tunnel)
Jun 6 10:21:51.455: ISAKMP: SA life type in seconds
Jun 6 10:21:51.455: ISAKMP: SA life duration (basic) of 3600
Jun 6 10:21:51.459: ISAKMP: SA life type in kilobytes
Jun 6 10:21:51.459: ISAKMP: SA life duration (VPI) of 0x0 0x46 0x50 0x0
Jun 6 10:21:51.459: ISAKMP: authenticator is HMAC-MD5
Jun 6 10:21:51.463: ISAKMP:(1001):atts are acceptable.
! The transform-set parameters are acceptable by this router
Jun 6 10:21:51.463: ISAKMP:(1001): processing NONCE payload. message ID = -1512312688
Jun 6 10:21:51.463: ISAKMP:(1001): processing ID payload. message ID = -1512312688
Jun 6 10:21:51.467: ISAKMP:(1001): processing ID payload. message ID = -1512312688
Jun 6 10:21:51.471: ISAKMP:(1001): Creating IPSec SAs
Jun 6 10:21:51.475: inbound SA from 10.2.2.1 to 10.1.1.1 (f/i) 0/ 0
(proxy 192.168.22.0 to 192.168.11.0)
Jun 6 10:21:51.475: has spi 0xAC4D6EB3 and conn_id 0
Jun 6 10:21:51.475: lifetime of 3600 seconds
Jun 6 10:21:51.475: lifetime of 4608000 kilobytes
Jun 6 10:21:51.479: outbound SA from 10.1.1.1 to 10.2.2.1 (f/i) 0/0
(proxy 192.168.11.0 to 192.168.22.0)
Jun 6 10:21:51.479: has spi 0x34F84D56 and conn_id 0
Jun 6 10:21:51.479: lifetime of 3600 seconds
Jun 6 10:21:51.479: lifetime of 4608000 kilobytes
Jun 6 10:21:51.483: ISAKMP:(1001): sending packet to 10.2.2.1 my_port 500 peer_port 500 (I) QM_IDLE
Jun 6 10:21:51.483: ISAKMP:(1001):Sending an IKE IPv4 Packet.
! This is the last message in IKE Phase 2
Jun 6 10:21:51.487: ISAKMP:(1001):deleting node -1512312688 error FALSE reason 'No Error'
Jun 6 10:21:51.487: ISAKMP:(1001):Node -1512312688, Input = IKE_MESG_FROM_PEER, IKE_QM_EXCH
Jun 6 10:21:51.487: ISAKMP:(1001):Old State = IKE_QM_I_QM1 New State = IKE_QM_PHASE2_COMPLETE
"""

SHOW_CRYPTO_ISAKMP_SA = """Branch1# show crypto isakmp sa
IPv4 Crypto ISAKMP SA
dst src state conn-id slot status
10.2.2.1 10.1.1.1 QM_IDLE 1001 0 ACTIVE
IPv6 Crypto ISAKMP SA"""


MOVE = re.compile(r"Input = (\w+), (\w+)\n[^\n]*Old State = (\w+) New State = (\w+)")
"""One state move of a ``debug crypto isakmp`` log: (source, event, old state, new state)."""

SEED_MOVES: list[tuple[str, str, str, str]] = MOVE.findall(MAIN_MODE_LOG) + MOVE.findall(
    QUICK_MODE_LOG
)
"""The initiator's 13 moves in the seed log, in order."""


def normalise(text: str) -> list[str]:
    """Log lines without timestamps, random values or the tutorial's prose and line wraps."""
    text = text.replace("(I)\nMM_NO_STATE", "(I) MM_NO_STATE").replace(".!50.327", "50.327")
    lines = []
    for line in text.splitlines():
        line = line.split("! ")[0] if "! " in line else line
        if line.startswith("!") or not re.match(
            r"(Jun |ISAKMP|\s|next-|type|FQDN|proto|port|length|auth|\(proxy)", line
        ):
            continue
        line = re.sub(r"Jun \d+ [\d:.]+: ?", "", line)
        line = re.sub(r"-?\d{6,}|0x[0-9A-F]{8}\b|\b[0-9A-F]{8}\b", "<N>", line)
        line = " ".join(line.replace("(f/i) 0/ 0", "(f/i) 0/0").split())
        if line:
            lines.append(line)
    return lines


def seed_lines_missing(log: str) -> list[str]:
    """The seed log's lines (both parts, :func:`normalise`d) that ``log`` does not show in the
    seed's order; also fails unless the normalisation kept more than 150 of them."""
    ours = normalise(log)
    seed = normalise(MAIN_MODE_LOG) + normalise(QUICK_MODE_LOG)
    assert len(seed) > 150  # the normalisation kept the log, not just a few lines
    position, missing = 0, []
    for line in seed:
        try:
            position = ours.index(line, position) + 1
        except ValueError:
            missing.append(line)
    return missing
