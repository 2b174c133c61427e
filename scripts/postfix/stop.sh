#!/usr/bin/env bash
# Stops the private Postfix started by scripts/postfix/start.sh. Leaves its folder (Maildir, log) for inspection.
# Usage: sudo scripts/postfix/stop.sh [DIR]   (DIR defaults to $MAILSENDER_POSTFIX_DIR or /tmp/mailsender-postfix)
set -euo pipefail

dir=${1:-${MAILSENDER_POSTFIX_DIR:-/tmp/mailsender-postfix}}
pid_file=$dir/spool/pid/master.pid

pid=$(tr -d ' \n' 2>/dev/null < "$pid_file" || true)
if [[ -z $pid ]] || ! kill -0 "$pid" 2>/dev/null; then
    echo "stop.sh: no Postfix running from $dir."
    exit 0
fi

echo "stop.sh: stopping Postfix (master pid $pid) from $dir"
postfix -c "$dir/etc" stop 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
done
if kill -0 "$pid" 2>/dev/null; then
    echo "stop.sh: the master process $pid did not exit after 10 s; killing it." >&2
    kill -KILL "$pid" 2>/dev/null || true
fi
# The peer file must not point tests at a server that is gone.
rm -f "$dir/peer.env"
echo "stop.sh: stopped."
