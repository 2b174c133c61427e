#!/usr/bin/python3
"""Checks one SMTP listener for scripts/interop/start.sh and prints its EHLO keywords, space-separated, in order.

  smtp_check.py HOST PORT plain|starttls|implicit [--ca FILE] [--refusals]

plain: EHLO on a plaintext connection. starttls: EHLO, STARTTLS (the certificate verified with --ca and the host),
EHLO again; the keywords printed are those after TLS, and STARTTLS must have been offered. implicit: TLS from the
first byte, then EHLO. --refusals: also checks that RCPT TO reject@example.test gets 550 and
tempfail@example.test 450 while ok@example.test is accepted (then RSET). Exits 1 with a message on any mismatch.
"""
import argparse
import smtplib
import ssl
import sys


def keywords(client):
    code, text = client.ehlo("smtp-check.test")
    if code != 250:
        raise SystemExit("EHLO answered %d %s" % (code, text))
    lines = text.decode("utf-8", "replace").splitlines()[1:]
    return [line.split()[0].upper() for line in lines if line.strip()]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("mode", choices=["plain", "starttls", "implicit"])
    parser.add_argument("--ca")
    parser.add_argument("--refusals", action="store_true")
    args = parser.parse_args()

    context = ssl.create_default_context(cafile=args.ca) if args.ca else None
    if args.mode == "implicit":
        client = smtplib.SMTP_SSL(args.host, args.port, timeout=5, context=context)
    else:
        client = smtplib.SMTP(args.host, args.port, timeout=5)
    try:
        found = keywords(client)
        if args.mode == "starttls":
            if "STARTTLS" not in found:
                raise SystemExit("STARTTLS is not offered: %s" % " ".join(found))
            client.starttls(context=context)
            found = keywords(client)
        if args.refusals:
            code, text = client.mail("check@example.test")
            if code != 250:
                raise SystemExit("MAIL FROM answered %d %s" % (code, text))
            for address, expected in (("ok@example.test", 250), ("reject@example.test", 550), ("tempfail@example.test", 450)):
                code, text = client.rcpt(address)
                if code != expected:
                    raise SystemExit("RCPT TO:<%s> answered %d %s, expected %d" % (address, code, text, expected))
            client.rset()
        client.quit()
    except (OSError, smtplib.SMTPException) as error:
        raise SystemExit("%s:%d (%s): %s" % (args.host, args.port, args.mode, error))
    print(" ".join(found))


if __name__ == "__main__":
    main()
