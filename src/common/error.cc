#include "ddbcrypt/error.h"

namespace ddbcrypt {

bool is_throttling_error_code(std::string_view error_code) noexcept {
  static constexpr std::string_view kThrottlingCodes[] = {
      "Throttling",
      "ThrottlingException",
      "ThrottledException",
      "RequestThrottledException",
      "TooManyRequestsException",
      "ProvisionedThroughputExceededException",
      "TransactionInProgressException",
      "RequestLimitExceeded",
      "BandwidthLimitExceeded",
      "LimitExceededException",
      "RequestThrottled",
      "SlowDown",
      "PriorRequestNotComplete",
      "EC2ThrottledException",
  };
  for (std::string_view code : kThrottlingCodes) {
    if (error_code == code) return true;
  }
  return false;
}

bool AwsError::is_throttling() const noexcept { return is_throttling_error_code(info_.error_code); }

std::string AwsError::format(const std::string& service, const AwsErrorInfo& info) {
  std::string text = service + " error " + info.error_code;
  if (!info.message.empty()) text += ": " + info.message;
  if (info.http_status != 0) text += " (HTTP " + std::to_string(info.http_status);
  else text += " (no HTTP response";
  if (!info.request_id.empty()) text += ", request id " + info.request_id;
  if (info.attempts > 1) text += ", after " + std::to_string(info.attempts) + " attempts";
  text += ")";
  return text;
}

}  // namespace ddbcrypt
