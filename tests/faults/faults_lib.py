"""The faults the scenario files name (fault=...), for tests/faults/run.

FAULTS[name](s) run a scenario that must keep the invariants: rowcast streams, the writer writes,
the fault happens `rounds` times, then rowcast catches up and stops with SIGTERM (exit 0).
EXPECT_FAULTS[name](s) stage a condition rowcast must refuse: it must exit non-zero with a log line
matching the scenario's `message` regex (checked here), never go on silently.
Each returns {"ok": bool, "why": [reasons], "rounds": n}.
"""
import http.server
import json
import os
import random
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.request

from run_helpers import Proc, env_dir, kafka_answers, my, now_ms, psql


def _sleep_rand(lo, hi):
    time.sleep(random.uniform(lo, hi))


def stream_with(s, during, default_rounds=1, writer_args=(), workload="mixed", wait_first=True, env_extra=None):
    """The common frame: start rowcast (and, for snapshot scenarios, the prefill first), the poller
    and the writer; `during(s, rounds)` applies the fault; then catch up, SIGTERM, exit 0."""
    sc = s.sc
    why = []
    rounds = int(sc.get("rounds", default_rounds))
    if int(sc.get("prefill", 0)):
        s.writer(0, workload="none", extra=["--prefill", sc["prefill"]], wait=True)
    s.start(env_extra=env_extra)
    if wait_first and not s.wait_streaming():
        return {"ok": False, "why": ["rowcast never streamed: " + s.logtext()[-300:]], "rounds": 0}
    poll = threading.Thread(target=s.poller, daemon=True)
    poll.start()
    stop = os.path.join(s.tmp, "writer.stop")
    w = s.writer(float(sc.get("seconds", 600)), workload=workload, stop_file=stop,
                 extra=list(writer_args) + (["--rows", sc["rows"]] if sc.get("rows") else []) +
                 (["--long-open", sc["long_open"]] if sc.get("long_open") else []))
    done = 0
    try:
        done = during(s, rounds, w, why)
    finally:
        open(stop, "w").close()
        w.wait()
    out = w.stdout.read()
    s.log(f"writer: {out.strip()}")
    if w.returncode:
        why.append(f"writer exited {w.returncode}: {open(os.path.join(s.tmp, 'writer.err')).read()[-300:]}")
    if not s.alive():
        code = s.reap(0) if s.rc.returncode is None else s.rc.returncode
        s.log(f"rowcast not running at the end (exit {code}); restarting it to catch up")
        s.start()
    if not s.wait_streaming(120):
        why.append("rowcast did not stream again after the fault: " + s.logtext()[-300:].replace("\n", " | "))
    elif not s.caught_up(180):
        why.append("rowcast did not catch up within 180 s")
    time.sleep(1)
    code = s.sigterm()
    if code != 0:
        why.append(f"final SIGTERM: exit {code}")
    s.stop_poll.set()
    poll.join()
    return {"ok": not why, "why": why, "rounds": done if done is not None else rounds}


def f_none(s):
    def during(s, rounds, w, why):
        w.wait()
        return 0
    return stream_with(s, during, 0)


def f_kill9(s):
    lo, hi = float(s.sc.get("kill_min", 0.3)), float(s.sc.get("kill_max", 3.0))

    def during(s, rounds, w, why):
        for i in range(rounds):
            _sleep_rand(lo, hi)
            if not s.alive():
                why.append(f"rowcast exited on its own before kill {i + 1}: {s.logtext()[-300:]}")
                return i
            s.kill9()
            time.sleep(float(s.sc.get("restart_after", 1)))
            s.start()
        _sleep_rand(2, 4)
        return rounds
    return stream_with(s, during, 30, workload=s.sc.get("workload", "mixed"),
                       wait_first=s.sc.get("snapshot", "no_data") == "no_data")


def f_sigterm(s):
    def during(s, rounds, w, why):
        for i in range(rounds):
            _sleep_rand(1.5, 3.5)
            t = time.time()
            code = s.sigterm(float(s.sc.get("term_timeout", 30)))
            if code != 0:
                why.append(f"SIGTERM {i + 1}: exit {code} after {time.time() - t:.1f}s")
            s.start()
            if not s.wait_streaming():
                why.append(f"rowcast did not stream after SIGTERM {i + 1}")
                return i + 1
        _sleep_rand(2, 3)
        return rounds
    return stream_with(s, during, 5)


