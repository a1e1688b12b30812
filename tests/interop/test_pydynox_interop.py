"""Live interop between ddbcrypt's field encryption and pydynox's EncryptedAttribute.

Both sides use the same moto KMS and the same DynamoDB Local (tests/standins/standins.py),
at two levels:
  - models: items saved by pydynox models load through ddbcrypt's model::Repository, and
    items a Repository saved (the field in pydynox's format) load in pydynox models. The C++
    side is tests/interop/pydynox_peer.cc (built as build/tests/pydynox_peer; found through
    DDBCRYPT_PYDYNOX_PEER, else beside the CLI);
  - values: the stored `ENC:` text of pydynox-saved items, read with boto3, is decrypted by
    `ddbcrypt field decrypt --format pydynox`, and values `ddbcrypt field encrypt` made are
    stored with boto3 and loaded by pydynox models;
with and without an encryption context. Also: a wrong context fails on both sides, ddbcrypt's
bound format fails closed in pydynox, and a strict ddbcrypt field refuses pydynox's format
and plaintext.

pydynox's EncryptedAttribute builds its own KMS client from the environment only
(spec/field-encryption.md §6.4; pydynox 1.8 still does), so AWS_ENDPOINT_URL_KMS is pointed at
moto before the first model is used; its DynamoDBClient takes the DynamoDB Local endpoint.

Needs the stand-ins' endpoints (DDBCRYPT_TEST_DYNAMODB_ENDPOINT, DDBCRYPT_TEST_KMS_ENDPOINT)
and the CLI (DDBCRYPT_CLI, set by scripts/test.sh). Without endpoints the tests are skipped,
unless DDBCRYPT_REQUIRE_STANDINS=1, which makes them fail.
"""

import base64
import json
import os
import subprocess
import uuid

import boto3
import pytest

REGION = "us-east-1"
SECRETS = ["123-45-6789", "", "Hello 世界 🔐", "x" * 10000, "ENC-looking: not encrypted"]
CONTEXTS = {"no-context": None, "tenant-context": {"tenant": "acme", "app": "hr"}}


def require(name):
    value = os.environ.get(name)
    if value:
        return value
    message = "%s is unset: run under tests/standins/standins.py" % name
    if os.environ.get("DDBCRYPT_REQUIRE_STANDINS") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def endpoints():
    return {"dynamodb": require("DDBCRYPT_TEST_DYNAMODB_ENDPOINT"),
            "kms": require("DDBCRYPT_TEST_KMS_ENDPOINT")}


@pytest.fixture(scope="module")
def cli():
    path = os.environ.get("DDBCRYPT_CLI")
    if not path:
        pytest.fail("DDBCRYPT_CLI is unset: point it at the built ddbcrypt binary")
    if not os.access(path, os.X_OK):
        pytest.fail("DDBCRYPT_CLI=%s is not an executable file" % path)
    return path


@pytest.fixture(scope="module")
def peer(cli):
    path = os.environ.get("DDBCRYPT_PYDYNOX_PEER") or os.path.join(
        os.path.dirname(cli), "tests", "pydynox_peer")
    if not os.access(path, os.X_OK):
        pytest.fail("%s is not an executable file: build the pydynox_peer target or set "
                    "DDBCRYPT_PYDYNOX_PEER" % path)
    return path


def run_peer(peer, verb, table, key_id, context, *args):
    cmd = [peer, verb, "--table", table, "--key-id", key_id] + context_args(context) + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def kms_key(endpoints):
    # pydynox's KMS client reads its endpoint from the environment when first built.
    saved = os.environ.get("AWS_ENDPOINT_URL_KMS")
    os.environ["AWS_ENDPOINT_URL_KMS"] = endpoints["kms"]
    kms = boto3.client("kms", endpoint_url=endpoints["kms"], region_name=REGION)
    key_id = kms.create_key(Description="ddbcrypt pydynox interop")["KeyMetadata"]["KeyId"]
    yield key_id
    if saved is None:
        os.environ.pop("AWS_ENDPOINT_URL_KMS", None)
    else:
        os.environ["AWS_ENDPOINT_URL_KMS"] = saved


@pytest.fixture(scope="module")
def ddb(endpoints):
    return boto3.client("dynamodb", endpoint_url=endpoints["dynamodb"], region_name=REGION)


@pytest.fixture()
def table(ddb):
    name = "pydynox-interop-" + uuid.uuid4().hex[:12]
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    ddb.get_waiter("table_exists").wait(TableName=name)
    yield name
    ddb.delete_table(TableName=name)


def pydynox_model(table_name, endpoints, key_id, context):
    """A fresh pydynox model class (its EncryptedAttribute builds its own KMS client)."""
    from pydynox import DynamoDBClient, Model, ModelConfig
    from pydynox.attributes import EncryptedAttribute, StringAttribute

    client = DynamoDBClient(endpoint_url=endpoints["dynamodb"], region=REGION)

    class User(Model):
        model_config = ModelConfig(table=table_name, client=client)
        pk = StringAttribute(partition_key=True)
        email = StringAttribute()
        ssn = EncryptedAttribute(key_id=key_id, context=context)

    return User


