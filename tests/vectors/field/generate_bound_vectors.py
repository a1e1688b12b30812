#!/usr/bin/env python3
"""Generates tests/vectors/field/bound_format.json: vectors of ddbcrypt's bound field format.

This is an implementation of docs/bound-field-format.md written apart from the C++ one (with
Python's `cryptography` package), so that the C++ test that checks these vectors compares two
readings of the document, not the C++ code with itself. Every random input (data key, salt,
nonce) is fixed here; the encrypted data key is an opaque placeholder that a test double for
KMS maps to the data key.

Usage: python3 tests/vectors/field/generate_bound_vectors.py > tests/vectors/field/bound_format.json
"""

import base64
import decimal
import json
import struct
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = 0x02
SUITE = 0x01
HKDF_INFO = b"ddbcrypt bound field" + bytes([VERSION, SUITE])

TAGS = {"S": 0x01, "N": 0x02, "B": 0x03, "SS": 0x04, "NS": 0x05, "BS": 0x06, "M": 0x07,
        "L": 0x08, "BOOL": 0x09, "NULL": 0x0A}


def u32(n):
    return struct.pack(">I", n)


def blob(b):
    return u32(len(b)) + b


def encode_value(value):
    """§4: the tagged canonical encoding of one DynamoDB-JSON value."""
    (tag, body), = value.items()
    out = bytes([TAGS[tag]])
    if tag in ("S", "N"):
        return out + blob(body.encode("utf-8"))
    if tag == "B":
        return out + blob(base64.b64decode(body))
    if tag in ("SS", "NS"):
        members = sorted(m.encode("utf-8") for m in body)
        return out + u32(len(members)) + b"".join(blob(m) for m in members)
    if tag == "BS":
        members = sorted(base64.b64decode(m) for m in body)
        return out + u32(len(members)) + b"".join(blob(m) for m in members)
    if tag == "M":
        names = sorted(body, key=lambda n: n.encode("utf-8"))
        return out + u32(len(names)) + b"".join(
            blob(n.encode("utf-8")) + encode_value(body[n]) for n in names)
    if tag == "L":
        return out + u32(len(body)) + b"".join(encode_value(v) for v in body)
    if tag == "BOOL":
        return out + bytes([1 if body else 0])
    if tag == "NULL":
        return out
    raise ValueError(tag)


def canonical_number(text):
    """§5: "0", or [-]digits E exponent with no leading or trailing zeros in digits."""
    sign, digits, exponent = decimal.Decimal(text).as_tuple()
    digits = "".join(map(str, digits)).lstrip("0")
    if not digits:
        return "0"
    stripped = digits.rstrip("0")
    exponent += len(digits) - len(stripped)
    return ("-" if sign else "") + stripped + "E" + str(exponent)


def encode_binding(table, attribute, key):
    """§5: table, attribute name, then the key attributes in byte order of their names."""
    out = blob(table.encode("utf-8")) + blob(attribute.encode("utf-8")) + bytes([len(key)])
    for name in sorted(key, key=lambda n: n.encode("utf-8")):
        (tag, body), = key[name].items()
        if tag == "S":
            raw = body.encode("utf-8")
        elif tag == "N":
            raw = canonical_number(body).encode("ascii")
        elif tag == "B":
            raw = base64.b64decode(body)
        else:
            raise ValueError(tag)
        out += blob(name.encode("utf-8")) + bytes([TAGS[tag]]) + blob(raw)
    return out


def seal(data_key, encrypted_key, salt, nonce, binding, plaintext):
    """§3: the envelope."""
    okm = HKDF(algorithm=hashes.SHA256(), length=64, salt=salt, info=HKDF_INFO).derive(data_key)
    value_key, commitment = okm[:32], okm[32:]
    header = (bytes([VERSION, SUITE]) + struct.pack(">H", len(encrypted_key)) + encrypted_key
              + salt + commitment + nonce)
    sealed = AESGCM(value_key).encrypt(nonce, plaintext, header + binding)
    return header + sealed, value_key, commitment


