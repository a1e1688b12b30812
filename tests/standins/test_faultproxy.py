"""The fault proxy's behaviour, seen through boto3 (botocore's DynamoDB client), against DynamoDB
Local. Runs under `standins.py run` (scripts/test.sh does); skipped without the stand-ins unless
DDBCRYPT_REQUIRE_STANDINS=1, when it fails instead."""

import json
import os
import urllib.request
import uuid

import boto3
import botocore.config
import botocore.exceptions
import pytest

PROXY = os.environ.get("DDBCRYPT_TEST_FAULTY_DYNAMODB_ENDPOINT")
DYNAMODB = os.environ.get("DDBCRYPT_TEST_DYNAMODB_ENDPOINT")

if not (PROXY and DYNAMODB):
    if os.environ.get("DDBCRYPT_REQUIRE_STANDINS") == "1":
        raise RuntimeError("DDBCRYPT_REQUIRE_STANDINS=1 but the stand-in endpoints are unset: "
                           "run under tests/standins/standins.py run")
    pytest.skip("stand-ins not running (run under tests/standins/standins.py run)",
                allow_module_level=True)


def client(endpoint, max_attempts=1, mode="standard"):
    # One attempt: the test must see the injected fault itself, not botocore's retry of it.
    return boto3.client(
        "dynamodb", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="AKIDFAULTPROXYTEST", aws_secret_access_key="secret",
        config=botocore.config.Config(retries={"total_max_attempts": max_attempts, "mode": mode},
                                      connect_timeout=5, read_timeout=10))


