#!/usr/bin/env bash
# Stops the private Dovecot started by scripts/dovecot/start.sh. Leaves its folder (log) for inspection.
# Usage: sudo scripts/dovecot/stop.sh [DIR]   (DIR defaults to $MAILSENDER_DOVECOT_DIR or /tmp/mailsender-dovecot)
set -euo pipefail

dir=${1:-${MAILSENDER_DOVECOT_DIR:-/tmp/mailsender-dovecot}}
pid_file=$dir/run/master.pid

pid=$(tr -d ' \n' 2>/dev/null < "$pid_file" || true)
if [[ -z $pid ]] || ! kill -0 "$pid" 2>/dev/null; then
    echo "stop.sh: no Dovecot running from $dir."
    rm -f "$dir/dovecot.env"
    exit 0
fi

echo "stop.sh: stopping Dovecot (master pid $pid) from $dir"
kill -TERM "$pid" 2>/dev/null || true
for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
done
if kill -0 "$pid" 2>/dev/null; then
    echo "stop.sh: the master process $pid did not exit after 10 s; killing it." >&2
    kill -KILL "$pid" 2>/dev/null || true
fi
# The env file must not point tests at a server that is gone.
rm -f "$dir/dovecot.env"
echo "stop.sh: stopped."
