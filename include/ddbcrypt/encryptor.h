// The encryptor layer: encrypting, signing, verifying and decrypting one item.
#pragma once

#include "ddbcrypt/encryptor/item_encryptor.h"
