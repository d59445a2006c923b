#!/usr/bin/env python3
"""Helpers of bench/run.sh: JSON fields, CPU and metrics snapshots, EXPLAIN parsing,
and the final summary with its targets. Standard library only."""

import json
import os
import re
import statistics
import time
import sys

TARGETS = {
    "issue_ratio": 0.30,  # issue req/s / pgbench insert TPS, at least
    "retrieve_ratio": 0.30,  # retrieve req/s / pgbench select-only TPS, at least
    "p99_ms": 25.0,  # p99 of both loads, below
    "rss_mib": 150.0,  # server VmHWM, below
    "list_ms": 5.0,  # database time of each list page, below
    "fresh_cpu_ms": 1.3,  # server CPU per first download of a pass, at most
    "cached_per_s": 5000.0,  # cached downloads per second, at least
    "sign_ratio": 0.85,  # build+sign / openssl rsa2048 sign/s, at least
}


def load(path):
    with open(path) as f:
        return json.load(f)


def last_json_line(path):
    """The last line of a file that parses as a JSON object."""
    found = None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                try:
                    found = json.loads(line)
                except ValueError:
                    pass
    if found is None:
        sys.exit(f"report.py: no JSON line in {path}")
    return found


def cmd_field(args):
    """field FILE KEY: a top-level field of a JSON document ('-' reads stdin)."""
    path, key = args
    doc = json.load(sys.stdin) if path == "-" else load(path)
    print(doc[key])


def ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0


def postgres_pids():
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as f:
                if f.read().strip() in ("postgres", "postmaster"):
                    pids.append(int(entry))
        except OSError:
            pass
    return pids


def cmd_cpu(args):
    """cpu SERVER_PID: CPU ticks so far of the machine, the server and PostgreSQL."""
    (server_pid,) = args
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    idle = cpu[3] + cpu[4]
    print(
        json.dumps(
            {
                "total": sum(cpu[:8]),
                "busy": sum(cpu[:8]) - idle,
                "server": ticks(server_pid),
                "postgres": sum(ticks(p) for p in postgres_pids()),
                "hz": os.sysconf("SC_CLK_TCK"),
                "wall": time.time(),
            }
        )
    )


def busy_fraction(interval):
    def read():
        with open("/proc/stat") as f:
            cpu = [int(x) for x in f.readline().split()[1:]]
        return sum(cpu[:8]), cpu[3] + cpu[4]
    t0, i0 = read()
    time.sleep(interval)
    t1, i1 = read()
    return 1 - (i1 - i0) / max(t1 - t0, 1)


def cmd_quiet(args):
    """quiet TIMEOUT_S [MAX_BUSY]: wait (bounded) until the machine is idle for 3 s."""
    timeout = float(args[0])
    limit = float(args[1]) if len(args) > 1 else 0.15
    deadline = time.time() + timeout
    calm, last = 0, 0.0
    while time.time() < deadline:
        last = busy_fraction(1.0)
        calm = calm + 1 if last <= limit else 0
        if calm >= 3:
            print(f"machine quiet ({last:.0%} busy)")
            return
    print(f"WARNING: the machine is still {last:.0%} busy after {timeout:.0f} s of waiting: other work skews these figures")


METRIC = re.compile(r'^passmint_http_request_duration_seconds_(sum|count)\{route="([^"]*)",method="([^"]*)",status="(\d+)"\} (\S+)$')


def parse_metrics(path):
    out = {}
    try:
        with open(path) as f:
            for line in f:
                m = METRIC.match(line.strip())
                if m:
                    kind, route, method, status, value = m.groups()
                    out.setdefault(f"{method} {route} {status}", {})[kind] = float(value)
    except OSError:
        pass
    return out


def phase_server(before, after):
    """Server-side requests and mean latency per route between two /metrics dumps."""
    a, b = parse_metrics(before), parse_metrics(after)
    res = {}
    for k, v in b.items():
        n = v.get("count", 0) - a.get(k, {}).get("count", 0)
        s = v.get("sum", 0) - a.get(k, {}).get("sum", 0)
        if n > 0:
            res[k] = {"requests": int(n), "mean_ms": round(s / n * 1000, 3)}
    return res


