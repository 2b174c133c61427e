#!/usr/bin/env bash
# Starts the four extra SMTP servers of the interoperability suite (tests/MailSender.Interop.Tests) on 127.0.0.1.
# Postfix, the fifth, is started by scripts/postfix/start.sh (12525/12587/12465/12588).
#
#   server      plain  STARTTLS  implicit TLS  advertises (checked below)                 stores in
#   Exim 4.96   13025  13587     13465         PIPELINING CHUNKING SMTPUTF8 8BITMIME SIZE   DIR/exim/mail/inbox (Maildir)
#   OpenSMTPD   13125  -         -             8BITMIME SIZE DSN (no PIPELINING)            DIR/opensmtpd/mail/inbox (Maildir)
#   smtp-sink   13225  -         -             PIPELINING 8BITMIME DSN (no CHUNKING)        DIR/smtp-sink/dump (one file per transaction)
#   aiosmtpd    13325  13387     13365         SMTPUTF8 8BITMIME SIZE (no PIPELINING)       DIR/aiosmtpd/store/new (one file per message)
#
# STARTTLS ports require TLS before MAIL FROM; the plain ports offer no STARTTLS. Every server but smtp-sink refuses
# RCPT TO reject@example.test with 550 5.1.1 and tempfail@example.test with 450 4.2.0 and accepts every other
# address (smtp-sink cannot refuse single recipients: it accepts all). Nothing is relayed anywhere.
#
# OpenSMTPD: plain only. Its TLS does not work with Debian 12's OpenSSL 3: the STARTTLS and smtps handshakes fail on
# the server side with "io-error: error:0A080006:SSL routines::EVP lib" (the client sees "tlsv1 alert internal
# error"), with an RSA and with an ECDSA key alike: OpenSMTPD 6.8 signs through its privilege-separated "ca" process
# with an engine that OpenSSL 3 no longer drives. Its paths are compiled in (/var/spool/smtpd, /var/lib/opensmtpd/empty,
# /usr/libexec/opensmtpd, /run/smtpd.sock), so it runs in a private mount namespace (unshare -m) where folders of DIR
# and of the prefix are bind-mounted over /var/spool, /var/lib, /run and /usr/libexec; the rest of the system sees
# nothing of it.
#
# Exim runs from the prefix with `exim4 -C DIR/exim/exim.conf -bd`; with -C, Exim gives up root for the processes it
# re-executes (deliveries), so it delivers as its own user Debian-exim (files mode 0644).
#
# Usage: sudo scripts/interop/start.sh [DIR]   (DIR defaults to $MAILSENDER_INTEROP_DIR or /tmp/mailsender-interop)
# Writes DIR/interop.env (per server: host, ports, CA file, store, advertised extensions) for the tests. Running it
# again restarts every server from an empty DIR. Stop them with scripts/interop/stop.sh.
set -euo pipefail

dir=${1:-${MAILSENDER_INTEROP_DIR:-/tmp/mailsender-interop}}
prefix=${MAILSENDER_INTEROP_PREFIX:-/opt/mailsender-interop}
script_dir=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/instance.sh
. "$script_dir/../lib/instance.sh"
python=/usr/bin/python3
check="$python $script_dir/smtp_check.py"
host=127.0.0.1
marker=.mailsender-interop

exim_plain=13025 exim_starttls=13587 exim_implicit=13465
opensmtpd_plain=13125
sink_plain=13225
aiosmtpd_plain=13325 aiosmtpd_starttls=13387 aiosmtpd_implicit=13365
ports=("$exim_plain" "$exim_starttls" "$exim_implicit" "$opensmtpd_plain" "$sink_plain" "$aiosmtpd_plain" "$aiosmtpd_starttls" "$aiosmtpd_implicit")

if [[ $(id -u) -ne 0 ]]; then
    echo "start.sh: run as root: sudo $0" >&2
    exit 1
fi
if [[ ! -x $prefix/exim/usr/sbin/exim4 || ! -x $prefix/opensmtpd/usr/sbin/smtpd || ! -x /usr/sbin/smtp-sink ]] \
    || ! $python -c 'import aiosmtpd' 2>/dev/null; then
    echo "start.sh: a server is missing; run scripts/interop/install.sh first." >&2
    exit 1
