#!/usr/bin/env python3
"""Navarch's MCP server through the official Python MCP SDK, as an AI agent's client would use it.

  mcp_client.py stdio NAVARCH_BINARY GRPC_ADDRESS --pool P --nodes A,B[,...] [--priced-provider aws]
  mcp_client.py http URL --pool P --nodes A,B[,...] [--priced-provider aws]

The fleet must have the nodes (in natural order; none unhealthy) and the pool P of 2 nodes.
Initializes, lists the tools and resources, calls every read tool, a tool that changes the
fleet without and with confirm, and bad arguments, and checks each answer. Prints one JSON line:
what it saw, and `failures`, the checks that did not hold (empty when all did).
"""
import argparse
import asyncio
import json
import os
import time

from mcp import ClientSession, types
import httpx2 as httpx
from mcp.client.stdio import StdioServerParameters, get_default_environment, stdio_client
from mcp.client.streamable_http import streamable_http_client


def text_of(result):
    return "\n".join(c.text for c in result.content if getattr(c, "type", "") == "text")


EXPECTED_TOOLS = [
    "catalog", "cordon_node", "create_pool", "delete_pool", "drain_node", "explain_xid", "fleet_status", "get_node", "health_policy",
    "list_events", "list_nodes", "node_history", "reset_breaker", "run_diagnostic", "scale_pool", "uncordon_node",
]


async def exercise(session, pool, nodes, priced):
    seen = {}
    init = await session.initialize()
    seen["server"] = init.server_info.name
    seen["instructions"] = bool(init.instructions)
    tools = (await session.list_tools()).tools
    seen["tools"] = sorted(t.name for t in tools)
    seen["annotations"] = {t.name: {"read_only": t.annotations.read_only_hint, "destructive": t.annotations.destructive_hint,
                                    "idempotent": t.annotations.idempotent_hint} for t in tools}
    seen["schemas"] = {t.name: sorted(t.input_schema.get("properties", {}).keys()) for t in tools}

    calls = {}

    async def call(label, name, arguments):
        began = time.perf_counter()
        result = await session.call_tool(name, arguments)
        calls[label] = {"error": bool(result.is_error), "text": text_of(result)[:400],
                        "structured": result.structured_content, "ms": round((time.perf_counter() - began) * 1000, 1)}
        return result

    first, second = nodes[0], nodes[1]
    await call("fleet_status", "fleet_status", {})
    await call("list_nodes", "list_nodes", {"page_size": 1})
    token = (calls["list_nodes"]["structured"] or {}).get("nextPageToken")
    await call("list_nodes_next", "list_nodes", {"page_size": 1, "page_token": token or ""})
    await call("list_nodes_unhealthy", "list_nodes", {"health": "unhealthy"})
    await call("get_node", "get_node", {"node_id": first})
    await call("node_history", "node_history", {"node_id": first})
    await call("list_events", "list_events", {"limit": 5})
    await call("explain_xid", "explain_xid", {"code": 79})
    await call("health_policy", "health_policy", {})
    await call("catalog", "catalog", {"gpu_type": "h100", "provider": "aws"})
    await call("cordon_preview", "cordon_node", {"node_id": second, "reason": "agent check"})
    await call("node_after_preview", "get_node", {"node_id": second})
    await call("cordon", "cordon_node", {"node_id": second, "reason": "agent check", "confirm": True})
    await call("history_after_cordon", "node_history", {"node_id": second})
    await call("create_preview", "create_pool", {"name": "agents", "gpu_type": "h100", "gpus": 16, **({"provider": priced} if priced else {})})
    await call("delete_preview", "delete_pool", {"name": pool})
    await call("scale_preview", "scale_pool", {"name": pool, "desired_nodes": 5})
    await call("reset_preview", "reset_breaker", {})
    await call("unknown_node", "get_node", {"node_id": "ghost"})
    await call("missing_field", "get_node", {})
    await call("wrong_type", "explain_xid", {"code": "seventy-nine"})
    await call("unknown_argument", "list_nodes", {"colour": "red"})
    await call("bad_state", "list_nodes", {"state": "sleeping"})
    await call("illegal", "uncordon_node", {"node_id": "ghost", "confirm": True})
    seen["calls"] = calls

    resources = await session.list_resources()
    seen["resources"] = sorted(str(r.uri) for r in resources.resources)
    templates = await session.list_resource_templates()
    seen["templates"] = sorted(t.uri_template for t in templates.resource_templates)
    node = await session.read_resource(f"navarch://nodes/{first}")
    seen["node_resource"] = json.loads(node.contents[0].text).get("id")
    pool_resource = await session.read_resource(f"navarch://pools/{pool}")
    seen["pool_resource"] = json.loads(pool_resource.contents[0].text).get("name")
    try:
        await session.read_resource("navarch://nodes/ghost")
        seen["ghost_resource"] = "read"
    except Exception as error:  # an MCP error answer, not a crash
        seen["ghost_resource"] = str(error)[:200]
    # Still serving after all of that.
    seen["still_serving"] = not (await session.call_tool("fleet_status", {})).is_error
    seen["failures"] = check(seen, pool, nodes, priced)
    return seen


