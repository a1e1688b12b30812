"""Live interop between ddbcrypt's encrypted table commands and the reference Python library's
EncryptedTable / EncryptedClient, on the same DynamoDB Local table.

For the static (AES + HmacSHA256), wrapped AES (AESWrap + HmacSHA256) and wrapped RSA
(RSA-OAEP-SHA256 + SHA256withRSA) providers, with keys made fresh for each run and two
attribute-action sets:
  - items written by the reference (EncryptedTable.put_item with native values,
    EncryptedClient.batch_write_item with DynamoDB-JSON) are read by `ddbcrypt get`, `query`
    and `scan`;
  - items written by `ddbcrypt put` are read by the reference (EncryptedTable.get_item /
    query / scan, EncryptedClient.batch_get_item);
and come back exactly as they went in (sets unordered, numbers by value). The stored items
(read with a plain boto3 client) hold no plaintext of encrypted attributes.

Needs the stand-ins (DDBCRYPT_TEST_DYNAMODB_ENDPOINT and dummy AWS credentials, as
tests/standins/standins.py exports them) and the CLI (DDBCRYPT_CLI).
"""

import base64
import json
import os
import subprocess
import uuid
from decimal import Decimal

import boto3
import pytest
from boto3.dynamodb.conditions import Attr, Key
from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from dynamodb_encryption_sdk.delegated_keys.jce import JceNameLocalDelegatedKey
from dynamodb_encryption_sdk.encrypted.client import EncryptedClient
from dynamodb_encryption_sdk.encrypted.table import EncryptedTable
from dynamodb_encryption_sdk.identifiers import CryptoAction, EncryptionKeyType, KeyEncodingType
from dynamodb_encryption_sdk.material_providers.static import StaticCryptographicMaterialsProvider
from dynamodb_encryption_sdk.material_providers.wrapped import WrappedCryptographicMaterialsProvider
from dynamodb_encryption_sdk.materials.raw import RawDecryptionMaterials, RawEncryptionMaterials
from dynamodb_encryption_sdk.structures import AttributeActions

SIGNATURE = "*amzn-ddb-map-sig*"
DESCRIPTION = "*amzn-ddb-map-desc*"
SECRET_MARK = "INTEROP-SECRET"


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("DDBCRYPT_CLI")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("DDBCRYPT_CLI must name the built ddbcrypt binary")
    return path


@pytest.fixture(scope="session")
def endpoint():
    url = os.environ.get("DDBCRYPT_TEST_DYNAMODB_ENDPOINT")
    if not url:
        message = ("DDBCRYPT_TEST_DYNAMODB_ENDPOINT is unset: run under "
                   "tests/standins/standins.py run -- ...")
        if os.environ.get("DDBCRYPT_REQUIRE_STANDINS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    if not url.startswith("http://127.0.0.1:"):
        pytest.fail("the DynamoDB stand-in must be on loopback, not %s" % url)
    return url


# --- keys ------------------------------------------------------------------------------------

def b64(data):
    return base64.b64encode(data).decode()


class Key_:
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


def rsa_pair(algorithm):
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_der = private.private_bytes(serialization.Encoding.DER,
                                        serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
    public_der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return Key_(public_der, algorithm, "public", "DER"), Key_(private_der, algorithm, "private", "DER")


class Materials:
    """Fresh keys for one provider: a CLI materials file and the reference provider."""

    def __init__(self, kind, directory):
        self.kind = kind
        if kind in ("static", "wrapped-aes"):
            aes = Key_(os.urandom(32), "AES", "symmetric", "RAW")
            mac = Key_(os.urandom(32), "HmacSHA256", "symmetric", "RAW")
            self.keys = {"encrypt": aes, "decrypt": aes, "sign": mac, "verify": mac}
        else:
            wrap_public, wrap_private = rsa_pair("RSA")
            sign_public, sign_private = rsa_pair("SHA256withRSA")
            self.keys = {"encrypt": wrap_public, "decrypt": wrap_private,
                         "sign": sign_private, "verify": sign_public}
        self.file_provider = "static" if kind == "static" else "wrapped"
        self.path = str(directory / (kind + ".json"))
        with open(self.path, "w", encoding="utf-8") as f:
            json.dump({"provider": self.file_provider,
                       "keys": {role: key.to_json() for role, key in self.keys.items()}}, f)
        os.chmod(self.path, 0o600)

    def reference(self):
        k = self.keys
        if self.file_provider == "static":
            return StaticCryptographicMaterialsProvider(
                encryption_materials=RawEncryptionMaterials(
                    signing_key=k["sign"].delegated(), encryption_key=k["encrypt"].delegated()),
                decryption_materials=RawDecryptionMaterials(
                    verification_key=k["verify"].delegated(),
                    decryption_key=k["decrypt"].delegated()))
        return WrappedCryptographicMaterialsProvider(
            signing_key=k["sign"].delegated(), wrapping_key=k["encrypt"].delegated(),
            unwrapping_key=k["decrypt"].delegated())


KINDS = ("static", "wrapped-aes", "wrapped-rsa")


@pytest.fixture(scope="module", params=KINDS)
def materials(request, tmp_path_factory):
    return Materials(request.param, tmp_path_factory.mktemp("keys"))


# --- actions ---------------------------------------------------------------------------------

ACTION_NAMES = {"encrypt": CryptoAction.ENCRYPT_AND_SIGN, "sign": CryptoAction.SIGN_ONLY,
                "nothing": CryptoAction.DO_NOTHING}
ACTION_SETS = {
    # Mostly encrypted; some attributes signed in clear, some left alone.
    "encrypt-default": ("encrypt", {"status": "sign", "rank": "sign", "views": "nothing"}),
    # Mostly signed; the secrets encrypted.
    "sign-default": ("sign", {"secret": "encrypt", "nested": "encrypt", "blob": "encrypt",
                              "views": "nothing"}),
}


class Actions:
    def __init__(self, name):
        self.default, self.overrides = ACTION_SETS[name]

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
        if name in ("pk", "sk"):
            return "sign" if self.default != "nothing" else "nothing"
        return self.overrides.get(name, self.default)


@pytest.fixture(params=sorted(ACTION_SETS))
def actions(request):
    return Actions(request.param)


# --- the table -------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def boto_session(endpoint):
    return boto3.session.Session(region_name=os.environ.get("AWS_REGION", "us-east-1"))


@pytest.fixture
def table(boto_session, endpoint):
    client = boto_session.client("dynamodb", endpoint_url=endpoint)
    name = "interop-table-%s" % uuid.uuid4().hex[:12]
    client.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST")
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2})
    yield name
    client.delete_table(TableName=name)


