#!/usr/bin/env bash
# Stops the servers started by scripts/interop/start.sh (Exim, OpenSMTPD, smtp-sink, aiosmtpd), by the process ids
# start.sh recorded. Leaves the folder (stores, logs) for inspection, but removes DIR/interop.env.
# Usage: sudo scripts/interop/stop.sh [DIR]   (DIR defaults to $MAILSENDER_INTEROP_DIR or /tmp/mailsender-interop)
set -euo pipefail

dir=${1:-${MAILSENDER_INTEROP_DIR:-/tmp/mailsender-interop}}
# shellcheck source=../lib/instance.sh
. "$(cd "$(dirname "$0")" && pwd)/../lib/instance.sh"

# The tests must not be pointed at servers that are going away.
rm -f "$dir/interop.env"

stop_pid_file Exim "$dir/exim/exim.pid"
stop_pid_file OpenSMTPD "$dir/opensmtpd/smtpd.pid"
stop_pid_file smtp-sink "$dir/smtp-sink/smtp-sink.pid"
stop_pid_file aiosmtpd "$dir/aiosmtpd/aiosmtpd.pid"
echo "stop.sh: no interop server is running from $dir."
