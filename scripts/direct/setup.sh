#!/usr/bin/env bash
# Installs and starts what the direct-delivery and DKIM tests need: dnsmasq (DNS on 127.0.0.1:15353 with the
# records in dnsmasq.conf) and python3-dkim (dkimverify, an independent DKIM verifier). Idempotent: a dnsmasq
# this script started before is restarted with the current configuration. Run as root (CI does).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pid_file=/tmp/mailsender-dnsmasq.pid

# shellcheck source=../lib/apt.sh
source "$here/../lib/apt.sh"
apt_install setup.sh dnsmasq-base python3-dkim
require_executables setup.sh /usr/sbin/dnsmasq /usr/bin/dkimverify

dnsmasq_bin=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
old_pid=$(cat "$pid_file" 2>/dev/null || true)
if [ -n "$old_pid" ] && kill -0 "$old_pid" 2>/dev/null; then
  kill "$old_pid"
  for _ in $(seq 1 50); do kill -0 "$old_pid" 2>/dev/null || break; sleep 0.1; done
fi

# --user=root: dnsmasq would otherwise switch to 'nobody', which may not read the config in a private checkout.
"$dnsmasq_bin" --conf-file="$here/dnsmasq.conf" --pid-file="$pid_file" --user=root

# Wait until it answers.
for _ in $(seq 1 50); do
  if python3 - <<'PY' 2>/dev/null
import socket, struct
q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + b"\x05mx-ok\x04test\x00" + struct.pack(">HH", 15, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.5)
s.sendto(q, ("127.0.0.1", 15353)); data = s.recv(512)
raise SystemExit(0 if struct.unpack(">H", data[6:8])[0] > 0 else 1)
PY
  then
    echo "dnsmasq answers on 127.0.0.1:15353 (pid $(cat "$pid_file"))"
    exit 0
  fi
  sleep 0.1
done
echo "dnsmasq did not answer on 127.0.0.1:15353; see /tmp/mailsender-dnsmasq.log" >&2
exit 1
