// The crypto layer: thin, misuse-resistant wrappers over OpenSSL 3.
#pragma once

#include "ddbcrypt/crypto/keys.h"
#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/crypto/secret_bytes.h"