def cmd_phase(args):
    """phase NAME OUT DB_NAME: per-phase figures from the snapshots taken around a
    load; the database counters from those around the run DB_NAME (the same request
    over one connection, with the counters settled before and after it)."""
    name, out, db_name = args
    p = lambda s: os.path.join(out, f"{name}.{s}")  # noqa: E731
    load_out = last_json_line(p("load.json"))
    cpu0, cpu1 = load(p("cpu0.json")), load(p("cpu1.json"))
    pg0 = load(os.path.join(out, f"{db_name}.pg0.json"))
    pg1 = load(os.path.join(out, f"{db_name}.pg1.json"))
    db_n = sum(last_json_line(os.path.join(out, f"{db_name}.load.json"))["status_all"].values()) or 1
    hz = cpu1["hz"]
    n_all = sum(load_out["status_all"].values()) or 1
    busy = cpu1["busy"] - cpu0["busy"]
    total = cpu1["total"] - cpu0["total"]
    server = cpu1["server"] - cpu0["server"]
    postgres = cpu1["postgres"] - cpu0["postgres"]
    loadgen = (load_out.get("cpu_s") or 0.0) * hz
    other = max(busy - server - postgres - loadgen, 0)
    elapsed = max(cpu1["wall"] - cpu0["wall"], 1e-3)
    res = {
        "load": load_out,
        "cpu": {
            # Share of the machine (all cores) while the phase ran.
            "machine_busy_pct": round(100 * busy / total, 1) if total else None,
            "server_cores": round(server / hz / elapsed, 2),
            "postgres_cores": round(postgres / hz / elapsed, 2),
            "loadgen_cores": round(loadgen / hz / elapsed, 2),
            "server_cpu_us_per_req": round(server / hz / n_all * 1e6, 1),
            "postgres_cpu_us_per_req": round(postgres / hz / n_all * 1e6, 1),
            "loadgen_cpu_us_per_req": round(loadgen / hz / n_all * 1e6, 1),
            # Everything else on the machine while the phase ran (other processes).
            "other_cores": round(other / hz / elapsed, 2),
        },
        "db": {
            "counted_over": db_name,
            "xact_per_req": round((pg1["xact_commit"] + pg1["xact_rollback"] - pg0["xact_commit"] - pg0["xact_rollback"]) / db_n, 2),
            "tup_inserted_per_req": round((pg1["tup_inserted"] - pg0["tup_inserted"]) / db_n, 2),
            "tup_updated_per_req": round((pg1["tup_updated"] - pg0["tup_updated"]) / db_n, 2),
            "blks_read": pg1["blks_read"] - pg0["blks_read"],
            "wal_syncs": pg1.get("wal_sync", 0) - pg0.get("wal_sync", 0),
        },
        "server_side": phase_server(p("metrics0.txt"), p("metrics1.txt")),
    }
    with open(p("phase.json"), "w") as f:
        json.dump(res, f, indent=1)
    c, d = res["cpu"], res["db"]
    print(
        f"{name}: CPU: machine {c['machine_busy_pct']}% busy; server {c['server_cores']} cores "
        f"({c['server_cpu_us_per_req']} us/req), postgres {c['postgres_cores']} cores "
        f"({c['postgres_cpu_us_per_req']} us/req), load generator {c['loadgen_cores']} cores ({c['loadgen_cpu_us_per_req']} us/req), "
        f"other work (processes, kernel threads, interrupts) {c['other_cores']} cores; "
        f"DB (over the 1-connection run): {d['xact_per_req']} transactions/req, {d['tup_inserted_per_req']} rows inserted/req"
    )
    for k, v in sorted(res["server_side"].items()):
        print(f"{name}: server-side {k}: {v['requests']} requests, mean {v['mean_ms']} ms")


INDEX = re.compile(r"(?:Index|Index Only|Bitmap Index) Scan (?:Backward )?(?:using|on) (\S+)")
TIME = re.compile(r"^\s*(Planning|Execution) Time: ([0-9.]+) ms")


def cmd_explain(args):
    """explain FILE: parse the '@@ label' blocks of EXPLAIN ANALYZE output."""
    (path,) = args
    runs = {}
    indexes = {}
    label = None
    with open(path) as f:
        for line in f:
            if line.startswith("@@ "):
                label = line[3:].strip()
                continue
            m = TIME.match(line)
            if m and label:
                runs.setdefault(label, {})[m.group(1).lower()] = float(m.group(2))
            m = INDEX.search(line)
            if m and label:
                indexes.setdefault(label.split()[0], set()).add(m.group(1))
    # Labels are "<page> <plan> <n>"; summarise every (page, plan).
    groups = {}
    for lab, t in runs.items():
        page, plan, _n = lab.split()
        groups.setdefault((page, plan), []).append(t)
    res = {}
    for (page, plan), ts in sorted(groups.items()):
        ex = [t["execution"] for t in ts]
        pl = [t["planning"] for t in ts]
        res.setdefault(page, {})[plan] = {
            "runs": len(ts),
            "first_exec_ms": ex[0],
            "median_exec_ms": round(statistics.median(ex), 3),
            "max_exec_ms": max(ex),
            "median_planning_ms": round(statistics.median(pl), 3),
        }
    for page, names in indexes.items():
        res.setdefault(page, {})["indexes"] = sorted(names)
    print(json.dumps(res))


