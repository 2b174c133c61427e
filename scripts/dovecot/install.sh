#!/usr/bin/env bash
# Installs what the bounce tests need: Dovecot's IMAP server (Debian's dovecot-imapd). Idempotent; run as root.
# No system Dovecot is configured or left running: scripts/dovecot/start.sh runs a private instance from its own folder.
set -euo pipefail

# shellcheck source=../lib/apt.sh
source "$(dirname "$0")/../lib/apt.sh"

apt_install install.sh dovecot-imapd
# The package's maintainer scripts may have started the system instance where policy-rc.d did not stop them.
if [[ -s /run/dovecot/master.pid ]] && kill -0 "$(cat /run/dovecot/master.pid)" 2>/dev/null; then
    echo "install.sh: stopping the system Dovecot started by the package."
    doveadm stop 2>/dev/null || kill -TERM "$(cat /run/dovecot/master.pid)" || true
fi
require_executables install.sh /usr/sbin/dovecot /usr/bin/doveadm
echo "install.sh: ready (Dovecot $(dovecot --version))."
