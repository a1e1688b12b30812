// The model layer: typed records with per-field KMS encryption (schema.h, repository.h,
// transaction.h, condition.h, attribute_codec.h) over the field encryptor
// (field_encryption.h, data_key_cache.h).
#pragma once

#include "ddbcrypt/model/attribute_codec.h"
#include "ddbcrypt/model/condition.h"
#include "ddbcrypt/model/data_key_cache.h"
#include "ddbcrypt/model/field_encryption.h"
#include "ddbcrypt/model/repository.h"
#include "ddbcrypt/model/repository_options.h"
#include "ddbcrypt/model/schema.h"
#include "ddbcrypt/model/transaction.h"
