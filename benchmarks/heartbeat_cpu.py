#!/usr/bin/env python3
"""Control-plane CPU per heartbeat, with simulated agents over real gRPC.

Starts `navarch serve` (from --bin) on free loopback ports with the heartbeat interval set to
--interval, registers --nodes nodes of 8 GPUs (20 metrics each) with Python grpcio clients
generated from proto/navarch/v1 (--channels connections, --inflight calls at once), then sends
every node's heartbeat once per interval, spread evenly, for --seconds. It reads the control
plane's CPU time (utime + stime in /proc/PID/stat) over that window and prints one JSON line:
heartbeats/s sustained, p50/p99/p999 latency, errors, control-plane CPU per heartbeat (us) and
RSS. The line is appended to benchmarks/results/<date>-heartbeat-cpu.jsonl.

Needs grpcio and grpcio-tools (benchmarks/heartbeat_cpu.sh installs them in a private venv).
"""
import argparse
import asyncio
import datetime
import json
import os
import pathlib
import socket
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
# The interoperability client of the tests: its metric names and its code generation.
sys.path.insert(0, str(ROOT / "Tests" / "NavarchControlPlaneTests" / "Python"))
from grpc_client import METRICS, generated  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values, share):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run(args, stubs):
    import grpc
    types, service = stubs
    port = free_port()
    data = tempfile.mkdtemp(prefix="navarch-bench-")
    config = pathlib.Path(data) / "navarch.yaml"
    config.write_text(f"heartbeat:\n  interval: {args.interval}s\n")
    serve = subprocess.Popen(
        [str(pathlib.Path(args.bin) / "navarch"), "serve", "--config", str(config), "--data-dir", data,
         "--grpc-port", str(port), "--http-port", str(free_port()), "--log-level", "warning"]
        + (["--insecure"] if args.insecure else []),
        stdout=subprocess.DEVNULL, stderr=open(pathlib.Path(data) / "serve.log", "w"),
        env={**os.environ, "XDG_CONFIG_HOME": str(pathlib.Path(data) / "config")})
    try:
        token_file = pathlib.Path(data) / "admin.token"
        ca_file = pathlib.Path(data) / "tls" / "ca.pem"
        deadline = time.monotonic() + 60
        while not token_file.exists() or (not args.insecure and not ca_file.exists()):
            if time.monotonic() > deadline or serve.poll() is not None:
                sys.exit("the control plane did not start; see " + str(pathlib.Path(data) / "serve.log"))
            await asyncio.sleep(0.1)
        admin = (("authorization", "Bearer " + token_file.read_text().strip()),)
        # A local subchannel pool per channel: each channel is its own connection.
        options = [("grpc.use_local_subchannel_pool", 1)]
        if args.insecure:
            channels = [grpc.aio.insecure_channel(f"127.0.0.1:{port}", options=options) for _ in range(args.channels)]
        else:
            credentials = grpc.ssl_channel_credentials(root_certificates=ca_file.read_bytes())
            channels = [grpc.aio.secure_channel(f"127.0.0.1:{port}", credentials, options=options) for _ in range(args.channels)]
        clients = [service.NodeServiceStub(c) for c in channels]
        deadline = time.monotonic() + 60
        while True:
            try:
                await asyncio.wait_for(channels[0].channel_ready(), timeout=1)
                break
            except (asyncio.TimeoutError, grpc.aio.AioRpcError):
                if time.monotonic() > deadline or serve.poll() is not None:
                    sys.exit("the control plane did not start; see " + str(pathlib.Path(data) / "serve.log"))

        def gpus(node):
            return [types.GPU(index=i, uuid=f"GPU-{node}-{i}", model="NVIDIA H100 80GB HBM3", pci_bus_id=f"00000000:{18 + i:02X}:00.0",
                              memory_total_mib=81559, temperature_celsius=40.0, power_watts=70.0, health=types.HEALTH_STATUS_HEALTHY,
                              metrics={name: float(k) for k, name in enumerate(METRICS)})
                    for i in range(8)]

        nodes = [f"bench-{n}" for n in range(args.nodes)]
        # Each node is enrolled by the admin and then heartbeats with its own credential.
        credentials_of = {}
        gate = asyncio.Semaphore(args.inflight)
        errors = {"register": 0, "heartbeat": 0}

        async def register(index, node):
            async with gate:
                try:
                    answer = await clients[index % len(clients)].Register(types.RegisterRequest(
                        node_id=node, pool="bench", hostname=node, agent_version="bench", gpus=gpus(node),
                        health=types.HEALTH_STATUS_HEALTHY), timeout=30, metadata=admin)
                    credentials_of[node] = (("authorization", "Bearer " + answer.node_credential),)
                except grpc.aio.AioRpcError:
                    errors["register"] += 1

        started = time.monotonic()
        await asyncio.gather(*(register(i, n) for i, n in enumerate(nodes)))
        registration_seconds = time.monotonic() - started
        requests = [types.HeartbeatRequest(node_id=n, gpus=gpus(n)) for n in nodes]
        latencies = []

        async def beat(index):
            async with gate:
                began = time.perf_counter()
                try:
                    await clients[index % len(clients)].Heartbeat(requests[index], timeout=30, metadata=credentials_of.get(nodes[index], admin))
                    latencies.append(time.perf_counter() - began)
                except grpc.aio.AioRpcError:
                    errors["heartbeat"] += 1

        # Warm up one interval, then measure.
        spacing = args.interval / args.nodes
        tasks = set()

        async def drive(seconds):
            begin = time.monotonic()
            sent = 0
            while time.monotonic() - begin < seconds:
                due = begin + sent * spacing
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                task = asyncio.create_task(beat(sent % args.nodes))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                sent += 1
            await asyncio.gather(*list(tasks))
            return sent

        await drive(args.interval)
        latencies.clear()
        errors["heartbeat"] = 0
        cpu_before, wall_before = cpu_seconds(serve.pid), time.monotonic()
        sent = await drive(args.seconds)
        cpu_after, wall_after = cpu_seconds(serve.pid), time.monotonic()
        result = {
            "date": datetime.date.today().isoformat(), "benchmark": "heartbeat-cpu", "nodes": args.nodes,
            "gpus_per_node": 8, "metrics_per_gpu": len(METRICS), "interval_s": args.interval, "channels": args.channels,
            "registration_s": round(registration_seconds, 2),
            "heartbeats": sent, "heartbeats_per_s": round(len(latencies) / (wall_after - wall_before), 1),
            "errors": errors, "p50_ms": round(percentile(latencies, 0.5) * 1000, 2),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 2), "p999_ms": round(percentile(latencies, 0.999) * 1000, 2),
            "cpu_per_heartbeat_us": round((cpu_after - cpu_before) / max(len(latencies), 1) * 1e6, 1),
            "cpu_share_of_a_core": round((cpu_after - cpu_before) / (wall_after - wall_before), 3),
            "rss_mib": round(rss_mib(serve.pid), 1), "transport": "plaintext" if args.insecure else "tls",
            "authenticated": True, "note": args.note,
        }
        for c in channels:
            await c.close()
        return result
    finally:
        serve.terminate()
        serve.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=str(ROOT / ".build" / "release"))
    parser.add_argument("--nodes", type=int, default=2000)
    parser.add_argument("--interval", type=int, default=10, help="heartbeat interval in seconds")
    parser.add_argument("--seconds", type=int, default=60, help="measured window")
    parser.add_argument("--channels", type=int, default=8)
    parser.add_argument("--inflight", type=int, default=8)
    parser.add_argument("--note", default="")
    parser.add_argument("--insecure", action="store_true", help="serve plaintext (--insecure); TLS with the control plane's own CA otherwise")
    args = parser.parse_args()
    node_service_pb2, service, types_pb2 = generated(ROOT / "proto")

    class Types:
        pass
    types = Types()
    for module in (types_pb2, node_service_pb2):
        for name in dir(module):
            if not name.startswith("_"):
                setattr(types, name, getattr(module, name))
    result = asyncio.run(run(args, (types, service)))
    line = json.dumps(result)
    print(line)
    results = ROOT / "benchmarks" / "results" / f"{result['date']}-heartbeat-cpu.jsonl"
    with open(results, "a") as f:
        f.write(line + "\n")


if __name__ == "__main__":
    main()
