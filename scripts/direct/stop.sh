#!/usr/bin/env bash
# Stops the dnsmasq that scripts/direct/setup.sh started, if it still runs.
set -euo pipefail
pid_file=/tmp/mailsender-dnsmasq.pid
pid=$(cat "$pid_file" 2>/dev/null || true)
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
  kill "$pid"
  echo "stop.sh: stopped dnsmasq (pid $pid)."
fi
rm -f "$pid_file"
