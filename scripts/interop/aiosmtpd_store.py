#!/usr/bin/python3
"""A small SMTP server WITHOUT PIPELINING or CHUNKING (aiosmtpd), for MailSender's interop suite.

Started by scripts/interop/start.sh. It stores every accepted message as one file in STORE:
    X-Interop-Mail-From: <sender>            (the MAIL FROM address)
    X-Interop-Rcpt-To: <recipient>           (one line per accepted RCPT TO)
    X-Interop-Listener: plain|starttls|implicit
    <the DATA content exactly as received, after dot-unstuffing, CRLF line endings kept>
Files are written to STORE/tmp and renamed into STORE/new, so a reader never sees half a message.
RCPT TO reject@example.test gets 550 5.1.1, tempfail@example.test 450 4.2.0; every other address is accepted.
"""
import argparse
import asyncio
import itertools
import os
import signal
import ssl
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

REFUSALS = {
    "reject@example.test": "550 5.1.1 test mailbox does not exist",
    "tempfail@example.test": "450 4.2.0 test mailbox temporarily unavailable",
}
counter = itertools.count()


class StoreHandler:
    def __init__(self, store, listener):
        self.store = store
        self.listener = listener

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refusal = REFUSALS.get(address.lower())
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        head = "X-Interop-Mail-From: <%s>\r\n" % envelope.mail_from
        head += "".join("X-Interop-Rcpt-To: <%s>\r\n" % r for r in envelope.rcpt_tos)
        head += "X-Interop-Listener: %s\r\n" % self.listener
        name = "%d.%d.%d.eml" % (time.time_ns(), os.getpid(), next(counter))
        temporary = os.path.join(self.store, "tmp", name)
        with open(temporary, "wb") as f:
            f.write(head.encode("utf-8"))
            f.write(envelope.original_content)
        os.chmod(temporary, 0o644)
        os.rename(temporary, os.path.join(self.store, "new", name))
        return "250 2.0.0 OK stored as %s" % name


class Server(Controller):
    def __init__(self, handler, *, host, port, tls_context=None, require_starttls=False, ssl_context=None):
        self._smtp_kwargs = dict(
            hostname="mailsender-aiosmtpd.test",
            data_size_limit=200 * 1024 * 1024,
            enable_SMTPUTF8=True,
            decode_data=False,
            tls_context=tls_context,
            require_starttls=require_starttls,
            timeout=60,
        )
        super().__init__(handler, hostname=host, port=port, ssl_context=ssl_context, ready_timeout=10)

    def factory(self):
        return SMTP(self.handler, **self._smtp_kwargs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--plain-port", type=int, required=True)
    parser.add_argument("--starttls-port", type=int, required=True)
    parser.add_argument("--implicit-port", type=int, required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--store", required=True)
    parser.add_argument("--pid-file", required=True)
    args = parser.parse_args()

    for sub in ("tmp", "new"):
        os.makedirs(os.path.join(args.store, sub), exist_ok=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)

    servers = [
        Server(StoreHandler(args.store, "plain"), host=args.host, port=args.plain_port),
        Server(StoreHandler(args.store, "starttls"), host=args.host, port=args.starttls_port, tls_context=context, require_starttls=True),
        Server(StoreHandler(args.store, "implicit"), host=args.host, port=args.implicit_port, ssl_context=context),
    ]
    for server in servers:
        server.start()
    with open(args.pid_file, "w") as f:
        f.write("%d\n" % os.getpid())

    stop = [False]

    def on_signal(signum, frame):
        stop[0] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    while not stop[0]:
        time.sleep(0.2)
    for server in servers:
        server.stop()


if __name__ == "__main__":
    main()
