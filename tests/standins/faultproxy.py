#!/usr/bin/env python3
"""A fault-injecting HTTP proxy in front of a DynamoDB endpoint (normally DynamoDB Local).

DynamoDB Local answers every request promptly and never throttles, never fails with a 5xx and
never returns UnprocessedItems/UnprocessedKeys. Integration tests of retries and batch
completion need those answers from a real HTTP peer, so this proxy forwards requests to the
upstream endpoint and, following a schedule of rules, replaces or alters some of them.

Rules (JSON objects) are given on the command line (--rules) or through the control API on the
proxy's own port, under /__faults/ (every other path is forwarded):

    GET    /__faults/rules        list rules with their counters ("matched", "fired")
    POST   /__faults/rules        add one rule or a list of rules; answers {"ids": [...]}
    DELETE /__faults/rules        remove all rules
    DELETE /__faults/rules/<id>   remove one rule
    GET    /__faults/stats        requests seen per operation and faults injected per kind
    POST   /__faults/reset        remove all rules and zero the statistics

A rule:

    {"operation": "BatchWriteItem",  # X-Amz-Target action, or "*" (the default)
     "table": "orders",              # optional: only requests that touch this table
     "fault": "trim",                # see FAULTS below
     "skip": 0,                      # let this many matching requests through first
     "times": 1,                     # how many requests to alter; -1 means every one
     ...fault parameters...}

Faults:
    throughput    400 ProvisionedThroughputExceededException (nothing forwarded)
    throttling    400 ThrottlingException (nothing forwarded)
    internal      500 InternalServerError (nothing forwarded)
    unavailable   503 ServiceUnavailable (nothing forwarded)
    error         any error: "status" (default 400), "code" (AWS error name), "message"
    drop          close the connection without an answer (nothing forwarded)
    drop_after    forward, then close the connection without passing the answer on (the
                  request took effect but the client cannot know)
    delay         wait "delay_ms" (default 1000) before forwarding
    bad_crc       forward, but send a wrong x-amz-crc32 header with the answer
    trim          BatchWriteItem / BatchGetItem only: forward only the first "keep" write
                  requests / keys (default: half, rounded down) and return the rest as
                  UnprocessedItems / UnprocessedKeys

Rules are tried in the order they were added; the first rule that matches a request and has
not used up its "times" decides what happens to it. Rules scoped to a table let tests that run
at the same time share one proxy.

Run: faultproxy.py --upstream http://127.0.0.1:8000 [--port 0] [--port-file F] [--rules JSON]
With --port 0 the system picks a free port; --port-file receives it once the proxy listens.
"""

import argparse
import http.client
import json
import os
import signal
import socket
import sys
import threading
import time
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONTROL_PREFIX = "/__faults"
DYNAMODB_PREFIX = "com.amazonaws.dynamodb.v20120810#"

# fault name -> (HTTP status, AWS error type, message)
CANNED_ERRORS = {
    "throughput": (
        400,
        DYNAMODB_PREFIX + "ProvisionedThroughputExceededException",
        "The level of configured provisioned throughput for the table was exceeded. "
        "Consider increasing your provisioning level with the UpdateTable API.",
    ),
    "throttling": (
        400,
        "com.amazon.coral.availability#ThrottlingException",
        "Rate of requests exceeds the allowed throughput.",
    ),
    "internal": (500, DYNAMODB_PREFIX + "InternalServerError", "Internal server error"),
    "unavailable": (503, "com.amazon.coral.availability#ServiceUnavailable", "Service unavailable"),
}
FAULTS = set(CANNED_ERRORS) | {"error", "drop", "drop_after", "delay", "bad_crc", "trim"}
TRIMMABLE = {"BatchWriteItem", "BatchGetItem"}
HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
    "transfer-encoding", "upgrade", "content-length",
}
# Set by the proxy's own response writer; the upstream's copies are dropped.
OWN_RESPONSE_HEADERS = HOP_BY_HOP | {"server", "date", "x-amz-crc32"}


class RuleError(ValueError):
    pass


