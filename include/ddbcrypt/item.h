// The item layer: DynamoDB's data model and its encodings.
#pragma once

#include "ddbcrypt/item/attribute_value.h"
#include "ddbcrypt/item/dynamodb_json.h"
#include "ddbcrypt/item/native.h"
