"""Live interop between the ddbcrypt CLI and the reference Python DynamoDB Encryption Client.

For the static (AES + HmacSHA256), wrapped AES (AESWrap + HmacSHA256) and wrapped RSA
(RSA-OAEP-SHA256 + SHA256withRSA) providers, with keys made fresh for each run and several
attribute-action sets, items of every DynamoDB type are
  - encrypted by `ddbcrypt encrypt` and decrypted by dynamodb_encryption_sdk, and
  - encrypted by dynamodb_encryption_sdk and decrypted by `ddbcrypt decrypt`,
and must come back exactly as they went in (sets compared unordered, numbers by value).

The CLI is found through DDBCRYPT_CLI (scripts/test.sh sets it). Random items are seeded from
DDBCRYPT_INTEROP_SEED when set, otherwise from a fresh seed that failure messages report.
Needs no stand-ins.
"""

import base64
import json
import os
import random
import subprocess
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from dynamodb_encryption_sdk.delegated_keys.jce import JceNameLocalDelegatedKey
from dynamodb_encryption_sdk.encrypted import CryptoConfig
from dynamodb_encryption_sdk.encrypted.item import decrypt_dynamodb_item, encrypt_dynamodb_item
from dynamodb_encryption_sdk.exceptions import DecryptionError, SignatureVerificationError
from dynamodb_encryption_sdk.identifiers import CryptoAction, EncryptionKeyType, KeyEncodingType
from dynamodb_encryption_sdk.material_providers.static import StaticCryptographicMaterialsProvider
from dynamodb_encryption_sdk.material_providers.wrapped import WrappedCryptographicMaterialsProvider
from dynamodb_encryption_sdk.materials.raw import RawDecryptionMaterials, RawEncryptionMaterials
from dynamodb_encryption_sdk.structures import AttributeActions, EncryptionContext

SEED = int(os.environ.get("DDBCRYPT_INTEROP_SEED") or random.SystemRandom().randrange(2**32))
RANDOM_ITEMS = 25
SIGNATURE = "*amzn-ddb-map-sig*"
DESCRIPTION = "*amzn-ddb-map-desc*"


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("DDBCRYPT_CLI")
    if not path:
        pytest.fail("DDBCRYPT_CLI is unset: point it at the built ddbcrypt binary "
                    "(scripts/test.sh sets it to build/ddbcrypt)")
    if not os.access(path, os.X_OK):
        pytest.fail("DDBCRYPT_CLI=%s is not an executable file" % path)
    return path


# --- keys -------------------------------------------------------------------------------------

def b64(data):
    return base64.b64encode(data).decode()


class Key:
    """One key, usable both as a materials-file entry (keys.json shape) and by the reference."""

    def __init__(self, material, algorithm, key_type, encoding):
        self.material, self.algorithm, self.key_type, self.encoding = (
            material, algorithm, key_type, encoding)

    def to_json(self):
        return {"material": b64(self.material), "algorithm": self.algorithm,
                "encoding": self.encoding, "type": self.key_type}

    def delegated(self):
        return JceNameLocalDelegatedKey(
            key=self.material, algorithm=self.algorithm,
            key_type={"symmetric": EncryptionKeyType.SYMMETRIC,
                      "public": EncryptionKeyType.PUBLIC,
                      "private": EncryptionKeyType.PRIVATE}[self.key_type],
            key_encoding={"RAW": KeyEncodingType.RAW, "DER": KeyEncodingType.DER}[self.encoding])


def symmetric(algorithm, size):
    return Key(os.urandom(size), algorithm, "symmetric", "RAW")