def verdict(ok):
    return "PASS" if ok else "MISS"


def solo_load(out, name):
    """The one-connection run of NAME in OUT, when there is one."""
    path = os.path.join(out, f"{name}-solo.load.json")
    return last_json_line(path) if os.path.exists(path) else None


def api_targets(target, engine, il, rl, pgb, solo):
    """The issue and retrieve targets of one engine: each figure beside its same-run
    baseline (pgbench; for the p99s, the one-connection run when there is one)."""
    ir = il["rps"] / pgb["insert_tps"] if pgb["insert_tps"] else 0.0
    rr = rl["rps"] / pgb["select_tps"] if pgb["select_tps"] else 0.0
    pre = f"{engine} " if engine else ""
    key = f"{engine}_" if engine else ""
    target(f"{key}issue_ratio", f"{pre}issue / pgbench insert      = {il['rps']:.1f} / {pgb['insert_tps']:.1f} = {ir:.3f}  (target >= {TARGETS['issue_ratio']})", ir >= TARGETS["issue_ratio"])
    target(f"{key}retrieve_ratio", f"{pre}retrieve / pgbench select   = {rl['rps']:.1f} / {pgb['select_tps']:.1f} = {rr:.3f}  (target >= {TARGETS['retrieve_ratio']})", rr >= TARGETS["retrieve_ratio"])
    for name, l in (("issue", il), ("retrieve", rl)):
        s = solo.get(name)
        base = f"; 1 connection: {s['p99_ms']:.2f} ms" if s else ""
        target(f"{key}{name}_p99", f"{pre}{name + ' p99':<27} = {l['p99_ms']:.2f} ms at {l['connections']} connections  (target < {TARGETS['p99_ms']} ms{base})", l["p99_ms"] < TARGETS["p99_ms"])
    errors = il["non_2xx"] + rl["non_2xx"] + il["transport_errors"] + rl["transport_errors"]
    target(f"{key}no_errors", f"{pre}non-2xx + transport errors  = {errors}  (target 0)", errors == 0)
    return ir, rr


def cmd_sqlite(args):
    """sqlite OUT DIR: the SQLite loads of DIR against run.sh's pgbench baselines in OUT."""
    out, d = args
    pgb = load(os.path.join(out, "pgbench.json"))
    il = last_json_line(os.path.join(d, "issue.load.json"))
    rl = last_json_line(os.path.join(d, "retrieve.load.json"))
    pg_issue = os.path.join(out, "issue.load.json")
    results = {}

    def target(key, text, ok):
        results[key] = ok
        print(f"[{verdict(ok)}] {text}")

    print(f"baselines of the same run (bench-out/pgbench.json): pgbench insert {pgb['insert_tps']:.1f} TPS, "
          f"select-only {pgb['select_tps']:.1f} TPS")
    solo = {name: solo_load(d, name) for name in ("issue", "retrieve")}
    api_targets(target, "sqlite", il, rl, pgb, {k: v for k, v in solo.items() if v})
    if os.path.exists(pg_issue):
        pg = last_json_line(pg_issue)
        if pg["rps"]:
            print(f"[info] sqlite issue / postgres issue = {il['rps']:.1f} / {pg['rps']:.1f} = {il['rps'] / pg['rps']:.3f}")
    missed = [k for k, ok in results.items() if not ok]
    print(f"sqlite targets: {len(results) - len(missed)} PASS, {len(missed)} MISS" + (f" ({', '.join(missed)})" if missed else ""))


