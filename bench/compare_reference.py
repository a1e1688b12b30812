#!/usr/bin/env python3
"""ddbcrypt's item encryptor against the reference Python library, same workload, same run.

    .venv/bin/python bench/compare_reference.py [--bench build/bench/encryptor_bench]
                                                [--min-time 0.5] [--json OUT]

For the "typical" 10-attribute item of bench/encryptor_bench.cc (keys, scalars, a set, a map, a
list; one attribute signed only, one left alone) and the three offline providers (static
AES+HMAC, wrapped AES, wrapped RSA-2048 with RSA signatures), it times
dynamodb_encryption_sdk's encrypt_dynamodb_item / decrypt_dynamodb_item, then runs the Google
Benchmark program on the same cases, and prints per-item times and the ratio
reference / ddbcrypt. Machines here are shared and noisy: read the ratios, not the absolute
times. Both sides run in one process each, single-threaded, with keys created up front.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from dynamodb_encryption_sdk.delegated_keys.jce import JceNameLocalDelegatedKey
from dynamodb_encryption_sdk.encrypted import CryptoConfig
from dynamodb_encryption_sdk.encrypted.item import decrypt_dynamodb_item, encrypt_dynamodb_item
from dynamodb_encryption_sdk.identifiers import CryptoAction, EncryptionKeyType, KeyEncodingType
from dynamodb_encryption_sdk.material_providers.static import StaticCryptographicMaterialsProvider
from dynamodb_encryption_sdk.material_providers.wrapped import WrappedCryptographicMaterialsProvider
from dynamodb_encryption_sdk.materials.raw import RawDecryptionMaterials, RawEncryptionMaterials
from dynamodb_encryption_sdk.structures import AttributeActions, EncryptionContext
from dynamodb_encryption_sdk.transform import ddb_to_dict, dict_to_ddb

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("static", "wrapped-aes", "wrapped-rsa")  # encryptor_bench's DenseRange(0, 2)


def typical_item():
    """The same item as typical_item() in bench/encryptor_bench.cc."""
    return dict_to_ddb({
        "pk": "customer#000123",
        "sk": "order#2024-06-11T10:15:00Z",
        "email": "someone@example.com",
        "name": "Ada Lovelace",
        "total": Decimal("1234.50"),
        "items": Decimal("3"),
        "paid": True,
        "tags": {"gift", "express", "fragile"},
        "address": {"street": "1 Main St", "city": "London", "zip": "N1 9GU"},
        "lines": ["sku-1", "sku-2", Decimal("19.99")],
    })


def symmetric(algorithm, size=32):
    return JceNameLocalDelegatedKey(key=os.urandom(size), algorithm=algorithm,
                                    key_type=EncryptionKeyType.SYMMETRIC,
                                    key_encoding=KeyEncodingType.RAW)


def rsa_pair(algorithm):
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_der = private.private_bytes(serialization.Encoding.DER,
                                        serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
    public_der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)

    def key(material, key_type):
        return JceNameLocalDelegatedKey(key=material, algorithm=algorithm, key_type=key_type,
                                        key_encoding=KeyEncodingType.DER)
    return key(public_der, EncryptionKeyType.PUBLIC), key(private_der, EncryptionKeyType.PRIVATE)


def provider(kind):
    if kind == "static":
        aes, mac = symmetric("AES"), symmetric("HmacSHA256")
        return StaticCryptographicMaterialsProvider(
            encryption_materials=RawEncryptionMaterials(signing_key=mac, encryption_key=aes),
            decryption_materials=RawDecryptionMaterials(verification_key=mac, decryption_key=aes))
    if kind == "wrapped-aes":
        aes, mac = symmetric("AES"), symmetric("HmacSHA256")
        return WrappedCryptographicMaterialsProvider(signing_key=mac, wrapping_key=aes,
                                                     unwrapping_key=aes)
    wrap_public, wrap_private = rsa_pair("RSA")
    _, sign_private = rsa_pair("SHA256withRSA")
    return WrappedCryptographicMaterialsProvider(signing_key=sign_private,
                                                 wrapping_key=wrap_public,
                                                 unwrapping_key=wrap_private)


def config(kind):
    return CryptoConfig(
        materials_provider=provider(kind),
        encryption_context=EncryptionContext(table_name="Orders", partition_key_name="pk",
                                             sort_key_name="sk"),
        attribute_actions=AttributeActions(
            default_action=CryptoAction.ENCRYPT_AND_SIGN,
            attribute_actions={"pk": CryptoAction.SIGN_ONLY, "sk": CryptoAction.SIGN_ONLY,
                               "total": CryptoAction.SIGN_ONLY, "paid": CryptoAction.DO_NOTHING}))


def per_item_seconds(fn, min_time):
    """Runs fn repeatedly for at least min_time seconds; returns seconds per call."""
    fn()  # warm-up
    n, start = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time and n >= 10:
            return elapsed / n


def reference_times(min_time):
    out = {}
    item = typical_item()
    for kind in KINDS:
        cfg = config(kind)
        stored = encrypt_dynamodb_item(item, cfg)
        # decrypt_dynamodb_item pops the reserved attributes from its argument, so each call
        # gets a (shallow, cheap) copy.
        assert ddb_to_dict(decrypt_dynamodb_item(dict(stored), cfg)) == ddb_to_dict(item)
        out[("encrypt", kind)] = per_item_seconds(lambda: encrypt_dynamodb_item(item, cfg), min_time)
        out[("decrypt", kind)] = per_item_seconds(
            lambda: decrypt_dynamodb_item(dict(stored), cfg), min_time)
    return out


def ddbcrypt_times(bench, min_time):
    result = subprocess.run(
        [bench, "--benchmark_filter=typical", "--benchmark_format=json",
         "--benchmark_min_time=%s" % min_time],
        check=True, capture_output=True, text=True)
    out = {}
    for row in json.loads(result.stdout)["benchmarks"]:
        # "BM_Encrypt/typical/2": operation, workload, provider index
        name, workload, index = row["name"].split("/")[:3]
        if workload != "typical":
            continue
        op = "encrypt" if name == "BM_Encrypt" else "decrypt"
        scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[row["time_unit"]]
        out[(op, KINDS[int(index)])] = row["real_time"] * scale
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", default=str(ROOT / "build" / "bench" / "encryptor_bench"))
    parser.add_argument("--min-time", type=float, default=0.5)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    if not os.access(args.bench, os.X_OK):
        sys.exit("compare_reference: %s is missing; build it with "
                 "`cmake --build build --target encryptor_bench`" % args.bench)

    ours = ddbcrypt_times(args.bench, args.min_time)
    theirs = reference_times(args.min_time)
    rows = []
    print("%-8s %-12s %14s %14s %8s" % ("op", "provider", "reference us", "ddbcrypt us", "ratio"))
    for op in ("encrypt", "decrypt"):
        for kind in KINDS:
            ref, cpp = theirs[(op, kind)], ours[(op, kind)]
            rows.append({"op": op, "provider": kind, "reference_s": ref, "ddbcrypt_s": cpp,
                         "ratio": ref / cpp})
            print("%-8s %-12s %14.1f %14.1f %7.1fx" % (op, kind, ref * 1e6, cpp * 1e6, ref / cpp))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(rows, f, indent=2)


if __name__ == "__main__":
    main()
