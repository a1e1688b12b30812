// Adding context (operation, table, item position) to errors from lower layers without
// changing their class.
#pragma once

#include <string>

namespace ddbcrypt::internal {

// Rethrows the exception being handled as the same ddbcrypt class with `prefix` before its
// message. AwsError classes and foreign exceptions are rethrown unchanged. Call only inside a
// catch block.
[[noreturn]] void rethrow_with_context(const std::string& prefix);

}  // namespace ddbcrypt::internal
