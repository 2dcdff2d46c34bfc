#!/bin/sh
# ovnkube STAND-IN for the ovnctl lab and tests only. No registry ships ovnkube (ovn-kubernetes'
# go-controller), so `ovnctl lab up` points the inventory's ovnkube.upload at a copy of this file and
# `ovnctl install` places it as the ovnkube binary on lab hosts. It is NOT ovnkube: it talks to no
# Kubernetes and builds no logical network. It behaves like the guide's ovnkube (go-controller of
# mid-2018, commit 11b883c41 of 2018-06-14) where ovnctl depends on it:
# - Flags: that binary's set, parsed as urfave/cli v1 over Go's `flag`: -x and --x alike; strings and
#   ints take -x=v or -x v; bools only -x or -x=<strconv.ParseBool value> (`-x false` leaves x true and
#   `false` is an argument); the first argument that is not a flag (or `--`) ends the flags, and what
#   follows is ignored; an undefined flag, a bad bool or a non-integer int: "Incorrect Usage." and help
#   on stdout, logrus' fatal line on stderr, exit 1. -h/-help and -v/-version as urfave/cli adds them.
# - -init-master=NAME / -init-node=NAME (setOVSExternalIDs): `ovs-vsctl --timeout=5 set Open_vSwitch .
#   external_ids:ovn-encap-type=<-encap-type, default geneve> external_ids:ovn-encap-ip=<-encap-ip,
#   else NAME's first non-loopback IPv4 address>`; -init-node adds external_ids k8s-api-server,
#   k8s-api-token and k8s-ca-certificate (always: empty when not given; the server defaults to
#   http://localhost:8080), then writes <-cni-conf-dir, default /etc/cni/net.d>/10-ovn-kubernetes.conf.
#   -init-node without -k8s-token, a name that does not resolve, a bad -encap-ip or a failing ovs-vsctl:
#   Go's panic, exit 2. (The real one does these writes after Kubernetes gave the node its subnet.)
# Then it keeps running until SIGTERM or SIGINT (exit 1, as the real one, removing its -pidfile).
#
# Records, in $OVNKUBE_STANDIN_DIR (default /var/log/ovnkube-recorder): a start that runs appends its
# arguments, one per line, then "---- pid=<pid>" to argv.log and writes its pid to pid (so
# /proc/<pid>/cmdline keeps the argv); a start that exits appends its arguments (-k8s-token's value
# hidden) then "---- pid=<pid> exit=<code>: <error>" to rejected.log. $OVNKUBE_STANDIN_CNI_DIR (tests) stands
# for the default -cni-conf-dir.
dir=${OVNKUBE_STANDIN_DIR:-/var/log/ovnkube-recorder}
STRINGS=' cluster-subnet service-cluster-ip-range init-master init-node remove-node pidfile gateway-interface
 gateway-nexthop config-file encap-type encap-ip logfile cni-conf-dir cni-plugin win-hnsnetwork-id k8s-kubeconfig
 k8s-apiserver k8s-cacert k8s-token nb-address nb-server-privkey nb-server-cert nb-server-cacert nb-client-privkey
 nb-client-cert nb-client-cacert sb-address sb-server-privkey sb-server-cert sb-server-cacert sb-client-privkey
 sb-client-cert sb-client-cacert '
BOOLS=' net-controller init-gateways gateway-spare-interface nodeport ha help h version v '
INTS=' mtu conntrack-zone loglevel '
KNOWN=' '
for w in $STRINGS $INTS; do KNOWN="$KNOWN$w "; done
NL='
'
argv=
masked=
hide=
for a in "$@"; do
  argv="$argv$a$NL"
  case $hide in 1) a='********' ;; esac
  hide=
  case $a in -k8s-token | --k8s-token) hide=1 ;; -k8s-token=* | --k8s-token=*) a="${a%%=*}=********" ;; esac
  masked="$masked$a$NL"
done