def control(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(PROXY + "/__faults" + path, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def add_rule(**rule):
    status, reply = control("POST", "/rules", rule)
    assert status == 200, reply
    return reply["ids"][0]


def fired(rule_id):
    _, reply = control("GET", "/rules")
    return next(r["fired"] for r in reply["rules"] if r["id"] == rule_id)


@pytest.fixture
def table():
    name = "fp-" + uuid.uuid4().hex[:12]
    ddb = client(DYNAMODB)
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    yield name
    ddb.delete_table(TableName=name)


def put_keys(table, keys):
    ddb = client(DYNAMODB)
    for key in keys:
        ddb.put_item(TableName=table, Item={"pk": {"S": key}, "v": {"N": "1"}})


def stored_keys(table):
    items = client(DYNAMODB).scan(TableName=table, ConsistentRead=True)["Items"]
    return sorted(i["pk"]["S"] for i in items)


def test_forwards_untouched_requests(table):
    proxied = client(PROXY)
    proxied.put_item(TableName=table, Item={"pk": {"S": "a"}, "s": {"S": "zoë"}})
    got = proxied.get_item(TableName=table, Key={"pk": {"S": "a"}})["Item"]
    assert got == {"pk": {"S": "a"}, "s": {"S": "zoë"}}


@pytest.mark.parametrize("fault,code,status", [
    ("throughput", "ProvisionedThroughputExceededException", 400),
    ("throttling", "ThrottlingException", 400),
    ("internal", "InternalServerError", 500),
    ("unavailable", "ServiceUnavailable", 503),
])
def test_canned_errors_replace_the_answer(table, fault, code, status):
    rule = add_rule(operation="PutItem", table=table, fault=fault)
    with pytest.raises(botocore.exceptions.ClientError) as err:
        client(PROXY).put_item(TableName=table, Item={"pk": {"S": "x"}})
    assert err.value.response["Error"]["Code"] == code
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert fired(rule) == 1
    assert stored_keys(table) == []  # nothing reached DynamoDB Local


def test_custom_error_and_skip(table):
    rule = add_rule(operation="PutItem", table=table, fault="error", status=400,
                    code="com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
                    message="injected", skip=1, times=1)
    proxied = client(PROXY)
    proxied.put_item(TableName=table, Item={"pk": {"S": "first"}})  # skipped
    with pytest.raises(proxied.exceptions.ConditionalCheckFailedException):
        proxied.put_item(TableName=table, Item={"pk": {"S": "second"}})
    proxied.put_item(TableName=table, Item={"pk": {"S": "third"}})  # rule used up
    assert fired(rule) == 1
    assert stored_keys(table) == ["first", "third"]


def test_rules_for_other_tables_do_not_fire(table):
    rule = add_rule(table="some-other-table", fault="throttling", times=-1)
    client(PROXY).put_item(TableName=table, Item={"pk": {"S": "a"}})
    assert fired(rule) == 0
    control("DELETE", "/rules/%d" % rule)


def test_retrying_client_rides_over_throttling(table):
    rule = add_rule(operation="PutItem", table=table, fault="throughput", times=2)
    client(PROXY, max_attempts=4).put_item(TableName=table, Item={"pk": {"S": "a"}})
    assert fired(rule) == 2
    assert stored_keys(table) == ["a"]


def test_drop_closes_without_answer(table):
    add_rule(operation="PutItem", table=table, fault="drop")
    with pytest.raises((botocore.exceptions.ConnectionClosedError,
                        botocore.exceptions.EndpointConnectionError)):
        client(PROXY).put_item(TableName=table, Item={"pk": {"S": "a"}})
    assert stored_keys(table) == []


def test_drop_after_applies_the_write_but_loses_the_answer(table):
    add_rule(operation="PutItem", table=table, fault="drop_after")
    with pytest.raises(botocore.exceptions.ConnectionClosedError):
        client(PROXY).put_item(TableName=table, Item={"pk": {"S": "a"}})
    assert stored_keys(table) == ["a"]


def test_bad_crc_is_detected_by_the_client(table):
    rule = add_rule(operation="GetItem", table=table, fault="bad_crc")
    put_keys(table, ["a"])
    # botocore's legacy retry handler checks x-amz-crc32 for DynamoDB and retries a mismatch;
    # with one attempt allowed the mismatch itself surfaces.
    with pytest.raises(botocore.exceptions.ChecksumError):
        client(PROXY, mode="legacy").get_item(TableName=table, Key={"pk": {"S": "a"}})
    assert fired(rule) == 1
    # With retries the next answer has a correct checksum.
    add_rule(operation="GetItem", table=table, fault="bad_crc")
    got = client(PROXY, max_attempts=2, mode="legacy").get_item(
        TableName=table, Key={"pk": {"S": "a"}})
    assert got["Item"]["pk"] == {"S": "a"}


def test_delay_holds_the_request(table):
    add_rule(operation="GetItem", table=table, fault="delay", delay_ms=3000)
    slow = boto3.client("dynamodb", endpoint_url=PROXY, region_name="us-east-1",
                        aws_access_key_id="AKIDFAULTPROXYTEST", aws_secret_access_key="secret",
                        config=botocore.config.Config(retries={"total_max_attempts": 1},
                                                      read_timeout=1))
    with pytest.raises(botocore.exceptions.ReadTimeoutError):
        slow.get_item(TableName=table, Key={"pk": {"S": "a"}})


def test_trim_batch_write_returns_unprocessed_items(table):
    rule = add_rule(operation="BatchWriteItem", table=table, fault="trim", keep=3)
    writes = [{"PutRequest": {"Item": {"pk": {"S": "k%02d" % i}}}} for i in range(10)]
    reply = client(PROXY).batch_write_item(RequestItems={table: writes})
    unprocessed = reply["UnprocessedItems"][table]
    assert unprocessed == writes[3:]
    assert stored_keys(table) == ["k00", "k01", "k02"]
    assert fired(rule) == 1
    # Resending the unprocessed items (the rule is used up) completes the batch.
    reply = client(PROXY).batch_write_item(RequestItems={table: unprocessed})
    assert reply["UnprocessedItems"] == {}
    assert len(stored_keys(table)) == 10


def test_trim_batch_write_to_nothing(table):
    add_rule(operation="BatchWriteItem", table=table, fault="trim", keep=0)
    writes = [{"PutRequest": {"Item": {"pk": {"S": "k%d" % i}}}} for i in range(2)]
    reply = client(PROXY).batch_write_item(RequestItems={table: writes})
    assert reply["UnprocessedItems"] == {table: writes}
    assert stored_keys(table) == []


def test_trim_batch_get_returns_unprocessed_keys(table):
    keys = ["g%d" % i for i in range(6)]
    put_keys(table, keys)
    add_rule(operation="BatchGetItem", table=table, fault="trim")  # default: keep half
    request = {table: {"Keys": [{"pk": {"S": k}} for k in keys], "ConsistentRead": True,
                       "ProjectionExpression": "pk"}}
    reply = client(PROXY).batch_get_item(RequestItems=request)
    got = sorted(i["pk"]["S"] for i in reply["Responses"][table])
    left = reply["UnprocessedKeys"][table]
    assert got == keys[:3]
    assert [k["pk"]["S"] for k in left["Keys"]] == keys[3:]
    # The unprocessed entry keeps the request's other parameters, as DynamoDB's does.
    assert left["ConsistentRead"] is True and left["ProjectionExpression"] == "pk"


def test_control_api_rejects_bad_rules():
    status, reply = control("POST", "/rules", {"fault": "trim", "operation": "PutItem"})
    assert status == 400 and "trim" in reply["message"]
    status, reply = control("POST", "/rules", {"fault": "throttling", "colour": "red"})
    assert status == 400 and "colour" in reply["message"]


def test_stats_count_requests_by_operation(table):
    _, before = control("GET", "/stats")
    client(PROXY).get_item(TableName=table, Key={"pk": {"S": "nope"}})
    _, after = control("GET", "/stats")
    assert after["by_operation"].get("GetItem", 0) == before["by_operation"].get("GetItem", 0) + 1
