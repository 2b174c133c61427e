#!/usr/bin/env python3
"""A minimal SMTP server for the packaging test: plain text on 127.0.0.1, AUTH PLAIN/LOGIN against one user and
password, and every message it accepts written to FOLDER as N.eml (envelope in X-Sink-From/X-Sink-To headers).

Usage: smtp_sink.py FOLDER USER PASSWORD   (prints "port N" once listening; runs until killed)
A wrong password gets 535 and the session may not send: a message in FOLDER proves the credentials arrived.
"""
import base64
import socketserver
import sys
import threading
from pathlib import Path

folder, user, password = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
folder.mkdir(parents=True, exist_ok=True)
counter = iter(range(1, 1_000_000))
lock = threading.Lock()


class Session(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def read(self) -> str:
        line = self.rfile.readline()
        if not line:
            raise ConnectionError
        return line.decode("utf-8", "replace").rstrip("\r\n")

    def check(self, credentials: tuple[str, str]) -> bool:
        if credentials == (user, password):
            self.reply("235 2.7.0 Authentication successful")
            return True
        self.reply("535 5.7.8 Authentication credentials invalid")
        return False

    def handle(self) -> None:
        authenticated, sender, recipients = False, None, []
        self.reply("220 sink ESMTP")
        try:
            while True:
                line = self.read()
                verb = line.split(" ", 1)[0].upper()
                if verb in ("EHLO", "HELO"):
                    self.wfile.write(b"250-sink\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
                elif verb == "AUTH":
                    parts = line.split()
                    if parts[1].upper() == "PLAIN":
                        if len(parts) < 3:
                            self.reply("334 ")
                            parts.append(self.read())
                        _, name, secret = base64.b64decode(parts[2]).decode().split("\0")
                    else:
                        self.reply("334 VXNlcm5hbWU6")
                        name = base64.b64decode(self.read()).decode()
                        self.reply("334 UGFzc3dvcmQ6")
                        secret = base64.b64decode(self.read()).decode()
                    authenticated = self.check((name, secret))
                elif verb == "MAIL":
                    if not authenticated:
                        self.reply("530 5.7.0 Authentication required")
                        continue
                    sender, recipients = line[10:].split(">")[0].lstrip("<"), []
                    self.reply("250 2.1.0 OK")
                elif verb == "RCPT":
                    recipients.append(line[8:].split(">")[0].lstrip("<"))
                    self.reply("250 2.1.5 OK")
                elif verb == "DATA":
                    self.reply("354 End data with <CR><LF>.<CR><LF>")
                    lines = []
                    while (data := self.read()) != ".":
                        lines.append(data[1:] if data.startswith(".") else data)
                    with lock:
                        path = folder / f"{next(counter)}.eml"
                    path.write_text(f"X-Sink-From: {sender}\r\nX-Sink-To: {', '.join(recipients)}\r\n" + "\r\n".join(lines) + "\r\n")
                    self.reply("250 2.0.0 Queued")
                elif verb == "RSET":
                    sender, recipients = None, []
                    self.reply("250 2.0.0 OK")
                elif verb == "NOOP":
                    self.reply("250 2.0.0 OK")
                elif verb == "QUIT":
                    self.reply("221 2.0.0 Bye")
                    return
                else:
                    self.reply("502 5.5.2 Command not implemented")
        except (ConnectionError, OSError):
            return


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


with Server(("127.0.0.1", 0), Session) as server:
    print(f"port {server.server_address[1]}", flush=True)
    server.serve_forever()