def validate_rule(raw):
    if not isinstance(raw, dict):
        raise RuleError("a rule must be a JSON object")
    known = {"operation", "table", "fault", "skip", "times", "status", "code", "message",
             "delay_ms", "keep"}
    unknown = set(raw) - known
    if unknown:
        raise RuleError("unknown rule fields: " + ", ".join(sorted(unknown)))
    fault = raw.get("fault")
    if fault not in FAULTS:
        raise RuleError("fault must be one of " + ", ".join(sorted(FAULTS)))
    rule = {
        "operation": raw.get("operation", "*"),
        "table": raw.get("table"),
        "fault": fault,
        "skip": int(raw.get("skip", 0)),
        "times": int(raw.get("times", 1)),
    }
    if not isinstance(rule["operation"], str) or (
            rule["table"] is not None and not isinstance(rule["table"], str)):
        raise RuleError("operation and table must be strings")
    if fault == "trim" and rule["operation"] not in TRIMMABLE:
        raise RuleError("trim needs operation BatchWriteItem or BatchGetItem")
    if fault == "error":
        rule["status"] = int(raw.get("status", 400))
        code = raw.get("code")
        if not isinstance(code, str) or not code:
            raise RuleError("an error rule needs a code")
        rule["code"] = code
        rule["message"] = str(raw.get("message", ""))
    if fault == "delay":
        rule["delay_ms"] = int(raw.get("delay_ms", 1000))
    if fault == "trim" and raw.get("keep") is not None:
        rule["keep"] = int(raw["keep"])
        if rule["keep"] < 0:
            raise RuleError("keep must not be negative")
    return rule