def f_failpoint(s):
    """ROWCAST_TEST_FAILPOINT=<name>[@N] for a life: rowcast must SIGKILL itself there (its stderr says
    `failpoint <name> hit`); the next life runs without it and must deliver everything."""
    fp = s.sc["failpoint"]
    name = fp.split("@")[0]
    snapshot = s.sc.get("snapshot", "no_data") != "no_data"

    def during(s, rounds, w, why):
        for i in range(rounds):
            if i > 0:
                s.kill9() if s.alive() else None
                s.start(env_extra={"ROWCAST_TEST_FAILPOINT": fp})
            code = s.reap(90)
            if code is None:
                why.append(f"round {i + 1}: failpoint {fp} never hit within 90 s")
                s.kill9()
            elif f"failpoint {name} hit" not in s.logtext():
                why.append(f"round {i + 1}: rowcast exited {code} without 'failpoint {name} hit'")
            time.sleep(0.5)
            s.start()
            if not s.wait_streaming(120):
                why.append(f"round {i + 1}: no streaming after the failpoint")
                return i + 1
            _sleep_rand(1, 2)
        return rounds
    return stream_with(s, during, 1, workload=s.sc.get("workload", "mixed"), wait_first=not snapshot,
                       env_extra={"ROWCAST_TEST_FAILPOINT": fp})


def _kafka():
    return Proc(os.path.join(env_dir(), "pids/kafka.pid"))


