#include "aws/dynamodb_json_codec.h"

#include <gtest/gtest.h>

#include <chrono>

#include "ddbcrypt/error.h"
#include "ddbcrypt/item/dynamodb_json.h"

namespace ddbcrypt::internal {
namespace {

using namespace ddbcrypt::aws;

AttributeValue S(std::string s) { return AttributeValue::S(std::move(s)); }
AttributeValue N(std::string n) { return AttributeValue::N(std::move(n)); }

// ----- Requests -------------------------------------------------------------------------------

TEST(DynamoDbRequestJson, GetItemMatchesSpecExample) {
  // spec/aws-wire.md §3.3, "Example GetItem exchange".
  const GetItemRequest request{.table_name = "t",
                               .key = {{"pk", S("a")}, {"sk", N("1")}},
                               .consistent_read = true};
  EXPECT_EQ(encode_request(request),
            R"j({"TableName":"t","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"ConsistentRead":true})j");
}

TEST(DynamoDbRequestJson, GetItemMatchesSigningExampleBody) {
  // The exact body signed in spec/aws-wire.md §1.7 A.
  const GetItemRequest request{
      .table_name = "Music",
      .key = {{"Artist", S("No One You Know")}, {"SongTitle", S("Call Me Today")}}};
  EXPECT_EQ(encode_request(request),
            R"j({"TableName":"Music","Key":{"Artist":{"S":"No One You Know"},)j"
            R"j("SongTitle":{"S":"Call Me Today"}}})j");
}

TEST(DynamoDbRequestJson, UnsetAndEmptyMembersAreLeftOut) {
  // An empty ExpressionAttributeNames is a ValidationException on DynamoDB.
  const PutItemRequest request{.table_name = "t", .item = {{"pk", S("a")}}};
  EXPECT_EQ(encode_request(request), R"j({"TableName":"t","Item":{"pk":{"S":"a"}}})j");
  EXPECT_EQ(encode_request(ListTablesRequest{}), "{}");
}

TEST(DynamoDbRequestJson, PutItemWithEveryExpressionMember) {
  const PutItemRequest request{
      .table_name = "t",
      .item = {{"pk", S("a")}, {"v", AttributeValue::B({0, 1})}},
      .condition_expression = "attribute_not_exists(#p) OR #v < :max",
      .expression_attribute_names = {{"#p", "pk"}, {"#v", "v"}},
      .expression_attribute_values = {{":max", N("10")}},
      .return_values = ReturnValue::kAllOld,
      .return_consumed_capacity = ReturnConsumedCapacity::kIndexes,
      .return_item_collection_metrics = ReturnItemCollectionMetrics::kSize,
      .return_values_on_condition_check_failure = ReturnValuesOnConditionCheckFailure::kAllOld,
  };
  EXPECT_EQ(encode_request(request),
            R"j({"TableName":"t","Item":{"pk":{"S":"a"},"v":{"B":"AAE="}},)j"
            R"j("ReturnValues":"ALL_OLD","ReturnConsumedCapacity":"INDEXES",)j"
            R"j("ReturnItemCollectionMetrics":"SIZE",)j"
            R"j("ConditionExpression":"attribute_not_exists(#p) OR #v < :max",)j"
            R"j("ExpressionAttributeNames":{"#p":"pk","#v":"v"},)j"
            R"j("ExpressionAttributeValues":{":max":{"N":"10"}},)j"
            R"j("ReturnValuesOnConditionCheckFailure":"ALL_OLD"})j");
}

TEST(DynamoDbRequestJson, LegacyConditionalParameters) {
  const PutItemRequest put{
      .table_name = "t",
      .item = {{"pk", S("a")}},
      .expected = {{"pk", {.exists = false}},
                   {"n", {.comparison_operator = ComparisonOperator::kBetween,
                          .attribute_value_list = {N("1"), N("5")}}},
                   {"s", {.value = S("x")}}},
      .conditional_operator = ConditionalOperator::kOr,
  };
  EXPECT_EQ(encode_request(put),
            R"j({"TableName":"t","Item":{"pk":{"S":"a"}},"Expected":{)j"
            R"j("n":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"1"},{"N":"5"}]},)j"
            R"j("pk":{"Exists":false},"s":{"Value":{"S":"x"}}},"ConditionalOperator":"OR"})j");

  const UpdateItemRequest update{
      .table_name = "t",
      .key = {{"pk", S("a")}},
      .attribute_updates = {{"c", {.value = N("1"), .action = AttributeAction::kAdd}},
                            {"d", {.action = AttributeAction::kDelete}}},
  };
  EXPECT_EQ(encode_request(update),
            R"j({"TableName":"t","Key":{"pk":{"S":"a"}},"AttributeUpdates":{)j"
            R"j("c":{"Value":{"N":"1"},"Action":"ADD"},"d":{"Action":"DELETE"}}})j");

  const QueryRequest query{
      .table_name = "t",
      .attributes_to_get = {"pk", "n"},
      .key_conditions = {{"pk", {.comparison_operator = ComparisonOperator::kEq,
                                 .attribute_value_list = {S("a")}}}},
      .query_filter = {{"n", {.comparison_operator = ComparisonOperator::kNotNull}}},
  };
  EXPECT_EQ(encode_request(query),
            R"j({"TableName":"t","AttributesToGet":["pk","n"],)j"
            R"j("KeyConditions":{"pk":{"AttributeValueList":[{"S":"a"}],"ComparisonOperator":"EQ"}},)j"
            R"j("QueryFilter":{"n":{"ComparisonOperator":"NOT_NULL"}}})j");
}

TEST(DynamoDbRequestJson, UpdateItemWithExpressions) {
  const UpdateItemRequest request{
      .table_name = "t",
      .key = {{"pk", S("a")}},
      .update_expression = "SET #c = if_not_exists(#c, :z) + :one",
      .condition_expression = "attribute_exists(pk)",
      .expression_attribute_names = {{"#c", "cnt"}},
      .expression_attribute_values = {{":one", N("1")}, {":z", N("0")}},
      .return_values = ReturnValue::kUpdatedNew,
  };
  EXPECT_EQ(encode_request(request),
            R"j({"TableName":"t","Key":{"pk":{"S":"a"}},"ReturnValues":"UPDATED_NEW",)j"
            R"j("UpdateExpression":"SET #c = if_not_exists(#c, :z) + :one",)j"
            R"j("ConditionExpression":"attribute_exists(pk)","ExpressionAttributeNames":{"#c":"cnt"},)j"
            R"j("ExpressionAttributeValues":{":one":{"N":"1"},":z":{"N":"0"}}})j");
}

TEST(DynamoDbRequestJson, QueryWithPaginationMembers) {
  const QueryRequest request{
      .table_name = "t",
      .index_name = "by_sk",
      .key_condition_expression = "pk = :pk AND sk > :from",
      .filter_expression = "attribute_exists(v)",
      .projection_expression = "pk, sk, #v",
      .expression_attribute_names = {{"#v", "v"}},
      .expression_attribute_values = {{":from", N("3")}, {":pk", S("a")}},
      .select = Select::kSpecificAttributes,
      .limit = 10,
      .consistent_read = false,
      .scan_index_forward = false,
      .exclusive_start_key = Item{{"pk", S("a")}, {"sk", N("9")}},
      .return_consumed_capacity = ReturnConsumedCapacity::kTotal,
  };
  EXPECT_EQ(encode_request(request),
            R"j({"TableName":"t","IndexName":"by_sk","Select":"SPECIFIC_ATTRIBUTES","Limit":10,)j"
            R"j("ConsistentRead":false,"ScanIndexForward":false,)j"
            R"j("ExclusiveStartKey":{"pk":{"S":"a"},"sk":{"N":"9"}},)j"
            R"j("ReturnConsumedCapacity":"TOTAL","ProjectionExpression":"pk, sk, #v",)j"
            R"j("FilterExpression":"attribute_exists(v)",)j"
            R"j("KeyConditionExpression":"pk = :pk AND sk > :from",)j"
            R"j("ExpressionAttributeNames":{"#v":"v"},)j"
            R"j("ExpressionAttributeValues":{":from":{"N":"3"},":pk":{"S":"a"}}})j");
}

TEST(DynamoDbRequestJson, ParallelScan) {
  const ScanRequest request{.table_name = "t",
                            .select = Select::kCount,
                            .limit = 5,
                            .segment = 1,
                            .total_segments = 4,
                            .scan_filter = {{"x", {.comparison_operator = ComparisonOperator::kNull}}}};
  EXPECT_EQ(encode_request(request),
            R"j({"TableName":"t","Limit":5,"Select":"COUNT","ScanFilter":{"x":{"ComparisonOperator":"NULL"}},)j"
            R"j("TotalSegments":4,"Segment":1})j");
}

TEST(DynamoDbRequestJson, BatchRequests) {
  const BatchGetItemRequest get{
      .request_items = {{"a", {.keys = {{{"pk", S("1")}}, {{"pk", S("2")}}},
                               .consistent_read = true,
                               .projection_expression = "#k",
                               .expression_attribute_names = {{"#k", "pk"}}}},
                        {"b", {.keys = {{{"id", N("7")}}}}}},
      .return_consumed_capacity = ReturnConsumedCapacity::kTotal};
  EXPECT_EQ(encode_request(get),
            R"j({"RequestItems":{"a":{"Keys":[{"pk":{"S":"1"}},{"pk":{"S":"2"}}],)j"
            R"j("ConsistentRead":true,"ProjectionExpression":"#k","ExpressionAttributeNames":{"#k":"pk"}},)j"
            R"j("b":{"Keys":[{"id":{"N":"7"}}]}},"ReturnConsumedCapacity":"TOTAL"})j");

  const BatchWriteItemRequest write{
      .request_items = {{"a", {PutRequest{.item = {{"pk", S("1")}, {"v", N("2")}}},
                               DeleteRequest{.key = {{"pk", S("3")}}}}}},
      .return_item_collection_metrics = ReturnItemCollectionMetrics::kSize};
  EXPECT_EQ(encode_request(write),
            R"j({"RequestItems":{"a":[{"PutRequest":{"Item":{"pk":{"S":"1"},"v":{"N":"2"}}}},)j"
            R"j({"DeleteRequest":{"Key":{"pk":{"S":"3"}}}}]},"ReturnItemCollectionMetrics":"SIZE"})j");
}

TEST(DynamoDbRequestJson, TransactWriteItemsWithEveryActionKind) {
  const TransactWriteItemsRequest request{
      .transact_items =
          {TransactConditionCheck{.table_name = "t",
                                  .key = {{"pk", S("c")}},
                                  .condition_expression = "attribute_exists(pk)"},
           TransactPut{.table_name = "t",
                       .item = {{"pk", S("p")}},
                       .condition_expression = "attribute_not_exists(pk)",
                       .return_values_on_condition_check_failure =
                           ReturnValuesOnConditionCheckFailure::kAllOld},
           TransactDelete{.table_name = "t", .key = {{"pk", S("d")}}},
           TransactUpdate{.table_name = "t",
                          .key = {{"pk", S("u")}},
                          .update_expression = "SET v = :v",
                          .expression_attribute_values = {{":v", AttributeValue::Bool(true)}}}},
      .client_request_token = "token-1",
      .return_consumed_capacity = ReturnConsumedCapacity::kNone,
  };
  EXPECT_EQ(encode_request(request),
            R"j({"TransactItems":[)j"
            R"j({"ConditionCheck":{"Key":{"pk":{"S":"c"}},"TableName":"t","ConditionExpression":"attribute_exists(pk)"}},)j"
            R"j({"Put":{"Item":{"pk":{"S":"p"}},"TableName":"t","ConditionExpression":"attribute_not_exists(pk)",)j"
            R"j("ReturnValuesOnConditionCheckFailure":"ALL_OLD"}},)j"
            R"j({"Delete":{"Key":{"pk":{"S":"d"}},"TableName":"t"}},)j"
            R"j({"Update":{"Key":{"pk":{"S":"u"}},"UpdateExpression":"SET v = :v","TableName":"t",)j"
            R"j("ExpressionAttributeValues":{":v":{"BOOL":true}}}}],)j"
            R"j("ReturnConsumedCapacity":"NONE","ClientRequestToken":"token-1"})j");
}

TEST(DynamoDbRequestJson, TransactGetItems) {
  const TransactGetItemsRequest request{
      .transact_items = {{.table_name = "t", .key = {{"pk", S("a")}}},
                         {.table_name = "u",
                          .key = {{"id", N("1")}},
                          .projection_expression = "#n",
                          .expression_attribute_names = {{"#n", "name"}}}}};
  EXPECT_EQ(encode_request(request),
            R"j({"TransactItems":[{"Get":{"Key":{"pk":{"S":"a"}},"TableName":"t"}},)j"
            R"j({"Get":{"Key":{"id":{"N":"1"}},"TableName":"u","ProjectionExpression":"#n",)j"
            R"j("ExpressionAttributeNames":{"#n":"name"}}}]})j");
}

TEST(DynamoDbRequestJson, CreateTableWithIndexesAndStream) {
  const CreateTableRequest request{
      .table_name = "orders",
      .attribute_definitions = {{"pk", ScalarAttributeType::kS},
                                {"sk", ScalarAttributeType::kN},
                                {"g", ScalarAttributeType::kB}},
      .key_schema = {{"pk", KeyType::kHash}, {"sk", KeyType::kRange}},
      .billing_mode = BillingMode::kProvisioned,
      .provisioned_throughput = ProvisionedThroughput{5, 6},
      .global_secondary_indexes = {{.index_name = "by_g",
                                    .key_schema = {{"g", KeyType::kHash}},
                                    .projection = {.projection_type = ProjectionType::kInclude,
                                                   .non_key_attributes = {"x"}},
                                    .provisioned_throughput = ProvisionedThroughput{1, 2}}},
      .local_secondary_indexes = {{.index_name = "by_g_local",
                                   .key_schema = {{"pk", KeyType::kHash}, {"g", KeyType::kRange}},
                                   .projection = {.projection_type = ProjectionType::kKeysOnly}}},
      .stream_specification = StreamSpecification{true, StreamViewType::kNewAndOldImages},
      .sse_specification = SseSpecification{.enabled = true, .sse_type = "KMS"},
      .tags = {{"team", "a"}},
      .table_class = TableClass::kStandardInfrequentAccess,
      .deletion_protection_enabled = false,
  };
  EXPECT_EQ(
      encode_request(request),
      R"j({"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},)j"
      R"j({"AttributeName":"sk","AttributeType":"N"},{"AttributeName":"g","AttributeType":"B"}],)j"
      R"j("TableName":"orders","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},)j"
      R"j({"AttributeName":"sk","KeyType":"RANGE"}],)j"
      R"j("LocalSecondaryIndexes":[{"IndexName":"by_g_local","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},)j"
      R"j({"AttributeName":"g","KeyType":"RANGE"}],"Projection":{"ProjectionType":"KEYS_ONLY"}}],)j"
      R"j("GlobalSecondaryIndexes":[{"IndexName":"by_g","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],)j"
      R"j("Projection":{"ProjectionType":"INCLUDE","NonKeyAttributes":["x"]},)j"
      R"j("ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":2}}],)j"
      R"j("BillingMode":"PROVISIONED","ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":6},)j"
      R"j("StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_AND_OLD_IMAGES"},)j"
      R"j("SSESpecification":{"Enabled":true,"SSEType":"KMS"},"Tags":[{"Key":"team","Value":"a"}],)j"
      R"j("TableClass":"STANDARD_INFREQUENT_ACCESS","DeletionProtectionEnabled":false})j");
}

