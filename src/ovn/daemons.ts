// The OVS/OVN daemons ovnctl runs, in one table: where each writes its pidfile, where its control socket
// is, where it logs, and the service that starts it. Facts, services, verify and smoke all read it.
import { raw, type Raw } from '../shell/command.js';
import { quote } from '../shell/quote.js';

export type DaemonName = 'ovsdb-server' | 'ovs-vswitchd' | 'ovn-northd' | 'ovnnb_db' | 'ovnsb_db' | 'ovn-controller';
export type ServiceName = 'openvswitch' | 'ovn-central' | 'ovn-controller';

export interface Daemon {
  /** Where its pidfile may be, newest layout first: OVN moved its run dir from /var/run/openvswitch to /var/run/ovn. */
  pidfiles: readonly string[];
  /** `ovs-appctl -t` target: the control socket's path where it is fixed, else the name (found via the pidfile). */
  ctl: string;
  /** Set when the control socket is `<dir>/<name>.<pid>.ctl`: ctlTarget() finds it through the pidfile. */
  ctlByPid?: string;
  /** Where it logs (the packages' defaults, with or without systemd). */
  log: string;
  service: ServiceName;
}

export const DAEMONS: Record<DaemonName, Daemon> = {
  'ovsdb-server': {
    pidfiles: ['/var/run/openvswitch/ovsdb-server.pid'],
    ctl: 'ovsdb-server',
    log: '/var/log/openvswitch/ovsdb-server.log',
    service: 'openvswitch',
  },
  'ovs-vswitchd': {
    pidfiles: ['/var/run/openvswitch/ovs-vswitchd.pid'],
    ctl: 'ovs-vswitchd',
    log: '/var/log/openvswitch/ovs-vswitchd.log',
    service: 'openvswitch',
  },
  ovnnb_db: {
    pidfiles: ['/var/run/ovn/ovnnb_db.pid', '/var/run/openvswitch/ovnnb_db.pid'],
    ctl: '/var/run/ovn/ovnnb_db.ctl',
    log: '/var/log/ovn/ovsdb-server-nb.log',
    service: 'ovn-central',
  },
  ovnsb_db: {
    pidfiles: ['/var/run/ovn/ovnsb_db.pid', '/var/run/openvswitch/ovnsb_db.pid'],
    ctl: '/var/run/ovn/ovnsb_db.ctl',
    log: '/var/log/ovn/ovsdb-server-sb.log',
    service: 'ovn-central',
  },
  'ovn-northd': {
    pidfiles: ['/var/run/ovn/ovn-northd.pid', '/var/run/openvswitch/ovn-northd.pid'],
    // OVN 23.03 names it /var/run/ovn/ovn-northd.<pid>.ctl; ovs-appctl would look in /var/run/openvswitch.
    ctl: 'ovn-northd',
    ctlByPid: '/var/run/ovn',
    log: '/var/log/ovn/ovn-northd.log',
    service: 'ovn-central',
  },
  'ovn-controller': {
    pidfiles: ['/var/run/ovn/ovn-controller.pid', '/var/run/openvswitch/ovn-controller.pid'],
    ctl: 'ovn-controller',
    log: '/var/log/ovn/ovn-controller.log',
    service: 'ovn-controller',
  },
};

export const DAEMON_NAMES = Object.keys(DAEMONS) as DaemonName[];

/** The `ovs-appctl -t` target of a daemon, as a shell word (a pid-named socket is found when it runs). */
export function ctlTarget(name: DaemonName): string | Raw {
  const d = DAEMONS[name];
  if (!d.ctlByPid) return d.ctl;
  const pidfile = d.pidfiles.find((p) => p.startsWith(`${d.ctlByPid}/`)) ?? d.pidfiles[0];
  return raw(`${quote(d.ctlByPid)}/${quote(name)}.$(cat ${quote(pidfile)} 2>/dev/null).ctl`);
}

export interface Service {
  /** The Debian package's systemd unit. */
  unit: string;
  /** Which script starts it without systemd: ovs-ctl or ovn-ctl, and its start/stop commands. */
  ctl: 'ovs' | 'ovn';
  start: string;
  stop: string;
}

export const SERVICES: Record<ServiceName, Service> = {
  openvswitch: { unit: 'openvswitch-switch', ctl: 'ovs', start: 'start', stop: 'stop' },
  'ovn-central': { unit: 'ovn-central', ctl: 'ovn', start: 'start_northd', stop: 'stop_northd' },
  'ovn-controller': { unit: 'ovn-host', ctl: 'ovn', start: 'start_controller', stop: 'stop_controller' },
};

export const SERVICE_NAMES = Object.keys(SERVICES) as ServiceName[];

/** The daemons a service runs, in table order. */
export function daemonsOf(service: ServiceName): DaemonName[] {
  return DAEMON_NAMES.filter((d) => DAEMONS[d].service === service);
}

/** ovn-ctl moved from openvswitch's scripts dir (old distributions) to ovn's (current ones). */
export const CTL_SCRIPT_PATHS: Record<Service['ctl'], readonly string[]> = {
  ovn: ['/usr/share/ovn/scripts/ovn-ctl', '/usr/share/openvswitch/scripts/ovn-ctl'],
  ovs: ['/usr/share/openvswitch/scripts/ovs-ctl'],
};