def context_args(context):
    args = []
    for name, value in sorted((context or {}).items()):
        args += ["--context", "%s=%s" % (name, value)]
    return args


def run_cli(cli, verb, key_id, context, lines, fmt="pydynox", extra=()):
    cmd = [cli, "field", verb, "--key-id", key_id, "--format", fmt] + context_args(context)
    cmd += list(extra)
    return subprocess.run(cmd, input="".join(line + "\n" for line in lines), capture_output=True,
                          text=True, timeout=120)


def cli_encrypt(cli, key_id, context, secrets, fmt="pydynox", extra=()):
    lines = [json.dumps({"S": s}, ensure_ascii=False) for s in secrets]
    result = run_cli(cli, "encrypt", key_id, context, lines, fmt, extra)
    assert result.returncode == 0, result.stderr
    stored = result.stdout.splitlines()
    assert len(stored) == len(secrets)
    return stored


def cli_decrypt(cli, key_id, context, stored, fmt="pydynox", extra=()):
    result = run_cli(cli, "decrypt", key_id, context, stored, fmt, extra)
    assert result.returncode == 0, result.stderr
    return [json.loads(line)["S"] for line in result.stdout.splitlines()]


def envelope_version(stored):
    assert stored.startswith("ENC:")
    return base64.b64decode(stored[4:], validate=True)[0]


@pytest.mark.parametrize("context", CONTEXTS.values(), ids=CONTEXTS.keys())
def test_values_pydynox_wrote_decrypt_in_ddbcrypt(cli, endpoints, kms_key, ddb, table, context):
    User = pydynox_model(table, endpoints, kms_key, context)
    for i, secret in enumerate(SECRETS):
        User(pk="user#%d" % i, email="u%d@example.com" % i, ssn=secret).sync_save()
    stored = []
    for i in range(len(SECRETS)):
        item = ddb.get_item(TableName=table, Key={"pk": {"S": "user#%d" % i}},
                            ConsistentRead=True)["Item"]
        assert envelope_version(item["ssn"]["S"]) == 1
        assert SECRETS[i] == "" or SECRETS[i] not in item["ssn"]["S"]
        stored.append(item["ssn"]["S"])
    assert cli_decrypt(cli, kms_key, context, stored) == SECRETS
    # A field in ddbcrypt's migration format reads them too.
    assert cli_decrypt(cli, kms_key, context, stored, fmt="bound-accepting-pydynox",
                       extra=["--table", table, "--attribute", "ssn",
                              "--key", '{"pk":{"S":"user#0"}}']) == SECRETS


@pytest.mark.parametrize("context", CONTEXTS.values(), ids=CONTEXTS.keys())
def test_values_ddbcrypt_wrote_decrypt_in_pydynox(cli, endpoints, kms_key, ddb, table, context):
    stored = cli_encrypt(cli, kms_key, context, SECRETS)
    for i, text in enumerate(stored):
        assert envelope_version(text) == 1
        ddb.put_item(TableName=table, Item={"pk": {"S": "user#%d" % i},
                                            "email": {"S": "u%d@example.com" % i},
                                            "ssn": {"S": text}})
    User = pydynox_model(table, endpoints, kms_key, context)
    for i, secret in enumerate(SECRETS):
        assert User.sync_get(pk="user#%d" % i).ssn == secret
    # And a pydynox save of what it loaded round-trips through ddbcrypt again.
    user = User.sync_get(pk="user#0")
    user.ssn = "987-65-4321"
    user.sync_save()
    item = ddb.get_item(TableName=table, Key={"pk": {"S": "user#0"}}, ConsistentRead=True)["Item"]
    assert cli_decrypt(cli, kms_key, context, [item["ssn"]["S"]]) == ["987-65-4321"]


def test_a_wrong_context_fails_on_both_sides(cli, endpoints, kms_key, ddb, table):
    acme, globex = {"tenant": "acme"}, {"tenant": "globex"}
    pydynox_model(table, endpoints, kms_key, acme)(pk="user#1", email="a", ssn="123-45-6789").sync_save()
    stored = ddb.get_item(TableName=table, Key={"pk": {"S": "user#1"}},
                          ConsistentRead=True)["Item"]["ssn"]["S"]
    for context in (globex, None):
        result = run_cli(cli, "decrypt", kms_key, context, [stored])
        assert result.returncode == 5, result.stderr  # EncryptionError
        assert "InvalidCiphertextException" in result.stderr
        assert "123-45-6789" not in result.stderr + result.stdout

    text = cli_encrypt(cli, kms_key, acme, ["555-55-5555"])[0]
    ddb.put_item(TableName=table, Item={"pk": {"S": "user#2"}, "email": {"S": "b"},
                                        "ssn": {"S": text}})
    with pytest.raises(Exception) as failure:
        pydynox_model(table, endpoints, kms_key, globex).sync_get(pk="user#2")
    assert "555-55-5555" not in str(failure.value)