# logrus: time="…" level=LEVEL msg="MESSAGE" (quoted as Go's %q does, near enough)
log() {
  printf 'time="%s" level=%s msg="%s"\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" \
    "$(printf '%s' "$2" | sed -e 's/[\\"]/\\&/g' -e '$!s/$/\\n/' | tr -d "\n")" >&2
}
# exit CODE with MESSAGE: recorded in rejected.log
leave() {
  mkdir -p "$dir" && printf '%s---- pid=%s exit=%s: %s\n' "$masked" "$$" "$1" "$(printf '%s' "$2" | tr '\n' ' ')" \
    >>"$dir/rejected.log"
  exit "$1"
}
# urfave/cli's answer to a bad command line, then main's logrus.Fatal(err).
usage() {
  printf 'Incorrect Usage. %s\n\n' "$1"
  printf 'NAME:\n   ovnkube - run ovnkube to start master, node, and gateway services\n\n'
  printf 'USAGE:\n   ovnkube [global options] command [command options] [arguments...]\n'
  fatal "$1"
}
fatal() {
  log fatal "$1"
  leave 1 "$1"
}
# StartClusterMaster/StartClusterNode failing: logrus.Errorf, then panic.
panic() {
  log error "$1"
  printf 'panic: %s\n\ngoroutine 1 [running]:\nmain.runOvnKube(...)\n' "$1" >&2
  leave 2 "$1"
}
# Go 1.10 strconv.ParseInt(s, 0, 64): why is empty when s is fine, else why not (no fork: it runs often).
int_error() {
  s=$1 neg= why=
  case $s in [+-]*) case $s in -*) neg=1 ;; esac; s=${s#?} ;; esac
  case $s in
    0[xX]*) d=${s#??} max=7fffffffffffffff min=8000000000000000 ok='*[!0-9a-fA-F]*' ;;
    0*) d=${s#0} max=777777777777777777777 min=1000000000000000000000 ok='*[!0-7]*' ;;
    *) d=$s max=9223372036854775807 min=9223372036854775808 ok='*[!0-9]*' ;;
  esac
  case $s in '' | 0[xX]) why='invalid syntax' && return ;; esac
  # shellcheck disable=SC2254
  case $d in $ok) why='invalid syntax' && return ;; esac
  while :; do case $d in 0?*) d=${d#0} ;; *) break ;; esac; done
  [ -z "$neg" ] || max=$min
  [ ${#d} -ge ${#max} ] || return 0
  [ ${#d} -eq ${#max} ] && [ "$(printf '%s\n%s\n' "$d" "$max" | tr A-F a-f | LC_ALL=C sort | tail -n 1)" = "$max" ] ||
    why='value out of range'
}
# Values: f_<name with - as _>; Go's defaults where the program reads them.
f_encap_type=geneve f_k8s_apiserver=http://localhost:8080 f_cni_plugin=ovn-k8s-cni-overlay
f_cni_conf_dir=${OVNKUBE_STANDIN_CNI_DIR:-/etc/cni/net.d}
setflag() {
  n=$1 v=
  while :; do case $n in *-*) v=$v${n%%-*}_ n=${n#*-} ;; *) break ;; esac; done
  eval "f_$v$n=\$2"
}

while [ $# -gt 0 ]; do
  a=$1
  case $a in
    --) break ;;
    - | '' | [!-]*) break ;;
    ---* | -=* | --=*) usage "bad flag syntax: $a" ;;
  esac
  shift
  name=${a#-}
  name=${name#-}
  has=
  val=
  case $name in ?*=*) val=${name#*=} name=${name%%=*} has=1 ;; esac
  case $BOOLS in
    *" $name "*)
      if [ -z "$has" ]; then
        val=true
      else
        case $val in
          1 | t | T | TRUE | true | True) val=true ;;
          0 | f | F | FALSE | false | False) val=false ;;
          *) usage "invalid boolean value \"$val\" for -$name: strconv.ParseBool: parsing \"$val\": invalid syntax" ;;
        esac
      fi
      setflag "$name" "$val"
      continue
      ;;
  esac
  case $KNOWN in *" $name "*) ;; *) usage "flag provided but not defined: -$name" ;; esac
  if [ -z "$has" ]; then
    [ $# -gt 0 ] || usage "flag needs an argument: -$name"
    val=$1
    shift
  fi
  case $INTS in
    *" $name "*)
      int_error "$val"
      [ -z "$why" ] || usage "invalid value \"$val\" for flag -$name: strconv.ParseInt: parsing \"$val\": $why"
      ;;
  esac
  setflag "$name" "$val"
done
# The first argument that is not a flag: `help`/`h` is urfave/cli's help command.
[ "${1-}" != -- ] || shift
case ${1-} in help | h) f_help=true ;; esac
if [ "${f_help-}" = true ] || [ "${f_h-}" = true ]; then
  printf 'NAME:\n   ovnkube - run ovnkube to start master, node, and gateway services\n'
  exit 0
