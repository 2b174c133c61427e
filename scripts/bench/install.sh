#!/usr/bin/env bash
# Installs the peers the throughput benchmark uses: Postfix's smtp-sink / smtp-source, stunnel and openssl.
# Idempotent; run as root on Debian/Ubuntu. No system MTA is configured or left running: the benchmark
# starts its own smtp-sink (and stunnel) on free loopback ports and stops them when it is done.
set -euo pipefail

# shellcheck source=../lib/apt.sh
source "$(dirname "$0")/../lib/apt.sh"

apt_install install.sh postfix stunnel4 openssl
stop_system_postfix install.sh
require_executables install.sh /usr/sbin/smtp-sink /usr/sbin/smtp-source /usr/bin/stunnel4 /usr/bin/openssl
echo "install.sh: ready ($(/usr/bin/stunnel4 -version 2>&1 | grep -m 1 "^stunnel"), $(openssl version))."
