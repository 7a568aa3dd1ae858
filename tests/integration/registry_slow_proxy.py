#!/usr/bin/env python3
"""A slow or refusing front for the test Schema Registry (registry_async.sh): relays each HTTP
request to --to and its answer back, but first, for requests whose path contains --match (every
request when it is empty):
  --delay-ms N   waits N ms before relaying (a slow registry);
  --refuse       answers 409 itself, in the registry's JSON, without relaying (an incompatible schema);
  --hang         never answers (holds the connection until the client hangs up).
Listens on 127.0.0.1, a free port; prints "ready <port>" once listening. One line per request to
stderr: time, method, path, what was done."""
import argparse
import http.client
import http.server
import json
import sys
import threading
import time
import urllib.parse


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--to", required=True, help="the registry's base URL")
    ap.add_argument("--match", default="")
    ap.add_argument("--delay-ms", type=int, default=0)
    ap.add_argument("--refuse", action="store_true")
    ap.add_argument("--hang", action="store_true")
    args = ap.parse_args()
    to = urllib.parse.urlsplit(args.to)
    base = to.path.rstrip("/")
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            pass

        def note(self, what):
            with lock:
                print("%.3f %s %s %s" % (time.time(), self.command, self.path, what), file=sys.stderr,
                      flush=True)

        def answer(self, status, body, ctype="application/vnd.schemaregistry.v1+json"):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def relay(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else None
            hit = args.match in self.path
            if hit and args.hang:
                self.note("hang")
                while True:
                    time.sleep(3600)
            if hit and args.refuse:
                self.note("refused")
                self.answer(409, json.dumps({"error_code": 409, "message":
                                             "Schema being registered is incompatible with an earlier "
                                             "schema (test proxy)"}).encode())
                return
            if hit and args.delay_ms:
                time.sleep(args.delay_ms / 1000)
            conn = http.client.HTTPConnection(to.hostname, to.port, timeout=30)
            hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            conn.request(self.command, base + self.path, body=body, headers=hdrs)
            r = conn.getresponse()
            data = r.read()
            conn.close()
            self.note("%s%s" % (r.status, " after %d ms" % args.delay_ms if hit and args.delay_ms else ""))
            self.answer(r.status, data, r.getheader("Content-Type") or "application/json")

        do_GET = do_POST = do_PUT = relay

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    print("ready %d" % srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
