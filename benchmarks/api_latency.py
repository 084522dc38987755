#!/usr/bin/env python3
"""Latency of the ways in, against a release control plane with 1,000 registered nodes.

Starts `navarch serve` (from --bin) on free loopback ports, registers --nodes nodes of 8 GPUs
(20 metrics each) with grpcio, then measures, --repeat times each: REST `GET /v1/nodes` (one
page of every node, and the default page of 500) and MCP `list_nodes` over streamable HTTP with
the official Python SDK (a page of every node, and the default page of 100); then runs the grpcio concurrency check (512
calls at once over 4 connections, Register then Heartbeat) and reports its calls per second and
failures. Prints one JSON line, appended to benchmarks/results/<date>-api.jsonl.
"""
import argparse
import asyncio
import datetime
import json
import pathlib
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
CLIENTS = ROOT / "Tests" / "NavarchControlPlaneTests" / "Python"
sys.path.insert(0, str(CLIENTS))
from grpc_client import METRICS, generated  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, share):
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 2) if ordered else 0.0


async def register(address, count, proto):
    import grpc
    messages, service, types = generated(proto)
    channel = grpc.aio.insecure_channel(address)
    await asyncio.wait_for(channel.channel_ready(), timeout=30)
    stub = service.NodeServiceStub(channel)
    gate = asyncio.Semaphore(64)

    async def one(index):
        node = f"api-{index}"
        gpus = [types.GPU(index=i, uuid=f"GPU-{node}-{i}", model="NVIDIA H100 80GB HBM3", pci_bus_id=f"00000000:{18 + i:02X}:00.0",
                          memory_total_mib=81559, temperature_celsius=40.0, power_watts=70.0, health=types.HEALTH_STATUS_HEALTHY,
                          metrics={name: float(k) for k, name in enumerate(METRICS)}) for i in range(8)]
        async with gate:
            await stub.Register(messages.RegisterRequest(node_id=node, pool="bench", hostname=node, agent_version="bench", gpus=gpus,
                                                         health=types.HEALTH_STATUS_HEALTHY), timeout=30)
    await asyncio.gather(*(one(i) for i in range(count)))
    await channel.close()


def rest_latencies(base, path, repeat):
    seen, times = 0, []
    for _ in range(repeat):
        began = time.perf_counter()
        with urllib.request.urlopen(base + path) as answer:
            body = json.load(answer)
        times.append(time.perf_counter() - began)
        seen = len(body.get("nodes", []))
    return times, seen


async def mcp_latencies(url, repeat, page_size=None):
    from mcp import ClientSession, types
    from mcp.client.streamable_http import streamable_http_client
    times, seen = [], 0
    async with streamable_http_client(url) as (read, write):
        async with ClientSession(read, write, client_info=types.Implementation(name="api-bench", version="1")) as session:
            await session.initialize()
            for _ in range(repeat):
                began = time.perf_counter()
                result = await session.call_tool("list_nodes", {"page_size": page_size} if page_size else {})
                times.append(time.perf_counter() - began)
                seen = len((result.structured_content or {}).get("nodes", []))
    return times, seen


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=str(ROOT / ".build" / "release"))
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--note", default="")
    args = parser.parse_args()
    grpc_port, http_port = free_port(), free_port()
    data = tempfile.mkdtemp(prefix="navarch-api-bench-")
    serve = subprocess.Popen(
        [str(pathlib.Path(args.bin) / "navarch"), "serve", "--data-dir", data, "--grpc-port", str(grpc_port), "--http-port", str(http_port),
         "--heartbeat-interval", "1h", "--log-level", "warning"],
        stdout=subprocess.DEVNULL, stderr=open(pathlib.Path(data) / "serve.log", "w"))
    try:
        base = f"http://127.0.0.1:{http_port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/readyz").read()
                break
            except Exception:
                if time.monotonic() > deadline or serve.poll() is not None:
                    sys.exit("the control plane did not start; see " + str(pathlib.Path(data) / "serve.log"))
                time.sleep(0.2)
        address = f"127.0.0.1:{grpc_port}"
        started = time.monotonic()
        asyncio.run(register(address, args.nodes, ROOT / "proto"))
        registration = time.monotonic() - started
        rest_all, rest_all_seen = rest_latencies(base, f"/v1/nodes?page_size={args.nodes}", args.repeat)
        rest_page, rest_page_seen = rest_latencies(base, "/v1/nodes", args.repeat)
        mcp_all, mcp_seen = asyncio.run(mcp_latencies(base + "/mcp", args.repeat, args.nodes))
        mcp_page, mcp_page_seen = asyncio.run(mcp_latencies(base + "/mcp", args.repeat))
        concurrency = subprocess.run(
            [sys.executable, str(CLIENTS / "grpc_client.py"), str(ROOT / "proto"), address, "concurrency", "--calls", "512", "--connections", "4"],
            capture_output=True, text=True, timeout=600)
        grpc_result = json.loads(concurrency.stdout.strip().splitlines()[-1])
        result = {
            "date": datetime.date.today().isoformat(), "benchmark": "api-latency", "nodes": args.nodes, "repeat": args.repeat,
            "registration_s": round(registration, 2),
            "rest_all_nodes": {"nodes": rest_all_seen, "p50_ms": percentile(rest_all, 0.5), "p99_ms": percentile(rest_all, 0.99)},
            "rest_default_page": {"nodes": rest_page_seen, "p50_ms": percentile(rest_page, 0.5), "p99_ms": percentile(rest_page, 0.99)},
            "mcp_list_nodes_all": {"nodes": mcp_seen, "p50_ms": percentile(mcp_all, 0.5), "p99_ms": percentile(mcp_all, 0.99)},
            "mcp_list_nodes_default_page": {"nodes": mcp_page_seen, "p50_ms": percentile(mcp_page, 0.5), "p99_ms": percentile(mcp_page, 0.99)},
            "grpcio_512_over_4": {"calls": grpc_result["calls"], "failed": grpc_result["failed"], "calls_per_s": grpc_result["calls_per_s"]},
            "note": args.note,
        }
        line = json.dumps(result)
        print(line)
        with open(ROOT / "benchmarks" / "results" / f"{result['date']}-api.jsonl", "a") as f:
            f.write(line + "\n")
    finally:
        serve.terminate()
        serve.wait(timeout=30)


if __name__ == "__main__":
    main()