fi
if [[ $dir != /* ]]; then
    dir=$(pwd)/$dir
fi

# 1. Stop a previous instance in the same folder, then start from an empty folder.
"$script_dir/stop.sh" "$dir"
fresh_instance_dir "$dir" "$marker" || exit 1
require_free_ports "$host" "${ports[@]}" || exit 1

echo "start.sh: creating the servers' folder $dir"
mkdir -p "$dir"/{tls,exim/spool,exim/log,exim/mail,opensmtpd/var-spool,opensmtpd/var-lib/opensmtpd/empty,opensmtpd/run,opensmtpd/mail,smtp-sink/dump,aiosmtpd/store}
touch "$dir/$marker"
chmod 755 "$dir" "$dir"/{tls,exim,exim/log,opensmtpd,smtp-sink,aiosmtpd}

# Deliver as the user who ran sudo (so tests run without sudo can read the mail), else as nobody.
mail_user=nobody
if [[ -n ${SUDO_USER:-} && ${SUDO_UID:-0} -ge 100 ]]; then
    mail_user=$SUDO_USER
fi

# 2. A CA and a server certificate for localhost and 127.0.0.1 signed by it; the tests trust the CA (caFile).
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=MailSender interop test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$dir/tls/ca-key.pem" -out "$dir/tls/ca.pem" 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -sha256 -subj "/CN=localhost/O=MailSender interop servers" \
    -keyout "$dir/tls/key.pem" -out "$dir/tls/server.csr" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$dir/tls/server.ext"
openssl x509 -req -in "$dir/tls/server.csr" -CA "$dir/tls/ca.pem" -CAkey "$dir/tls/ca-key.pem" -CAcreateserial \
    -days 3650 -sha256 -extfile "$dir/tls/server.ext" -out "$dir/tls/cert.pem" 2>/dev/null
rm -f "$dir/tls/server.csr" "$dir/tls/ca-key.pem" "$dir/tls/ca.srl"
chown root:Debian-exim "$dir/tls/key.pem"
chmod 640 "$dir/tls/key.pem"
chmod 644 "$dir/tls/cert.pem" "$dir/tls/ca.pem"

# 3. Exim.
exim=$prefix/exim/usr/sbin/exim4
chown Debian-exim:Debian-exim "$dir/exim/spool" "$dir/exim/log" "$dir/exim/mail"
chmod 750 "$dir/exim/spool"
cat > "$dir/exim/exim.conf" <<CONF
# Exim for MailSender's interop tests (generated by scripts/interop/start.sh).
primary_hostname = mailsender-exim.test
qualify_domain = example.test
spool_directory = $dir/exim/spool
log_file_path = $dir/exim/log/%slog
pid_file_path = $dir/exim/exim.pid
exim_path = $exim
keep_environment =
daemon_smtp_ports = $exim_plain : $exim_starttls : $exim_implicit
local_interfaces = <; $host.$exim_plain ; $host.$exim_starttls ; $host.$exim_implicit
tls_on_connect_ports = $exim_implicit
tls_certificate = $dir/tls/cert.pem
tls_privatekey = $dir/tls/key.pem
# STARTTLS on the STARTTLS port only (the implicit port is TLS already; the plain port offers none).
tls_advertise_hosts = \${if eq{\$received_port}{$exim_starttls}{*}{}}
pipelining_advertise_hosts = *
chunking_advertise_hosts = *
smtputf8_advertise_hosts = *
pipelining_connect_advertise_hosts =
prdr_enable = false
host_lookup =
rfc1413_hosts =
# No limits that tests would trip over: many messages per connection, delivered at once (never just queued).
smtp_accept_max = 200
smtp_accept_queue_per_connection = 0
smtp_accept_max_per_connection = 0
message_size_limit = 200M
recipients_max = 0
never_users = root
acl_smtp_mail = acl_mail
acl_smtp_rcpt = acl_rcpt

begin acl
acl_mail:
  deny    condition = \${if eq{\$received_port}{$exim_starttls}}
          !encrypted = *
          message = 530 5.7.0 Must issue a STARTTLS command first
  accept
acl_rcpt:
  deny    recipients = reject@example.test
          message = 550 5.1.1 test mailbox does not exist
  defer   recipients = tempfail@example.test
          message = 450 4.2.0 test mailbox temporarily unavailable
  accept

begin routers
everything:
  driver = accept
  transport = maildir

begin transports
# One file per recipient; Envelope-to: names the recipient of each copy.
maildir:
  driver = appendfile
  directory = $dir/exim/mail/inbox
  maildir_format
  create_directory
  directory_mode = 0755
  mode = 0644
  user = Debian-exim
  group = Debian-exim
  envelope_to_add
  return_path_add

begin retry
* * F,1h,1m
CONF
chmod 644 "$dir/exim/exim.conf"
"$exim" -C "$dir/exim/exim.conf" -bV >/dev/null
echo "start.sh: starting Exim ($("$exim" -C "$dir/exim/exim.conf" -bV | sed -n '1s/ #.*//p')) on $host:$exim_plain/$exim_starttls/$exim_implicit"
"$exim" -C "$dir/exim/exim.conf" -bd -q10s

# 4. OpenSMTPD, in its own mount namespace (see the top of this file).
smtpd=$prefix/opensmtpd/usr/sbin/smtpd
chown "$mail_user" "$dir/opensmtpd/mail"
cat > "$dir/opensmtpd/smtpd.conf" <<CONF
# OpenSMTPD for MailSender's interop tests (generated by scripts/interop/start.sh). Plain only: see start.sh.
table refuse550 { "reject@example.test" }
table refuse450 { "tempfail@example.test" }
table everyone { "@" = "$mail_user" }
filter "refuse550" phase rcpt-to match rcpt-to <refuse550> reject "550 5.1.1 test mailbox does not exist"
filter "refuse450" phase rcpt-to match rcpt-to <refuse450> reject "450 4.2.0 test mailbox temporarily unavailable"
filter "refusals" chain { "refuse550", "refuse450" }
smtp max-message-size 200M
listen on $host port $opensmtpd_plain hostname mailsender-opensmtpd.test filter "refusals"
action "deliver" maildir "$dir/opensmtpd/mail/inbox" virtual <everyone>
match from any for any action "deliver"
CONF
"$smtpd" -n -f "$dir/opensmtpd/smtpd.conf" >/dev/null 2>&1 || "$smtpd" -n -f "$dir/opensmtpd/smtpd.conf"
echo "start.sh: starting OpenSMTPD ($("$smtpd" -h 2>&1 | sed -n 's/^version: //p')) on $host:$opensmtpd_plain"
setsid unshare --mount --propagation private /bin/sh -c '
    mount --bind "$1/opensmtpd/var-spool" /var/spool &&
    mount --bind "$1/opensmtpd/var-lib" /var/lib &&
    mount --bind "$1/opensmtpd/run" /run &&
    mount --bind "$2/opensmtpd/usr/libexec" /usr/libexec &&
    exec "$2/opensmtpd/usr/sbin/smtpd" -d -f "$1/opensmtpd/smtpd.conf"' sh "$dir" "$prefix" \
    > "$dir/opensmtpd/smtpd.log" 2>&1 < /dev/null &
echo $! > "$dir/opensmtpd/smtpd.pid"

# 5. smtp-sink: no AUTH, XCLIENT or XFORWARD advertised; every transaction dumped to one file.
chown nobody "$dir/smtp-sink/dump"
echo "start.sh: starting smtp-sink on $host:$sink_plain"
setsid /usr/sbin/smtp-sink -u nobody -4 -a -C -F -h mailsender-smtp-sink.test -t 60 \
    -d "$dir/smtp-sink/dump/%Y%m%d%H%M%S." "$host:$sink_plain" 256 \
    > "$dir/smtp-sink/smtp-sink.log" 2>&1 < /dev/null &
echo $! > "$dir/smtp-sink/smtp-sink.pid"

# 6. aiosmtpd (scripts/interop/aiosmtpd_store.py).
echo "start.sh: starting aiosmtpd ($($python -c 'import aiosmtpd; print(aiosmtpd.__version__)')) on $host:$aiosmtpd_plain/$aiosmtpd_starttls/$aiosmtpd_implicit"
setsid $python "$script_dir/aiosmtpd_store.py" --host "$host" --plain-port "$aiosmtpd_plain" \
    --starttls-port "$aiosmtpd_starttls" --implicit-port "$aiosmtpd_implicit" \
    --cert "$dir/tls/cert.pem" --key "$dir/tls/key.pem" --store "$dir/aiosmtpd/store" \
    --pid-file "$dir/aiosmtpd/aiosmtpd.pid" > "$dir/aiosmtpd/aiosmtpd.log" 2>&1 < /dev/null &

# 7. Wait until every listener answers EHLO (TLS verified with the CA), and check what it advertises.
declare -A extensions
wait_for() { # NAME PORT MODE [--refusals]
    local name=$1 port=$2 mode=$3 deadline=$((SECONDS + 30)) output
    shift 3
    while ! output=$($check "$host" "$port" "$mode" --ca "$dir/tls/ca.pem" "$@" 2>&1); do
        if (( SECONDS >= deadline )); then
            echo "start.sh: $name on $host:$port ($mode) does not answer as expected: $output" >&2
            tail -n 20 "$dir"/exim/log/mainlog "$dir"/exim/log/paniclog "$dir"/opensmtpd/smtpd.log "$dir"/smtp-sink/smtp-sink.log "$dir"/aiosmtpd/aiosmtpd.log 2>/dev/null >&2 || true
            exit 1
        fi
        sleep 0.3
    done
    extensions[$name-$mode]=$output
    echo "start.sh: $name $host:$port ($mode) advertises: $output"
}
expect() { # NAME-MODE yes|no KEYWORD...
    local key=$1 want=$2 keyword have
    shift 2
    for keyword in "$@"; do
        have=no
        [[ " ${extensions[$key]} " == *" $keyword "* ]] && have=yes
        if [[ $have != "$want" ]]; then
            echo "start.sh: $key: expected $keyword to be $([[ $want == yes ]] && echo advertised || echo absent), EHLO says: ${extensions[$key]}" >&2
            exit 1
        fi
    done
}
wait_for exim "$exim_plain" plain --refusals
wait_for exim "$exim_starttls" starttls --refusals
wait_for exim "$exim_implicit" implicit --refusals
wait_for opensmtpd "$opensmtpd_plain" plain --refusals
wait_for smtp-sink "$sink_plain" plain
wait_for aiosmtpd "$aiosmtpd_plain" plain --refusals
wait_for aiosmtpd "$aiosmtpd_starttls" starttls --refusals
wait_for aiosmtpd "$aiosmtpd_implicit" implicit --refusals
for mode in plain starttls implicit; do
    expect "exim-$mode" yes PIPELINING CHUNKING SMTPUTF8 8BITMIME
    expect "exim-$mode" no STARTTLS
    expect "aiosmtpd-$mode" no PIPELINING CHUNKING STARTTLS
    expect "aiosmtpd-$mode" yes SMTPUTF8 8BITMIME
done
expect opensmtpd-plain no PIPELINING CHUNKING STARTTLS SMTPUTF8
expect smtp-sink-plain yes PIPELINING
expect smtp-sink-plain no CHUNKING STARTTLS SMTPUTF8 AUTH

# 8. What the tests need (tests/MailSender.Interop.Tests reads this file; override its folder with MAILSENDER_INTEROP_DIR).
# A port of 0 means the server has no such listener. STORE_FORMAT: maildir (LF line endings, server headers first),
# smtp-sink (LF, X-* envelope lines and Received first, one empty line appended), raw (X-Interop-* lines, then the
# bytes received, CRLF). REFUSES: whether reject@/tempfail@example.test are refused (550/450).
{
    echo "# Written by scripts/interop/start.sh: SMTP servers on 127.0.0.1 for tests/MailSender.Interop.Tests."
    echo "MAILSENDER_INTEROP_SERVERS=exim opensmtpd smtp-sink aiosmtpd"
    echo "MAILSENDER_INTEROP_CA_FILE=$dir/tls/ca.pem"
    server() { # KEY NAME PLAIN STARTTLS IMPLICIT STORE FORMAT REFUSES LOG
        echo "MAILSENDER_INTEROP_$1_NAME=$2"
        echo "MAILSENDER_INTEROP_$1_HOST=$host"
        echo "MAILSENDER_INTEROP_$1_PLAIN_PORT=$3"
        echo "MAILSENDER_INTEROP_$1_STARTTLS_PORT=$4"
        echo "MAILSENDER_INTEROP_$1_IMPLICIT_TLS_PORT=$5"
        echo "MAILSENDER_INTEROP_$1_CA_FILE=$dir/tls/ca.pem"
        echo "MAILSENDER_INTEROP_$1_STORE=$6"
        echo "MAILSENDER_INTEROP_$1_STORE_FORMAT=$7"
        echo "MAILSENDER_INTEROP_$1_REFUSES=$8"
        echo "MAILSENDER_INTEROP_$1_EXTENSIONS=${extensions[${2,,}-plain]}"
        echo "MAILSENDER_INTEROP_$1_LOG=$9"
    }
    server EXIM exim "$exim_plain" "$exim_starttls" "$exim_implicit" "$dir/exim/mail/inbox" maildir yes "$dir/exim/log/mainlog"
    server OPENSMTPD opensmtpd "$opensmtpd_plain" 0 0 "$dir/opensmtpd/mail/inbox" maildir yes "$dir/opensmtpd/smtpd.log"
    server SMTP_SINK smtp-sink "$sink_plain" 0 0 "$dir/smtp-sink/dump" smtp-sink no "$dir/smtp-sink/smtp-sink.log"
    server AIOSMTPD aiosmtpd "$aiosmtpd_plain" "$aiosmtpd_starttls" "$aiosmtpd_implicit" "$dir/aiosmtpd/store/new" raw yes "$dir/aiosmtpd/aiosmtpd.log"
} > "$dir/interop.env"
chmod 644 "$dir/interop.env"
echo "start.sh: ready; the tests read $dir/interop.env (stop with scripts/interop/stop.sh)."