def test_the_bound_format_fails_closed_in_pydynox(cli, endpoints, kms_key, ddb, table):
    text = cli_encrypt(cli, kms_key, None, ["123-45-6789"], fmt="bound",
                       extra=["--table", table, "--attribute", "ssn",
                              "--key", '{"pk":{"S":"user#1"}}'])[0]
    assert envelope_version(text) == 2
    ddb.put_item(TableName=table, Item={"pk": {"S": "user#1"}, "email": {"S": "a"},
                                        "ssn": {"S": text}})
    with pytest.raises(Exception) as failure:
        pydynox_model(table, endpoints, kms_key, None).sync_get(pk="user#1")
    assert "Unsupported envelope version: 2" in str(failure.value)
    # ddbcrypt reads it back at its place only.
    where = ["--table", table, "--attribute", "ssn"]
    assert cli_decrypt(cli, kms_key, None, [text], fmt="bound",
                       extra=where + ["--key", '{"pk":{"S":"user#1"}}']) == ["123-45-6789"]
    moved = run_cli(cli, "decrypt", kms_key, None, [text], "bound",
                    where + ["--key", '{"pk":{"S":"user#2"}}'])
    assert moved.returncode == 5, moved.stderr


def test_a_strict_field_refuses_pydynox_values_and_plaintext(cli, endpoints, kms_key, ddb, table):
    User = pydynox_model(table, endpoints, kms_key, None)
    User(pk="user#1", email="a", ssn="123-45-6789").sync_save()
    stored = ddb.get_item(TableName=table, Key={"pk": {"S": "user#1"}},
                          ConsistentRead=True)["Item"]["ssn"]["S"]
    where = ["--table", table, "--attribute", "ssn", "--key", '{"pk":{"S":"user#1"}}']
    strict = run_cli(cli, "decrypt", kms_key, None, [stored], "bound", where)
    assert strict.returncode == 5 and "pydynox-format value" in strict.stderr, strict.stderr

    # pydynox passes plaintext through; ddbcrypt only when the field is migrating.
    ddb.put_item(TableName=table, Item={"pk": {"S": "user#2"}, "email": {"S": "b"},
                                        "ssn": {"S": "222-22-2222"}})
    assert User.sync_get(pk="user#2").ssn == "222-22-2222"
    refused = run_cli(cli, "decrypt", kms_key, None, ["222-22-2222"])
    assert refused.returncode == 5 and "not encrypted" in refused.stderr, refused.stderr
    assert "222-22-2222" not in refused.stderr
    assert cli_decrypt(cli, kms_key, None, ["222-22-2222"],
                       extra=["--accept-plaintext"]) == ["222-22-2222"]


@pytest.mark.parametrize("context", CONTEXTS.values(), ids=CONTEXTS.keys())
def test_items_pydynox_saved_load_through_the_cpp_repository(peer, endpoints, kms_key, table,
                                                              context):
    User = pydynox_model(table, endpoints, kms_key, context)
    for i, secret in enumerate(SECRETS):
        User(pk="user#%d" % i, email="u%d@example.com" % i, ssn=secret).sync_save()
    for i, secret in enumerate(SECRETS):
        result = run_peer(peer, "load", table, kms_key, context, "user#%d" % i)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == {"pk": {"S": "user#%d" % i},
                                             "email": {"S": "u%d@example.com" % i},
                                             "ssn": {"S": secret}}


@pytest.mark.parametrize("context", CONTEXTS.values(), ids=CONTEXTS.keys())
def test_items_the_cpp_repository_saved_load_in_pydynox(peer, endpoints, kms_key, ddb, table,
                                                        context):
    for i, secret in enumerate(SECRETS):
        result = run_peer(peer, "save", table, kms_key, context, "user#%d" % i,
                          "u%d@example.com" % i, secret)
        assert result.returncode == 0, result.stderr
    User = pydynox_model(table, endpoints, kms_key, context)
    for i, secret in enumerate(SECRETS):
        item = ddb.get_item(TableName=table, Key={"pk": {"S": "user#%d" % i}},
                            ConsistentRead=True)["Item"]
        assert envelope_version(item["ssn"]["S"]) == 1
        loaded = User.sync_get(pk="user#%d" % i)
        assert (loaded.email, loaded.ssn) == ("u%d@example.com" % i, secret)
    # A wrong context is refused by the Repository, naming the field, not the value.
    other = {"tenant": "globex"} if context is None else None
    result = run_peer(peer, "load", table, kms_key, other, "user#0")
    assert result.returncode == 1
    assert "InvalidCiphertextException" in result.stderr and "field ssn" in result.stderr
    assert SECRETS[0] not in result.stderr
