"""bench/run's report: the JSON results and the Markdown tables of one invocation.

    report.py META.json RESULTS.jsonl OUT.json OUT.md

RESULTS.jsonl holds one JSON object per measurement (one consumer, one repetition), as every benchmark
prints them (bench/run's header says the contract). Measurements group by (bench, case, consumer); each
numeric measure gets its median, min and max over the repetitions; the throughput of every group is
also given as a ratio against the median of the group whose role is "limit" in the same bench and case
(the same invocation, so a slow or noisy machine moves both sides). CPU-seconds per million events are
microseconds per event.
"""
import json
import statistics
import sys

meta_path, results_path, out_json, out_md = sys.argv[1:5]
meta = json.load(open(meta_path))
rows = [json.loads(line) for line in open(results_path) if line.strip().startswith("{")]

RATE_KEYS = ("events_per_s", "rows_per_s")
SKIP_KEYS = {"rep", "events", "records", "rows", "wal_mib", "binlog_mib", "generate_s", "table_mib"}


def num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


groups = {}
for r in rows:
    key = (r.get("bench", ""), str(r.get("case", "")), r.get("consumer", ""))
    groups.setdefault(key, []).append(r)

summary = []
for (bench, case, consumer), rs in groups.items():
    ok = [r for r in rs if r.get("status") == "ok"]
    g = {"bench": bench, "case": case, "consumer": consumer, "role": rs[0].get("role", ""),
         "status": "ok" if ok else rs[0].get("status", "?"), "reason": rs[0].get("reason", ""),
         "repetitions": len(ok), "measures": {}}
    for k in ("events", "records", "rows", "wal_mib", "binlog_mib", "table_mib"):
        if ok and k in ok[0]:
            g[k] = ok[0][k]
    keys = sorted({k for r in ok for k, v in r.items() if num(v) and k not in SKIP_KEYS})
    for k in keys:
        vals = [r[k] for r in ok if num(r.get(k))]
        if vals:
            g["measures"][k] = {"median": statistics.median(vals), "min": min(vals), "max": max(vals)}
    summary.append(g)


def rate_of(g):
    for k in RATE_KEYS:
        if k in g["measures"]:
            return k, g["measures"][k]["median"]
    return None, None


for g in summary:
    k, v = rate_of(g)
    limit = [h for h in summary if h["bench"] == g["bench"] and h["case"] == g["case"] and h["role"] == "limit"]
    if k and limit:
        lk, lv = rate_of(limit[0])
        if lk == k and lv:
            g["ratio_to_limit"] = round(v / lv, 3)
            g["ratio_to_limit_min"] = round(g["measures"][k]["min"] / limit[0]["measures"][k]["max"], 3)
            g["ratio_to_limit_max"] = round(g["measures"][k]["max"] / limit[0]["measures"][k]["min"], 3)
    rc = [h for h in summary if h["bench"] == g["bench"] and h["case"] == g["case"] and h["role"] == "rowcast"]
    if g["role"] == "debezium" and rc and k:
        rk, rv = rate_of(rc[0])
        if rk == k and v:
            g["rowcast_over_this"] = round(rv / v, 2)

json.dump({"meta": meta, "summary": summary, "measurements": rows}, open(out_json, "w"), indent=1)


def fmt(v, digits=None):
    if v is None:
        return ""
    if isinstance(v, float):
        if digits is not None:
            return f"{v:.{digits}f}"
        if abs(v) >= 1000:
            return f"{v:,.0f}"
        if abs(v) >= 10:
            return f"{v:.1f}"
        return f"{v:.2f}"
    if isinstance(v, int) and abs(v) >= 10000:
        return f"{v:,}"
    return str(v)


def mmm(g, k, digits=None):
    m = g["measures"].get(k)
    if not m:
        return ""
    if m["min"] == m["max"]:
        return fmt(m["median"], digits)
    return f"{fmt(m['median'], digits)} ({fmt(m['min'], digits)}–{fmt(m['max'], digits)})"


def med(g, k):
    m = g["measures"].get(k)
    return fmt(m["median"]) if m else ""


out = []
m = meta
out.append(f"# Benchmark results {m['date']}\n")
out.append(f"Command: `{m['command']}` (rowcast {m['versions']['rowcast_commit']}).\n")
mc = m["machine"]
out.append(f"Machine: {mc['cpu']}, {mc['cores']} cores, {mc['memory_gib']} GiB, kernel {mc['kernel']}, "
           f"load at start {mc['load_at_start']}. Everything (databases, Kafka, registry, the consumers) "
           "shares these cores.\n")
