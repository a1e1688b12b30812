// The materials layer: where the keys protecting each item come from.
#pragma once

#include "ddbcrypt/materials/direct_kms_provider.h"
#include "ddbcrypt/materials/dynamodb_meta_store.h"
#include "ddbcrypt/materials/materials_file.h"
#include "ddbcrypt/materials/materials_provider.h"
#include "ddbcrypt/materials/meta_store.h"
#include "ddbcrypt/materials/most_recent_provider.h"