def vector(name, description, table, attribute, key, value, encrypted_key, salt, nonce,
           context=None, data_key=bytes(range(32))):
    plaintext = encode_value(value)
    binding = encode_binding(table, attribute, key)
    envelope, value_key, commitment = seal(data_key, encrypted_key, salt, nonce, binding,
                                           plaintext)
    return {
        "name": name,
        "description": description,
        "data_key": data_key.hex(),
        "encrypted_key": encrypted_key.hex(),
        "encryption_context": context or {},
        "salt": salt.hex(),
        "nonce": nonce.hex(),
        "table": table,
        "attribute": attribute,
        "key": key,
        "value": value,
        "encoded_value": plaintext.hex(),
        "binding": binding.hex(),
        "value_key": value_key.hex(),
        "commitment": commitment.hex(),
        "envelope": envelope.hex(),
        "stored": "ENC:" + base64.b64encode(envelope).decode("ascii"),
    }


def main():
    placeholder = b"EDK-PLACEHOLDER!"
    long_edk = bytes((7 * i + 1) % 256 for i in range(184))  # the size of a real KMS blob
    salt_a = bytes(range(0x20, 0x40))
    salt_b = bytes(range(0xA0, 0xC0))
    nonce_a = bytes(range(12))
    nonce_b = bytes.fromhex("cafebabefacedbaddecaf888")
    vectors = [
        vector("string", "S value, partition key only", "users", "ssn",
               {"pk": {"S": "user#1"}}, {"S": "123-45-6789"}, placeholder, salt_a, nonce_a),
        vector("empty_string", "empty S value: the ciphertext is the 5-byte encoding",
               "users", "note", {"pk": {"S": "user#1"}}, {"S": ""}, placeholder, salt_a,
               nonce_a),
        vector("number_with_numeric_sort_key",
               "N value kept as spelled; the sort key 0010.0 binds as 1E1",
               "orders", "total", {"pk": {"S": "tenant#7"}, "sk": {"N": "0010.0"}},
               {"N": "42.50"}, placeholder, salt_b, nonce_b,
               context={"purpose": "test", "app": "orders"}),
        vector("binary_key_and_value", "B value under a B partition key", "blobs", "payload",
               {"id": {"B": "AAEC/w=="}}, {"B": base64.b64encode(bytes(range(40))).decode()},
               long_edk, salt_a, nonce_b),
        vector("nested_document",
               "M holding every other type; set members and map names are encoded in byte "
               "order", "users", "profile",
               {"pk": {"S": "user#2"}, "sk": {"S": "profile"}},
               {"M": {
                   "name": {"S": "Zoë"},
                   "tags": {"SS": ["b", "a", "\u00e9"]},
                   "scores": {"NS": ["10", "2", "-3.5"]},
                   "keys": {"BS": ["AQ==", "AA=="]},
                   "active": {"BOOL": True},
                   "deleted": {"BOOL": False},
                   "manager": {"NULL": True},
                   "history": {"L": [{"N": "1"}, {"S": "two"}, {"L": []}, {"M": {}}]},
               }},
               long_edk, salt_b, nonce_a, context={"app": "hr"}),
    ]
    base = vectors[0]
    negatives = [
        {"name": "moved_to_other_attribute", "of": "string", "table": "users",
         "attribute": "ssn_copy", "key": base["key"]},
        {"name": "moved_to_other_item", "of": "string", "table": "users", "attribute": "ssn",
         "key": {"pk": {"S": "user#2"}}},
        {"name": "moved_to_other_table", "of": "string", "table": "users_backup",
         "attribute": "ssn", "key": base["key"]},
        {"name": "sort_key_added", "of": "string", "table": "users", "attribute": "ssn",
         "key": {"pk": {"S": "user#1"}, "sk": {"S": ""}}},
        {"name": "key_type_changed", "of": "number_with_numeric_sort_key", "table": "orders",
         "attribute": "total", "key": {"pk": {"S": "tenant#7"}, "sk": {"S": "1E1"}}},
    ]
    json.dump({
        "format": "ddbcrypt bound field format, version 0x02, suite 0x01",
        "document": "docs/bound-field-format.md",
        "generator": "tests/vectors/field/generate_bound_vectors.py",
        "hkdf_info": HKDF_INFO.hex(),
        "vectors": vectors,
        "wrong_binding": negatives,
    }, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
