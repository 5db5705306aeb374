"""The seed's two router configurations, embedded so that ``vpnteach demo`` works on a fresh
install (the wheel carries no ``assets/``). They are byte-for-byte ``assets/configs/branch1.cfg``
and ``branch2.cfg``; ``tests/lab/test_seed_lab.py`` checks that they have not drifted.
"""

# ruff: noqa: E501
from __future__ import annotations

BRANCH1_CFG = """! Branch1, as configured in the seed tutorial (Site-to-site IPSec VPN using Digital Certificates)
hostname Branch1
ip domain-name amit.com
!
ntp server 192.168.1.9
!
crypto key generate rsa general-keys modulus 1024 label BRANCH_KEY exportable
!
crypto pki trustpoint WIN2003
 enrollment url http://192.168.1.9/certsrv/mscep/mscep.dll
 enrollment mode ra
 rsakeypair BRANCH_KEY
 revocation-check none
!
crypto isakmp policy 10
 encryption 3des
 authentication rsa-sig
 hash md5
 group 1
!
crypto ipsec transform-set TS esp-3des esp-md5-hmac
!
ip access-list extended ACL
 permit ip 192.168.11.0 0.0.0.255 192.168.22.0 0.0.0.255
!
crypto map CRYPTO 10 ipsec-isakmp
 match address ACL
 set peer 10.2.2.1
 set transform-set TS
!
interface Serial1/0
 ip address 10.1.1.1 255.255.255.0
 crypto map CRYPTO
!
interface FastEthernet0/0
 ip address 192.168.11.1 255.255.255.0
!
ip route 0.0.0.0 0.0.0.0 10.1.1.2
!
end
"""

BRANCH2_CFG = """! Branch2, as configured in the seed tutorial (Site-to-site IPSec VPN using Digital Certificates)
hostname Branch2
ip domain-name amit.com
!
ntp server 192.168.1.9
!
crypto key generate rsa general-keys modulus 1024 label BRANCH_KEY exportable
!
crypto pki trustpoint WIN2003
 enrollment url http://192.168.1.9/certsrv/mscep/mscep.dll
 enrollment mode ra
 rsakeypair BRANCH_KEY
 revocation-check none
!
crypto isakmp policy 10
 encryption 3des
 authentication rsa-sig
 hash md5
 group 1
!
crypto ipsec transform-set TS esp-3des esp-md5-hmac
!
ip access-list extended ACL
 permit ip 192.168.22.0 0.0.0.255 192.168.11.0 0.0.0.255
!
crypto map CRYPTO 10 ipsec-isakmp
 match address ACL
 set peer 10.1.1.1
 set transform-set TS
!
interface Serial1/0
 ip address 10.2.2.1 255.255.255.0
 crypto map CRYPTO
!
interface FastEthernet0/0
 ip address 192.168.22.1 255.255.255.0
!
ip route 0.0.0.0 0.0.0.0 10.2.2.2
!
end
"""

SEED_CONFIGS = {"Branch1": BRANCH1_CFG, "Branch2": BRANCH2_CFG}
