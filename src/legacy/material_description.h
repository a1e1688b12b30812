// Serialized material description (spec §6.1): the B value of `*amzn-ddb-map-desc*`.
//
//   u32 version (0) || (u32 len || key || u32 len || value)*   until the end of the buffer
//
// Written sorted by key (UTF-8 byte order, as Python does); read in any order (Java writes
// hash-map order). The description is not signed: readers must treat it as untrusted.
//
// Thread-safety: free functions without shared state.
#pragma once

#include "ddbcrypt/bytes.h"
#include "ddbcrypt/materials/materials_provider.h"

namespace ddbcrypt::internal::legacy {

[[nodiscard]] Bytes serialize_material_description(const MaterialDescription& description);

// FormatError for a buffer shorter than the version, a version other than 0, or a truncated
// pair. Duplicate keys: the last one wins.
[[nodiscard]] MaterialDescription parse_material_description(ByteView data);

}  // namespace ddbcrypt::internal::legacy
