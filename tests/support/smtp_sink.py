#!/usr/bin/env python3
"""courier's SMTP test server: aiosmtpd in one of three security modes.

Every accepted message is written to OUT/NNNN.eml (the bytes received) and
OUT/NNNN.json (envelope, EHLO name, TLS version, SNI, authenticated user).
Prints "READY <port>" once listening and runs until SIGTERM or SIGINT.

With --faults, recipients named by their local part misbehave, for batch
tests: temp<N>-... gets "451" at RCPT for its first N attempts,
reject-... gets "550" at RCPT, busy-... gets "421" at RCPT once and the
connection closed, drop-... has its connection cut after its first DATA
(nothing stored). --close-every N closes a connection right after every
N-th message it delivered (a server that drops idle connections).
--pipelining advertises PIPELINING (RFC 2920). --idle-timeout S makes an
idle connection end with "421" after S seconds (aiosmtpd's own timeout).
"""
import asyncio
import argparse
import json
import os
import signal
import ssl
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

SERVER_NAMES = {}  # id(SSLObject) -> the SNI the client sent


class Counting(Controller):
    """Writes a line to OUT/connections.log for every connection accepted
    once the server is up (the controller's own start-up probe is not
    counted)."""

    up = False

    def factory(self):
        if Counting.up:
            with open(os.path.join(self.handler.out, "connections.log"), "a") as f:
                f.write("connection\n")
        return super().factory()


class Recorder:
    def __init__(self, out, faults=False, close_every=0, pipelining=False):
        self.out = out
        self.pipelining = pipelining
        self.count = 0
        self.lock = threading.Lock()
        self.faults = faults
        self.close_every = close_every
        self.seen = {}  # address -> RCPT attempts so far

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            # aiosmtpd reads commands in order from a buffer, so it copes
            # with pipelined clients; it just does not say so.
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        # Were more commands already waiting when MAIL was read? That is
        # what a pipelining client looks like from here.
        buffered = getattr(server._reader, "_buffer", b"")
        session.pipelined = len(buffered) > 0
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.faults:
            local = address.split("@", 1)[0]
            with self.lock:
                self.seen[address] = self.seen.get(address, 0) + 1
                attempt = self.seen[address]
            if local.startswith("temp"):
                limit = int(local[4:].split("-", 1)[0] or "1")
                if attempt <= limit:
                    return "451 4.3.0 try again later"
            if local.startswith("reject-"):
                return "550 5.1.1 no such user"
            if local.startswith("busy-") and attempt == 1:
                asyncio.get_event_loop().call_soon(server.transport.close)
                return "421 4.7.0 too busy, closing"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.faults and any(
            a.split("@", 1)[0].startswith("drop-") and self.seen.get(a) == 1
            for a in envelope.rcpt_tos
        ):
            with self.lock:
                self.seen[envelope.rcpt_tos[0]] = 2
            server.transport.abort()
            return "451 4.4.2 connection lost"
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
            "pipelined": getattr(session, "pipelined", False),
            "client_cert": bool(ssl_object.getpeercert()) if ssl_object else False,
            "auth": session.auth_data.login.decode()
            if isinstance(session.auth_data, LoginPassword)
            else None,
        }
        with open(base + ".json", "w") as f:
            json.dump(record, f)
        if self.close_every:
            done = getattr(session, "delivered", 0) + 1
            session.delivered = done
            if done % self.close_every == 0:
                asyncio.get_event_loop().call_soon(server.transport.close)
        return "250 2.0.0 stored as %04d" % number


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", choices=["plain", "starttls", "smtps"], required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--auth", help="user:password; AUTH becomes required")
    parser.add_argument("--client-ca", help="ask for a client certificate signed by this CA (optional)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--faults", action="store_true")
    parser.add_argument("--close-every", type=int, default=0)
    parser.add_argument("--pipelining", action="store_true", help="advertise PIPELINING")
    parser.add_argument(
        "--idle-timeout", type=float, default=300, help="seconds before aiosmtpd says 421 and hangs up"
    )
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    context = None
    if args.mode != "plain":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
        if args.client_ca:
            context.verify_mode = ssl.CERT_OPTIONAL
            context.load_verify_locations(args.client_ca)

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
    controller = Counting(
        Recorder(args.out, args.faults, args.close_every, args.pipelining),
        hostname="127.0.0.1",
        port=args.port,
        ssl_context=context if args.mode == "smtps" else None,
        server_hostname="localhost",
        timeout=args.idle_timeout,
        **options,
    )
    controller.start()
    Counting.up = True
    print("READY %d" % args.port, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