def rsa_pair(algorithm, bits=2048):
    private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private_der = private.private_bytes(serialization.Encoding.DER,
                                        serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
    public_der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return Key(public_der, algorithm, "public", "DER"), Key(private_der, algorithm, "private", "DER")


class Materials:
    """Fresh keys for one provider, as a CLI materials file and as reference providers."""

    def __init__(self, kind):
        self.kind = kind
        if kind == "static":
            aes, hmac = symmetric("AES", 32), symmetric("HmacSHA256", 32)
            self.keys = {"encrypt": aes, "decrypt": aes, "sign": hmac, "verify": hmac}
            self.provider = "static"
        elif kind == "wrapped-aes":
            aes, hmac = symmetric("AES", 32), symmetric("HmacSHA256", 32)
            self.keys = {"encrypt": aes, "decrypt": aes, "sign": hmac, "verify": hmac}
            self.provider = "wrapped"
        elif kind == "wrapped-rsa":
            wrap_public, wrap_private = rsa_pair("RSA")
            sign_public, sign_private = rsa_pair("SHA256withRSA")
            self.keys = {"encrypt": wrap_public, "decrypt": wrap_private,
                         "sign": sign_private, "verify": sign_public}
            self.provider = "wrapped"
        else:
            raise ValueError(kind)

    def write(self, path):
        doc = {"provider": self.provider,
               "keys": {role: key.to_json() for role, key in self.keys.items()}}
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        os.chmod(path, 0o600)
        return str(path)

    def encrypting_provider(self):
        k = self.keys
        if self.provider == "static":
            return StaticCryptographicMaterialsProvider(encryption_materials=RawEncryptionMaterials(
                signing_key=k["sign"].delegated(), encryption_key=k["encrypt"].delegated()))
        return WrappedCryptographicMaterialsProvider(signing_key=k["sign"].delegated(),
                                                     wrapping_key=k["encrypt"].delegated())

    def decrypting_provider(self):
        k = self.keys
        if self.provider == "static":
            return StaticCryptographicMaterialsProvider(decryption_materials=RawDecryptionMaterials(
                verification_key=k["verify"].delegated(), decryption_key=k["decrypt"].delegated()))
        return WrappedCryptographicMaterialsProvider(signing_key=k["verify"].delegated(),
                                                     unwrapping_key=k["decrypt"].delegated())


KINDS = ("static", "wrapped-aes", "wrapped-rsa")


@pytest.fixture(scope="session", params=KINDS)
def materials(request, tmp_path_factory):
    m = Materials(request.param)
    m.path = m.write(tmp_path_factory.mktemp("keys") / (request.param + ".json"))
    return m


# --- tables and attribute actions ---------------------------------------------------------------

class Schema:
    def __init__(self, table, partition, sort=None):
        self.table, self.partition, self.sort = table, partition, sort

    def cli_args(self):
        args = ["--table", self.table, "--partition-key", self.partition]
        return args + (["--sort-key", self.sort] if self.sort else [])

    def context(self, item):
        return EncryptionContext(table_name=self.table, partition_key_name=self.partition,
                                 sort_key_name=self.sort, attributes=item)


SCHEMAS = {
    "hash-range": Schema("InteropOrders", "pk", "sk"),
    "hash-only": Schema("Ünïcode-Table.v2", "id"),
}

ACTION_NAMES = {"encrypt": CryptoAction.ENCRYPT_AND_SIGN, "sign": CryptoAction.SIGN_ONLY,
                "nothing": CryptoAction.DO_NOTHING}


class Actions:
    def __init__(self, default, overrides):
        self.default, self.overrides = default, overrides

    def cli_args(self):
        args = ["--default-action", self.default]
        for name, action in sorted(self.overrides.items()):
            args += ["--action", "%s=%s" % (name, action)]
        return args

    def reference(self):
        return AttributeActions(
            default_action=ACTION_NAMES[self.default],
            attribute_actions={n: ACTION_NAMES[a] for n, a in self.overrides.items()})

    def of(self, name):
        return self.overrides.get(name, self.default)


def actions_for(kind, schema):
    keys = {schema.partition: "sign"}
    if schema.sort:
        keys[schema.sort] = "sign"
    if kind == "mixed":
        # Mostly encrypted; some attributes signed in clear, some left alone; unicode names.
        return Actions("encrypt", dict(keys, version="sign", status="sign", **{
            "名前": "sign", "updated_at": "nothing", "notes🔒": "nothing"}))
    if kind == "sign-default":
        return Actions("sign", dict(keys, secret="encrypt", blob="encrypt", nested="encrypt",
                                    updated_at="nothing"))
    if kind == "encrypt-all":
        return Actions("encrypt", keys)
    raise ValueError(kind)


ACTION_SETS = ("mixed", "sign-default", "encrypt-all")


# --- items ------------------------------------------------------------------------------------

def fixed_items(schema):
    """Hand-picked items covering every type and the awkward values."""
    def key(i):
        k = {schema.partition: {"S": "item-%d" % i}}
        if schema.sort:
            k[schema.sort] = {"N": str(i)}
        return k

    return [
        dict(key(1), secret={"S": "hunter2"}, status={"S": "active"}, version={"N": "1"}),
        dict(key(2), **{
            "名前": {"S": "山田 太郎"}, "notes🔒": {"S": "emoji 🔒 and é and 中"},
            "secret": {"S": ""}, "blob": {"B": b64(b"\x00\x01\x02\xff\x00")},
            "empty_blob": {"B": ""}, "flag": {"BOOL": True}, "off": {"BOOL": False},
            "nothing_here": {"NULL": True}}),
        dict(key(3), **{
            "big": {"N": "9999999999999999999999999999"},
            "huge": {"N": "9.999999999999999999999999999E+125"},
            "tiny": {"N": "1E-130"}, "negative": {"N": "-123456789012345678901234.5678"},
            "trailing": {"N": "1.500"}, "exp": {"N": "2.5e+10"}, "zero": {"N": "0"},
            "numbers": {"NS": ["1", "-1", "0.001", "1E+100", "42.4200"]}}),
        dict(key(4), **{
            "strings": {"SS": ["b", "a", "é", "🔒", "中文", ""]},
            "blobs": {"BS": [b64(b"\x80"), b64(b"\x00"), b64(b"\x7f\xff"), b64(b"")]},
            "version": {"N": "7"}}),
        dict(key(5), **{
            "nested": {"M": {
                "list": {"L": [{"S": "x"}, {"N": "1"}, {"B": b64(b"\x01")}, {"NULL": True},
                               {"L": []}, {"M": {}},
                               {"M": {"deep": {"L": [{"SS": ["z", "y"]}, {"BOOL": True}]}}}]},
                "map": {"M": {"ключ": {"S": "значение"}, "n": {"NS": ["3", "1", "2"]},
                              "b": {"BS": [b64(b"a"), b64(b"b")]}}},
                "empty_s": {"S": ""}}},
            "updated_at": {"S": "2026-11-23T00:00:00Z"},
            "status": {"S": "shipped"}}),
    ]


def random_number(rng):
    digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 28))).lstrip("0") or "0"
    if digits == "0":
        return "0"
    sign = rng.choice(["", "-"])
    form = rng.randrange(3)
    if form == 0:
        return sign + digits
    if form == 1 and len(digits) > 1:
        cut = rng.randint(1, len(digits) - 1)
        return sign + digits[:cut] + "." + digits[cut:]
    exponent = rng.randint(-100, 100)
    return "%s%s.%sE%+d" % (sign, digits[0], digits[1:] or "0", exponent)


