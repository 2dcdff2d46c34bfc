// The Debian packages of Open vSwitch and OVN that an install with the kernel datapath and Debian's
// Python bindings puts on a host: what `ovnctl facts` reports and what the lab's mirror carries.
export const OVN_PACKAGES = [
  'openvswitch-switch',
  'openvswitch-common',
  'ovn-central',
  'ovn-host',
  'ovn-common',
  'python3-openvswitch',
] as const;