def cmd_pkpass(args):
    """pkpass OUT: the .pkpass figures of bench/pkpass.sh against openssl speed and
    GET /healthz of the same run."""
    (out,) = args
    sign_s = load(os.path.join(out, "pkpass-openssl.json"))["sign_per_second"]
    sign_ms = 1000 / sign_s if sign_s else 0.0
    results = {}

    def target(key, text, ok):
        results[key] = ok
        print(f"[{verdict(ok)}] {text}")

    try:
        with open(os.path.join(out, "pkpass-sign-ratio.txt")) as f:
            ratio = float(f.read().strip() or 0)
    except (OSError, ValueError):
        ratio = 0.0
    target("sign_ratio", f"build+sign / openssl rsa2048 sign/s = {ratio:.2f}  (target >= {TARGETS['sign_ratio']})", ratio >= TARGETS["sign_ratio"])
    for engine in ("postgres", "sqlite"):
        path = os.path.join(out, f"pkpass-{engine}.json")
        if not os.path.exists(path):
            print(f"[MISS] {engine}: no figures ({path} missing)")
            results[f"{engine}_missing"] = False
            continue
        r = load(path)
        fresh, cached, floor = r["fresh"], r["cached"], r["healthz"]
        n = fresh["ok"]
        cpu_ms = r["server_ticks"] / r["hz"] * 1000 / n if n else float("inf")
        target(f"{engine}_fresh_cpu",
               f"{engine} fresh downloads: {fresh['downloads_per_second']:.0f}/s ({n} of {fresh['urls']} passes once each over "
               f"{fresh['connections']} connections, {fresh['errors']} errors); server CPU {cpu_ms:.3f} ms per download "
               f"(openssl rsa2048 sign {sign_ms:.3f} ms, x{cpu_ms / sign_ms if sign_ms else 0:.1f})  (target <= {TARGETS['fresh_cpu_ms']} ms)",
               n > 0 and fresh["errors"] == 0 and cpu_ms <= TARGETS["fresh_cpu_ms"])
        rate = cached["downloads_per_second"]
        target(f"{engine}_cached",
               f"{engine} cached downloads: {rate:.0f}/s over {cached['connections']} connections ({cached['errors']} errors; "
               f"GET /healthz over the same connections: {floor['downloads_per_second']:.0f}/s, x{rate / floor['downloads_per_second'] if floor['downloads_per_second'] else 0:.2f})"
               f"  (target >= {TARGETS['cached_per_s']:.0f}/s)",
               rate >= TARGETS["cached_per_s"])
        print(f"[info] {engine} downloaded events: {r['fresh_events']} after the fresh downloads ({n} 200s); "
              f"{r['cached_events']} recorded during the cached load ({cached['ok']} 200s in the measured window, the rest in its 1 s warm-up)")
        print(f"[info] {engine} server peak RSS (VmHWM): {r['vmhwm_kib'] / 1024:.1f} MiB")
    missed = [k for k, ok in results.items() if not ok]
    print(f"pkpass targets: {len(results) - len(missed)} PASS, {len(missed)} MISS" + (f" ({', '.join(missed)})" if missed else ""))


