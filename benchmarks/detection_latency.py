#!/usr/bin/env python3
"""Detection latency and agent overhead, measured on real processes.

Starts `navarch serve` (local provider) on free ports with a throw-away data directory,
brings up a pool, then repeatedly appends an XID 79 line to the live node's simulated kernel
log and reads, from the control plane's own events, when the node was marked unhealthy and
when its replacement was requested. Also samples RSS and CPU of one idle `navarch-node`.

Prints one JSON line and appends it to benchmarks/results/<date>-detection-latency.jsonl.

    benchmarks/detection_latency.py [--bin DIR] [--rounds 10] [--idle-seconds 30]
"""
import argparse, datetime, json, os, shutil, socket, statistics, subprocess, sys, tempfile, time

XID79 = "NVRM: Xid (PCI:0000:18:00): 79, pid='<unknown>', name=<unknown>, GPU has fallen off the bus."


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class Fleet:
    def __init__(self, bindir, data, grpc, http):
        self.cli = os.path.join(bindir, "navarch")
        self.server = f"127.0.0.1:{grpc}"
        self.serve = subprocess.Popen(
            [self.cli, "serve", "--data-dir", data, "--grpc-port", str(grpc), "--http-port", str(http)],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(data, "serve.log"), "w"))
        for _ in range(200):
            if subprocess.run([self.cli, "status", "--server", self.server], capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        raise SystemExit("navarch serve did not start")

    def run(self, *args):
        out = subprocess.run([self.cli, *args, "--server", self.server, "-o", "json"], capture_output=True, text=True)
        if out.returncode != 0:
            raise SystemExit(f"navarch {' '.join(args)} failed: {out.stderr.strip()}")
        return json.loads(out.stdout) if out.stdout.strip() else None

    def healthy_nodes(self, pool):
        return [n for n in self.run("nodes", "list", "--pool", pool) if n["state"] == "active" and n["health"] == "healthy"]

    def stop(self):
        self.serve.terminate()
        self.serve.wait(timeout=30)


def agent_sample(pid):
    with open(f"/proc/{pid}/status") as f:
        rss_kib = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return rss_kib, int(fields[11]) + int(fields[12])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=None, help="folder with navarch and navarch-node (default: swift build --show-bin-path)")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--idle-seconds", type=int, default=30)
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    bindir = args.bin or subprocess.run(["swift", "build", "--show-bin-path"], cwd=root, capture_output=True, text=True).stdout.strip()

    data = tempfile.mkdtemp(prefix="navarch-bench-")
    fleet = Fleet(bindir, data, free_port(), free_port())
    unhealthy_ms, replacement_ms = [], []
    try:
        fleet.run("up", "--gpus", "8", "--type", "h100", "--name", "bench", "--timeout", "120")
        node = fleet.healthy_nodes("bench")[0]
        record = json.load(open(os.path.join(data, "local", node["instanceID"], "instance.json")))
        pid = record["pid"]
        time.sleep(5)
        rss0, cpu0 = agent_sample(pid)
        time.sleep(args.idle_seconds)
        rss1, cpu1 = agent_sample(pid)
        ticks = os.sysconf("SC_CLK_TCK")
        agent_cpu_percent = 100.0 * (cpu1 - cpu0) / ticks / args.idle_seconds

        # The same with the NVML backend reading 8 GPUs (every metric, every link) at the default
        # intervals, through the test-only libnvidia-ml built with the package.
        nvml = None
        fake = os.path.join(bindir, "libnvidia-ml.so")
        if os.path.exists(fake):
            kmsg = os.path.join(data, "nvml-kmsg")
            open(kmsg, "w").close()
            log = open(os.path.join(data, "nvml-agent.log"), "w")
            agent = subprocess.Popen([os.path.join(bindir, "navarch-node"), "--control-plane", fleet.server,
                                      "--node-id", "bench-nvml", "--backend", "nvml", "--nvml-library", fake,
                                      "--cuda-library", os.path.join(bindir, "libcuda.so"), "--kernel-log", kmsg],
                                     stdout=log, stderr=subprocess.STDOUT)
            try:
                time.sleep(5)
                nrss0, ncpu0 = agent_sample(agent.pid)
                time.sleep(args.idle_seconds)
                nrss1, ncpu1 = agent_sample(agent.pid)
                nvml = {"rss_mib": round(nrss1 / 1024, 1), "cpu_percent": round(100.0 * (ncpu1 - ncpu0) / ticks / args.idle_seconds, 2),
                        "window_s": args.idle_seconds}
            finally:
                agent.terminate()
                agent.wait(timeout=20)

        for _ in range(args.rounds):
            node = fleet.healthy_nodes("bench")[0]
            time.sleep(1)
            written = time.time()
            with open(node["labels"]["simulated-kmsg"], "a") as kmsg:
                kmsg.write(XID79 + "\n")
            deadline = time.time() + 30
            marked = requested = None
            while time.time() < deadline and (marked is None or requested is None):
                for event in fleet.run("events", "--pool", "bench", "--limit", "200"):
                    if event["nodeID"] == node["id"] and event["kind"] == "node.health_changed" and event["attributes"].get("to") == "unhealthy":
                        marked = parse_time(event["time"])
                    if event["kind"] == "instance.requested" and f"replacing {node['id']}" in event["message"]:
                        requested = parse_time(event["time"])
                time.sleep(0.05)
            if marked is None or requested is None:
                raise SystemExit(f"node {node['id']} was not marked unhealthy and replaced within 30 s")
            unhealthy_ms.append((marked - written) * 1000)
            replacement_ms.append((requested - written) * 1000)
            for _ in range(300):
                if len(fleet.healthy_nodes("bench")) == 1:
                    break
                time.sleep(0.1)
        fleet.run("down", "bench")
    finally:
        fleet.stop()
        shutil.rmtree(data, ignore_errors=True)

    build = "release" if "/release" in bindir else "debug"
    result = {
        "benchmark": "detection-latency",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "build": build,
        "rounds": args.rounds,
        "xid_to_unhealthy_ms": {"p50": round(statistics.median(unhealthy_ms), 1), "max": round(max(unhealthy_ms), 1), "min": round(min(unhealthy_ms), 1)},
        "xid_to_replacement_requested_ms": {"p50": round(statistics.median(replacement_ms), 1), "max": round(max(replacement_ms), 1)},
        "idle_agent_8_gpus": {"rss_mib": round(rss1 / 1024, 1), "cpu_percent": round(agent_cpu_percent, 2), "window_s": args.idle_seconds},
        "nvml_agent_8_gpus": nvml,
    }
    if len(unhealthy_ms) >= 20:
        result["xid_to_unhealthy_ms"]["p99"] = round(statistics.quantiles(unhealthy_ms, n=100, method="inclusive")[98], 1)
    line = json.dumps(result)
    print(line)
    os.makedirs(os.path.join(root, "benchmarks", "results"), exist_ok=True)
    with open(os.path.join(root, "benchmarks", "results", f"{result['date'][:10]}-detection-latency.jsonl"), "a") as out:
        out.write(line + "\n")


if __name__ == "__main__":
    main()
