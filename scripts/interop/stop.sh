#!/usr/bin/env bash
# Stops the servers started by scripts/interop/start.sh (Exim, OpenSMTPD, smtp-sink, aiosmtpd), by the process ids
# start.sh recorded. Leaves the folder (stores, logs) for inspection, but removes DIR/interop.env.
# Usage: sudo scripts/interop/stop.sh [DIR]   (DIR defaults to $MAILSENDER_INTEROP_DIR or /tmp/mailsender-interop)
set -euo pipefail

dir=${1:-${MAILSENDER_INTEROP_DIR:-/tmp/mailsender-interop}}

# The tests must not be pointed at servers that are going away.
rm -f "$dir/interop.env"

stop_pid_file() { # NAME FILE
    local name=$1 file=$2 pid
    pid=$(tr -d ' \n' 2>/dev/null < "$file" || true)
    if [[ -z $pid ]] || ! kill -0 "$pid" 2>/dev/null; then
        return 0
    fi
    echo "stop.sh: stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "stop.sh: $name (pid $pid) did not exit after 5 s; killing it." >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$file"
}

stop_pid_file Exim "$dir/exim/exim.pid"
stop_pid_file OpenSMTPD "$dir/opensmtpd/smtpd.pid"
stop_pid_file smtp-sink "$dir/smtp-sink/smtp-sink.pid"
stop_pid_file aiosmtpd "$dir/aiosmtpd/aiosmtpd.pid"
echo "stop.sh: no interop server is running from $dir."
