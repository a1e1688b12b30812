#!/usr/bin/env python3
"""Small helpers for the demo's DynamoDB-JSON lines (one item per line).

    itemtool.py show FILE [--line N] [--clip N]   print item N (1-based), one attribute a
                                                  line, clipping long strings (ciphertext)
    itemtool.py same A B [--any-order]            exit 0 if both files hold the same items:
                                                  sets compared unordered, numbers by value;
                                                  --any-order: items in any order (a Scan)
"""

import argparse
import json
import sys
from decimal import Decimal


def read_items(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def canonical(value):
    """A comparable form of one DynamoDB-JSON attribute value."""
    (tag, inner), = value.items()
    if tag == "N":
        return ("N", Decimal(inner).normalize())
    if tag == "NS":
        return ("NS", frozenset(Decimal(n).normalize() for n in inner))
    if tag in ("SS", "BS"):
        return (tag, frozenset(inner))
    if tag == "M":
        return ("M", tuple(sorted((k, canonical(v)) for k, v in inner.items())))
    if tag == "L":
        return ("L", tuple(canonical(v) for v in inner))
    return (tag, inner)


def canonical_item(item):
    return tuple(sorted((k, canonical(v)) for k, v in item.items()))


def clip(obj, limit):
    if isinstance(obj, str) and len(obj) > limit:
        return obj[:limit] + "...(%d chars)" % len(obj)
    if isinstance(obj, dict):
        return {k: clip(v, limit) for k, v in obj.items()}
    if isinstance(obj, list):
        return [clip(v, limit) for v in obj]
    return obj


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    show = sub.add_parser("show")
    show.add_argument("file")
    show.add_argument("--line", type=int, default=1)
    show.add_argument("--clip", type=int, default=60)
    same = sub.add_parser("same")
    same.add_argument("a")
    same.add_argument("b")
    same.add_argument("--any-order", action="store_true")
    args = parser.parse_args(argv)

    if args.action == "show":
        item = read_items(args.file)[args.line - 1]
        width = max(len(name) for name in item)
        for name in sorted(item):
            value = json.dumps(clip(item[name], args.clip), ensure_ascii=False)
            print("  %-*s  %s" % (width, name, value))
        return 0
    a, b = read_items(args.a), read_items(args.b)
    if len(a) != len(b):
        print("different item counts: %d and %d" % (len(a), len(b)))
        return 1
    if args.any_order:
        a = sorted(a, key=lambda item: repr(canonical_item(item)))
        b = sorted(b, key=lambda item: repr(canonical_item(item)))
    for i, (x, y) in enumerate(zip(a, b), 1):
        if canonical_item(x) != canonical_item(y):
            print("item %d differs" % i)
            return 1
    print("all %d items identical" % len(a))
    return 0


if __name__ == "__main__":
    sys.exit(main())