TEST(DynamoDbRequestJson, TableNamesAndTextAreEscaped) {
  EXPECT_EQ(encode_request(DescribeTableRequest{.table_name = "a\"b\\c"}),
            R"j({"TableName":"a\"b\\c"})j");
  EXPECT_EQ(encode_request(ListTablesRequest{.exclusive_start_table_name = "x", .limit = 3}),
            R"j({"ExclusiveStartTableName":"x","Limit":3})j");
}

TEST(DynamoDbRequestJson, OutOfRangeEnumIsConfigError) {
  const GetItemRequest request{.table_name = "t",
                               .return_consumed_capacity = static_cast<ReturnConsumedCapacity>(9)};
  EXPECT_THROW((void)encode_request(request), ConfigError);
}

// ----- Responses ------------------------------------------------------------------------------

TEST(DynamoDbResponseJson, GetItemOfSpecExample) {
  const auto result = decode_result<GetItemResult>(
      R"j({"Item":{"pk":{"S":"a"},"sk":{"N":"1"},"b":{"B":"AAE="},"ss":{"SS":["x","y"]},)j"
      R"j("m":{"M":{"n":{"NULL":true},"l":{"L":[{"BOOL":true}]}}}}})j");
  ASSERT_TRUE(result.item.has_value());
  EXPECT_EQ(to_json(*result.item),
            R"j({"b":{"B":"AAE="},"m":{"M":{"l":{"L":[{"BOOL":true}]},"n":{"NULL":true}}},)j"
            R"j("pk":{"S":"a"},"sk":{"N":"1"},"ss":{"SS":["x","y"]}})j");
  EXPECT_FALSE(result.consumed_capacity.has_value());
}