# --- items -----------------------------------------------------------------------------------

def items(prefix, count=6):
    """DynamoDB-JSON items (binary as base64, as the CLI writes them) of every type."""
    out = []
    for i in range(count):
        out.append({
            "pk": {"S": prefix},
            "sk": {"N": str(i)},
            "secret": {"S": "%s-%s-%d é🔒" % (SECRET_MARK, prefix, i)},
            "nested": {"M": {"list": {"L": [{"S": SECRET_MARK + "-list"}, {"N": "1.50"},
                                            {"NULL": True}, {"BOOL": False}]},
                             "set": {"SS": [SECRET_MARK + "-a", "b"]},
                             "nums": {"NS": ["1", "-2.5", "1E+3"]}}},
            "blob": {"B": b64(SECRET_MARK.encode() + bytes([0, 1, 255, i]))},
            "status": {"S": "active" if i % 2 == 0 else "closed"},
            "rank": {"N": str(100 - i)},
            "views": {"N": str(i * 7)},
            "flags": {"BS": [b64(b"\x00"), b64(bytes([i + 1]))]},
        })
    return out


def to_botocore(value):
    (tag, inner), = value.items()
    if tag == "B":
        return {"B": base64.b64decode(inner)}
    if tag == "BS":
        return {"BS": [base64.b64decode(b) for b in inner]}
    if tag == "M":
        return {"M": {k: to_botocore(v) for k, v in inner.items()}}
    if tag == "L":
        return {"L": [to_botocore(v) for v in inner]}
    return {tag: inner}


def from_botocore(value):
    (tag, inner), = value.items()
    if tag == "B":
        return {"B": b64(bytes(inner))}
    if tag == "BS":
        return {"BS": [b64(bytes(b)) for b in inner]}
    if tag == "M":
        return {"M": {k: from_botocore(v) for k, v in inner.items()}}
    if tag == "L":
        return {"L": [from_botocore(v) for v in inner]}
    return {tag: inner}


DESERIALIZER = TypeDeserializer()
SERIALIZER = TypeSerializer()


def to_native(item):
    return {k: DESERIALIZER.deserialize(to_botocore(v)) for k, v in item.items()}


def from_native(item):
    return {k: from_botocore(SERIALIZER.serialize(v)) for k, v in item.items()}


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


def by_key(item_list):
    return {(i["pk"]["S"], Decimal(i["sk"]["N"])): canonical_item(i) for i in item_list}


def assert_same(got, want):
    assert by_key(got) == by_key(want)


def check_stored(boto_session, endpoint, table, actions, want):
    """The raw items: encrypted attributes are binary and hold no plaintext; both markers."""
    client = boto_session.client("dynamodb", endpoint_url=endpoint)
    stored = client.scan(TableName=table, ConsistentRead=True)["Items"]
    assert len(stored) == len(want)
    for raw in stored:
        assert SIGNATURE in raw and DESCRIPTION in raw
        for name, value in raw.items():
            if name in (SIGNATURE, DESCRIPTION):
                continue
            if actions.of(name) == "encrypt":
                assert set(value) == {"B"}, "attribute %r was not encrypted" % name
                assert SECRET_MARK.encode() not in bytes(value["B"])
            else:
                assert SECRET_MARK not in json.dumps(from_botocore(value)), name


# --- running the CLI -------------------------------------------------------------------------