TEXT_PIECES = ["a", "Z", "0", " ", "-", "_", "é", "€", "🔒", "中", '"', "\\", "\n", "\t", "\u0001"]


def random_text(rng, max_len=12, min_len=0):
    return "".join(rng.choice(TEXT_PIECES) for _ in range(rng.randint(min_len, max_len)))


def random_value(rng, depth=0):
    kinds = ["S", "N", "B", "SS", "NS", "BS", "BOOL", "NULL"] + (["M", "L"] if depth < 3 else [])
    kind = rng.choice(kinds)
    if kind == "S":
        return {"S": random_text(rng)}
    if kind == "N":
        return {"N": random_number(rng)}
    if kind == "B":
        return {"B": b64(bytes(rng.randrange(256) for _ in range(rng.randint(0, 40))))}
    if kind == "SS":
        return {"SS": sorted({random_text(rng) for _ in range(rng.randint(1, 5))})}
    if kind == "NS":
        by_value = {}
        for _ in range(rng.randint(1, 5)):
            n = random_number(rng)
            by_value.setdefault(Decimal(n), n)  # a set holds each value once
        return {"NS": list(by_value.values())}
    if kind == "BS":
        return {"BS": sorted({b64(bytes(rng.randrange(256) for _ in range(rng.randint(0, 8))))
                              for _ in range(rng.randint(1, 5))})}
    if kind == "BOOL":
        return {"BOOL": rng.random() < 0.5}
    if kind == "NULL":
        return {"NULL": True}
    if kind == "M":
        return {"M": {random_text(rng, 6, min_len=1): random_value(rng, depth + 1)
                      for _ in range(rng.randint(0, 4))}}
    return {"L": [random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]}