TEST(DynamoDbResponseJson, GetItemOfMissingItemHasNoItem) {
  const auto result = decode_result<GetItemResult>("{}");
  EXPECT_FALSE(result.item.has_value());
}

TEST(DynamoDbResponseJson, QueryPageWithCapacityAndUnknownMembers) {
  const auto page = decode_result<QueryResult>(
      R"j({"Count":2,"Items":[{"pk":{"S":"a"},"sk":{"N":"1"}},{"pk":{"S":"a"},"sk":{"N":"2"}}],)j"
      R"j("LastEvaluatedKey":{"pk":{"S":"a"},"sk":{"N":"2"}},"ScannedCount":3,"FutureMember":{"x":[1,2]},)j"
      R"j("ConsumedCapacity":{"TableName":"t","CapacityUnits":1.5,"Table":{"CapacityUnits":0.5},)j"
      R"j("GlobalSecondaryIndexes":{"g":{"ReadCapacityUnits":1.0}}}})j");
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[1].at("sk"), N("2"));
  EXPECT_EQ(page.count, 2);
  EXPECT_EQ(page.scanned_count, 3);
  ASSERT_TRUE(page.last_evaluated_key.has_value());
  EXPECT_EQ(*page.last_evaluated_key, (Item{{"pk", S("a")}, {"sk", N("2")}}));
  ASSERT_TRUE(page.consumed_capacity.has_value());
  EXPECT_EQ(page.consumed_capacity->table_name, "t");
  EXPECT_EQ(page.consumed_capacity->capacity_units, 1.5);
  EXPECT_EQ(page.consumed_capacity->table, (Capacity{.capacity_units = 0.5}));
  EXPECT_EQ(page.consumed_capacity->global_secondary_indexes.at("g").read_capacity_units, 1.0);
}

