#!/usr/bin/python3
"""Reads rowcast's /metrics with the Prometheus client library's own parser
(prometheus_client.parser.text_string_to_metric_families, Debian's python3-prometheus-client) and
checks it: the families rowcast promises exist with HELP and TYPE, and values equal what is expected.

  metrics_check.py URL [--table T] [--expect op=N ...] [--published op=N ...] [--acked N]
                   [--records-out FILE] [--min-latency-count N] [--lag-bytes] [--print KEY]

--records-out: a cdc_verify.py --records-out file; the counts per op of the records a consumer read
back (and the tombstones) must equal rowcast_events_published_total and
rowcast_records_acknowledged_total. Exit 0 when every check holds, 1 otherwise (each failure
printed); the last line is a JSON summary of the values read.
"""
import argparse
import json
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

REQUIRED = {
    "rowcast_events": "counter",  # the parser strips _total from counter family names
    "rowcast_events_published": "counter",
    "rowcast_records_produced": "counter",
    "rowcast_records_acknowledged": "counter",
    "rowcast_records_failed": "counter",
    "rowcast_records_in_flight": "gauge",
    "rowcast_in_flight_oldest_wait_seconds": "gauge",
    "rowcast_delivery_latency_seconds": "histogram",
    "rowcast_confirmed_position_age_seconds": "gauge",
    "rowcast_restarts": "counter",
    "rowcast_queue_events": "gauge",
    "rowcast_queue_bytes": "gauge",
    "rowcast_schema_registry_requests": "counter",
    "process_resident_memory_bytes": "gauge",
    "process_cpu_seconds": "counter",
    "rowcast_build_info": "gauge",
}


def scrape(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        ctype = r.headers.get("Content-Type", "")
        text = r.read().decode()
    return ctype, text, {f.name: f for f in text_string_to_metric_families(text)}


def samples(fams, family, sample_name=None):
    f = fams.get(family)
    if not f:
        return []
    return [s for s in f.samples if sample_name is None or s.name == sample_name]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--table")
    ap.add_argument("--expect", action="append", default=[], help="op=N: rowcast_events_total of --table")
    ap.add_argument("--published", action="append", default=[], help="op=N: rowcast_events_published_total")
    ap.add_argument("--acked", type=int)
    ap.add_argument("--records-out")
    ap.add_argument("--min-latency-count", type=int, default=0)
    ap.add_argument("--lag-bytes", action="store_true", help="rowcast_source_lag_bytes must be there")
    ap.add_argument("--no-required", action="store_true", help="skip the families check (MySQL)")
    args = ap.parse_args()

    ctype, text, fams = scrape(args.url)
    bad = []
    if not ctype.startswith("text/plain") or "version=0.0.4" not in ctype:
        bad.append(f"Content-Type {ctype!r} is not the 0.0.4 text format")
    if not args.no_required:
        for name, typ in REQUIRED.items():
            if name not in fams:
                bad.append(f"family {name} missing")
            elif fams[name].type != typ:
                bad.append(f"family {name} is a {fams[name].type}, not a {typ}")
            elif not fams[name].documentation:
                bad.append(f"family {name} has no HELP")
    helps = [l.split()[2] for l in text.splitlines() if l.startswith("# HELP ")]
    if len(helps) != len(set(helps)):
        bad.append("a family's HELP appears twice")

    def per_op(family, sample):
        out = {}
        for s in samples(fams, family, sample):
            if args.table is None or s.labels.get("table") == args.table:
                out[s.labels["op"]] = out.get(s.labels["op"], 0) + int(s.value)
        return out

    seen = per_op("rowcast_events", "rowcast_events_total")
    published = per_op("rowcast_events_published", "rowcast_events_published_total")
    single = lambda fam, name=None: next((s.value for s in samples(fams, fam, name or fam)), None)
    acked = single("rowcast_records_acknowledged", "rowcast_records_acknowledged_total")
    produced = single("rowcast_records_produced", "rowcast_records_produced_total")
    failed = single("rowcast_records_failed", "rowcast_records_failed_total")
    lat_count = single("rowcast_delivery_latency_seconds", "rowcast_delivery_latency_seconds_count")
    buckets = [s for s in samples(fams, "rowcast_delivery_latency_seconds",
                                  "rowcast_delivery_latency_seconds_bucket")]
    summary = {"events": seen, "published": published, "acked": acked, "produced": produced,
               "failed": failed, "latency_count": lat_count,
               "lag_bytes": single("rowcast_source_lag_bytes"),
               "lag_seconds": single("rowcast_streaming_lag_seconds"),
               "in_flight": single("rowcast_records_in_flight"),
               "rss": single("process_resident_memory_bytes"),
               "ready": single("rowcast_ready")}

    for want, got, what in ((args.expect, seen, "rowcast_events_total"),
                            (args.published, published, "rowcast_events_published_total")):
        for e in want:
            op, n = e.split("=")
            if got.get(op, 0) != int(n):
                bad.append(f"{what}{{op={op}}} is {got.get(op, 0)}, expected {n}")
    if args.acked is not None and acked != args.acked:
        bad.append(f"rowcast_records_acknowledged_total is {acked}, expected {args.acked}")
    if buckets:
        vals = [b.value for b in buckets]
        if vals != sorted(vals):
            bad.append(f"latency buckets not cumulative: {vals}")
        if buckets[-1].labels.get("le") != "+Inf" or buckets[-1].value != lat_count:
            bad.append("the +Inf bucket is not the count")
    if (lat_count or 0) < args.min_latency_count:
        bad.append(f"latency count {lat_count} < {args.min_latency_count}")
    if args.lag_bytes and summary["lag_bytes"] is None:
        bad.append("rowcast_source_lag_bytes missing")
    if summary["rss"] is not None and summary["rss"] <= 0:
        bad.append("process_resident_memory_bytes is not positive")

    if args.records_out:  # what a consumer read back equals what rowcast counted
        ops, tombstones, dups = {}, 0, 0
        with open(args.records_out) as f:
            for line in f:
                r = json.loads(line)
                if r["tombstone"]:
                    tombstones += 1
                elif r.get("duplicate"):
                    dups += 1
                else:
                    ops[r["op"]] = ops.get(r["op"], 0) + 1
        summary["consumer"] = {"ops": ops, "tombstones": tombstones, "duplicates": dups}
        if ops != published:
            bad.append(f"the consumer read {ops}, rowcast published {published}")
        if dups == 0 and acked != sum(ops.values()) + tombstones:
            bad.append(f"rowcast acknowledged {acked} records, the consumer read {sum(ops.values()) + tombstones}")
    for b in bad:
        print("metrics_check: " + b, file=sys.stderr)
    print(json.dumps(summary))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