fi
if [ "${f_version-}" = true ] || [ "${f_v-}" = true ]; then
  echo 'ovnkube version 0.3.0'
  exit 0
fi

# config.InitConfig
if [ -n "${f_config_file-}" ] && [ ! -r "$f_config_file" ]; then
  fatal "failed to open config file $f_config_file: open $f_config_file: no such file or directory"
fi
case $f_k8s_apiserver in
  http:* | https:*) ;;
  *:*) fatal "kubernetes API server URL scheme \"${f_k8s_apiserver%%:*}\" invalid" ;;
  *) fatal "kubernetes API server URL scheme \"\" invalid" ;;
esac
if [ -n "${f_pidfile-}" ] && [ -f "$f_pidfile" ] && [ -e "/proc/$(cat "$f_pidfile")/cmdline" ]; then
  log error "pidfile $f_pidfile exists and ovnkube is running"
  leave 1 "pidfile $f_pidfile exists and ovnkube is running"
fi

# setOVSExternalIDs(name, extra external_ids...)
set_external_ids() {
  node=$1
  shift
  ip=${f_encap_ip-}
  if [ -z "$ip" ]; then
    ip=$(getent ahostsv4 "$node" 2>/dev/null | while read -r x _; do
      case $x in 127.*) ;; *) echo "$x" && break ;; esac
    done)
    [ -n "$ip" ] || panic "failed to obtain local IP from hostname \"$node\": \
Failed to lookup IP address for node $node: lookup $node: no such host"
  else
    case $ip in
      *:*:*) ;;
      *.*.*.*)
        o='(25[0-5]|2[0-4][0-9]|1?[0-9]{1,2})'
        [ "$(printf '%s\n' "$ip" | grep -cE "^$o(\\.$o){3}\$")" = 1 ] ||
          panic "invalid encapsulation IP provided \"$ip\"" ;;
      *) panic "invalid encapsulation IP provided \"$ip\"" ;;
    esac
  fi
  command -v ovs-vsctl >/dev/null ||
    panic "error setting OVS external IDs: exec: \"ovs-vsctl\": executable file not found in \$PATH$NL  \"\""
  out=$(ovs-vsctl --timeout=5 set Open_vSwitch . "external_ids:ovn-encap-type=$f_encap_type" \
    "external_ids:ovn-encap-ip=$ip" "$@" 2>&1) || panic "error setting OVS external IDs: exit status $?$NL  \"$out\""
}
if [ -n "${f_init_master-}" ]; then
  set_external_ids "$f_init_master"
fi
if [ -n "${f_init_node-}" ]; then
  [ -n "${f_k8s_token-}" ] ||
    panic "Cannot initialize node without service account 'token'. Please provide one with --k8s-token argument"
  set_external_ids "$f_init_node" "external_ids:k8s-api-server=\"$f_k8s_apiserver\"" \
    "external_ids:k8s-api-token=\"$f_k8s_token\"" "external_ids:k8s-ca-certificate=\"${f_k8s_cacert-}\""
  # config.WriteCNIConfig: a temporary file renamed into place; configFilePath only with -config-file.
  mkdir -p "$f_cni_conf_dir" || panic "mkdir $f_cni_conf_dir: failed"
  tmp=$(mktemp "$f_cni_conf_dir/ovnkube-XXXXXXXXX") || panic "open $f_cni_conf_dir/ovnkube-: failed"
  printf '{"cniVersion":"0.3.1","name":"ovn-kubernetes","type":"%s","ipam":{},"dns":{}%s}' "$f_cni_plugin" \
    "${f_config_file:+,\"configFilePath\":\"$f_config_file\"}" >"$tmp" &&
    mv -f "$tmp" "$f_cni_conf_dir/10-ovn-kubernetes.conf"
fi

sleeper=
trap '[ -z "$sleeper" ] || kill "$sleeper" 2>/dev/null; [ -z "${f_pidfile-}" ] || rm -f "$f_pidfile"; exit 1' TERM INT
[ -z "${f_pidfile-}" ] || printf '%s' "$$" >"$f_pidfile"
mkdir -p "$dir"
printf '%s---- pid=%s\n' "$argv" "$$" >>"$dir/argv.log"
echo "$$" >"$dir/pid"
while :; do
  sleep 3600 </dev/null >/dev/null 2>&1 &
  sleeper=$!
  wait "$sleeper"
done