TEST(DynamoDbResponseJson, ScanCountOnlyPageHasNoItems) {
  const auto page = decode_result<ScanResult>(R"j({"Count":7,"ScannedCount":9})j");
  EXPECT_TRUE(page.items.empty());
  EXPECT_EQ(page.count, 7);
  EXPECT_EQ(page.scanned_count, 9);
  EXPECT_FALSE(page.last_evaluated_key.has_value());
}

TEST(DynamoDbResponseJson, UpdateItemAttributes) {
  const auto result = decode_result<UpdateItemResult>(
      R"j({"Attributes":{"cnt":{"N":"1"}},"ItemCollectionMetrics":{"ItemCollectionKey":{"pk":{"S":"a"}},)j"
      R"j("SizeEstimateRangeGB":[0.0,1.0]}})j");
  EXPECT_EQ(result.attributes, (Item{{"cnt", N("1")}}));
  ASSERT_TRUE(result.item_collection_metrics.has_value());
  EXPECT_EQ(result.item_collection_metrics->item_collection_key, (Item{{"pk", S("a")}}));
  EXPECT_EQ(result.item_collection_metrics->size_estimate_range_gb, (std::vector<double>{0, 1}));
}

TEST(DynamoDbResponseJson, BatchGetWithUnprocessedKeys) {
  const auto result = decode_result<BatchGetItemResult>(
      R"j({"Responses":{"t":[{"pk":{"S":"1"}}],"u":[]},)j"
      R"j("UnprocessedKeys":{"t":{"Keys":[{"pk":{"S":"2"}}],"ConsistentRead":true,)j"
      R"j("ProjectionExpression":"#a","ExpressionAttributeNames":{"#a":"pk"}}},)j"
      R"j("ConsumedCapacity":[{"TableName":"t","CapacityUnits":1}]})j");
  EXPECT_EQ(result.responses.at("t"), (std::vector<Item>{{{"pk", S("1")}}}));
  EXPECT_TRUE(result.responses.at("u").empty());
  const KeysAndAttributes expected{.keys = {{{"pk", S("2")}}},
                                   .consistent_read = true,
                                   .projection_expression = "#a",
                                   .expression_attribute_names = {{"#a", "pk"}}};
  EXPECT_EQ(result.unprocessed_keys.at("t"), expected);
  ASSERT_EQ(result.consumed_capacity.size(), 1u);
  EXPECT_EQ(result.consumed_capacity[0].capacity_units, 1.0);
}

