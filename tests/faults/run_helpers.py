"""Helpers shared by tests/faults/run and faults_lib.py: the databases through their command-line
clients, the env's server processes (kill -9 and restart from their own command line), the broker."""
import os
import signal
import subprocess
import time


def now_ms():
    return int(time.time() * 1000)


def psql(sql, check=True, db=None):
    env = dict(os.environ, PGPASSWORD=os.environ["ROWCAST_TEST_PG_PASSWORD"], PGCONNECT_TIMEOUT="5")
    r = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", os.environ["ROWCAST_TEST_PG_HOST"],
                        "-p", os.environ["ROWCAST_TEST_PG_PORT"], "-U", os.environ["ROWCAST_TEST_PG_USER"],
                        "-d", db or os.environ["ROWCAST_TEST_PG_DB"], "-c", sql],
                       capture_output=True, text=True, env=env, timeout=120)
    if check and r.returncode:
        raise RuntimeError(f"psql: {sql[:200]}: {r.stderr.strip()}")
    return r.stdout.strip()


def my(sql, check=True):
    env = dict(os.environ, MYSQL_PWD=os.environ["ROWCAST_TEST_MYSQL_PASSWORD"])
    r = subprocess.run(["mariadb", "--no-defaults", "--protocol=TCP", "-h", os.environ["ROWCAST_TEST_MYSQL_HOST"],
                        "-P", os.environ["ROWCAST_TEST_MYSQL_PORT"], "-u", os.environ["ROWCAST_TEST_MYSQL_USER"],
                        "--batch", "-N", "--raw", "--connect-timeout=5", "-e", sql],
                       capture_output=True, text=True, env=env, timeout=120)
    if check and r.returncode:
        raise RuntimeError(f"mariadb: {sql[:200]}: {r.stderr.strip()}")
    return r.stdout.strip()


class Proc:
    """A server process of the env, restartable from its own command line (kill -9 + restart)."""

    def __init__(self, pidfile):
        self.pidfile = pidfile

    def pid(self):
        return int(open(self.pidfile).read().split()[0])

    def snapshot(self):
        p = self.pid()
        self.cmd = open(f"/proc/{p}/cmdline", "rb").read().rstrip(b"\0").split(b"\0")
        self.cwd = os.readlink(f"/proc/{p}/cwd")
        env = {}
        for item in open(f"/proc/{p}/environ", "rb").read().split(b"\0"):
            if b"=" in item:
                k, v = item.split(b"=", 1)
                env[k] = v
        self.environ = env
        st = os.stat(f"/proc/{p}")
        self.uid, self.gid = st.st_uid, st.st_gid

    def kill9(self):
        self.snapshot()
        p = self.pid()
        os.kill(p, signal.SIGKILL)
        for _ in range(200):
            try:
                os.kill(p, 0)
                time.sleep(0.05)
            except ProcessLookupError:
                break

    def restart(self, log):
        uid, gid = self.uid, self.gid

        def demote():
            os.setsid()
            if uid != os.getuid():
                os.setgid(gid)
                os.setuid(uid)
        p = subprocess.Popen(self.cmd, cwd=self.cwd, env=self.environ, stdin=subprocess.DEVNULL,
                             stdout=open(log, "ab"), stderr=subprocess.STDOUT, preexec_fn=demote)
        with open(self.pidfile, "w") as f:
            f.write(f"{p.pid}\n")
        return p


def env_dir():
    return os.environ["ROWCAST_TEST_ENV_DIR"]


def kafka_answers():
    r = subprocess.run(["kcat", "-b", os.environ["ROWCAST_TEST_KAFKA_BOOTSTRAP"], "-L", "-m", "3"],
                       capture_output=True, text=True)
    return r.returncode == 0 and "broker 1 at" in r.stdout


