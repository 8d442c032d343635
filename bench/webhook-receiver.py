#!/usr/bin/env python3
"""A webhook receiver for bench/webhooks: answers every POST with 204, checks every Standard
Webhooks signature against the endpoint's secret and counts requests and distinct webhook-ids.
GET /stats returns the counts as JSON; POST /secret sets the secret (its body).

Usage: webhook-receiver.py PORT
"""
import asyncio
import base64
import hashlib
import hmac
import json
import sys

stats = {"requests": 0, "bad_signatures": 0, "distinct": 0}
ids = set()
key = b""


def verified(headers, body):
    signed = f"{headers.get('webhook-id', '')}.{headers.get('webhook-timestamp', '')}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(v[3:], expected) for v in headers.get("webhook-signature", "").split() if v.startswith("v1,"))


async def handle(reader, writer):
    global key
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path = lines[0].split(" ")[:2]
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name:
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            if method == "GET" and path == "/stats":
                payload = json.dumps(dict(stats, distinct=len(ids))).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(payload) + payload)
            elif path == "/secret":
                key = base64.b64decode(body.decode().strip().removeprefix("whsec_"))
                writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
            else:
                stats["requests"] += 1
                if not verified(headers, body):
                    stats["bad_signatures"] += 1
                ids.add(headers.get("webhook-id"))
                writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
            await writer.drain()
            if headers.get("connection", "").lower() == "close":
                break
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]), backlog=1024)
    async with server:
        await server.serve_forever()


asyncio.run(main())