TEST(DynamoDbResponseJson, BatchWriteUnprocessedItemsRoundTrip) {
  const auto result = decode_result<BatchWriteItemResult>(
      R"j({"UnprocessedItems":{"t":[{"PutRequest":{"Item":{"pk":{"S":"1"}}}},)j"
      R"j({"DeleteRequest":{"Key":{"pk":{"S":"2"}}}}]}})j");
  const std::vector<WriteRequest> expected{PutRequest{.item = {{"pk", S("1")}}},
                                           DeleteRequest{.key = {{"pk", S("2")}}}};
  EXPECT_EQ(result.unprocessed_items.at("t"), expected);
  // Unprocessed items are meant to be sent again as they are.
  EXPECT_EQ(encode_request(BatchWriteItemRequest{.request_items = result.unprocessed_items}),
            R"j({"RequestItems":{"t":[{"PutRequest":{"Item":{"pk":{"S":"1"}}}},)j"
            R"j({"DeleteRequest":{"Key":{"pk":{"S":"2"}}}}]}})j");
  EXPECT_TRUE(decode_result<BatchWriteItemResult>(R"j({"UnprocessedItems":{}})j")
                  .unprocessed_items.empty());
}

TEST(DynamoDbResponseJson, BatchWriteRejectsEmptyWriteRequest) {
  EXPECT_THROW((void)decode_result<BatchWriteItemResult>(R"j({"UnprocessedItems":{"t":[{}]}})j"),
               FormatError);
}