v = m["versions"]
out.append(f"Versions: PostgreSQL {v['postgresql']}, MariaDB {v['mariadb']}, Kafka {v['kafka']}, {v['rowcast']}.\n")
s = m["settings"]
out.append(f"Settings: {s['repetitions']} repetition(s){', quick sizes' if s['quick'] else ''}; rowcast {s['rowcast']}"
           f"{'; extra properties: ' + s['rowcast_extra_props'].strip() if s['rowcast_extra_props'].strip() else ''}; "
           f"PostgreSQL {s['postgresql']}; MariaDB {s['mariadb']}; Kafka JVM {s['kafka_jvm'].strip()}"
           f"{'; sizes ' + json.dumps(s['sizes']) if s['sizes'] else ''}.\n")
out.append("Cells: median (min–max) over the repetitions; × limit = median rate ÷ the limit's median rate in the "
           "same run; CPU s/1M = CPU-seconds per million events (= µs per event) of the agent (rowcast, "
           "pg_recvlogical, mariadb-binlog), the source (walsender or mariadbd) and the broker.\n")

TITLES = {"pg_stream": "PostgreSQL streaming, backlog drain", "mariadb_stream": "MariaDB streaming, backlog drain",
          "pg_snapshot": "PostgreSQL snapshot", "mariadb_snapshot": "MariaDB snapshot", "latency": "Latency"}
benches = []
for g in summary:
    if g["bench"] not in benches:
        benches.append(g["bench"])
