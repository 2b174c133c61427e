#!/usr/bin/env bash
# Installs what the real-peer suite needs: Postfix with Cyrus SASL (sasldb), openssl and swaks.
# Idempotent; run as root on Debian/Ubuntu. No system MTA is configured or left running:
# scripts/postfix/start.sh runs a private instance from its own folder.
set -euo pipefail

# shellcheck source=../lib/apt.sh
source "$(dirname "$0")/../lib/apt.sh"

# libnet-ssleay-perl: swaks needs it for TLS (it is only a Recommends).
apt_install install.sh postfix sasl2-bin libsasl2-modules libsasl2-modules-db openssl swaks libnet-ssleay-perl
stop_system_postfix install.sh
require_executables install.sh /usr/sbin/postfix /usr/sbin/saslpasswd2 /usr/bin/openssl /usr/bin/swaks
if ! ls /usr/lib/*/sasl2/libsasldb.so* >/dev/null 2>&1; then
    echo "install.sh: the Cyrus SASL sasldb plugin (libsasl2-modules-db) is missing." >&2
    exit 1
fi
echo "install.sh: ready ($(postconf -d -h mail_version 2>/dev/null | sed 's/^/Postfix /'), $(openssl version))."