TEST(DynamoDbResponseJson, TransactGetResponsesAlignWithRequest) {
  const auto result = decode_result<TransactGetItemsResult>(
      R"j({"Responses":[{"Item":{"pk":{"S":"a"}}},{},{"Item":{"pk":{"S":"c"}}}]})j");
  ASSERT_EQ(result.responses.size(), 3u);
  EXPECT_EQ(result.responses[0], (Item{{"pk", S("a")}}));
  EXPECT_FALSE(result.responses[1].has_value());
  EXPECT_EQ(result.responses[2], (Item{{"pk", S("c")}}));
}

TEST(DynamoDbResponseJson, DescribeTableOfDynamoDbLocal) {
  // Shape as DynamoDB Local 2.x sends it, including its null BillingModeSummary.
  const auto result = decode_result<DescribeTableResult>(
      R"j({"Table":{"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},)j"
      R"j({"AttributeName":"sk","AttributeType":"N"}],"TableName":"t",)j"
      R"j("KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],)j"
      R"j("TableStatus":"ACTIVE","CreationDateTime":1795348566.424,)j"
      R"j("ProvisionedThroughput":{"LastIncreaseDateTime":0.000,"LastDecreaseDateTime":0.000,)j"
      R"j("NumberOfDecreasesToday":0,"ReadCapacityUnits":0,"WriteCapacityUnits":0},)j"
      R"j("TableSizeBytes":0,"ItemCount":0,"TableArn":"arn:aws:dynamodb:ddblocal:000000000000:table/t",)j"
      R"j("BillingModeSummary":null,)j"
      R"j("GlobalSecondaryIndexes":[{"IndexName":"g","KeySchema":[{"AttributeName":"sk","KeyType":"HASH"}],)j"
      R"j("Projection":{"ProjectionType":"ALL"},"IndexStatus":"ACTIVE","IndexSizeBytes":0,"ItemCount":0}],)j"
      R"j("StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_IMAGE"},)j"
      R"j("LatestStreamLabel":"2026-11-22T00:00:00.000","LatestStreamArn":"arn:s",)j"
      R"j("DeletionProtectionEnabled":false}})j");
  const TableDescription& t = result.table;
  EXPECT_EQ(t.table_name, "t");
  EXPECT_EQ(t.table_status, "ACTIVE");
  EXPECT_EQ(t.table_arn, "arn:aws:dynamodb:ddblocal:000000000000:table/t");
  EXPECT_EQ(t.key_schema, (std::vector<KeySchemaElement>{{"pk", KeyType::kHash},
                                                         {"sk", KeyType::kRange}}));
  EXPECT_EQ(t.attribute_definitions,
            (std::vector<AttributeDefinition>{{"pk", ScalarAttributeType::kS},
                                              {"sk", ScalarAttributeType::kN}}));
  ASSERT_TRUE(t.creation_date_time.has_value());
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(
                t.creation_date_time->time_since_epoch())
                .count(),
            1795348566424);
  EXPECT_FALSE(t.billing_mode_summary.has_value());
  ASSERT_TRUE(t.provisioned_throughput.has_value());
  EXPECT_EQ(t.provisioned_throughput->read_capacity_units, 0);
  ASSERT_EQ(t.global_secondary_indexes.size(), 1u);
  EXPECT_EQ(t.global_secondary_indexes[0].index_status, "ACTIVE");
  EXPECT_EQ(t.global_secondary_indexes[0].projection.projection_type, ProjectionType::kAll);
  EXPECT_EQ(t.stream_specification,
            (StreamSpecification{true, StreamViewType::kNewImage}));
  EXPECT_EQ(t.latest_stream_arn, "arn:s");
  EXPECT_EQ(t.deletion_protection_enabled, false);
}