for b in benches:
    gs = [g for g in summary if g["bench"] == b]
    out.append(f"\n## {TITLES.get(b, b)}\n")
    if b == "latency" or any("p99_ms" in g["measures"] for g in gs):
        lat_keys = [k for k in ("p50_ms", "p99_ms", "p999_ms", "max_ms") if any(k in g["measures"] for g in gs)]
        other = sorted({k for g in gs for k in g["measures"] if k not in lat_keys})
        if not lat_keys + other:
            out.extend(f"- {g['case'] or g['bench']}: {g['status']}{': ' + g['reason'] if g['reason'] else ''}" for g in gs)
            continue
        out.append("| case | consumer | " + " | ".join(lat_keys + other) + " | status |")
        out.append("|---|---|" + "---|" * (len(lat_keys) + len(other)) + "---|")
        for g in gs:
            out.append(f"| {g['case']} | {g['consumer']} | " + " | ".join(mmm(g, k) for k in lat_keys + other)
                       + f" | {g['status']}{': ' + g['reason'] if g['status'] != 'ok' and g['reason'] else ''} |")
        continue
    rk = "rows_per_s" if any("rows_per_s" in g["measures"] for g in gs) else "events_per_s"
    unit = "rows/s" if rk == "rows_per_s" else "events/s"
    out.append(f"| case | consumer | {unit} | × limit | agent CPU s/1M | source CPU s/1M | broker CPU s/1M | peak RSS MiB | status |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    for g in gs:
        n = g.get("events", g.get("rows"))
        case = f"{g['case']} ({fmt(n)})" if n else g["case"]
        ratio = ""
        if "ratio_to_limit" in g:
            ratio = f"{g['ratio_to_limit']:.2f}"
            if g["ratio_to_limit_min"] != g["ratio_to_limit_max"]:
                ratio += f" ({g['ratio_to_limit_min']:.2f}–{g['ratio_to_limit_max']:.2f})"
        status = g["status"] + (": " + g["reason"] if g["status"] != "ok" and g["reason"] else "")
        out.append(f"| {case} | {g['consumer']} | {mmm(g, rk)} | {ratio} | {mmm(g, 'agent_cpu_s_per_1m')} | "
                   f"{mmm(g, 'source_cpu_s_per_1m')} | {mmm(g, 'broker_cpu_s_per_1m')} | {mmm(g, 'peak_rss_mib')} | {status} |")


# --- the targets, as far as this run measured them -----------------------------------------------
def pick(bench, role, case_pred=lambda c: True):
    return [g for g in summary if g["bench"] == bench and g["role"] == role and g["status"] == "ok" and case_pred(g["case"])]


def span(vals, digits=2):
    vals = [x for x in vals if x is not None]
    if not vals:
        return None
    lo, hi = min(vals), max(vals)
    return f"{lo:.{digits}f}" if lo == hi else f"{lo:.{digits}f}–{hi:.{digits}f}"


def meas(g, k):
    return g["measures"].get(k, {}).get("median")


targets = []
pg_rc = pick("pg_stream", "rowcast")
my_rc = pick("mariadb_stream", "rowcast")
snap = pick("pg_snapshot", "rowcast")
targets.append(("PG streaming, narrow and wide", "≥ 0.9 × pg_recvlogical",
                span([g.get("ratio_to_limit") for g in pg_rc]), "over the cases (medians)"))
targets.append(("MariaDB streaming", "≥ 1.0 × mariadb-binlog",
                span([g.get("ratio_to_limit") for g in my_rc]), "over the cases (medians)"))
narrow = [g for g in pg_rc if g["case"].startswith("narrow")]
targets.append(("rowcast CPU per event (narrow, Avro, to Kafka)", "≤ 1 µs",
                span([meas(g, "agent_cpu_s_per_1m") for g in narrow]), "µs, PostgreSQL narrow cases"))
one = [g for g in snap if "1reader" in g["consumer"] or g["consumer"] == "rowcast"]
# The floor: librdkafka alone publishing the same records with rowcast's producer settings (bench/kafka_floor).
floor = {g["case"]: g for g in pick("pg_stream", "floor") if g["case"].startswith("narrow")}
targets.append(("librdkafka alone on the same records (the floor under the line above)", "",
                span([meas(g, "agent_cpu_s_per_1m") for g in floor.values()]), "µs, bench/kafka_floor"))
own = [meas(g, "agent_cpu_s_per_1m") - meas(floor[g["case"]], "agent_cpu_s_per_1m") for g in narrow
       if g["case"] in floor and meas(g, "agent_cpu_s_per_1m") is not None
       and meas(floor[g["case"]], "agent_cpu_s_per_1m") is not None]
targets.append(("rowcast's own CPU per event (rowcast − floor)", "", span(own), "µs: decoding, encoding, the loop"))
targets.append(("snapshot rows/s", "≥ 0.5 × COPY to /dev/null (one reader)",
                span([g.get("ratio_to_limit") for g in one]), "× COPY"))
targets.append(("RSS, streaming", "≤ 64 MiB steady",
                span([meas(g, "peak_rss_mib") for g in pg_rc + my_rc], 1), "MiB peak, over the cases"))
targets.append(("RSS, snapshot", "≤ 256 MiB peak", span([meas(g, "peak_rss_mib") for g in snap], 1), "MiB"))
lat = [g for g in summary if g["bench"] == "latency" and g["status"] == "ok" and g["role"] == "rowcast"]
targets.append(("p99 commit→Kafka at 5k ops/s", "≤ 30 ms",
                span([meas(g, "p99_ms") for g in lat if "5k" in g["case"] or "5000" in g["case"]], 1) or "not in this run",
                "ms"))
lat_dz = {g["case"]: g for g in summary if g["bench"] == "latency" and g["status"] == "ok" and g["role"] == "debezium"}
targets.append(("p99 commit→Kafka at 5k ops/s against Debezium", "≤ 0.25 × Debezium's",
                span([meas(g, "p99_ms") / meas(lat_dz[g["case"]], "p99_ms") for g in lat
                      if ("5k" in g["case"] or "5000" in g["case"]) and g["case"] in lat_dz
                      and meas(g, "p99_ms") is not None and meas(lat_dz[g["case"]], "p99_ms")]),
                "× Debezium's p99 at the same rate"))
# Against Debezium: per bench and case where both ran, rowcast's rate ÷ Debezium's, and Debezium's CPU per
# event and peak RSS ÷ rowcast's.
dz_rate, dz_cpu, dz_rss = [], [], []
for d in summary:
    if d["role"] != "debezium" or d["status"] != "ok":
        continue
    rc = [g for g in summary if g["bench"] == d["bench"] and g["case"] == d["case"] and g["role"] == "rowcast"
          and g["status"] == "ok"]
    if not rc:
        continue
    if d.get("rowcast_over_this") is not None:
        dz_rate.append(d["rowcast_over_this"])
    for key, acc in (("agent_cpu_s_per_1m", dz_cpu), ("peak_rss_mib", dz_rss)):
        a, b = meas(d, key), meas(rc[0], key)
        if a is not None and b:
            acc.append(a / b)
targets.append(("against Debezium: events/s", "≥ 10 ×", span(dz_rate, 1), "× Debezium's, over the benches and cases"))
targets.append(("against Debezium: CPU per event", "≤ 1/20", span(dz_cpu, 0) and "1/" + span(dz_cpu, 0),
                "of Debezium's (Debezium's ÷ rowcast's)"))
targets.append(("against Debezium: peak RSS", "≤ 1/50", span(dz_rss, 0) and "1/" + span(dz_rss, 0),
                "of Debezium's"))
out.append("\n## Targets (issue 12; reported, not pass/fail)\n")
out.append("| measure | target | this run | |")
out.append("|---|---|---|---|")
for t in targets:
    out.append(f"| {t[0]} | {t[1]} | {t[2] or 'not in this run'} | {t[3]} |")
open(out_md, "w").write("\n".join(out) + "\n")
