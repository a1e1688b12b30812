#include "client/errors.h"

#include "ddbcrypt/error.h"

namespace ddbcrypt::internal {

void rethrow_with_context(const std::string& prefix) {
  try {
    throw;
  } catch (const AwsError&) {
    throw;
  } catch (const SignatureError& e) {
    throw SignatureError(prefix + e.what());
  } catch (const DecryptionError& e) {
    throw DecryptionError(prefix + e.what());
  } catch (const EncryptionError& e) {
    throw EncryptionError(prefix + e.what());
  } catch (const ConfigError& e) {
    throw ConfigError(prefix + e.what());
  } catch (const FormatError& e) {
    throw FormatError(prefix + e.what());
  }
}

}  // namespace ddbcrypt::internal
