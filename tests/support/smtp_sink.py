#!/usr/bin/env python3
"""courier's SMTP test server: aiosmtpd in one of three security modes.

Every accepted message is written to OUT/NNNN.eml (the bytes received) and
OUT/NNNN.json (envelope, EHLO name, TLS version, SNI, authenticated user).
Prints "READY <port>" once listening and runs until SIGTERM or SIGINT.
"""
import argparse
import json
import os
import signal
import ssl
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

SERVER_NAMES = {}  # id(SSLObject) -> the SNI the client sent


class Recorder:
    def __init__(self, out):
        self.out = out
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            number = self.count
        ssl_object = server.transport.get_extra_info("ssl_object")
        base = os.path.join(self.out, "%04d" % number)
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        record = {
            "mail_from": envelope.mail_from,
            "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos,
            "helo": session.host_name,
            "tls": ssl_object is not None,
            "tls_version": ssl_object.version() if ssl_object else None,
            "sni": SERVER_NAMES.get(id(ssl_object)) if ssl_object else None,
            "auth": session.auth_data.login.decode()
            if isinstance(session.auth_data, LoginPassword)
            else None,
        }
        with open(base + ".json", "w") as f:
            json.dump(record, f)
        return "250 2.0.0 stored as %04d" % number


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", choices=["plain", "starttls", "smtps"], required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--auth", help="user:password; AUTH becomes required")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    context = None
    if args.mode != "plain":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

        def remember(ssl_object, name, _context):
            SERVER_NAMES[id(ssl_object)] = name

        context.sni_callback = remember

    options = {}
    if args.mode == "starttls":
        options.update(tls_context=context, require_starttls=True)
    if args.auth:
        user, password = args.auth.split(":", 1)

        def check(server, session, envelope, mechanism, data):
            ok = (
                isinstance(data, LoginPassword)
                and data.login.decode() == user
                and data.password.decode() == password
            )
            # handled=False: let aiosmtpd answer 535 itself.
            return AuthResult(success=ok, handled=False, auth_data=data if ok else None)

        # aiosmtpd counts only STARTTLS as TLS, so AUTH must be allowed
        # explicitly on the implicit-TLS listener (and, for tests, in clear).
        options.update(
            authenticator=check,
            auth_required=True,
            auth_require_tls=(args.mode == "starttls"),
        )
    controller = Controller(
        Recorder(args.out),
        hostname="127.0.0.1",
        port=args.port,
        ssl_context=context if args.mode == "smtps" else None,
        server_hostname="localhost",
        **options,
    )
    controller.start()
    print("READY %d" % args.port, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
