#!/usr/bin/env bash
# Starts a private Postfix for the real-peer suite (tests/MailSender.RealPeer.Tests), on 127.0.0.1 only:
#   12525  plain: no TLS, no AUTH advertised
#   12587  STARTTLS required, AUTH only after STARTTLS, only authenticated senders
#   12465  implicit TLS (TLS from the first byte), AUTH, only authenticated senders
#   12588  STARTTLS offered (not required), AUTH only after STARTTLS, only authenticated senders
# Everything it accepts is delivered to one Maildir; nothing can leave the machine.
# Recipients reject@example.test (550 5.1.1) and tempfail@example.test (450 4.2.0) are refused at RCPT TO.
# Mail to any address at unknown.example.test is accepted, then bounced (5.1.1) by Postfix itself: the delivery status
# notification goes to the envelope sender; for bounces@example.test it lands in the Maildir mail/bounces/ (which
# scripts/dovecot/start.sh serves over IMAP), every other address's mail in mail/inbox/.
#
# Usage: sudo scripts/postfix/start.sh [DIR]   (DIR defaults to $MAILSENDER_POSTFIX_DIR or /tmp/mailsender-postfix)
# Writes DIR/peer.env (ports, CA file, user, password, Maildir) for the tests. Running it again restarts the
# instance from scratch (the previous Maildir is discarded). Stop it with scripts/postfix/stop.sh.
set -euo pipefail

dir=${1:-${MAILSENDER_POSTFIX_DIR:-/tmp/mailsender-postfix}}
script_dir=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/instance.sh
. "$script_dir/../lib/instance.sh"

if [[ $(id -u) -ne 0 ]]; then
    echo "start.sh: run as root (Postfix's master process must start as root): sudo $0" >&2
    exit 1
fi
if ! command -v postfix >/dev/null || ! command -v saslpasswd2 >/dev/null; then
    echo "start.sh: Postfix or saslpasswd2 is missing; run scripts/postfix/install.sh first." >&2
    exit 1
