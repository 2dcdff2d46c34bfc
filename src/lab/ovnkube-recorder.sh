#!/bin/sh
# ovnkube stand-in for the ovnctl lab and tests only: records its argv and stays running.
# It is NOT ovnkube: it joins no cluster and does nothing. `ovnctl lab up` points the inventory's
# ovnkube.upload at a copy of it, so `ovnctl install` places it as the ovnkube binary on lab hosts.
#
# Each start appends to /var/log/ovnkube-recorder/argv.log its arguments, one per line, then the
# separator line "---- pid=<pid>"; it writes its pid to /var/log/ovnkube-recorder/pid and keeps
# running (so /proc/<pid>/cmdline keeps the argv) until SIGTERM or SIGINT.
dir=/var/log/ovnkube-recorder
mkdir -p "$dir"
{
  for arg in "$@"; do printf '%s\n' "$arg"; done
  printf -- '---- pid=%s\n' "$$"
} >>"$dir/argv.log"
echo "$$" >"$dir/pid"
trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM INT
while :; do
  sleep 3600 &
  sleeper=$!
  wait "$sleeper"
done
