#!/usr/bin/env bash
# Installs the Debian tools the lab (and the integration tests) need on this machine, once.
# Used by `npm run demo`, `npm test` and .ci/run so a fresh machine needs no manual step.
set -euo pipefail
need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null || need+=(openssh-client)
command -v apt-ftparchive >/dev/null || need+=(apt-utils)
command -v gpg >/dev/null || need+=(gnupg)
command -v sudo >/dev/null || need+=(sudo)
command -v ip >/dev/null || need+=(iproute2)
command -v unshare >/dev/null || need+=(util-linux)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "ovnctl lab: missing ${need[*]}; install them as root: apt-get install ${need[*]}" >&2
  exit 0
fi
echo "ovnctl lab: installing ${need[*]} (Debian packages)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}" >/dev/null
