#!/usr/bin/env python3
"""Checks deploy/kubernetes offline: every manifest against the Kubernetes API schema
(kubernetes-validate's bundled OpenAPI schemas, strict: an unknown field is an error), then what the
schema cannot know, against rowcast itself (`rowcast config list`, `rowcast config print`):

- every ROWCAST_* variable (ConfigMaps, container env) names a property rowcast knows, and the
  environment of each rowcast container is a configuration rowcast accepts;
- the probes and the containerPort are ROWCAST_HTTP_PORT, on ROWCAST_HTTP_HOST=0.0.0.0;
- terminationGracePeriodSeconds > shutdown.timeout.ms / 1000, offsets in Kafka for the sidecars;
- the sidecar is native (an init container with restartPolicy: Always), the Job's exit code 2 fails
  it at once, the securityContext is the image's user (deploy/Dockerfile's USER) and locked down,
  the memory limit holds max.queue.size.in.bytes, the password is a file from a Secret;
- kustomization.yaml lists every manifest; Services reach named container ports.

Prints one line per check; exit 0 when all hold, 1 otherwise (each failure named).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import kubernetes_validate
import yaml

failures = []


def ok(msg):
    print("ok: " + msg)


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def env_name(prop):
    return "ROWCAST_" + re.sub(r"[.-]", "_", prop).upper()


def rowcast_properties(rowcast):
    """name -> the rest of its `rowcast config list` line."""
    out = subprocess.run([rowcast, "config", "list"], check=True, capture_output=True,
                         text=True, env={"PATH": os.environ.get("PATH", "")}).stdout
    props = {}
    for line in out.splitlines():
        if line.strip():
            name, _, rest = line.partition(" ")
            props[name] = rest.strip()
    if len(props) < 20 or "source.type" not in props:
        raise SystemExit("rowcast config list printed no property table:\n" + out)
    return props


def default_of(props, name):
    m = re.search(r"\(default (\S+)\)", props.get(name, ""))
    return m.group(1) if m else None


def property_of(var, props):
    """The property a ROWCAST_ variable sets, or None when rowcast knows none."""
    for name, doc in props.items():
        if "<" in name:
            continue
        if var == env_name(name):
            return name
        # <name>.file variants: rowcast's table marks them, its list says "(or <name>.file)"
        if var == env_name(name) + "_FILE" and (name + ".file") in doc:
            return name + ".file"
    if var.startswith("ROWCAST_KAFKA_") and len(var) > 14 and "kafka.<property>" in props:
        return "kafka." + var[14:].lower().replace("_", ".")
    return None


def load(directory):
    kust_path = os.path.join(directory, "kustomization.yaml")
    with open(kust_path) as f:
        kust = yaml.safe_load(f)
    listed = kust.get("resources", [])
    present = sorted(n for n in os.listdir(directory)
                     if n.endswith((".yaml", ".yml")) and n != "kustomization.yaml")
    for n in listed:
        if not os.path.exists(os.path.join(directory, n)):
            fail("kustomization.yaml lists %s, which does not exist" % n)
    for n in present:
        if n not in listed:
            fail("%s is not listed in kustomization.yaml's resources" % n)
    if set(present) <= set(listed):
        ok("kustomization.yaml lists every manifest (%s)" % ", ".join(present))
    docs = []
    for n in present:
        with open(os.path.join(directory, n)) as f:
            try:
                for d in yaml.safe_load_all(f):
                    if d is not None:
                        docs.append((n, d))
            except yaml.YAMLError as e:
                fail("%s: not YAML: %s" % (n, e))
    return kust, docs


def validate_schema(docs, versions):
    for fname, d in docs:
        what = "%s %s/%s" % (fname, d.get("kind"), (d.get("metadata") or {}).get("name"))
        for v in versions:
            try:
                kubernetes_validate.validate(d, v, strict=True)
            except kubernetes_validate.ValidationError as e:
                path = ".".join(str(p) for p in e.path)
                fail("%s is not a valid Kubernetes %s object: %s: %s" % (what, v, path or "(top)",
                                                                          e.message))
                break
            except Exception as e:  # no schema for the kind, a malformed object
                fail("%s cannot be validated against Kubernetes %s: %s" % (what, v, e))
                break
        else:
            ok("%s valid against the Kubernetes %s API schema (strict)" % (what, ", ".join(versions)))


def image_user(top):
    """The numeric USER of deploy/Dockerfile's last stage, or 65532 (issue 11's) when it is absent."""
    path = os.path.join(top, "deploy", "Dockerfile")
    user = None
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                m = re.match(r"\s*USER\s+(\S+)", line, re.I)
                if m:
                    user = m.group(1).split(":")[0]
    if user is None:
        return 65532
    if not user.isdigit():  # runAsNonRoot can only verify a numeric user
        fail("deploy/Dockerfile: USER %s is not numeric; runAsNonRoot needs a number" % user)
        return -1
    return int(user)


def port_of(container, port):
    if isinstance(port, int):
        return port
    for p in container.get("ports", []):
        if p.get("name") == port:
            return p.get("containerPort")
    return None


def check_rowcast_config(rowcast, env, what):
    """rowcast's own verdict on the environment: `rowcast config print` loads it as `run` would."""
    with tempfile.TemporaryDirectory() as tmp:
        run_env = {"PATH": os.environ.get("PATH", "")}
        for k, v in env.items():
            if k.endswith("_FILE"):  # the Secret's file, stood in for by a local one
                stand_in = os.path.join(tmp, k.lower())
                with open(stand_in, "w") as f:
                    f.write("not-the-secret\n")
                v = stand_in
            run_env[k] = v
        r = subprocess.run([rowcast, "config", "print"], capture_output=True, text=True,
                           env=run_env, cwd=tmp)
    if r.returncode != 0:
        fail("%s: rowcast refuses this environment (exit %d): %s" %
             (what, r.returncode, (r.stderr or r.stdout).strip()))
    else:
        ok("%s: rowcast config print accepts the environment (%d variables)" % (what, len(env)))


