"""Live interop of the KMS-backed materials between the ddbcrypt CLI and the reference Python
DynamoDB Encryption Client, over the local stand-ins (moto KMS, DynamoDB Local).

  - Direct KMS: items encrypted by the reference's AwsKmsCryptographicMaterialsProvider decrypt
    with `ddbcrypt decrypt` ("aws-kms" materials), and the reverse, for every key id form the
    reference accepts, both table schemas and several attribute-action sets.
  - Most recent: with a MetaStore table created and versioned by one side (the reference's
    MetaStore, or `ddbcrypt meta create-table` / `meta new-version`), items written with the
    most-recent provider by either side decrypt with the other, before and after a new version,
    with KMS-protected and static meta items.

Needs the stand-ins' endpoints (tests/standins/standins.py run -- ...): without them the tests
are skipped, or fail when DDBCRYPT_REQUIRE_STANDINS=1. The CLI is found through DDBCRYPT_CLI.
"""

import json
import os
import subprocess
import uuid

import boto3
import pytest
from dynamodb_encryption_sdk.encrypted import CryptoConfig
from dynamodb_encryption_sdk.encrypted.item import decrypt_dynamodb_item, encrypt_dynamodb_item
from dynamodb_encryption_sdk.material_providers.aws_kms import AwsKmsCryptographicMaterialsProvider
from dynamodb_encryption_sdk.material_providers.most_recent import CachingMostRecentProvider
from dynamodb_encryption_sdk.material_providers.static import StaticCryptographicMaterialsProvider
from dynamodb_encryption_sdk.material_providers.store.meta import MetaStore
from dynamodb_encryption_sdk.materials.raw import RawDecryptionMaterials, RawEncryptionMaterials

from test_legacy_interop import (DESCRIPTION, SCHEMAS, actions_for, all_items, assert_same_items,
                                 cli, from_reference, symmetric, to_reference)

REGION = "us-east-1"