def random_items(schema, rng, count):
    names = ["secret", "blob", "nested", "status", "version", "名前", "notes🔒", "updated_at"]
    items = []
    for i in range(count):
        item = {schema.partition: {"S": "rnd-%d-%s" % (i, random_text(rng, 4))}}
        if schema.sort:
            item[schema.sort] = {"N": random_number(rng)}
        for _ in range(rng.randint(1, 10)):
            name = rng.choice(names) if rng.random() < 0.4 else "a_" + random_text(rng, 8)
            if name not in (schema.partition, schema.sort):
                item[name] = random_value(rng)
        items.append(item)
    return items


def all_items(schema):
    return fixed_items(schema) + random_items(schema, random.Random(SEED), RANDOM_ITEMS)


# --- DynamoDB JSON conversions and comparison ---------------------------------------------------

def to_reference(value):
    """CLI DynamoDB JSON (binary as base64) -> botocore form (binary as bytes)."""
    (tag, inner), = value.items()
    if tag == "B":
        return {"B": base64.b64decode(inner)}
    if tag == "BS":
        return {"BS": [base64.b64decode(b) for b in inner]}
    if tag == "M":
        return {"M": {k: to_reference(v) for k, v in inner.items()}}
    if tag == "L":
        return {"L": [to_reference(v) for v in inner]}
    return {tag: inner}


def from_reference(value):
    (tag, inner), = value.items()
    if tag == "B":
        return {"B": b64(bytes(inner))}
    if tag == "BS":
        return {"BS": [b64(bytes(b)) for b in inner]}
    if tag == "M":
        return {"M": {k: from_reference(v) for k, v in inner.items()}}
    if tag == "L":
        return {"L": [from_reference(v) for v in inner]}
    return {tag: inner}


def canonical(value):
    (tag, inner), = value.items()
    if tag == "N":
        return ("N", Decimal(inner))
    if tag == "NS":
        return ("NS", frozenset(Decimal(n) for n in inner))
    if tag in ("SS", "BS"):
        return (tag, frozenset(inner))
    if tag == "M":
        return ("M", frozenset((k, canonical(v)) for k, v in inner.items()))
    if tag == "L":
        return ("L", tuple(canonical(v) for v in inner))
    return (tag, inner)


def canonical_item(item):
    return {name: canonical(value) for name, value in item.items()}


def assert_same_items(got, want, what):
    assert len(got) == len(want), "%s: %d items back for %d sent" % (what, len(got), len(want))
    for i, (g, w) in enumerate(zip(got, want)):
        assert canonical_item(g) == canonical_item(w), "%s: item %d differs (seed %d)" % (
            what, i, SEED)


# --- running the CLI ----------------------------------------------------------------------------