def check(seen, pool, nodes, priced):
    """The checks on what the server answered; each one that fails is named."""
    failures = []

    def expect(label, holds, detail=""):
        if not holds:
            failures.append(f"{label}: {detail}"[:600])

    calls = seen["calls"]

    def call(label):
        return calls.get(label, {"error": True, "text": "", "structured": {}})

    def structured(label):
        return call(label).get("structured") or {}

    first, second = nodes[0], nodes[1]
    expect("server", seen["server"] == "navarch", seen["server"])
    expect("tools", seen["tools"] == EXPECTED_TOOLS, seen["tools"])
    annotations = seen["annotations"]
    expect("list_nodes is read-only", annotations["list_nodes"]["read_only"] is True, annotations["list_nodes"])
    expect("delete_pool is destructive", annotations["delete_pool"]["destructive"] is True and annotations["delete_pool"]["read_only"] is False, annotations["delete_pool"])
    expect("schemas", seen["schemas"]["delete_pool"] == ["confirm", "name"] and seen["schemas"]["get_node"] == ["node_id"], seen["schemas"])
    expect("fleet_status", structured("fleet_status").get("nodes") == len(nodes), call("fleet_status"))
    expect("list_nodes page", [n["id"] for n in structured("list_nodes").get("nodes", [])] == [first], call("list_nodes"))
    expect("list_nodes next page", [n["id"] for n in structured("list_nodes_next").get("nodes", [])] == [second], call("list_nodes_next"))
    expect("list_nodes total", structured("list_nodes").get("total") == len(nodes), call("list_nodes"))
    expect("no unhealthy nodes", structured("list_nodes_unhealthy").get("total") == 0, call("list_nodes_unhealthy"))
    expect("get_node", len(structured("get_node").get("gpus", [])) == 8, call("get_node"))
    expect("node_history", "node.registered" in call("node_history")["text"], call("node_history"))
    expect("list_events", not call("list_events")["error"], call("list_events"))
    expect("explain_xid", "79" in call("explain_xid")["text"] and not call("explain_xid")["error"], call("explain_xid"))
    expect("health_policy", "rules" in call("health_policy")["text"], call("health_policy"))
    expect("catalog", len(structured("catalog").get("offerings", [])) > 0, call("catalog"))
    preview = call("cordon_preview")
    expect("cordon without confirm", not preview["error"] and structured("cordon_preview").get("confirmed") is False and f"Would cordon {second}" in preview["text"], preview)
    expect("nothing changed", structured("node_after_preview").get("state") == "active", call("node_after_preview"))
    expect("cordon with confirm", structured("cordon").get("state") == "cordoned", call("cordon"))
    expect("cordon recorded", any(e.get("kind") == "node.cordoned" for e in structured("history_after_cordon").get("events", [])),
           call("history_after_cordon")["text"])
    created = call("create_preview")
    expect("create preview", "buy 2 h100 node(s)" in created["text"] and not created["error"], created)
    if priced:
        expect("create preview priced", (structured("create_preview").get("hourlyCostChangeUSD") or 0) > 0, created)
    deleted = call("delete_preview")
    expect("delete preview", f"terminate 2 instance(s) of {pool}" in deleted["text"] and len(structured("delete_preview").get("instances", [])) == 2, deleted)
    expect("scale preview", f"buy 3 more node(s) for {pool}" in call("scale_preview")["text"], call("scale_preview"))
    expect("reset preview", "no open breaker" in call("reset_preview")["text"], call("reset_preview"))
    expect("unknown node", call("unknown_node")["error"] and call("unknown_node")["text"] == "node ghost not found", call("unknown_node"))
    expect("missing field", call("missing_field")["error"] and call("missing_field")["text"] == "node_id is required", call("missing_field"))
    expect("wrong type", call("wrong_type")["error"] and "code must be a whole number" in call("wrong_type")["text"], call("wrong_type"))
    expect("unknown argument", call("unknown_argument")["error"] and "unknown argument 'colour'" in call("unknown_argument")["text"], call("unknown_argument"))
    expect("bad state", call("bad_state")["error"] and "state 'sleeping' is not one of" in call("bad_state")["text"], call("bad_state"))
    expect("illegal", call("illegal")["error"], call("illegal"))
    expect("pool resource listed", f"navarch://pools/{pool}" in seen["resources"], seen["resources"])
    expect("node resource listed", f"navarch://nodes/{nodes[-1]}" in seen["resources"], seen["resources"])
    expect("templates", seen["templates"] == ["navarch://nodes/{id}", "navarch://pools/{name}"], seen["templates"])
    expect("resources read", seen["node_resource"] == first and seen["pool_resource"] == pool, (seen["node_resource"], seen["pool_resource"]))
    expect("unknown resource", "node ghost not found" in seen["ghost_resource"], seen["ghost_resource"])
    expect("still serving", seen["still_serving"] is True)
    return failures


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["stdio", "http"])
    parser.add_argument("target", nargs="+", help="NAVARCH_BINARY GRPC_ADDRESS, or URL")
    parser.add_argument("--pool", required=True)
    parser.add_argument("--nodes", required=True, help="the fleet's node ids in natural order, comma-separated")
    parser.add_argument("--priced-provider", default="", help="a configured provider with catalog prices")
    args = parser.parse_args()
    nodes = args.nodes.split(",")
    info = types.Implementation(name="pytest-agent", version="1")
    if args.mode == "stdio":
        # The SDK passes a child only a safe subset of the environment: hand on the credentials.
        passed = {k: v for k, v in os.environ.items() if k.startswith("NAVARCH_")}
        parameters = StdioServerParameters(command=args.target[0], args=["mcp", "--server", args.target[1]],
                                           env={**get_default_environment(), **passed})
        async with stdio_client(parameters) as (read, write):
            async with ClientSession(read, write, client_info=info) as session:
                seen = await exercise(session, args.pool, nodes, args.priced_provider)
    else:
        token = os.environ.get("NAVARCH_TOKEN")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        verify = os.environ.get("NAVARCH_CA_FILE") or True
        async with httpx.AsyncClient(headers=headers, verify=verify, timeout=httpx.Timeout(60, read=300)) as client, \
                streamable_http_client(args.target[0], http_client=client) as (read, write):
            async with ClientSession(read, write, client_info=info) as session:
                seen = await exercise(session, args.pool, nodes, args.priced_provider)
    print(json.dumps(seen, default=str))


if __name__ == "__main__":
    asyncio.run(main())
