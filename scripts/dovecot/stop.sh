#!/usr/bin/env bash
# Stops the private Dovecot started by scripts/dovecot/start.sh. Leaves its folder (log) for inspection.
# Usage: sudo scripts/dovecot/stop.sh [DIR]   (DIR defaults to $MAILSENDER_DOVECOT_DIR or /tmp/mailsender-dovecot)
set -euo pipefail

dir=${1:-${MAILSENDER_DOVECOT_DIR:-/tmp/mailsender-dovecot}}
# shellcheck source=../lib/instance.sh
. "$(cd "$(dirname "$0")" && pwd)/../lib/instance.sh"

# The env file must not point tests at a server that is going away.
rm -f "$dir/dovecot.env"
stop_pid_file Dovecot "$dir/run/master.pid"
echo "stop.sh: no Dovecot is running from $dir."