TEST(DynamoDbResponseJson, CreateAndDeleteTableNeedTheirDescription) {
  EXPECT_EQ(decode_result<CreateTableResult>(
                R"j({"TableDescription":{"TableName":"t","TableStatus":"CREATING",)j"
                R"j("BillingModeSummary":{"BillingMode":"PAY_PER_REQUEST"}}})j")
                .table_description.billing_mode_summary,
            (BillingModeSummary{.billing_mode = BillingMode::kPayPerRequest}));
  EXPECT_EQ(decode_result<DeleteTableResult>(
                R"j({"TableDescription":{"TableName":"t","TableStatus":"DELETING"}})j")
                .table_description.table_status,
            "DELETING");
  EXPECT_THROW((void)decode_result<DeleteTableResult>("{}"), FormatError);
}

TEST(DynamoDbResponseJson, ListTables) {
  // The CRC example body of spec/aws-wire.md §3.6.
  EXPECT_TRUE(decode_result<ListTablesResult>(R"j({"TableNames": []})j").table_names.empty());
  const auto result =
      decode_result<ListTablesResult>(R"j({"TableNames":["a","b"],"LastEvaluatedTableName":"b"})j");
  EXPECT_EQ(result.table_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(result.last_evaluated_table_name, "b");
}

TEST(DynamoDbResponseJson, MalformedBodiesAreFormatErrorsWithPath) {
  EXPECT_THROW((void)decode_result<GetItemResult>("not json"), FormatError);
  EXPECT_THROW((void)decode_result<GetItemResult>("[]"), FormatError);
  try {
    (void)decode_result<QueryResult>(R"j({"Items":[{"pk":{"S":"a"}},{"pk":{"Q":"secret"}}]})j");
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("Query"), std::string::npos) << message;
    EXPECT_NE(message.find("$.Items[1]"), std::string::npos) << message;
    EXPECT_EQ(message.find("secret"), std::string::npos) << message;
  }
  try {
    (void)decode_result<QueryResult>(R"j({"Count":"three"})j");
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("$.Count"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)decode_result<DescribeTableResult>(
                   R"j({"Table":{"KeySchema":[{"AttributeName":"pk","KeyType":"SIDEWAYS"}]}})j"),
               FormatError);
}