class Schedule:
    """The rules and counters, shared by all connection threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._rules = []  # guarded by _lock
        self._next_id = 1  # guarded by _lock
        self._by_operation = {}  # guarded by _lock
        self._injected = {}  # guarded by _lock

    def add(self, raw_rules):
        rules = [validate_rule(r) for r in raw_rules]
        ids = []
        with self._lock:
            for rule in rules:
                rule.update(id=self._next_id, matched=0, fired=0)
                self._next_id += 1
                self._rules.append(rule)
                ids.append(rule["id"])
        return ids

    def remove(self, rule_id=None):
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if rule_id is not None and r["id"] != rule_id]
            return before - len(self._rules)

    def reset(self):
        with self._lock:
            self._rules = []
            self._by_operation = {}
            self._injected = {}

    def rules(self):
        with self._lock:
            return [dict(r) for r in self._rules]

    def stats(self):
        with self._lock:
            return {"requests": sum(self._by_operation.values()),
                    "by_operation": dict(self._by_operation), "injected": dict(self._injected)}

    def decide(self, operation, tables):
        """Counts the request and returns the rule to apply to it, or None."""
        with self._lock:
            self._by_operation[operation] = self._by_operation.get(operation, 0) + 1
            for rule in self._rules:
                if rule["operation"] not in ("*", operation):
                    continue
                if rule["table"] is not None and rule["table"] not in tables:
                    continue
                if rule["times"] >= 0 and rule["fired"] >= rule["times"]:
                    continue
                rule["matched"] += 1
                if rule["matched"] <= rule["skip"]:
                    return None
                rule["fired"] += 1
                self._injected[rule["fault"]] = self._injected.get(rule["fault"], 0) + 1
                return dict(rule)
            return None


def tables_of(body):
    """Names of the tables a DynamoDB request touches (for table-scoped rules)."""
    tables = set()
    if not isinstance(body, dict):
        return tables
    if isinstance(body.get("TableName"), str):
        tables.add(body["TableName"])
    if isinstance(body.get("RequestItems"), dict):
        tables.update(body["RequestItems"].keys())
    for entry in body.get("TransactItems") or []:
        if isinstance(entry, dict):
            for op in entry.values():
                if isinstance(op, dict) and isinstance(op.get("TableName"), str):
                    tables.add(op["TableName"])
    return tables


def split_batch_write(request_items, keep):
    """Returns (forwarded RequestItems, unprocessed RequestItems) keeping `keep` writes."""
    forwarded, unprocessed = {}, {}
    for table, writes in request_items.items():
        for write in writes:
            if keep > 0:
                forwarded.setdefault(table, []).append(write)
                keep -= 1
            else:
                unprocessed.setdefault(table, []).append(write)
    return forwarded, unprocessed


def split_batch_get(request_items, keep):
    """Returns (forwarded RequestItems, unprocessed RequestItems) keeping `keep` keys."""
    forwarded, unprocessed = {}, {}
    for table, spec in request_items.items():
        for key in spec.get("Keys", []):
            side = forwarded if keep > 0 else unprocessed
            keep -= 1 if keep > 0 else 0
            entry = side.setdefault(table, {k: v for k, v in spec.items() if k != "Keys"})
            entry.setdefault("Keys", []).append(key)
    return forwarded, unprocessed


def count_batch(operation, request_items):
    if operation == "BatchWriteItem":
        return sum(len(w) for w in request_items.values())
    return sum(len(s.get("Keys", [])) for s in request_items.values())


class ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ddbcrypt-faultproxy"

    # One upstream connection per client connection (kept alive like the client's own).
    upstream_conn = None

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("faultproxy: " + (fmt % args) + "\n")

    # --- plumbing --------------------------------------------------------------------------
    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send_bytes(self, status, body, headers=(), crc=None):
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in OWN_RESPONSE_HEADERS:
                self.send_header(name, value)
        self.send_header("x-amz-crc32", str(zlib.crc32(body) if crc is None else crc))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def send_json(self, status, obj, headers=()):
        body = json.dumps(obj).encode()
        base = [("Content-Type", "application/x-amz-json-1.0"),
                ("x-amzn-RequestId", "faultproxy-%d" % time.monotonic_ns())]
        self.send_bytes(status, body, base + list(headers))

    def drop_connection(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def forward(self, body):
        """Sends the request upstream; returns (status, headers, body)."""
        up = self.server.upstream
        for attempt in (1, 2):
            if self.upstream_conn is None:
                self.upstream_conn = http.client.HTTPConnection(
                    up.hostname, up.port, timeout=self.server.upstream_timeout)
            conn = self.upstream_conn
            try:
                conn.putrequest(self.command, self.path, skip_host=True,
                                skip_accept_encoding=True)
                for name, value in self.headers.items():
                    if name.lower() not in HOP_BY_HOP:
                        conn.putheader(name, value)
                conn.putheader("Content-Length", str(len(body)))
                conn.endheaders(body)
                resp = conn.getresponse()
                data = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    self.upstream_conn = None
                return resp.status, resp.getheaders(), data
            except (http.client.HTTPException, OSError):
                conn.close()
                self.upstream_conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    # --- request handling ------------------------------------------------------------------
    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def do_DELETE(self):
        self.handle_any()

    def do_PUT(self):
        self.handle_any()

    def handle_any(self):
        body = self.read_body()
        if self.path.startswith(CONTROL_PREFIX):
            self.handle_control(body)
            return
        target = self.headers.get("X-Amz-Target", "")
        operation = target.rsplit(".", 1)[-1] if target else "-"
        try:
            request = json.loads(body) if body else {}
        except ValueError:
            request = None
        rule = self.server.schedule.decide(operation, tables_of(request))
        try:
            self.apply(rule, operation, request, body)
        except (http.client.HTTPException, OSError) as exc:
            self.log_message("upstream failed: %s", exc)
            self.send_json(502, {"__type": "faultproxy#UpstreamError", "message": str(exc)})

    def apply(self, rule, operation, request, body):
        fault = rule["fault"] if rule else None
        if fault in CANNED_ERRORS:
            status, code, message = CANNED_ERRORS[fault]
            self.send_json(status, {"__type": code, "message": message})
        elif fault == "error":
            self.send_json(rule["status"], {"__type": rule["code"], "message": rule["message"]})
        elif fault == "drop":
            self.drop_connection()
        elif fault == "drop_after":
            self.forward(body)
            self.drop_connection()
        elif fault == "trim" and isinstance(request, dict) and isinstance(
                request.get("RequestItems"), dict):
            self.trim(rule, operation, request)
        else:
            if fault == "delay":
                time.sleep(rule["delay_ms"] / 1000.0)
            status, headers, data = self.forward(body)
            crc = None
            if fault == "bad_crc":
                crc = (zlib.crc32(data) + 1) & 0xFFFFFFFF
            self.send_bytes(status, data, headers, crc=crc)

    def trim(self, rule, operation, request):
        items = request["RequestItems"]
        total = count_batch(operation, items)
        keep = rule.get("keep", total // 2)
        split = split_batch_write if operation == "BatchWriteItem" else split_batch_get
        forwarded, unprocessed = split(items, keep)
        unprocessed_field = "UnprocessedItems" if operation == "BatchWriteItem" else "UnprocessedKeys"
        if not forwarded:
            result = {unprocessed_field: unprocessed}
            if operation == "BatchGetItem":
                result["Responses"] = {table: [] for table in items}
            self.send_json(200, result)
            return
        upstream_request = dict(request, RequestItems=forwarded)
        status, headers, data = self.forward(json.dumps(upstream_request).encode())
        if status != 200:
            self.send_bytes(status, data, headers)
            return
        result = json.loads(data)
        merged = result.get(unprocessed_field) or {}
        for table, rest in unprocessed.items():
            if operation == "BatchWriteItem":
                merged.setdefault(table, []).extend(rest)
            else:
                merged.setdefault(table, dict(rest, Keys=[])).setdefault("Keys", []).extend(
                    rest["Keys"])
        result[unprocessed_field] = merged
        self.send_bytes(200, json.dumps(result).encode(), headers)

    def handle_control(self, body):
        schedule = self.server.schedule
        path = self.path[len(CONTROL_PREFIX):].rstrip("/")
        try:
            if path == "/rules" and self.command == "GET":
                self.send_json(200, {"rules": schedule.rules()})
            elif path == "/rules" and self.command == "POST":
                raw = json.loads(body or b"null")
                self.send_json(200, {"ids": schedule.add(raw if isinstance(raw, list) else [raw])})
            elif path == "/rules" and self.command == "DELETE":
                self.send_json(200, {"removed": schedule.remove()})
            elif path.startswith("/rules/") and self.command == "DELETE":
                self.send_json(200, {"removed": schedule.remove(int(path[len("/rules/"):]))})
            elif path == "/stats" and self.command == "GET":
                self.send_json(200, schedule.stats())
            elif path == "/reset" and self.command == "POST":
                schedule.reset()
                self.send_json(200, {})
            else:
                self.send_json(404, {"message": "unknown control request %s %s" % (
                    self.command, self.path)})
        except (RuleError, ValueError) as exc:
            self.send_json(400, {"message": str(exc)})


class FaultProxy(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address, upstream, upstream_timeout=60.0, verbose=False):
        super().__init__(address, ProxyHandler)
        self.upstream = urllib.parse.urlsplit(upstream)
        if self.upstream.scheme != "http" or not self.upstream.hostname:
            raise ValueError("upstream must be an http:// URL")
        self.upstream_timeout = upstream_timeout
        self.verbose = verbose
        self.schedule = Schedule()

    @property
    def endpoint(self):
        host, port = self.server_address[:2]
        return "http://%s:%d" % (host, port)


def parse_rules_arg(text):
    if text.startswith("@"):
        with open(text[1:], encoding="utf-8") as f:
            text = f.read()
    raw = json.loads(text)
    return raw if isinstance(raw, list) else [raw]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", required=True, help="http://host:port to forward to")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--port-file", help="write the listening port here once ready")
    parser.add_argument("--rules", help="initial rules: JSON text, or @FILE")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)

    proxy = FaultProxy((args.host, args.port), args.upstream, verbose=args.verbose)
    if args.rules:
        proxy.schedule.add(parse_rules_arg(args.rules))
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=proxy.shutdown).start())
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(str(proxy.server_address[1]))
        os.replace(tmp, args.port_file)
    sys.stderr.write("faultproxy: %s -> %s\n" % (proxy.endpoint, args.upstream))
    sys.stderr.flush()
    try:
        proxy.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        proxy.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
