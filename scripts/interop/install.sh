#!/usr/bin/env bash
# Installs the four extra SMTP servers of the interoperability suite (tests/MailSender.Interop.Tests):
#   - Exim 4 and OpenSMTPD: Debian ships both as "the" MTA, and each conflicts with postfix (one MTA per system), so
#     they are NOT installed with apt-get install: their .debs are fetched with `apt-get download` and unpacked with
#     `dpkg -x` into a private prefix (/opt/mailsender-interop by default); their shared libraries are ordinary
#     packages and are installed normally. Their system users (Debian-exim; opensmtpd, opensmtpq) are created here.
#   - smtp-sink: in the postfix package (scripts/postfix/install.sh installs it).
#   - aiosmtpd (a server without PIPELINING): python3-aiosmtpd, run with Debian's /usr/bin/python3.
# Idempotent; run as root on Debian 12. Starts nothing: scripts/interop/start.sh does.
#
# Usage: sudo scripts/interop/install.sh   (MAILSENDER_INTEROP_PREFIX overrides the prefix)
set -euo pipefail

# shellcheck source=../lib/apt.sh
source "$(dirname "$0")/../lib/apt.sh"

prefix=${MAILSENDER_INTEROP_PREFIX:-/opt/mailsender-interop}

# Libraries of exim4-daemon-light (4.96) and opensmtpd (6.8), the tools the scripts use, and aiosmtpd.
apt_install install.sh \
    libc6 libcrypt1 libdb5.3 libgnutls-dane0 libgnutls30 libidn12 libidn2-0 libnsl2 libpcre2-8-0 \
    libevent-2.1-7 libpam0g libssl3 zlib1g \
    openssl swaks libnet-ssleay-perl postfix util-linux python3 python3-aiosmtpd
stop_system_postfix install.sh

# unpack NAME PACKAGE... : downloads the packages' .debs (the candidate version) and unpacks them into $prefix/NAME,
# unless that folder already holds exactly those versions.
unpack() {
    local name=$1
    shift
    local target=$prefix/$name package versions=()
    for package in "$@"; do
        versions+=("$package=$(apt-cache policy "$package" | sed -n 's/^ *Candidate: //p')")
    done
    if [[ -f $target/.versions ]] && [[ $(cat "$target/.versions") == "${versions[*]}" ]]; then
        echo "install.sh: $name already unpacked in $target (${versions[*]})."
        return 0
    fi
    if [[ " ${versions[*]} " == *"=(none) "* || " ${versions[*]} " == *"= "* ]]; then
        apt-get -o Acquire::Retries=3 update
        versions=()
        for package in "$@"; do
            versions+=("$package=$(apt-cache policy "$package" | sed -n 's/^ *Candidate: //p')")
        done
    fi

    local download
    download=$(mktemp -d)
    # apt-get download writes into the current folder, as the _apt user where it can.
    chmod 777 "$download"
    echo "install.sh: downloading ${versions[*]}"
    (cd "$download" && apt-get -o Acquire::Retries=3 download "$@")
    rm -rf "$target"
    mkdir -p "$target"
    local deb
    for deb in "$download"/*.deb; do
        dpkg -x "$deb" "$target"
    done
    rm -rf "$download"
    echo "${versions[*]}" > "$target/.versions"
    echo "install.sh: unpacked into $target"
}

unpack exim exim4-daemon-light exim4-base
unpack opensmtpd opensmtpd

# system_user NAME GROUP : creates a system group and user without a home or login, unless present.
system_user() {
    getent group "$2" >/dev/null || groupadd --system "$2"
    id "$1" >/dev/null 2>&1 || useradd --system --gid "$2" --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin "$1"
}
# The exim binary's compiled-in exim_user; OpenSMTPD's compiled-in users (Debian's names for _smtpd and _smtpq).
system_user Debian-exim Debian-exim
system_user opensmtpd opensmtpd
system_user opensmtpq opensmtpq

require_executables install.sh "$prefix/exim/usr/sbin/exim4" "$prefix/opensmtpd/usr/sbin/smtpd" \
    "$prefix/opensmtpd/usr/libexec/opensmtpd/mail.maildir" /usr/sbin/smtp-sink /usr/bin/python3 /usr/bin/unshare /usr/bin/openssl
missing=$(ldd "$prefix/exim/usr/sbin/exim4" "$prefix/opensmtpd/usr/sbin/smtpd" | grep 'not found' || true)
if [[ -n $missing ]]; then
    echo "install.sh: libraries are missing: $missing" >&2
    exit 1
fi
if ! /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
    echo "install.sh: /usr/bin/python3 cannot import aiosmtpd (python3-aiosmtpd)." >&2
    exit 1
fi
echo "install.sh: ready ($("$prefix/exim/usr/sbin/exim4" -C /dev/null -bV 2>/dev/null | sed -n '1s/ #.*//p'), $("$prefix/opensmtpd/usr/sbin/smtpd" -h 2>&1 | sed -n 's/^version: //p'), aiosmtpd $(/usr/bin/python3 -c 'import aiosmtpd; print(aiosmtpd.__version__)'), smtp-sink from Postfix $(postconf -d -h mail_version 2>/dev/null))."