def _wait_kafka(why, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        if kafka_answers():
            return True
        time.sleep(0.5)
    why.append("the broker did not answer again")
    return False


def f_broker_stop(s):
    outage = float(s.sc.get("outage", 20))

    def during(s, rounds, w, why):
        k = _kafka()
        for i in range(rounds):
            _sleep_rand(2, 4)
            pid = k.pid()
            os.kill(pid, signal.SIGSTOP)
            held = s.position()
            s.log(f"broker {pid} stopped for {outage}s (confirmed: {held and held[1]})")
            time.sleep(outage)
            os.kill(pid, signal.SIGCONT)
            if not s.alive() and s.sc.get("expect_exit") != "1":
                s.log(f"rowcast exited {s.rc.returncode} during the outage: restarting")
                s.reap(0)
                s.start()
            _wait_kafka(why)
        time.sleep(3)
        return rounds
    return stream_with(s, during, 1)


def f_broker_kill(s):
    outage = float(s.sc.get("outage", 10))

    def during(s, rounds, w, why):
        k = _kafka()
        for i in range(rounds):
            _sleep_rand(2, 4)
            k.kill9()
            s.log(f"broker killed; restart in {outage}s")
            time.sleep(outage)
            k.restart(os.path.join(env_dir(), "logs/kafka-restart.log"))
            if not _wait_kafka(why):
                return i + 1
            s.log("broker answers again")
            if not s.alive():
                s.log(f"rowcast exited {s.rc.returncode} during the outage: restarting")
                s.reap(0)
                s.start()
        time.sleep(3)
        return rounds
    return stream_with(s, during, 1)


def f_db_blackhole(s):
    """The database stops answering without closing anything (SIGSTOP: no RST, no FIN): for PG the
    walsender serving the slot, for MariaDB the server. Network namespaces are not used: the servers
    of tests/env listen on 127.0.0.1 only."""
    outage = float(s.sc.get("outage", 20))

    def during(s, rounds, w, why):
        for i in range(rounds):
            _sleep_rand(2, 4)
            if s.pg:
                pid = int(psql(f"SELECT active_pid FROM pg_replication_slots WHERE slot_name = '{s.slot}'") or 0)
            else:
                pid = Proc(os.path.join(env_dir(), "pids/mariadb.pid")).pid()
            if not pid:
                why.append("no server process to stop")
                return i
            os.kill(pid, signal.SIGSTOP)
            s.log(f"server process {pid} stopped for {outage}s")
            time.sleep(outage)
            os.kill(pid, signal.SIGCONT)
            if not s.alive():
                s.log(f"rowcast exited {s.rc.returncode} during the blackhole: restarting")
                s.reap(0)
                s.start()
        time.sleep(3)
        return rounds
    return stream_with(s, during, 1)


def f_pg_restart(s):
    mode = s.sc.get("mode", "fast")
    data = os.path.join(env_dir(), "postgres/data")

    def during(s, rounds, w, why):
        for i in range(rounds):
            _sleep_rand(2, 4)
            r = subprocess.run(["runuser", "-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_ctl", "-D", data,
                                "-l", os.path.join(env_dir(), "logs/postgres.log"), "-w", "-t", "60", "restart",
                                "-m", mode], capture_output=True, text=True, cwd="/")
            if r.returncode:
                why.append(f"pg_ctl restart -m {mode}: {r.stderr.strip()}")
                return i
            s.log(f"PostgreSQL restarted (-m {mode})")
            if not s.alive():
                s.log(f"rowcast exited {s.rc.returncode} on the restart: starting it again")
                s.reap(0)
                s.start()
        time.sleep(5)
        return rounds
    return stream_with(s, during, 2)


def f_my_kill(s):
    def during(s, rounds, w, why):
        p = Proc(os.path.join(env_dir(), "pids/mariadb.pid"))
        for i in range(rounds):
            _sleep_rand(2, 4)
            p.kill9()
            s.log("mariadbd killed")
            time.sleep(1)
            p.restart(os.path.join(env_dir(), "logs/mariadb-restart.log"))
            end = time.time() + 60
            while time.time() < end and my("SELECT 1", check=False) != "1":
                time.sleep(0.5)
            s.log("MariaDB answers again")
            if not s.alive():
                s.log(f"rowcast exited {s.rc.returncode} on the crash: starting it again")
                s.reap(0)
                s.start()
        time.sleep(5)
        return rounds
    return stream_with(s, during, 2)


def f_rotate_kill(s):
    """T6: a bulk UPDATE (one statement, thousands of rows in a few ROWS events), binlog rotations,
    kill -9 in the middle of its delivery."""
    def during(s, rounds, w, why):
        for i in range(rounds):
            _sleep_rand(0.5, 2.5)
            if not s.pg:
                my("FLUSH BINARY LOGS", check=False)
            if not s.alive():
                why.append(f"rowcast exited on its own before kill {i + 1}")
                return i
            s.kill9()
            time.sleep(1)
            s.start()
        time.sleep(3)
        return rounds
    return stream_with(s, during, 5, workload=s.sc.get("workload", "bulk"))


def f_idle(s):
    """T16: the captured tables stay idle while an uncaptured table writes a lot: the confirmed
    position must follow the server (heartbeat / keepalive), not stay behind."""
    def during(s, rounds, w, why):
        w.wait()
        pad = "x" * 2000
        for _ in range(int(s.sc.get("busy_batches", 20))):
            if s.pg:
                psql(f"INSERT INTO {s.meta}.busy (pad) SELECT '{pad}' FROM generate_series(1, 2000)")
            else:
                my(f"USE `{s.meta}`; INSERT INTO busy (pad) SELECT REPEAT('x', 2000) FROM seq_1_to_2000")
        if not s.caught_up(float(s.sc.get("lag_within", 30))):
            why.append("the confirmed position did not follow the server's while only uncaptured tables wrote")
        if s.pg:
            # restart_lsn follows confirmed_flush_lsn only at the server's next running-xacts
            # record / checkpoint: what rowcast controls is the confirmed position.
            lag = psql(f"SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn) FROM pg_replication_slots "
                       f"WHERE slot_name = '{s.slot}'")
            s.log(f"the confirmed position is {int(float(lag)) >> 10} KB behind the server's WAL end")
            if float(lag) > 64 << 20:
                why.append(f"the confirmed position is {int(float(lag)) >> 20} MB behind the server")
        return 1
    return stream_with(s, during, 1, workload="none")


def f_offset_missing(s):
    """T19 (PG): the offset file deleted while rowcast is down and the slot exists, the writer going
    on meanwhile: rowcast resumes from the slot's confirmed_flush_lsn (pg_slot.c), which never passes
    what Kafka acknowledged, so nothing may be missing."""
    def during(s, rounds, w, why):
        for i in range(rounds):
            _sleep_rand(2, 4)
            code = s.sigterm()
            if code != 0:
                why.append(f"SIGTERM {i + 1}: exit {code}")
            os.unlink(s.offsets)
            time.sleep(1)
            s.start()
            if not s.wait_streaming():
                why.append(f"no streaming after the offset file was deleted: {s.logtext()[-300:]}")
                return i + 1
        _sleep_rand(2, 3)
        return rounds
    return stream_with(s, during, 2)


def f_registry_stub(s):
    """A Schema Registry stub in front of the real one: answers `status` to the first `count` requests
    (count=all: every one; status=hang: no answer for `hang` seconds), then passes through."""
    st = RegistryStub(os.environ["ROWCAST_TEST_SCHEMA_REGISTRY_URL"], s.sc.get("status", "500"),
                      s.sc.get("count", "5"), float(s.sc.get("hang", 15)))
    s.sc["registry_url"] = st.url
    try:
        def during(s, rounds, w, why):
            time.sleep(float(s.sc.get("seconds_fault", 20)))
            return 1
        if s.sc.get("expect", "invariants") == "invariants":
            return stream_with(s, during, 1, wait_first=False)
        def stage(s):
            # Rows to encode: their first registration meets the stub.
            s.start()
            if not s.wait_streaming():
                return None
            s.writer(2, wait=True)
            return {"running": True, "proc": s.rc, "log": s.rc_log}
        return expect_exit(s, stage, wait_stream=False)
    finally:
        s.log(f"registry stub answered {st.faked} requests with {st.status}, passed {st.passed} through")
        st.close()


class RegistryStub:
    def __init__(self, upstream, status, count, hang):
        self.upstream, self.status, self.hang = upstream.rstrip("/"), status, hang
        self.count = None if count == "all" else int(count)
        self.faked = self.passed = 0
        stub = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else None
                # The schema lookups the verifier makes (GET /schemas/ids/...) go straight upstream.
                fake = (self.command != "GET" or "/schemas/ids/" not in self.path) and \
                       (stub.count is None or stub.faked < stub.count)
                if fake:
                    stub.faked += 1
                    if stub.status == "hang":
                        time.sleep(stub.hang)
                        self.close_connection = True
                        return
                    code = int(stub.status)
                    msg = {409: (409, "Schema being registered is incompatible with an earlier schema"),
                           422: (42201, "Invalid schema"), 500: (50001, "Error in the backend data store")}[code]
                    data = json.dumps({"error_code": msg[0], "message": msg[1]}).encode()
                    self.send_response(code)
                    self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                stub.passed += 1
                path = self.path
                base = urllib.request.urlparse(stub.upstream)
                # The stub's URL has the upstream's base path: the request path already carries it.
                req = urllib.request.Request(f"{base.scheme}://{base.netloc}{path}", data=body,
                                             method=self.command,
                                             headers={k: v for k, v in self.headers.items()
                                                      if k.lower() in ("content-type", "accept")})
                try:
                    with urllib.request.urlopen(req, timeout=30) as r:
                        code, data, ctype = r.status, r.read(), r.headers.get("Content-Type", "application/json")
                except urllib.error.HTTPError as e:
                    code, data, ctype = e.code, e.read(), e.headers.get("Content-Type", "application/json")
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        base = urllib.request.urlparse(self.upstream)
        self.url = f"http://127.0.0.1:{self.srv.server_address[1]}{base.path}"
        self.t = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.t.start()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


FAULTS = {"none": f_none, "kill9": f_kill9, "sigterm": f_sigterm, "failpoint": f_failpoint,
          "broker_stop": f_broker_stop, "broker_kill": f_broker_kill, "db_blackhole": f_db_blackhole,
          "pg_restart": f_pg_restart, "my_kill": f_my_kill, "rotate_kill": f_rotate_kill, "idle": f_idle,
          "registry_stub": f_registry_stub, "offset_missing": f_offset_missing}


# --- refusals ---

def expect_exit(s, stage, wait_stream=True, timeout=60):
    """Streams a little (so an offset file and a slot exist), stops rowcast, stages the condition
    (`stage(s)`), starts rowcast again, and requires a non-zero exit with `message` in its log."""
    why = []
    if wait_stream:
        s.start()
        if not s.wait_streaming():
            return {"ok": False, "why": ["rowcast never streamed: " + s.logtext()[-300:]]}
        s.writer(2, wait=True)
        if not s.caught_up(60):
            why.append("did not catch up before the fault")
        code = s.sigterm()
        if code != 0:
            why.append(f"SIGTERM before the fault: exit {code}")
    extra = stage(s)
    if extra is not None and extra.get("running"):
        proc = extra["proc"]
        try:
            code = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            code = "still running"
        text = open(extra["log"], errors="replace").read()
    else:
        s.start()
        code = s.reap(timeout)
        if code is None:
            s.kill9()
            code = "still running"
        text = s.logtext()
    rx = s.sc.get("message", ".")
    last = [l for l in text.splitlines() if l.strip()][-3:]
    s.log(f"rowcast exit {code}; last lines: {' | '.join(last)}")
    if code == 0 or code == "still running":
        why.append(f"rowcast {'kept running' if code != 0 else 'exited 0'} (expected a non-zero exit)")
    elif not re.search(rx, text):
        why.append(f"exit {code} but the log lacks /{rx}/: {' | '.join(last)[-300:]}")
    if extra and extra.get("check"):
        why += extra["check"]()
    return {"ok": not why, "why": why, "rounds": 1}


def _offset_doc(s):
    return json.load(open(s.offsets))


def e_slot_drop(s):
    def stage(s):
        psql(f"SELECT pg_drop_replication_slot('{s.slot}')")
        s.writer(1, wait=True)
    return expect_exit(s, stage)


def e_slot_advance(s):
    def stage(s):
        s.writer(1, wait=True)
        psql(f"SELECT pg_replication_slot_advance('{s.slot}', pg_current_wal_lsn())")
    return expect_exit(s, stage)


def e_offset_ahead(s):
    def stage(s):
        doc = _offset_doc(s)
        txt = json.dumps(doc)
        lsn = psql("SELECT pg_current_wal_lsn() + 16777216")
        new = re.sub(r'"lsn": *"[0-9A-Fa-f]+/[0-9A-Fa-f]+"', f'"lsn": "{lsn}"', txt)
        open(s.offsets, "w").write(new)
        slot = psql(f"SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '{s.slot}'")
        s.log(f"offset file set to {lsn} (was {doc.get('position')}); the slot is at {slot}")
    return expect_exit(s, stage)


def e_offset_corrupt(s):
    how = s.sc.get("how", "garbage")

    def stage(s):
        data = open(s.offsets, "rb").read()
        if how == "garbage":
            open(s.offsets, "wb").write(os.urandom(len(data)))
        elif how == "truncate":
            open(s.offsets, "wb").write(data[:len(data) // 2])
        elif how == "empty":
            open(s.offsets, "wb").close()
        elif how == "missing":
            os.unlink(s.offsets)
    return expect_exit(s, stage)


def e_binlog_purge(s):
    def stage(s):
        s.writer(1, wait=True)
        for _ in range(3):
            my("FLUSH BINARY LOGS")
        cur = my("SHOW MASTER STATUS").split("\t")[0]
        stored = (_offset_doc(s).get("position") or {}).get("file")
        # PURGE skips files a replica connection still reads (a walking-dead dump thread of an
        # earlier rowcast): end those, then check the stored position's file is really gone.
        for _ in range(20):
            for line in my("SHOW PROCESSLIST").splitlines():
                f = line.split("\t")
                if len(f) > 4 and f[4].startswith("Binlog Dump"):
                    my(f"KILL {f[0]}", check=False)
            my(f"PURGE BINARY LOGS TO '{cur}'")
            logs = [l.split("\t")[0] for l in my("SHOW BINARY LOGS").splitlines()]
            if stored not in logs:
                break
            time.sleep(0.5)
        s.log(f"binlogs purged to {cur}; the offset file names {stored}; left: {logs}")
        if stored in logs:
            raise RuntimeError(f"could not purge {stored}")
    return expect_exit(s, stage)


def e_second_instance(s):
    def stage(s):
        s.start()
        if not s.wait_streaming():
            return None
        logf = os.path.join(s.tmp, "second.log")
        p = subprocess.Popen([s.bin, "run", "-c", os.path.join(s.tmp, "rowcast.properties")],
                             stdout=open(logf, "ab"), stderr=subprocess.STDOUT, cwd=s.tmp)
        s.extra_procs = [p]

        def check():
            return [] if s.alive() else ["the first rowcast died when the second started"]
        return {"running": True, "proc": p, "log": logf, "check": check}
    return expect_exit(s, stage, wait_stream=False)


def e_config(s):
    return expect_exit(s, lambda s: None, wait_stream=False, timeout=float(s.sc.get("timeout", 30)))


def e_full_disk(s):
    """T18: the offset file on a 64 KB tmpfs that fills up while rowcast streams: rowcast must stop
    (non-zero) without confirming past the last position it recorded, and the old file stays valid."""
    state = os.path.join(s.tmp, "state")
    os.makedirs(state)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", state], capture_output=True, text=True)
    if r.returncode:
        return {"ok": False, "why": [f"mount -t tmpfs failed: {r.stderr.strip()}"]}
    s.offsets = os.path.join(state, "offsets.json")
    try:
        s.start()
        if not s.wait_streaming():
            return {"ok": False, "why": ["rowcast never streamed"]}
        s.writer(2, wait=True)
        s.caught_up(60)

        def stage(s):
            fd = os.open(os.path.join(state, "filler"), os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                while os.write(fd, b"\0" * 4096) > 0:
                    pass
            except OSError:
                pass  # ENOSPC: the tmpfs is full
            os.close(fd)
            w = s.writer(5, wait=True)
            return {"running": True, "proc": s.rc, "log": s.rc_log, "check": check}

        def check():
            why = []
            try:
                doc = _offset_doc(s)
            except (OSError, ValueError) as ex:
                return [f"the old offset file is not intact: {ex}"]
            if s.pg:
                lsn = doc.get("lsn") or json.dumps(doc)
                m = re.search(r"[0-9A-Fa-f]+/[0-9A-Fa-f]+", json.dumps(doc))
                conf = psql(f"SELECT confirmed_flush_lsn <= '{m.group(0)}' FROM pg_replication_slots "
                            f"WHERE slot_name = '{s.slot}'")
                if conf != "t":
                    why.append(f"the slot confirmed past the offset file's {m.group(0)}")
            return why
        return expect_exit(s, stage, wait_stream=False)
    finally:
        if s.rc is not None and s.rc.poll() is None:
            s.rc.kill()
            s.rc.wait()
        subprocess.run(["umount", "-l", state])


def e_too_large(s):
    """T25: a row larger than the broker takes: rowcast must exit non-zero and the position must not
    pass that transaction."""
    def stage(s):
        s.start()
        if not s.wait_streaming():
            return None
        s.writer(0, workload="none", extra=["--big-row", s.sc.get("big_bytes", "3000000")], wait=True)
        big = [json.loads(l) for l in open(s.ledger)][-1]

        def check():
            if s.pg:
                ok = psql(f"SELECT confirmed_flush_lsn < '{big['pos']}' FROM pg_replication_slots "
                          f"WHERE slot_name = '{s.slot}'")
                return [] if ok == "t" else [f"the slot confirmed past the big row's commit ({big['pos']})"]
            p = (_offset_doc(s).get("position") or {})
            f, pos = big["pos"]
            if (int(p.get("file", "x.0").rsplit(".", 1)[1]), int(p.get("pos", 0))) >= (int(f.rsplit(".", 1)[1]), pos):
                return [f"the offset file passed the big row's commit ({f}:{pos})"]
            return []
        return {"running": True, "proc": s.rc, "log": s.rc_log, "check": check}
    return expect_exit(s, stage, wait_stream=False, timeout=90)


EXPECT_FAULTS = {"slot_drop": e_slot_drop, "slot_advance": e_slot_advance, "offset_ahead": e_offset_ahead,
                 "offset_corrupt": e_offset_corrupt, "binlog_purge": e_binlog_purge,
                 "second_instance": e_second_instance, "config": e_config, "full_disk": e_full_disk,
                 "too_large": e_too_large, "registry_stub": f_registry_stub}