fi
if [[ $dir != /* ]]; then
    dir=$(pwd)/$dir
fi

host=127.0.0.1
plain_port=12525
starttls_port=12587
implicit_port=12465
optional_tls_port=12588
ports=("$plain_port" "$starttls_port" "$implicit_port" "$optional_tls_port")
domain=example.test
user_local=sender
user=$user_local@$domain
marker=.mailsender-postfix

# 1. Stop a previous instance in the same folder, then start from an empty folder.
"$script_dir/stop.sh" "$dir"
fresh_instance_dir "$dir" "$marker" || exit 1
require_free_ports "$host" "${ports[@]}" || exit 1

echo "start.sh: creating the instance in $dir"
mkdir -p "$dir"/{etc/sasl,spool,data,log,tls,mail}
touch "$dir/$marker"
# The postfix and mailbox users must reach their files through every parent folder.
chmod 755 "$dir" "$dir/etc" "$dir/etc/sasl" "$dir/log" "$dir/tls"
parent=$dir
while [[ $parent != / ]]; do
    parent=$(dirname "$parent")
    if ! runuser -u postfix -- test -x "$parent"; then
        echo "start.sh: the postfix user cannot enter $parent; choose a folder under a world-executable path (e.g. /tmp)." >&2
        exit 1
    fi
done
chown postfix:postfix "$dir/data"
chmod 700 "$dir/data"

# Deliver as the user who ran sudo (so the tests, run without sudo, can read the Maildir), else as nobody.
# virtual(8) refuses uids below 100.
mail_uid=$(id -u nobody)
mail_gid=$(id -g nobody)
if [[ -n ${SUDO_UID:-} && ${SUDO_UID} -ge 100 && ${SUDO_GID:-0} -ge 1 ]]; then
    mail_uid=$SUDO_UID
    mail_gid=$SUDO_GID
fi
mkdir -p "$dir/mail/bounces"/{new,cur,tmp}
chown -R "$mail_uid:$mail_gid" "$dir/mail"
chmod 755 "$dir/mail"

# 2. A self-signed certificate for localhost and 127.0.0.1; the tests trust it through caFile (TrustedCaFile).
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
    -subj "/CN=localhost/O=MailSender test Postfix" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$dir/tls/key.pem" -out "$dir/tls/cert.pem" 2>/dev/null
cp "$dir/tls/cert.pem" "$dir/tls/ca.pem"
chown root:postfix "$dir/tls/key.pem"
chmod 640 "$dir/tls/key.pem"
chmod 644 "$dir/tls/cert.pem" "$dir/tls/ca.pem"

# 3. SASL: one user in a private sasldb, with a fresh random password.
password=$(openssl rand -hex 16)
printf %s "$password" | saslpasswd2 -f "$dir/etc/sasldb2" -c -p -u "$domain" "$user_local"
chown root:postfix "$dir/etc/sasldb2"
chmod 640 "$dir/etc/sasldb2"
cat > "$dir/etc/sasl/smtpd.conf" <<CONF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $dir/etc/sasldb2
mech_list: PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256
CONF

# 4. Maps: every domain is a virtual mailbox domain; every address goes to the one Maildir, except the bounce address.
echo '/./ OK' > "$dir/etc/virtual_domains"
echo "bounces@$domain bounces/" > "$dir/etc/virtual_mailboxes"
# Accepted, then bounced by Postfix's error(8) with this status: a real Postfix-made delivery status notification.
echo "unknown.$domain error:5.1.1 test mailbox does not exist" > "$dir/etc/transport"
cat > "$dir/etc/recipient_access" <<CONF
reject@$domain 550 5.1.1 test mailbox does not exist
tempfail@$domain 450 4.2.0 test mailbox temporarily unavailable
CONF

cat > "$dir/etc/main.cf" <<CONF
# Private Postfix for MailSender's real-peer tests (generated by scripts/postfix/start.sh).
compatibility_level = 3.6
config_directory = $dir/etc
queue_directory = $dir/spool
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $dir/log/postfix.log
maillog_file_prefixes = $dir/log

myhostname = mailsender-postfix.test
mydomain = $domain
myorigin = \$mydomain
mydestination =
mynetworks = 127.0.0.0/8
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
smtpd_banner = \$myhostname ESMTP MailSender test Postfix
smtputf8_enable = yes
biff = no
append_dot_mydomain = no
alias_maps =
alias_database =
local_recipient_maps =

# Nothing leaves the machine: every non-virtual delivery is an error, and no DNS lookups.
default_transport = error:outbound mail is disabled in the test Postfix
relay_transport = error:outbound mail is disabled in the test Postfix
local_transport = error:local delivery is disabled in the test Postfix
smtp_dns_support_level = disabled
smtpd_peername_lookup = no

# Every address of every domain is delivered to $dir/mail/inbox/ (a Maildir, one file per recipient), except
# bounces@$domain (mail/bounces/); unknown.$domain is bounced.
virtual_mailbox_domains = regexp:$dir/etc/virtual_domains
virtual_mailbox_base = $dir/mail
virtual_mailbox_maps = texthash:$dir/etc/virtual_mailboxes, static:inbox/
transport_maps = texthash:$dir/etc/transport
virtual_uid_maps = static:$mail_uid
virtual_gid_maps = static:$mail_gid

# Refusals are reported at the command that caused them; fault recipients.
smtpd_delay_reject = no
# Accept mail for unknown.$domain (its transport is error:) so that Postfix bounces it, as a relay would.
smtpd_reject_unlisted_recipient = no
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions = check_recipient_access texthash:$dir/etc/recipient_access, permit

# No tarpitting or rate limits: tests make many connections and provoke errors on purpose.
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000
smtpd_junk_command_limit = 1000
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
smtpd_client_recipient_rate_limit = 0
smtpd_client_new_tls_session_rate_limit = 0
smtpd_client_auth_rate_limit = 0

# TLS: off by default, switched on per listener in master.cf.
smtpd_tls_cert_file = $dir/tls/cert.pem
smtpd_tls_key_file = $dir/tls/key.pem
smtpd_tls_security_level = none
smtpd_tls_loglevel = 1
smtpd_tls_received_header = yes
smtpd_tls_session_cache_database =

# SASL (Cyrus, sasldb): off by default, switched on per listener.
smtpd_sasl_auth_enable = no
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = $dir/etc/sasl
smtpd_sasl_local_domain = $domain
smtpd_sasl_security_options = noanonymous
smtpd_sasl_tls_security_options = noanonymous
smtpd_sasl_authenticated_header = yes
CONF

submission_options="-o smtpd_sasl_auth_enable=yes -o smtpd_tls_auth_only=yes -o smtpd_relay_restrictions=permit_sasl_authenticated,reject"
cat > "$dir/etc/master.cf" <<CONF
# service type  private unpriv  chroot  wakeup  maxproc command + args
$host:$plain_port inet n - n - - smtpd -o smtpd_tls_security_level=none -o smtpd_sasl_auth_enable=no
$host:$starttls_port inet n - n - - smtpd -o smtpd_tls_security_level=encrypt $submission_options
$host:$implicit_port inet n - n - - smtpd -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt $submission_options
$host:$optional_tls_port inet n - n - - smtpd -o smtpd_tls_security_level=may $submission_options
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
CONF

# 5. Start, and wait until every listener greets (and TLS and AUTH work where they should).
echo "start.sh: starting Postfix ($(postconf -d -h mail_version)) with listeners on $host:${ports[*]}"
if ! postfix -c "$dir/etc" start; then
    echo "start.sh: postfix start failed; the log follows." >&2
    tail -n 40 "$dir/log/postfix.log" >&2 || true
    exit 1
fi

auth_plain=$(printf '\0%s\0%s' "$user" "$password" | base64 -w0)
tls_args=(-CAfile "$dir/tls/ca.pem" -verify_return_error -verify_ip "$host" -quiet -ign_eof)
plain_check() { timeout 5 bash -c "exec 3<>/dev/tcp/$host/$1; printf 'EHLO start.sh\r\nQUIT\r\n' >&3; cat <&3" 2>/dev/null; }
starttls_check() { printf 'EHLO start.sh\r\nAUTH PLAIN %s\r\nQUIT\r\n' "$auth_plain" | timeout 5 openssl s_client -connect "$host:$1" -starttls smtp "${tls_args[@]}" 2>/dev/null; }
implicit_check() { printf 'EHLO start.sh\r\nAUTH PLAIN %s\r\nQUIT\r\n' "$auth_plain" | timeout 5 openssl s_client -connect "$host:$1" "${tls_args[@]}" 2>/dev/null; }

deadline=$((SECONDS + 30))
pending=("plain $plain_port" "starttls $starttls_port" "implicit $implicit_port" "starttls $optional_tls_port")
while [[ ${#pending[@]} -gt 0 ]]; do
    still=()
    for item in "${pending[@]}"; do
        read -r kind port <<<"$item"
        reply=$("${kind}_check" "$port" || true)
        if [[ $kind == plain && $reply == 220* && $reply == *"221 "* ]] \
            || [[ $kind != plain && $reply == *"235 "* && $reply == *"221 "* ]]; then
            echo "start.sh: $host:$port answers ($kind$([[ $kind != plain ]] && echo ", TLS verified with the CA file, AUTH accepted"))"
        else
            still+=("$item")
        fi
    done
    pending=("${still[@]+"${still[@]}"}")
    if [[ ${#pending[@]} -gt 0 ]]; then
        if (( SECONDS >= deadline )); then
            echo "start.sh: no working answer from: ${pending[*]}; the log follows." >&2
            tail -n 40 "$dir/log/postfix.log" >&2 || true
            exit 1
        fi
        sleep 0.5
    fi
done

# 6. What the tests need (tests/MailSender.RealPeer.Tests reads this file; override its folder with MAILSENDER_POSTFIX_DIR).
cat > "$dir/peer.env" <<ENV
# Written by scripts/postfix/start.sh. A throw-away test account on a loopback-only server.
MAILSENDER_POSTFIX_HOST=$host
MAILSENDER_POSTFIX_PLAIN_PORT=$plain_port
MAILSENDER_POSTFIX_STARTTLS_PORT=$starttls_port
MAILSENDER_POSTFIX_IMPLICIT_TLS_PORT=$implicit_port
MAILSENDER_POSTFIX_OPTIONAL_TLS_PORT=$optional_tls_port
MAILSENDER_POSTFIX_CA_FILE=$dir/tls/ca.pem
MAILSENDER_POSTFIX_USER=$user
MAILSENDER_POSTFIX_PASSWORD=$password
MAILSENDER_POSTFIX_DOMAIN=$domain
MAILSENDER_POSTFIX_MAILDIR=$dir/mail/inbox
MAILSENDER_POSTFIX_REJECT_RECIPIENT=reject@$domain
MAILSENDER_POSTFIX_TEMPFAIL_RECIPIENT=tempfail@$domain
MAILSENDER_POSTFIX_BOUNCE_RECIPIENT=nobody@unknown.$domain
MAILSENDER_POSTFIX_BOUNCE_MAILDIR=$dir/mail/bounces
MAILSENDER_POSTFIX_LOG=$dir/log/postfix.log
ENV
chmod 644 "$dir/peer.env"
echo "start.sh: ready; the tests read $dir/peer.env (stop with scripts/postfix/stop.sh)."