// ----- Error bodies ---------------------------------------------------------------------------

TEST(DynamoDbErrorJson, TransactionCanceledReasonsOfVerifiedBody) {
  // spec/aws-wire.md §3.3, the *verified* TransactionCanceledException body.
  const auto details = decode_error_details(
      R"j({"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",)j"
      R"j("CancellationReasons":[{"Code":"None"},{"Code":"ConditionalCheckFailed",)j"
      R"j("Message":"The conditional request failed","Item":{"pk":{"S":"b"},"v":{"N":"2"}}}],)j"
      R"j("Message":"Transaction cancelled, please refer cancellation reasons for specific reasons )j"
      R"j([None, ConditionalCheckFailed]"})j");
  ASSERT_EQ(details.cancellation_reasons.size(), 2u);
  EXPECT_EQ(details.cancellation_reasons[0], (CancellationReason{.code = "None"}));
  EXPECT_EQ(details.cancellation_reasons[1],
            (CancellationReason{.code = "ConditionalCheckFailed",
                                .message = "The conditional request failed",
                                .item = Item{{"pk", S("b")}, {"v", N("2")}}}));
  EXPECT_FALSE(details.item.has_value());
}

TEST(DynamoDbErrorJson, ConditionalCheckFailedItem) {
  const auto details = decode_error_details(
      R"j({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",)j"
      R"j("message":"The conditional request failed","Item":{"pk":{"S":"a"}}})j");
  EXPECT_EQ(details.item, (Item{{"pk", S("a")}}));
  EXPECT_TRUE(details.cancellation_reasons.empty());
}

TEST(DynamoDbErrorJson, ThrottlingReasonsInBothSpellings) {
  const auto upper = decode_error_details(
      R"j({"__type":"ProvisionedThroughputExceededException","ThrottlingReasons":)j"
      R"j([{"reason":"TableReadProvisionedThroughputExceeded","resource":"arn:t"}]})j");
  EXPECT_EQ(upper.throttling_reasons,
            (std::vector<ThrottlingReason>{{"TableReadProvisionedThroughputExceeded", "arn:t"}}));
  const auto lower = decode_error_details(
      R"j({"__type":"ThrottlingException","throttlingReasons":[{"reason":"r","resource":"x"}]})j");
  EXPECT_EQ(lower.throttling_reasons, (std::vector<ThrottlingReason>{{"r", "x"}}));
}

TEST(DynamoDbErrorJson, MalformedErrorBodiesGiveEmptyDetails) {
  EXPECT_EQ(decode_error_details(""), DynamoDbErrorDetails{});
  EXPECT_EQ(decode_error_details("<html>503</html>"), DynamoDbErrorDetails{});
  // A reason list that cannot be read completely is dropped rather than misaligned.
  const auto partial = decode_error_details(
      R"j({"CancellationReasons":[{"Code":"None"},{"Code":7}]})j");
  EXPECT_TRUE(partial.cancellation_reasons.empty());
}

}  // namespace
}  // namespace ddbcrypt::internal