def run_cli(cli, verb, materials, schema, actions, items):
    lines = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
    proc = subprocess.run(
        [cli, verb, "--materials", materials.path] + schema.cli_args() + actions.cli_args(),
        input=lines.encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    assert proc.returncode == 0, "ddbcrypt %s failed (exit %d): %s" % (
        verb, proc.returncode, proc.stderr.decode(errors="replace"))
    return [json.loads(line) for line in proc.stdout.decode().splitlines() if line.strip()]


def config(provider, schema, actions, item):
    return CryptoConfig(materials_provider=provider, encryption_context=schema.context(item),
                        attribute_actions=actions.reference())


def check_protected_form(stored, plain, actions):
    """Encrypted attributes must be binary ciphertext; the others unchanged; both markers."""
    assert SIGNATURE in stored and DESCRIPTION in stored
    for name, value in plain.items():
        action = actions.of(name)
        if action == "encrypt":
            assert set(stored[name]) == {"B"}, "attribute %r was not encrypted" % name
            assert canonical(stored[name]) != canonical(value)
        else:
            assert canonical(stored[name]) == canonical(value), "attribute %r changed" % name


# --- the tests ----------------------------------------------------------------------------------

@pytest.mark.parametrize("schema_name", sorted(SCHEMAS))
@pytest.mark.parametrize("action_set", ACTION_SETS)
def test_ddbcrypt_encrypts_reference_decrypts(cli, materials, schema_name, action_set):
    schema = SCHEMAS[schema_name]
    actions = actions_for(action_set, schema)
    items = all_items(schema)
    stored = run_cli(cli, "encrypt", materials, schema, actions, items)
    assert len(stored) == len(items)
    provider = materials.decrypting_provider()
    decrypted = []
    for plain, item in zip(items, stored):
        check_protected_form(item, plain, actions)
        reference_item = {k: to_reference(v) for k, v in item.items()}
        out = decrypt_dynamodb_item(reference_item, config(provider, schema, actions,
                                                           reference_item))
        decrypted.append({k: from_reference(v) for k, v in out.items()})
    assert_same_items(decrypted, items, "reference decrypt of ddbcrypt items")


@pytest.mark.parametrize("schema_name", sorted(SCHEMAS))
@pytest.mark.parametrize("action_set", ACTION_SETS)
def test_reference_encrypts_ddbcrypt_decrypts(cli, materials, schema_name, action_set):
    schema = SCHEMAS[schema_name]
    actions = actions_for(action_set, schema)
    items = all_items(schema)
    provider = materials.encrypting_provider()
    stored = []
    for plain in items:
        reference_item = {k: to_reference(v) for k, v in plain.items()}
        out = encrypt_dynamodb_item(reference_item, config(provider, schema, actions,
                                                           reference_item))
        stored.append({k: from_reference(v) for k, v in out.items()})
    decrypted = run_cli(cli, "decrypt", materials, schema, actions, stored)
    assert_same_items(decrypted, items, "ddbcrypt decrypt of reference items")


def test_tampered_ddbcrypt_item_is_rejected_by_reference(cli, materials):
    """A signed attribute changed after ddbcrypt wrote the item fails the reference's check."""
    schema = SCHEMAS["hash-range"]
    actions = actions_for("mixed", schema)
    item = fixed_items(schema)[0]
    stored = run_cli(cli, "encrypt", materials, schema, actions, [item])[0]
    provider = materials.decrypting_provider()
    untouched = {k: to_reference(v) for k, v in stored.items()}
    decrypt_dynamodb_item(untouched, config(provider, schema, actions, untouched))
    stored["status"] = {"S": "tampered"}
    reference_item = {k: to_reference(v) for k, v in stored.items()}
    with pytest.raises((SignatureVerificationError, DecryptionError)):
        decrypt_dynamodb_item(reference_item, config(provider, schema, actions, reference_item))


def test_tampered_reference_item_is_rejected_by_ddbcrypt(cli, materials):
    schema = SCHEMAS["hash-range"]
    actions = actions_for("mixed", schema)
    item = fixed_items(schema)[0]
    reference_item = {k: to_reference(v) for k, v in item.items()}
    stored = encrypt_dynamodb_item(reference_item, config(materials.encrypting_provider(), schema,
                                                          actions, reference_item))
    stored = {k: from_reference(v) for k, v in stored.items()}
    assert_same_items(run_cli(cli, "decrypt", materials, schema, actions, [stored]), [item],
                      "ddbcrypt decrypt of the untampered item")
    stored["version"] = {"N": "2"}
    lines = json.dumps(stored) + "\n"
    proc = subprocess.run(
        [cli, "decrypt", "--materials", materials.path] + schema.cli_args() + actions.cli_args(),
        input=lines.encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert proc.returncode != 0
    assert b"hunter2" not in proc.stdout and b"hunter2" not in proc.stderr
