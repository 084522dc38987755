#!/usr/bin/env python3
"""Navarch's MCP server through the official Python MCP SDK, as an AI agent's client would use it.

  mcp_client.py stdio NAVARCH_BINARY GRPC_ADDRESS   (starts `navarch mcp --server GRPC_ADDRESS`)
  mcp_client.py http URL                            (the control plane's /mcp)

Initializes, lists the tools and resources, calls every read tool, a destructive tool without
and with confirm, and bad arguments; prints one JSON line of what it saw.
"""
import asyncio
import json
import sys
import time

from mcp import ClientSession, types
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client


def text_of(result):
    return "\n".join(c.text for c in result.content if getattr(c, "type", "") == "text")


async def exercise(session):
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

    await call("fleet_status", "fleet_status", {})
    await call("list_nodes", "list_nodes", {"page_size": 2})
    token = (calls["list_nodes"]["structured"] or {}).get("nextPageToken")
    await call("list_nodes_next", "list_nodes", {"page_size": 2, "page_token": token or ""})
    await call("list_nodes_unhealthy", "list_nodes", {"health": "unhealthy"})
    await call("get_node", "get_node", {"node_id": "mcp-0"})
    await call("node_history", "node_history", {"node_id": "mcp-0"})
    await call("list_events", "list_events", {"limit": 5})
    await call("explain_xid", "explain_xid", {"code": 79})
    await call("health_policy", "health_policy", {})
    await call("catalog", "catalog", {"gpu_type": "h100", "provider": "aws"})
    await call("cordon_preview", "cordon_node", {"node_id": "mcp-1", "reason": "agent check"})
    await call("node_after_preview", "get_node", {"node_id": "mcp-1"})
    await call("cordon", "cordon_node", {"node_id": "mcp-1", "reason": "agent check", "confirm": True})
    await call("history_after_cordon", "node_history", {"node_id": "mcp-1"})
    await call("create_preview", "create_pool", {"name": "agents", "gpu_type": "h100", "gpus": 16, "provider": "aws"})
    await call("delete_preview", "delete_pool", {"name": "train"})
    await call("scale_preview", "scale_pool", {"name": "train", "desired_nodes": 5})
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
    node = await session.read_resource("navarch://nodes/mcp-0")
    seen["node_resource"] = json.loads(node.contents[0].text).get("id")
    pool = await session.read_resource("navarch://pools/train")
    seen["pool_resource"] = json.loads(pool.contents[0].text).get("name")
    try:
        await session.read_resource("navarch://nodes/ghost")
        seen["ghost_resource"] = "read"
    except Exception as error:  # an MCP error answer, not a crash
        seen["ghost_resource"] = str(error)[:200]
    # Still serving after all of that.
    seen["still_serving"] = not (await session.call_tool("fleet_status", {})).is_error
    return seen


async def main():
    mode = sys.argv[1]
    if mode == "stdio":
        parameters = StdioServerParameters(command=sys.argv[2], args=["mcp", "--server", sys.argv[3]])
        async with stdio_client(parameters) as (read, write):
            async with ClientSession(read, write, client_info=types.Implementation(name="pytest-agent", version="1")) as session:
                seen = await exercise(session)
    else:
        async with streamable_http_client(sys.argv[2]) as (read, write):
            async with ClientSession(read, write, client_info=types.Implementation(name="pytest-agent", version="1")) as session:
                seen = await exercise(session)
    print(json.dumps(seen, default=str))


if __name__ == "__main__":
    asyncio.run(main())
