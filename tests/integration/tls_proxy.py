#!/usr/bin/env python3
"""A TLS front for a plain TCP service (the test Schema Registry): accepts TLS on --listen with
--cert/--key (and, with --client-ca, requires a client certificate signed by it), and relays the
bytes to --to. Prints "ready" once listening. For the TLS tests only."""
import argparse
import socket
import ssl
import sys
import threading


def relay(a, b):
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(conn, ctx, to):
    try:
        tls = ctx.wrap_socket(conn, server_side=True)
    except (ssl.SSLError, OSError):
        conn.close()  # the client refused our certificate, or sent none: that is the test
        return
    host, port = to.rsplit(":", 1)
    back = socket.create_connection((host, int(port)))
    threading.Thread(target=relay, args=(tls, back), daemon=True).start()
    relay(back, tls)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", type=int, required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--to", required=True)
    ap.add_argument("--client-ca")
    args = ap.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    if args.client_ca:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(args.client_ca)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", args.listen))
    srv.listen(16)
    print("ready", flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, ctx, args.to), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
