// The client layer: drop-in encrypted access to DynamoDB tables (EncryptedClient for
// DynamoDB requests and results, EncryptedTable for one table) and decryption of DynamoDB
// Streams records.
#pragma once

#include "ddbcrypt/client/encrypted_client.h"
#include "ddbcrypt/client/encrypted_table.h"
#include "ddbcrypt/client/stream_decryption.h"