def run_cli(cli, verb, materials, endpoint, table, actions, args=(), stdin_items=()):
    lines = "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in stdin_items)
    proc = subprocess.run(
        [cli, verb, "--table", table, "--materials", materials.path, "--endpoint-url", endpoint]
        + actions.cli_args() + list(args),
        input=lines.encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    assert proc.returncode == 0, "ddbcrypt %s failed (exit %d): %s" % (
        verb, proc.returncode, proc.stderr.decode(errors="replace"))
    return [json.loads(line) for line in proc.stdout.decode().splitlines() if line.strip()]


# --- the tests -------------------------------------------------------------------------------

def test_reference_table_writes_ddbcrypt_reads(cli, materials, actions, table, boto_session,
                                               endpoint):
    resource = boto_session.resource("dynamodb", endpoint_url=endpoint)
    encrypted = EncryptedTable(table=resource.Table(table), materials_provider=materials.reference(),
                               attribute_actions=actions.reference())
    want = items("ref")
    for item in want:
        encrypted.put_item(Item=to_native(item))
    check_stored(boto_session, endpoint, table, actions, want)

    got = run_cli(cli, "scan", materials, endpoint, table, actions, ["--consistent"])
    assert_same(got, want)
    got = run_cli(cli, "get", materials, endpoint, table, actions, ["--consistent"],
                  stdin_items=[{"pk": i["pk"], "sk": i["sk"]} for i in want])
    assert_same(got, want)
    # A query with a filter on a signed attribute (status is signed in both action sets).
    got = run_cli(cli, "query", materials, endpoint, table, actions,
                  ["--key-condition", "pk = :p", "--filter", "#s = :s", "--names",
                   '{"#s":"status"}', "--values", '{":p":{"S":"ref"},":s":{"S":"active"}}'])
    assert_same(got, [i for i in want if i["status"]["S"] == "active"])
    # A projection: only what was asked comes back, verified.
    got = run_cli(cli, "get", materials, endpoint, table, actions,
                  ["--projection", "secret, views"], stdin_items=[{"pk": want[1]["pk"],
                                                                   "sk": want[1]["sk"]}])
    assert [canonical_item(g) for g in got] == [
        canonical_item({"secret": want[1]["secret"], "views": want[1]["views"]})]


def test_ddbcrypt_writes_reference_table_reads(cli, materials, actions, table, boto_session,
                                               endpoint):
    want = items("cpp", count=8)
    run_cli(cli, "put", materials, endpoint, table, actions, stdin_items=want)
    check_stored(boto_session, endpoint, table, actions, want)

    resource = boto_session.resource("dynamodb", endpoint_url=endpoint)
    encrypted = EncryptedTable(table=resource.Table(table), materials_provider=materials.reference(),
                               attribute_actions=actions.reference())
    for item in want:
        got = encrypted.get_item(Key={"pk": item["pk"]["S"], "sk": Decimal(item["sk"]["N"])},
                                 ConsistentRead=True)["Item"]
        assert canonical_item(from_native(got)) == canonical_item(item)
    scanned = encrypted.scan(ConsistentRead=True)["Items"]
    assert_same([from_native(i) for i in scanned], want)
    queried = encrypted.query(KeyConditionExpression=Key("pk").eq("cpp"),
                              FilterExpression=Attr("rank").gt(95))["Items"]
    assert_same([from_native(i) for i in queried],
                [i for i in want if int(i["rank"]["N"]) > 95])


def test_reference_client_batches_interoperate(cli, materials, actions, table, boto_session,
                                               endpoint):
    client = EncryptedClient(client=boto_session.client("dynamodb", endpoint_url=endpoint),
                             materials_provider=materials.reference(),
                             attribute_actions=actions.reference())
    # Reference batch write (DynamoDB-JSON), ddbcrypt reads.
    from_reference = items("batch-ref", count=20)
    for start in range(0, len(from_reference), 25):
        response = client.batch_write_item(RequestItems={table: [
            {"PutRequest": {"Item": to_botocore({"M": i})["M"]}}
            for i in from_reference[start:start + 25]]})
        assert not response.get("UnprocessedItems")
    got = run_cli(cli, "query", materials, endpoint, table, actions,
                  ["--key-condition", "pk = :p", "--values", '{":p":{"S":"batch-ref"}}',
                   "--page-size", "6"])
    assert_same(got, from_reference)

    # ddbcrypt writes (60 items: more than one BatchWriteItem), reference batch get.
    from_cpp = items("batch-cpp", count=60)
    run_cli(cli, "put", materials, endpoint, table, actions, stdin_items=from_cpp)
    keys = [{"pk": i["pk"], "sk": i["sk"]} for i in from_cpp]
    read = []
    for start in range(0, len(keys), 100):
        response = client.batch_get_item(RequestItems={
            table: {"Keys": keys[start:start + 100], "ConsistentRead": True}})
        assert not response.get("UnprocessedKeys")
        read += [from_botocore({"M": i})["M"] for i in response["Responses"][table]]
    assert_same(read, from_cpp)
    check_stored(boto_session, endpoint, table, actions, from_reference + from_cpp)
