#include "legacy/algorithms.h"

#include <array>
#include <charconv>
#include <utility>

#include "ddbcrypt/error.h"

namespace ddbcrypt::internal::legacy {
namespace {

constexpr std::array<std::pair<std::string_view, SigningAlgorithm>, 8> kSigningAlgorithms = {{
    {"HmacSHA224", {false, HashAlgorithm::kSha224}},
    {"HmacSHA256", {false, HashAlgorithm::kSha256}},
    {"HmacSHA384", {false, HashAlgorithm::kSha384}},
    {"HmacSHA512", {false, HashAlgorithm::kSha512}},
    {"SHA224withRSA", {true, HashAlgorithm::kSha224}},
    {"SHA256withRSA", {true, HashAlgorithm::kSha256}},
    {"SHA384withRSA", {true, HashAlgorithm::kSha384}},
    {"SHA512withRSA", {true, HashAlgorithm::kSha512}},
}};

constexpr std::array<std::pair<std::string_view, WrapAlgorithm>, 7> kWrapAlgorithms = {{
    {"AESWrap", {WrapKind::kAesWrap, HashAlgorithm::kSha256}},
    {"RSA/ECB/OAEPWithSHA-1AndMGF1Padding", {WrapKind::kRsaOaep, HashAlgorithm::kSha1}},
    {"RSA/ECB/OAEPWithSHA-256AndMGF1Padding", {WrapKind::kRsaOaep, HashAlgorithm::kSha256}},
    {"RSA/ECB/OAEPWithSHA-384AndMGF1Padding", {WrapKind::kRsaOaep, HashAlgorithm::kSha384}},
    {"RSA/ECB/OAEPWithSHA-512AndMGF1Padding", {WrapKind::kRsaOaep, HashAlgorithm::kSha512}},
    {"RSA/ECB/PKCS1Padding", {WrapKind::kRsaPkcs1, HashAlgorithm::kSha256}},
    // The bare JCE cipher name "RSA" defaults to ECB/PKCS1Padding; it is what an item without
    // `amzn-ddb-wrap-alg` falls back to for an RSA unwrapping key (spec §12.2, D4).
    {"RSA", {WrapKind::kRsaPkcs1, HashAlgorithm::kSha256}},
}};

std::string quoted(std::string_view name) {
  // Names come from configuration or from an item's (unsigned) description: keep messages
  // bounded and printable.
  std::string out = "\"";
  for (char c : name.substr(0, 64)) out.push_back((c >= 0x20 && c < 0x7f) ? c : '?');
  if (name.size() > 64) out += "...";
  out += "\"";
  return out;
}

}  // namespace

std::optional<SigningAlgorithm> find_signing_algorithm(std::string_view name) {
  for (const auto& [candidate, algorithm] : kSigningAlgorithms) {
    if (candidate == name) return algorithm;
  }
  return std::nullopt;
}

SigningAlgorithm parse_signing_algorithm(std::string_view name) {
  if (auto found = find_signing_algorithm(name)) return *found;
  throw ConfigError("unsupported signing algorithm " + quoted(name) +
                    " (expected HmacSHA224/256/384/512 or SHA224/256/384/512withRSA)");
}

std::string signing_algorithm_name(SigningAlgorithm algorithm) {
  for (const auto& [name, candidate] : kSigningAlgorithms) {
    if (candidate == algorithm) return std::string(name);
  }
  throw ConfigError("signing algorithm has no JCE name");
}

WrapAlgorithm parse_wrap_algorithm(std::string_view name) {
  for (const auto& [candidate, algorithm] : kWrapAlgorithms) {
    if (candidate == name) return algorithm;
  }
  throw ConfigError("unsupported key wrapping algorithm " + quoted(name) +
                    " (expected AESWrap, RSA/ECB/OAEPWithSHA-{1,256,384,512}AndMGF1Padding or "
                    "RSA/ECB/PKCS1Padding)");
}

std::string wrap_algorithm_name(WrapAlgorithm algorithm) {
  for (const auto& [name, candidate] : kWrapAlgorithms) {
    if (candidate.kind == algorithm.kind &&
        (algorithm.kind != WrapKind::kRsaOaep || candidate.oaep_hash == algorithm.oaep_hash)) {
      return std::string(name);
    }
  }
  throw ConfigError("key wrapping algorithm has no JCE name");
}

KeyDescription split_key_description(std::string_view description) {
  const auto slash = description.find('/');
  KeyDescription out{std::string(description.substr(0, slash)), std::nullopt};
  if (slash == std::string_view::npos) return out;
  const std::string_view bits = description.substr(slash + 1);
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), value);
  if (bits.empty() || ec != std::errc() || end != bits.data() + bits.size() || value == 0) {
    throw ConfigError("invalid key description " + quoted(description) +
                      " (expected ALGORITHM or ALGORITHM/BITS)");
  }
  out.bits = value;
  return out;
}

std::optional<std::size_t> parse_content_key_description(std::string_view description) {
  const KeyDescription d = split_key_description(description);
  if (d.algorithm != "AES") {
    throw ConfigError("unsupported content key algorithm " + quoted(description) +
                      " (expected AES, AES/128, AES/192 or AES/256)");
  }
  if (!d.bits) return std::nullopt;
  if (*d.bits != 128 && *d.bits != 192 && *d.bits != 256) {
    throw ConfigError("unsupported content key size " + quoted(description) +
                      " (expected 128, 192 or 256 bits)");
  }
  return *d.bits / 8;
}

}  // namespace ddbcrypt::internal::legacy
