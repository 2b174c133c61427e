#!/usr/bin/env bash
# Installs what the real-peer suite needs: Postfix with Cyrus SASL (sasldb), openssl and swaks.
# Idempotent; run as root on Debian/Ubuntu. No system MTA is configured or left running:
# scripts/postfix/start.sh runs a private instance from its own folder.
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
    echo "install.sh: run as root (apt-get install)." >&2
    exit 1
fi

# libnet-ssleay-perl: swaks needs it for TLS (it is only a Recommends).
packages=(postfix sasl2-bin libsasl2-modules libsasl2-modules-db openssl swaks libnet-ssleay-perl)
missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install.sh: ${packages[*]} already installed."
else
    echo "install.sh: installing ${missing[*]}"
    # "No configuration": Postfix installs its binaries but sets up no system MTA (no main.cf, nothing listening).
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections

    export DEBIAN_FRONTEND=noninteractive
    # Other builds may hold the dpkg lock; wait for it rather than fail.
    apt_options=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)

    # Only refresh the package lists when apt has none yet or cannot find a candidate.
    if ! apt-cache policy "${missing[@]}" 2>/dev/null | grep -q "Candidate: [0-9]" \
        || apt-cache policy "${missing[@]}" 2>/dev/null | grep -q "Candidate: (none)"; then
        apt-get "${apt_options[@]}" update
    fi

    # Keep maintainer scripts from starting daemons (no systemd here; invoke-rc.d honours policy-rc.d).
    policy=/usr/sbin/policy-rc.d
    created_policy=false
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy"
        chmod 755 "$policy"
        created_policy=true
    fi
    trap '[[ $created_policy != true ]] || rm -f "$policy"' EXIT

    apt-get "${apt_options[@]}" install -y --no-install-recommends "${missing[@]}"
fi

# Make sure no system Postfix runs (only the default instance; private `postfix -c DIR` instances are left alone).
pid_file=/var/spool/postfix/pid/master.pid
if [[ -s $pid_file ]] && kill -0 "$(tr -d ' ' < "$pid_file")" 2>/dev/null; then
    echo "install.sh: stopping the system Postfix started by the package."
    postfix stop || kill -TERM "$(tr -d ' ' < "$pid_file")"
fi

for tool in /usr/sbin/postfix /usr/sbin/saslpasswd2 /usr/bin/openssl /usr/bin/swaks; do
    if [[ ! -x $tool ]]; then
        echo "install.sh: $tool is missing after installation." >&2
        exit 1
    fi
done
if ! ls /usr/lib/*/sasl2/libsasldb.so* >/dev/null 2>&1; then
    echo "install.sh: the Cyrus SASL sasldb plugin (libsasl2-modules-db) is missing." >&2
    exit 1
fi
echo "install.sh: ready ($(postconf -d -h mail_version 2>/dev/null | sed 's/^/Postfix /'), $(openssl version))."
