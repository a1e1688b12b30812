// ddbcrypt: client-side encryption of Amazon DynamoDB items, byte-compatible with the AWS
// DynamoDB Encryption Client (legacy Java and Python libraries).
//
// The umbrella header: includes every public layer. Include a layer's header instead when
// only that layer is needed (ddbcrypt/item.h, ddbcrypt/crypto.h, ddbcrypt/materials.h,
// ddbcrypt/encryptor.h, ...).
#pragma once

#include "ddbcrypt/aws.h"
#include "ddbcrypt/bytes.h"
#include "ddbcrypt/client.h"
#include "ddbcrypt/crypto.h"
#include "ddbcrypt/encryptor.h"
#include "ddbcrypt/error.h"
#include "ddbcrypt/item.h"
#include "ddbcrypt/materials.h"
#include "ddbcrypt/model.h"