def _endpoints():
    kms = os.environ.get("DDBCRYPT_TEST_KMS_ENDPOINT")
    ddb = os.environ.get("DDBCRYPT_TEST_DYNAMODB_ENDPOINT")
    if not kms or not ddb:
        message = ("stand-ins not running: DDBCRYPT_TEST_KMS_ENDPOINT and "
                   "DDBCRYPT_TEST_DYNAMODB_ENDPOINT are unset (run under "
                   "tests/standins/standins.py run -- ...)")
        if os.environ.get("DDBCRYPT_REQUIRE_STANDINS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return kms, ddb


@pytest.fixture(scope="module")
def aws():
    kms_endpoint, ddb_endpoint = _endpoints()

    class Aws:
        kms = boto3.client("kms", region_name=REGION, endpoint_url=kms_endpoint)
        ddb = boto3.client("dynamodb", region_name=REGION, endpoint_url=ddb_endpoint)
        ddb_resource = boto3.resource("dynamodb", region_name=REGION, endpoint_url=ddb_endpoint)
        # The CLI reads its endpoints from the usual AWS variables.
        cli_env = dict(os.environ, AWS_ENDPOINT_URL_KMS=kms_endpoint,
                       AWS_ENDPOINT_URL_DYNAMODB=ddb_endpoint, AWS_REGION=REGION)

    return Aws


@pytest.fixture(scope="module")
def key(aws):
    """A fresh moto key, with an alias; its ids in every form the reference accepts."""
    meta = aws.kms.create_key(Description="ddbcrypt kms interop")["KeyMetadata"]
    alias = "alias/ddbcrypt-interop-" + uuid.uuid4().hex[:12]
    aws.kms.create_alias(AliasName=alias, TargetKeyId=meta["KeyId"])
    arn = meta["Arn"]
    return {"id": meta["KeyId"], "arn": arn, "alias": alias,
            "alias-arn": arn[:arn.index(":key/")] + ":" + alias}


def reference_kms_provider(aws, key_id):
    # The reference picks the client by the region in the key ARN, else the session's region.
    return AwsKmsCryptographicMaterialsProvider(key_id=key_id, regional_clients={REGION: aws.kms})


def write_json(tmp_path, name, doc):
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return str(path)


def ddbcrypt(cli, aws, args, items=(), check=True):
    lines = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
    proc = subprocess.run([cli] + args, input=lines.encode(), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=aws.cli_env, timeout=300)
    if check:
        assert proc.returncode == 0, "ddbcrypt %s failed (exit %d): %s" % (
            " ".join(args[:2]), proc.returncode, proc.stderr.decode(errors="replace"))
    return proc


def cli_items(cli, aws, verb, materials_path, schema, actions, items):
    proc = ddbcrypt(cli, aws, [verb, "--materials", materials_path] + schema.cli_args()
                    + actions.cli_args(), items)
    return [json.loads(line) for line in proc.stdout.decode().splitlines() if line.strip()]


def reference_encrypt(provider, schema, actions, items):
    out = []
    for plain in items:
        item = {k: to_reference(v) for k, v in plain.items()}
        stored = encrypt_dynamodb_item(item, CryptoConfig(
            materials_provider=provider, encryption_context=schema.context(item),
            attribute_actions=actions.reference()))
        out.append({k: from_reference(v) for k, v in stored.items()})
    return out


def reference_decrypt(provider, schema, actions, items):
    out = []
    for stored in items:
        item = {k: to_reference(v) for k, v in stored.items()}
        plain = decrypt_dynamodb_item(item, CryptoConfig(
            materials_provider=provider, encryption_context=schema.context(item),
            attribute_actions=actions.reference()))
        out.append({k: from_reference(v) for k, v in plain.items()})
    return out


def description_of(stored):
    """The material description of a stored item (spec §6.1) as a dict."""
    import base64
    import struct
    data = base64.b64decode(stored[DESCRIPTION]["B"])
    assert data[:4] == b"\0\0\0\0"
    out, i = {}, 4
    while i < len(data):
        (n,) = struct.unpack(">I", data[i:i + 4])
        k = data[i + 4:i + 4 + n].decode()
        i += 4 + n
        (n,) = struct.unpack(">I", data[i:i + 4])
        out[k] = data[i + 4:i + 4 + n].decode()
        i += 4 + n
    return out


# --- Direct KMS ---------------------------------------------------------------------------------

KEY_FORMS = ("id", "arn", "alias", "alias-arn")


@pytest.mark.parametrize("schema_name", sorted(SCHEMAS))
@pytest.mark.parametrize("action_set", ("mixed", "encrypt-all"))
@pytest.mark.parametrize("key_form", KEY_FORMS)
def test_direct_kms_both_directions(cli, aws, key, tmp_path, schema_name, action_set, key_form):
    schema = SCHEMAS[schema_name]
    actions = actions_for(action_set, schema)
    items = all_items(schema)
    materials = write_json(tmp_path, "kms.json", {"provider": "aws-kms", "key_id": key[key_form]})
    reference = reference_kms_provider(aws, key[key_form])

    ours = cli_items(cli, aws, "encrypt", materials, schema, actions, items)
    for stored in ours:
        d = description_of(stored)
        assert d["amzn-ddb-wrap-alg"] == "kms" and d["aws-kms-ec-attr"] == "*keys*"
    assert_same_items(reference_decrypt(reference, schema, actions, ours), items,
                      "reference decrypt of ddbcrypt Direct KMS items")

    theirs = reference_encrypt(reference, schema, actions, items)
    assert_same_items(cli_items(cli, aws, "decrypt", materials, schema, actions, theirs), items,
                      "ddbcrypt decrypt of reference Direct KMS items")


def test_direct_kms_item_moved_to_another_key_is_refused(cli, aws, key, tmp_path):
    schema = SCHEMAS["hash-range"]
    actions = actions_for("mixed", schema)
    item = all_items(schema)[0]
    theirs = reference_encrypt(reference_kms_provider(aws, key["arn"]), schema, actions, [item])[0]
    theirs[schema.partition] = {"S": "someone-else"}
    materials = write_json(tmp_path, "kms.json", {"provider": "aws-kms", "key_id": key["arn"]})
    proc = ddbcrypt(cli, aws, ["decrypt", "--materials", materials] + schema.cli_args()
                    + actions.cli_args(), [theirs], check=False)
    assert proc.returncode == 8, proc.stderr  # AWS error: KMS refused the data key
    assert b"InvalidCiphertextException" in proc.stderr
    assert b"hunter2" not in proc.stdout + proc.stderr


# --- Most recent + MetaStore --------------------------------------------------------------------

class Meta:
    """Materials protecting the meta table's items, for both sides."""

    def __init__(self, kind, aws, key):
        self.kind = kind
        if kind == "aws-kms":
            self.json = {"provider": "aws-kms", "key_id": key["arn"]}
            self.reference = lambda: reference_kms_provider(aws, key["arn"])
        else:
            aes, hmac = symmetric("AES", 32), symmetric("HmacSHA256", 32)
            self.json = {"provider": "static", "keys": {"decrypt": aes.to_json(),
                                                        "verify": hmac.to_json()}}
            self.reference = lambda: StaticCryptographicMaterialsProvider(
                encryption_materials=RawEncryptionMaterials(
                    signing_key=hmac.delegated(), encryption_key=aes.delegated()),
                decryption_materials=RawDecryptionMaterials(
                    verification_key=hmac.delegated(), decryption_key=aes.delegated()))


def reference_store(aws, table, meta):
    return MetaStore(table=aws.ddb_resource.Table(table), materials_provider=meta.reference())


def reference_most_recent(aws, table, meta, name):
    # version_ttl 0: every encryption asks the table for the newest version.
    return CachingMostRecentProvider(provider_store=reference_store(aws, table, meta),
                                     material_name=name, version_ttl=0.0)


def most_recent_file(tmp_path, table, meta, name):
    return write_json(tmp_path, "most-recent.json", {
        "provider": "most-recent", "meta_table": table, "material_name": name,
        "ttl_seconds": 60, "meta_materials": meta.json})


def meta_ids(items):
    return {description_of(item)["amzn-ddb-meta-id"] for item in items}


def exchange(cli, aws, materials, reference, schema, actions, items):
    """Both directions with the current versions; returns what each side wrote."""
    ours = cli_items(cli, aws, "encrypt", materials, schema, actions, items)
    assert_same_items(reference_decrypt(reference, schema, actions, ours), items,
                      "reference decrypt of ddbcrypt most-recent items")
    theirs = reference_encrypt(reference, schema, actions, items)
    assert_same_items(cli_items(cli, aws, "decrypt", materials, schema, actions, theirs), items,
                      "ddbcrypt decrypt of reference most-recent items")
    return ours, theirs


@pytest.mark.parametrize("meta_kind", ("aws-kms", "static"))
def test_most_recent_with_reference_managed_meta_table(cli, aws, key, tmp_path, meta_kind):
    meta = Meta(meta_kind, aws, key)
    table = "ddbcrypt-meta-ref-" + uuid.uuid4().hex[:10]
    name = "orders keys"
    MetaStore.create_table(aws.ddb, table, 5, 5)
    aws.ddb.get_waiter("table_exists").wait(TableName=table)
    schema = SCHEMAS["hash-range"]
    actions = actions_for("mixed", schema)
    items = all_items(schema)[:8]
    materials = most_recent_file(tmp_path, table, meta, name)

    # The reference writes first: it creates version 0.
    reference = reference_most_recent(aws, table, meta, name)
    theirs = reference_encrypt(reference, schema, actions, items)
    assert meta_ids(theirs) == {name + "#0"}
    assert_same_items(cli_items(cli, aws, "decrypt", materials, schema, actions, theirs), items,
                      "ddbcrypt decrypt of reference version 0")
    ours0, _ = exchange(cli, aws, materials, reference, schema, actions, items)
    assert meta_ids(ours0) == {name + "#0"}

    # The reference rotates; both sides now write version 1 and read both versions.
    reference_store(aws, table, meta).new_provider(name)
    ours1, theirs1 = exchange(cli, aws, materials, reference, schema, actions, items)
    assert meta_ids(ours1) == {name + "#1"} and meta_ids(theirs1) == {name + "#1"}
    assert_same_items(cli_items(cli, aws, "decrypt", materials, schema, actions, theirs), items,
                      "ddbcrypt decrypt of reference version 0 after the rotation")
    assert_same_items(reference_decrypt(reference, schema, actions, ours0), items,
                      "reference decrypt of ddbcrypt version 0 after the rotation")
    aws.ddb.delete_table(TableName=table)


@pytest.mark.parametrize("meta_kind", ("aws-kms", "static"))
def test_most_recent_with_ddbcrypt_managed_meta_table(cli, aws, key, tmp_path, meta_kind):
    meta = Meta(meta_kind, aws, key)
    table = "ddbcrypt-meta-cli-" + uuid.uuid4().hex[:10]
    name = "customers"
    created = ddbcrypt(cli, aws, ["meta", "create-table", "--table", table])
    assert created.stdout.decode().split() == [table, "ACTIVE"]
    schema = SCHEMAS["hash-only"]
    actions = actions_for("sign-default", schema)
    items = all_items(schema)[:8]
    materials = most_recent_file(tmp_path, table, meta, name)

    # ddbcrypt writes first: it creates version 0 in the table the reference then reads.
    ours = cli_items(cli, aws, "encrypt", materials, schema, actions, items)
    assert meta_ids(ours) == {name + "#0"}
    reference = reference_most_recent(aws, table, meta, name)
    assert_same_items(reference_decrypt(reference, schema, actions, ours), items,
                      "reference decrypt of ddbcrypt version 0")
    _, theirs0 = exchange(cli, aws, materials, reference, schema, actions, items)
    assert meta_ids(theirs0) == {name + "#0"}

    # ddbcrypt rotates; both sides now write version 1.
    rotated = ddbcrypt(cli, aws, ["meta", "new-version", "--materials", materials])
    assert rotated.stdout.decode().strip() == "1"
    ours1, theirs1 = exchange(cli, aws, materials, reference, schema, actions, items)
    assert meta_ids(ours1) == {name + "#1"} and meta_ids(theirs1) == {name + "#1"}
    assert_same_items(reference_decrypt(reference, schema, actions, ours), items,
                      "reference decrypt of ddbcrypt version 0 after the rotation")
    assert_same_items(cli_items(cli, aws, "decrypt", materials, schema, actions, theirs0), items,
                      "ddbcrypt decrypt of reference version 0 after the rotation")
    # The table holds exactly the two versions, in the reference's layout.
    stored = aws.ddb.query(TableName=table, KeyConditionExpression="#n = :n",
                           ExpressionAttributeNames={"#n": "N"},
                           ExpressionAttributeValues={":n": {"S": name}})["Items"]
    assert sorted(int(i["V"]["N"]) for i in stored) == [0, 1]
    for i in stored:
        assert {"t", "enc", "encAlg", "int", "intAlg"} <= set(i)
        assert all(set(i[a]) == {"B"} for a in ("t", "enc", "encAlg", "int", "intAlg"))
    aws.ddb.delete_table(TableName=table)


def test_most_recent_missing_version_is_a_decryption_error(cli, aws, key, tmp_path):
    meta = Meta("static", aws, key)
    table = "ddbcrypt-meta-miss-" + uuid.uuid4().hex[:10]
    ddbcrypt(cli, aws, ["meta", "create-table", "--table", table])
    schema = SCHEMAS["hash-range"]
    actions = actions_for("mixed", schema)
    item = all_items(schema)[0]
    reference = reference_most_recent(aws, table, meta, "m")
    stored = reference_encrypt(reference, schema, actions, [item])[0]
    # Only name "m" has versions; a reader configured for "other" has none to load.
    materials = most_recent_file(tmp_path, table, meta, "other")
    proc = ddbcrypt(cli, aws, ["decrypt", "--materials", materials] + schema.cli_args()
                    + actions.cli_args(), [stored], check=False)
    assert proc.returncode == 6, proc.stderr  # DecryptionError
    assert b'no version 0 of material "other"' in proc.stderr, proc.stderr
    aws.ddb.delete_table(TableName=table)
