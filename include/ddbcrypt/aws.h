// The aws layer: talking to AWS without the AWS SDK. Configuration and credentials, the HTTP
// transport seam, and the KMS and DynamoDB clients (spec/aws-wire.md).
#pragma once

#include "ddbcrypt/aws/client_config.h"
#include "ddbcrypt/aws/credentials.h"
#include "ddbcrypt/aws/dynamodb_client.h"
#include "ddbcrypt/aws/dynamodb_streams.h"
#include "ddbcrypt/aws/http.h"
#include "ddbcrypt/aws/kms_client.h"