def check_workload(top, rowcast, props, by_kind, fname, w):
    kind, name = w["kind"], w["metadata"]["name"]
    pod = w["spec"]["template"]["spec"]
    what = "%s %s/%s" % (fname, kind, name)
    containers = [(c, True) for c in pod.get("initContainers", [])] + \
        [(c, False) for c in pod.get("containers", [])]
    rc_containers = [(c, init) for c, init in containers
                     if c.get("image", "").split("/")[-1].split(":")[0] == "rowcast"]
    if not rc_containers:
        return
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    user = image_user(top)
    for c, init in rc_containers:
        cwhat = "%s container %s" % (what, c["name"])
        env = {}
        for ef in c.get("envFrom", []):
            cm = (ef.get("configMapRef") or {}).get("name")
            if cm not in by_kind.get("ConfigMap", {}):
                fail("%s: envFrom names ConfigMap %s, which no manifest defines" % (cwhat, cm))
                continue
            env.update(by_kind["ConfigMap"][cm].get("data", {}))
        for e in c.get("env", []):
            if "value" in e:
                env[e["name"]] = e["value"]
        for var in sorted(env):
            if not var.startswith("ROWCAST_"):
                continue
            prop = property_of(var, props)
            if prop is None:
                fail("%s: %s is no property rowcast knows (rowcast config list)" % (cwhat, var))
        rc_env = {k: v for k, v in env.items() if k.startswith("ROWCAST_")}
        if all(property_of(k, props) for k in rc_env):
            ok("%s: every ROWCAST_* variable is a property of rowcast config list (%d)" %
               (cwhat, len(rc_env)))
        check_rowcast_config(rowcast, rc_env, cwhat)

        def get(prop):
            return rc_env.get(env_name(prop), default_of(props, prop))

        # the password: a file from a Secret, never a value in a ConfigMap
        if "ROWCAST_DATABASE_PASSWORD" in rc_env:
            fail("%s: ROWCAST_DATABASE_PASSWORD is set as plain text; use _FILE from a Secret" % cwhat)
        pw = rc_env.get("ROWCAST_DATABASE_PASSWORD_FILE")
        found = False
        for m in c.get("volumeMounts", []):
            if pw and pw.startswith(m["mountPath"].rstrip("/") + "/"):
                sec = (volumes.get(m["name"]) or {}).get("secret")
                rel = pw[len(m["mountPath"].rstrip("/")) + 1:]
                if sec:
                    items = sec.get("items")
                    keys = [i["key"] for i in items if i["path"] == rel] if items else [rel]
                    data = by_kind.get("Secret", {}).get(sec["secretName"])
                    if data is not None and not all(
                            k in (data.get("stringData") or {}) or k in (data.get("data") or {})
                            for k in keys):
                        fail("%s: Secret %s has no key %s" % (cwhat, sec["secretName"], keys))
                    found = bool(keys)
        if found:
            ok("%s: ROWCAST_DATABASE_PASSWORD_FILE %s is a key of a mounted Secret" % (cwhat, pw))
        else:
            fail("%s: ROWCAST_DATABASE_PASSWORD_FILE (%s) is not a file of a mounted Secret" % (cwhat, pw))

        # the securityContext: the image's user, locked down
        sc = c.get("securityContext", {})
        psc = pod.get("securityContext", {})
        seccomp = (sc.get("seccompProfile") or psc.get("seccompProfile") or {}).get("type")
        problems = []
        if sc.get("runAsNonRoot", psc.get("runAsNonRoot")) is not True:
            problems.append("runAsNonRoot is not true")
        if sc.get("runAsUser", psc.get("runAsUser")) != user:
            problems.append("runAsUser %s is not the image's user %d" %
                            (sc.get("runAsUser", psc.get("runAsUser")), user))
        if sc.get("readOnlyRootFilesystem") is not True:
            problems.append("readOnlyRootFilesystem is not true")
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append("allowPrivilegeEscalation is not false")
        if "ALL" not in (sc.get("capabilities") or {}).get("drop", []):
            problems.append("capabilities do not drop ALL")
        if seccomp != "RuntimeDefault":
            problems.append("seccompProfile is %s, not RuntimeDefault" % seccomp)
        if problems:
            fail("%s: securityContext: %s" % (cwhat, "; ".join(problems)))
        else:
            ok("%s: securityContext (user %d, non-root, read-only root, no capabilities, seccomp)" %
               (cwhat, user))

        # memory: the limit holds the bound on what is in flight
        limit = ((c.get("resources") or {}).get("limits") or {}).get("memory")
        request = ((c.get("resources") or {}).get("requests") or {}).get("memory")
        bound = int(get("max.queue.size.in.bytes") or 0)
        mib = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024}
        m = re.fullmatch(r"(\d+)(Ki|Mi|Gi)", str(limit or ""))
        if not m or not request:
            fail("%s: memory request and limit (in Ki/Mi/Gi) must be set (got %s, %s)" %
                 (cwhat, request, limit))
        elif int(m.group(1)) * mib[m.group(2)] < bound / 1048576 + 32:
            fail("%s: memory limit %s does not hold max.queue.size.in.bytes %d + ~32 MiB of RSS" %
                 (cwhat, limit, bound))
        else:
            ok("%s: memory limit %s holds max.queue.size.in.bytes (%d MiB) + 32 MiB" %
               (cwhat, limit, bound // 1048576))

        # the grace period covers the drain
        grace = pod.get("terminationGracePeriodSeconds", 30)
        shutdown_ms = int(get("shutdown.timeout.ms"))
        if grace * 1000 > shutdown_ms:
            ok("%s: terminationGracePeriodSeconds %d > shutdown.timeout.ms %d" %
               (cwhat, grace, shutdown_ms))
        else:
            fail("%s: terminationGracePeriodSeconds %d is not above shutdown.timeout.ms %d / 1000" %
                 (cwhat, grace, shutdown_ms))

        command = (c.get("args") or ["run"])[0]
        if kind == "StatefulSet":
            check_sidecar(c, init, cwhat, get, w)
            if command != "run":
                fail("%s: the sidecar runs '%s', not 'run'" % (cwhat, command))
        elif kind == "Job":
            check_job(w, c, cwhat, command)


def check_sidecar(c, init, cwhat, get, w):
    if init and c.get("restartPolicy") == "Always":
        ok("%s: a native sidecar (init container, restartPolicy Always)" % cwhat)
    else:
        fail("%s: not a native sidecar (an init container with restartPolicy: Always)" % cwhat)
    host, port = get("http.host"), int(get("http.port") or 0)
    if host != "0.0.0.0":
        fail("%s: ROWCAST_HTTP_HOST is %s: the kubelet's probes need 0.0.0.0" % (cwhat, host))
    if port == 0:
        fail("%s: ROWCAST_HTTP_PORT is not set: no probes can answer" % cwhat)
    if port not in [p.get("containerPort") for p in c.get("ports", [])]:
        fail("%s: no containerPort %d (ROWCAST_HTTP_PORT)" % (cwhat, port))
    ann = (w["spec"]["template"].get("metadata") or {}).get("annotations") or {}
    if "prometheus.io/port" in ann and ann["prometheus.io/port"] != str(port):
        fail("%s: prometheus.io/port %s is not ROWCAST_HTTP_PORT %d" %
             (cwhat, ann["prometheus.io/port"], port))
    bad = 0
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz"),
                        ("startupProbe", "/healthz")):
        hg = (c.get(probe) or {}).get("httpGet")
        if not hg:
            fail("%s: no %s httpGet" % (cwhat, probe))
            bad += 1
            continue
        if hg.get("path") != path:
            fail("%s: %s path %s, not %s" % (cwhat, probe, hg.get("path"), path))
            bad += 1
        if port_of(c, hg.get("port")) != port:
            fail("%s: %s port %s is not ROWCAST_HTTP_PORT %d" % (cwhat, probe, hg.get("port"), port))
            bad += 1
    startup = c.get("startupProbe") or {}
    budget = startup.get("failureThreshold", 3) * startup.get("periodSeconds", 10)
    if budget < 120:
        fail("%s: startupProbe allows only %d s before a restart" % (cwhat, budget))
        bad += 1
    if not bad and host == "0.0.0.0" and port:
        ok("%s: probes /healthz, /readyz, startup /healthz (%d s) on ROWCAST_HTTP_PORT %d, "
           "host 0.0.0.0" % (cwhat, budget, port))
    if get("offset.storage") in ("kafka", "org.apache.kafka.connect.storage.KafkaOffsetBackingStore"):
        ok("%s: offsets in Kafka (stateless)" % cwhat)
    else:
        fail("%s: offset.storage is %s: a sidecar without a volume loses its offsets" %
             (cwhat, get("offset.storage")))
    check_database(w, get, cwhat)


def check_database(w, get, cwhat):
    pod = w["spec"]["template"]["spec"]
    source = get("source.type")
    for db in pod.get("containers", []):
        image = db.get("image", "")
        args = " ".join(db.get("args", []))
        if source == "postgres" and image.startswith("postgres"):
            need = ["wal_level=logical"]
        elif source in ("mysql", "mariadb") and image.startswith(("mariadb", "mysql")):
            need = ["--log-bin", "--binlog-format=ROW", "--binlog-row-image=FULL",
                    "--binlog-row-metadata=FULL", "--server-id="]
            m = re.search(r"--server-id=(\d+)", args)
            if m and m.group(1) == get("database.server.id"):
                fail("%s: database.server.id %s is the server's own server_id" % (cwhat, m.group(1)))
        else:
            continue
        missing = [n for n in need if n not in args]
        if missing:
            fail("%s: the database container %s lacks %s" % (cwhat, db["name"], ", ".join(missing)))
        else:
            ok("%s: database container %s (%s) has %s" % (cwhat, db["name"], image, ", ".join(need)))


def check_job(w, c, cwhat, command):
    spec = w["spec"]
    pod = spec["template"]["spec"]
    if command != "snapshot":
        fail("%s: the Job runs '%s', not 'snapshot'" % (cwhat, command))
    rules = (spec.get("podFailurePolicy") or {}).get("rules", [])
    exit2 = [r for r in rules if r.get("action") == "FailJob" and
             (r.get("onExitCodes") or {}).get("operator") == "In" and
             2 in (r.get("onExitCodes") or {}).get("values", []) and
             (r.get("onExitCodes") or {}).get("containerName") in (None, c["name"])]
    problems = []
    if not exit2:
        problems.append("no podFailurePolicy rule fails the Job on exit code 2")
    if pod.get("restartPolicy") != "Never":
        problems.append("restartPolicy %s (podFailurePolicy needs Never)" % pod.get("restartPolicy"))
    for k in ("backoffLimit", "ttlSecondsAfterFinished"):
        if k not in spec:
            problems.append("no " + k)
    if problems:
        fail("%s: %s" % (cwhat, "; ".join(problems)))
    else:
        ok("%s: 'snapshot', exit 2 fails the Job (podFailurePolicy), backoffLimit %d, "
           "ttlSecondsAfterFinished %d" % (cwhat, spec["backoffLimit"], spec["ttlSecondsAfterFinished"]))


def check_services(by_kind, fname_of):
    pods = [w for k in ("StatefulSet", "Deployment", "Job") for w in by_kind.get(k, {}).values()]
    for name, svc in by_kind.get("Service", {}).items():
        sel = svc["spec"].get("selector", {})
        targets = [w for w in pods if sel and all(
            (w["spec"]["template"]["metadata"].get("labels") or {}).get(k) == v for k, v in sel.items())]
        if not targets:
            fail("%s Service/%s selects no pod template" % (fname_of[id(svc)], name))
            continue
        names = {p.get("name"): p.get("containerPort") for w in targets
                 for c in w["spec"]["template"]["spec"].get("containers", []) +
                 w["spec"]["template"]["spec"].get("initContainers", [])
                 for p in c.get("ports", [])}
        bad = [str(p.get("targetPort")) for p in svc["spec"].get("ports", [])
               if isinstance(p.get("targetPort"), str) and p["targetPort"] not in names]
        if bad:
            fail("%s Service/%s: targetPort %s is no container port's name" %
                 (fname_of[id(svc)], name, ", ".join(bad)))
        else:
            ok("%s Service/%s reaches its pods' ports" % (fname_of[id(svc)], name))
    for name, sts in by_kind.get("StatefulSet", {}).items():
        if sts["spec"].get("serviceName") not in by_kind.get("Service", {}):
            fail("StatefulSet/%s: serviceName %s is no Service" % (name, sts["spec"].get("serviceName")))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rowcast", required=True)
    ap.add_argument("--top", required=True, help="the source tree (deploy/Dockerfile's USER)")
    ap.add_argument("--dir", required=True, help="the manifests (deploy/kubernetes)")
    ap.add_argument("--kubernetes-versions", default="1.29.0,%s" % kubernetes_validate.latest_version())
    a = ap.parse_args()

    props = rowcast_properties(a.rowcast)
    kust, docs = load(a.dir)
    validate_schema(docs, a.kubernetes_versions.split(","))
    by_kind, fname_of = {}, {}
    for fname, d in docs:
        if not isinstance(d, dict) or "kind" not in d or "metadata" not in d:
            continue
        by_kind.setdefault(d["kind"], {})[d["metadata"].get("name")] = d
        fname_of[id(d)] = fname
    images = [i.get("name") for i in kust.get("images", [])]
    if images and "rowcast" not in images:
        fail("kustomization.yaml's images do not name rowcast")
    for fname, d in docs:
        if isinstance(d, dict) and d.get("kind") in ("StatefulSet", "Job", "Deployment"):
            try:
                check_workload(a.top, a.rowcast, props, by_kind, fname, d)
            except (KeyError, TypeError, ValueError) as e:
                fail("%s %s: malformed: %r" % (fname, d.get("kind"), e))
    check_services(by_kind, fname_of)
    for kind in ("StatefulSet", "Job"):
        if not by_kind.get(kind):
            fail("no %s in %s" % (kind, a.dir))
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