def cmd_summary(args):
    (out,) = args
    issue = load(os.path.join(out, "issue.phase.json"))
    retrieve = load(os.path.join(out, "retrieve.phase.json"))
    pgb = load(os.path.join(out, "pgbench.json"))
    rss = load(os.path.join(out, "rss.json"))
    ds_path = os.path.join(out, "dataset.json")
    ds = load(ds_path) if os.path.exists(ds_path) else None
    lines = []
    say = lines.append
    il, rl = issue["load"], retrieve["load"]
    say("==================== passmint bench: summary ====================")
    say(f"config: {il['connections']} connections, {il['warmup_s']} s warm-up + {il['seconds']} s measured per load; "
        f"pgbench -M prepared -c {pgb['clients']} -j {pgb['jobs']} -T {pgb['seconds']}")
    for name, l in (("issue    POST /v1/passes   ", il), ("retrieve GET /v1/passes/:id", rl)):
        say(f"{name}: {l['rps']:9.1f} req/s  p50 {l['p50_ms']:7.2f} ms  p90 {l['p90_ms']:7.2f} ms  "
            f"p99 {l['p99_ms']:7.2f} ms  max {l['max_ms']:7.2f} ms  requests {l['requests']}  "
            f"non-2xx {l['non_2xx']}  transport errors {l['transport_errors']}")
    solo = {name: solo_load(out, name) for name in ("issue", "retrieve")}
    for name, l in solo.items():
        if l:
            say(f"[info] {name}, 1 connection: {l['rps']:.1f} req/s  p50 {l['p50_ms']:.2f} ms  p99 {l['p99_ms']:.2f} ms  "
                f"max {l['max_ms']:.2f} ms  non-2xx {l['non_2xx']}")
    say(f"pgbench insert (1 KB JSON row, text PK + 2 indexes): {pgb['insert_tps']:9.1f} TPS")
    say(f"pgbench select-only (-S, scale {pgb['scale']}):            {pgb['select_tps']:9.1f} TPS")
    say(f"server peak RSS (VmHWM): {rss['vmhwm_kib'] / 1024:.1f} MiB (VmRSS now {rss['vmrss_kib'] / 1024:.1f} MiB)")
    say("-------------------------------- targets --------------------------------")
    results = {}

    def target(key, text, ok):
        results[key] = ok
        say(f"[{verdict(ok)}] {text}")

    ir, rr = api_targets(target, "", il, rl, pgb, {k: v for k, v in solo.items() if v})
    rss_mib = rss["vmhwm_kib"] / 1024
    target("rss", f"server peak RSS             = {rss_mib:.1f} MiB  (target < {TARGETS['rss_mib']} MiB)", rss_mib < TARGETS["rss_mib"])
    if ds:
        for page in ("first", "deep"):
            e = ds["explain"][page]
            plans = {k: v for k, v in e.items() if k != "indexes"}
            worst = max(p["median_exec_ms"] for p in plans.values())
            detail = ", ".join(
                f"{plan} plan: exec {p['median_exec_ms']:.3f} ms (first {p['first_exec_ms']:.3f}), planning {p['median_planning_ms']:.3f} ms"
                for plan, p in sorted(plans.items())
            ) + f"; indexes: {', '.join(e.get('indexes', []))}"
            depth = ds.get("depth", 250000)
            name = "list page 1        " if page == "first" else f"list page {depth // 50 + 1:,} deep"
            target(f"list_{page}", f"{name} DB time = {worst:.3f} ms  (target < {TARGETS['list_ms']} ms; {detail})", worst < TARGETS["list_ms"])
        for page in ("first", "deep"):
            h = ds["http"][page]
            say(f"[info] HTTP {h['path']}: status {h['status']}, {h['bytes']} bytes, median {h['p50_ms']:.2f} ms, min {h['min_ms']:.2f}, max {h['max_ms']:.2f} ({h['repeat']} requests)")
        say(f"[info] dataset: {ds['rows']} passes generated in {ds['generate_s']:.1f} s, never analyzed or vacuumed; passes table now {ds['table_rows']} rows, {ds['table_size']}")
    say("--------------------------- where the time goes --------------------------")
    for name, ph in (("issue", issue), ("retrieve", retrieve)):
        c, d = ph["cpu"], ph["db"]
        say(f"{name}: machine {c['machine_busy_pct']}% busy; server {c['server_cores']} cores ({c['server_cpu_us_per_req']} us CPU/req), "
            f"postgres {c['postgres_cores']} cores ({c['postgres_cpu_us_per_req']} us CPU/req), load generator {c['loadgen_cores']} cores ({c['loadgen_cpu_us_per_req']} us CPU/req), "
            f"other work (processes, kernel threads, interrupts) {c['other_cores']} cores; "
            f"{d['xact_per_req']} DB transactions/req (1-connection run)")
        for k, v in sorted(ph["server_side"].items()):
            say(f"{name}: server-side {k}: mean {v['mean_ms']} ms over {v['requests']} requests")
    for name, l in (("issue", il), ("retrieve", rl)):
        if l["rps"]:
            say(f"{name}: closed loop, so mean latency = connections / throughput = {l['connections']} / {l['rps']:.0f} = "
                f"{l['connections'] / l['rps'] * 1000:.1f} ms (measured mean {l['mean_ms']:.1f} ms); "
                f"the one-connection run shows the latency without queueing")
    missed = [k for k, ok in results.items() if not ok]
    say(f"targets: {len(results) - len(missed)} PASS, {len(missed)} MISS" + (f" ({', '.join(missed)})" if missed else ""))
    print("\n".join(lines))
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump({"issue": il, "retrieve": rl, "pgbench": pgb, "rss": rss, "dataset": ds,
                   "ratios": {"issue": ir, "retrieve": rr}, "targets": results}, f, indent=1)


COMMANDS = {
    "field": cmd_field,
    "cpu": cmd_cpu,
    "quiet": cmd_quiet,
    "phase": cmd_phase,
    "explain": cmd_explain,
    "summary": cmd_summary,
    "sqlite": cmd_sqlite,
    "pkpass": cmd_pkpass,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(f"usage: report.py {{{'|'.join(COMMANDS)}}} ...")
    COMMANDS[sys.argv[1]](sys.argv[2:])
