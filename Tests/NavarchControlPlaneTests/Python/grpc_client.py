#!/usr/bin/env python3
"""A Python gRPC client of Navarch, generated from proto/navarch/v1 with grpcio-tools when it
starts: the interoperability check of the control plane's gRPC server with the reference gRPC
implementation.

  grpc_client.py PROTO_DIR ADDRESS concurrency --calls N --connections C
      N Register calls at once (nodes of 8 GPUs with 20 metrics each), spread over C
      connections, then N Heartbeat calls at once; prints one JSON line with the calls made,
      the failures by status code and calls per second.
  grpc_client.py PROTO_DIR ADDRESS violate
      Opens a raw HTTP/2 connection, sends HEADERS on an even (server-only) stream id, and
      prints the error code of the GOAWAY that answers it.
"""
import argparse
import asyncio
import os
import collections
import json
import pathlib
import socket
import struct
import sys
import tempfile
import time

METRICS = [
    "temperature_celsius", "temperature_slowdown_celsius", "temperature_shutdown_celsius", "power_watts",
    "power_limit_watts", "utilization_gpu_percent", "utilization_memory_percent", "memory_used_mib",
    "clock_event_reasons", "ecc_enabled", "ecc_sbe_volatile", "ecc_dbe_volatile", "ecc_sbe_aggregate",
    "ecc_dbe_aggregate", "retired_pages_total", "retired_pages_pending", "remapped_rows_pending",
    "remapped_rows_failure", "nvlink_links_up", "pcie_replay_count",
]


def generated(proto_dir):
    """Compiles the .proto files into a temporary directory and imports the modules."""
    from grpc_tools import protoc
    out = tempfile.mkdtemp(prefix="navarch-py-")
    root = pathlib.Path(proto_dir)
    protos = sorted(str(p.relative_to(root)) for p in (root / "navarch" / "v1").glob("*.proto"))
    include = pathlib.Path(protoc.__file__).parent / "_proto"
    if protoc.main(["protoc", f"-I{root}", f"-I{include}", f"--python_out={out}", f"--grpc_python_out={out}", *protos]) != 0:
        sys.exit("protoc failed")
    sys.path.insert(0, out)
    from navarch.v1 import node_service_pb2, node_service_pb2_grpc, types_pb2
    return node_service_pb2, node_service_pb2_grpc, types_pb2


# The bearer token the test's control plane wants (an admin may act for any node).
AUTH = (("authorization", "Bearer " + os.environ["NAVARCH_TOKEN"]),) if os.environ.get("NAVARCH_TOKEN") else ()


async def concurrency(args):
    import grpc
    messages, service, types = generated(args.proto)
    # A local subchannel pool per channel: each channel is its own TCP connection, as separate
    # agents or a load balancer's connections would be.
    channels = [grpc.aio.insecure_channel(args.address, options=[("grpc.use_local_subchannel_pool", 1)])
                for _ in range(args.connections)]
    for channel in channels:
        await asyncio.wait_for(channel.channel_ready(), timeout=30)
    stubs = [service.NodeServiceStub(c) for c in channels]

    def gpus(node):
        return [types.GPU(index=i, uuid=f"GPU-{node}-{i}", model="NVIDIA H100 80GB HBM3",
                          pci_bus_id=f"00000000:{18 + i:02X}:00.0", memory_total_mib=81559,
                          temperature_celsius=40.0, power_watts=70.0, health=types.HEALTH_STATUS_HEALTHY,
                          metrics={name: float(k) for k, name in enumerate(METRICS)})
                for i in range(8)]

    failures = collections.Counter()
    details = []

    async def call(method, index, request):
        try:
            await getattr(stubs[index % len(stubs)], method)(request, timeout=60, metadata=AUTH)
        except grpc.aio.AioRpcError as error:
            failures[f"{method} {error.code().name}"] += 1
            if len(details) < 5:
                details.append(error.details())

    nodes = [f"py-{n}" for n in range(args.calls)]
    started = time.monotonic()
    await asyncio.gather(*(call("Register", i, messages.RegisterRequest(
        node_id=n, instance_id="", hostname=n, agent_version="grpcio", gpus=gpus(n),
        health=types.HEALTH_STATUS_HEALTHY)) for i, n in enumerate(nodes)))
    await asyncio.gather(*(call("Heartbeat", i, messages.HeartbeatRequest(node_id=n, gpus=gpus(n)))
                           for i, n in enumerate(nodes)))
    seconds = time.monotonic() - started
    for channel in channels:
        await channel.close()
    print(json.dumps({"calls": 2 * args.calls, "connections": args.connections, "failures": dict(failures),
                      "failed": sum(failures.values()), "details": details,
                      "calls_per_s": round(2 * args.calls / seconds, 1)}))


def violate(args):
    host, port = args.address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0, b""))
        # HEADERS (type 1) with END_HEADERS on stream 2: clients may only open odd streams.
        s.sendall(frame(1, 0x4, 2, b"\x82"))
        received = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            received += chunk
            code = goaway_code(received)
            if code is not None:
                print(json.dumps({"goaway": code, "local_port": s.getsockname()[1]}))
                return
    print(json.dumps({"goaway": None}))


def frame(kind, flags, stream, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def goaway_code(data):
    offset = 0
    while offset + 9 <= len(data):
        length = int.from_bytes(data[offset:offset + 3], "big")
        kind = data[offset + 3]
        if offset + 9 + length > len(data):
            return None
        if kind == 7:
            return int.from_bytes(data[offset + 13:offset + 17], "big")
        offset += 9 + length
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("proto")
    parser.add_argument("address")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("concurrency")
    run.add_argument("--calls", type=int, default=512)
    run.add_argument("--connections", type=int, default=4)
    commands.add_parser("violate")
    args = parser.parse_args()
    if args.command == "concurrency":
        asyncio.run(concurrency(args))
    else:
        violate(args)


if __name__ == "__main__":
    main()
