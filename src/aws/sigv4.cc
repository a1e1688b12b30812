// SigV4 header signing (spec/aws-wire.md §1).
#include "aws/sigv4.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ddbcrypt/bytes.h"
#include "ddbcrypt/crypto/keys.h"
#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/error.h"

namespace ddbcrypt::internal {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kScopeTerminator = "aws4_request";
// A client signs for one or two (region, service) pairs at a time; a few more entries cover
// credential rotation and the day boundary.
constexpr std::size_t kKeyCacheCapacity = 8;

// Headers an earlier attempt added; they are replaced, never duplicated.
constexpr std::string_view kAuthorization = "Authorization";
constexpr std::string_view kAmzDate = "X-Amz-Date";
constexpr std::string_view kSecurityToken = "X-Amz-Security-Token";
constexpr std::string_view kContentSha256 = "x-amz-content-sha256";

char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(),
                    [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

bool is_unreserved(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_' || c == '.' || c == '~';
}

int hex_digit_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool is_escape_at(std::string_view text, std::size_t i) noexcept {
  return text[i] == '%' && i + 2 < text.size() && hex_digit_value(text[i + 1]) >= 0 &&
         hex_digit_value(text[i + 2]) >= 0;
}

void append_escaped(std::string& out, char c) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  const auto byte = static_cast<unsigned char>(c);
  out += '%';
  out += kHex[byte >> 4];
  out += kHex[byte & 0x0F];
}

// The strict rule of §1.3: only unreserved bytes stay, everything else (UTF-8 included)
// becomes %XX in upper-case hex; a space is never written as '+'.
void append_uri_encoded(std::string& out, std::string_view text, bool keep_slash) {
  for (const char c : text) {
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out += c;
    } else {
      append_escaped(out, c);
    }
  }
}

std::string uri_encode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_uri_encoded(out, text, /*keep_slash=*/false);
  return out;
}

// RFC 3986 percent-decoding. '+' is a literal plus here (it means a space only in HTML form
// bodies), and a '%' that does not start an escape is kept as the character it is, so the
// strict re-encoding turns it into "%25" rather than refusing the request.
std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (is_escape_at(text, i)) {
      out += static_cast<char>(hex_digit_value(text[i + 1]) * 16 + hex_digit_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

struct UrlParts {
  std::string scheme;          // lower case: "http" or "https"
  std::string_view authority;  // host[:port], as written
  std::string_view path;       // wire form, possibly empty
  std::string_view query;      // without the '?'
};

UrlParts split_url(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    throw ConfigError("SigV4: the request URL is not absolute (expected http:// or https://)");
  }
  UrlParts parts;
  parts.scheme = ascii_lower(url.substr(0, scheme_end));
  if (parts.scheme != "http" && parts.scheme != "https") {
    throw ConfigError("SigV4: the request URL scheme must be http or https, not '" +
                      parts.scheme + "'");
  }
  std::string_view rest = url.substr(scheme_end + 3);
  // The fragment never goes on the wire.
  rest = rest.substr(0, rest.find('#'));
  const std::size_t authority_end = rest.find_first_of("/?");
  parts.authority = rest.substr(0, authority_end);
  if (parts.authority.empty()) throw ConfigError("SigV4: the request URL has no host");
  // Credentials in the URL are never sent as Host, so the Host we would sign could not match.
  if (parts.authority.find('@') != std::string_view::npos) {
    throw ConfigError("SigV4: the request URL must not contain user information ('@')");
  }
  if (authority_end == std::string_view::npos) return parts;
  rest = rest.substr(authority_end);
  const std::size_t query_start = rest.find('?');
  parts.path = rest.substr(0, query_start);
  if (query_start != std::string_view::npos) parts.query = rest.substr(query_start + 1);
  return parts;
}

// The Host header as an HTTP client sends it: the port only when it is not the scheme's.
std::string host_header_value(const UrlParts& url) {
  std::string_view host = url.authority;
  std::string_view port;
  const std::size_t bracket = host.rfind(']');  // an IPv6 literal has colons of its own
  const std::size_t colon = host.rfind(':');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  if (host.empty()) throw ConfigError("SigV4: the request URL has no host");
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw ConfigError("SigV4: the request URL has a port that is not a number");
  }
  const std::string_view default_port = url.scheme == "https" ? "443" : "80";
  if (port.empty() || port == default_port) return std::string(host);
  std::string out(host);
  out += ':';
  out += port;
  return out;
}

// Removes "." segments, resolves ".." (never above the root) and collapses repeated '/'. A
// trailing '/' survives only when the input had one, as botocore and aws-c-auth do.
std::string normalize_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string out = "/";
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out += '/';
    out += segments[i];
  }
  if (!segments.empty() && path.ends_with('/')) out += '/';
  return out;
}

std::string canonical_uri(std::string_view path, bool normalize) {
  if (path.empty()) path = "/";
  std::string out;
  if (normalize) {
    // Encoding the wire form again is the "double encoding" every service but S3 expects:
    // their servers sign the path as received, escapes included.
    append_uri_encoded(out, normalize_path(path), /*keep_slash=*/true);
    return out;
  }
  // S3 signs the path encoded once: existing escapes stay, bytes sent raw are encoded.
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (is_escape_at(path, i)) {
      out.append(path.substr(i, 3));
      i += 2;
    } else if (is_unreserved(path[i]) || path[i] == '/') {
      out += path[i];
    } else {
      append_escaped(out, path[i]);
    }
  }
  return out;
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::size_t start = 0;
  while (start <= query.size() && !query.empty()) {
    const std::size_t end = std::min(query.find('&', start), query.size());
    const std::string_view pair = query.substr(start, end - start);
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      const std::string_view name = pair.substr(0, eq);
      const std::string_view value =
          eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
      pairs.emplace_back(uri_encode(percent_decode(name)), uri_encode(percent_decode(value)));
    }
    start = end + 1;
  }
  // Ordinal order of the encoded forms; std::string compares bytes as unsigned char.
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

bool is_header_space(char c) noexcept {
  // CR and LF count too, so an obsolete line fold ("\r\n  ") collapses to one space.
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Trims, and collapses every internal run of whitespace to one space, quotes included.
std::string canonical_header_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (const char c : value) {
    if (is_header_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

// Hop-by-hop headers, and headers a proxy or the SDK plumbing may add or change after
// signing; signing one of them would make the request fail verification for no gain.
bool is_unsigned_header(std::string_view lower_name) noexcept {
  for (const std::string_view name :
       {"authorization", "user-agent", "x-amzn-trace-id", "connection", "keep-alive", "expect",
        "te", "trailer", "transfer-encoding", "upgrade"}) {
    if (lower_name == name) return true;
  }
  return lower_name.starts_with("proxy-") || lower_name.starts_with("amz-sdk-");
}

bool is_valid_method(std::string_view method) noexcept {
  return !method.empty() &&
         std::all_of(method.begin(), method.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

void remove_headers(aws::HttpHeaders& headers, std::initializer_list<std::string_view> names) {
  std::erase_if(headers, [&](const auto& header) {
    return std::any_of(names.begin(), names.end(),
                       [&](std::string_view name) { return iequals(header.first, name); });
  });
}

bool has_header(const aws::HttpHeaders& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& header) { return iequals(header.first, name); });
}

// HMAC-SHA256 whose result is itself a key: it leaves this function only in wiping storage.
SecretBytes hmac_sha256_key(const SecretBytes& key, std::string_view data) {
  Bytes mac = hmac(HmacKey::create(HashAlgorithm::kSha256, key.clone()), as_bytes(data));
  SecretBytes out = SecretBytes::copy_of(mac);
  detail::secure_wipe(mac.data(), mac.size());
  return out;
}

}  // namespace

// Entries are found by (SHA-256 of the secret, date, region, service). The digest is kept in
// SecretBytes as well: it is not the secret, but it lets anyone holding it test guesses.
struct SigV4Signer::KeyCache {
  struct Entry {
    SecretBytes secret_digest;
    std::string date;
    std::string region;
    std::string service;
    HmacKey signing_key;
    std::uint64_t last_used;
  };

  std::mutex mutex;
  std::vector<Entry> entries;  // guarded by mutex; at most kKeyCacheCapacity
  std::uint64_t tick = 0;      // guarded by mutex; orders entries for LRU eviction

  // A copy of the cached key (sharing its keyed OpenSSL context), deriving it on a miss. The
  // derivation runs outside the lock, so two threads may derive the same key at once; the
  // second result is simply not stored twice.
  HmacKey signing_key(const SecretBytes& secret, std::string_view date, std::string_view region,
                      std::string_view service) {
    Bytes digest_bytes = sha256(secret.expose_secret());
    const SecretBytes digest = SecretBytes::copy_of(digest_bytes);
    detail::secure_wipe(digest_bytes.data(), digest_bytes.size());
    {
      const std::lock_guard<std::mutex> lock(mutex);
      if (Entry* entry = find(digest, date, region, service)) {
        entry->last_used = ++tick;
        return entry->signing_key.clone();
      }
    }
    HmacKey key = HmacKey::create(HashAlgorithm::kSha256,
                                  derive_sigv4_signing_key(secret, date, region, service));
    const std::lock_guard<std::mutex> lock(mutex);
    if (find(digest, date, region, service) == nullptr) {
      if (entries.size() >= kKeyCacheCapacity) {
        entries.erase(std::min_element(
            entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.last_used < b.last_used; }));
      }
      entries.push_back(Entry{digest.clone(), std::string(date), std::string(region),
                              std::string(service), key.clone(), ++tick});
    }
    return key;
  }

  // REQUIRES: mutex held.
  Entry* find(const SecretBytes& digest, std::string_view date, std::string_view region,
              std::string_view service) {
    for (Entry& entry : entries) {
      if (entry.date == date && entry.region == region && entry.service == service &&
          entry.secret_digest == digest) {
        return &entry;
      }
    }
    return nullptr;
  }
};

SigV4Signer::SigV4Signer() : cache_(std::make_unique<KeyCache>()) {}
SigV4Signer::~SigV4Signer() = default;

SigV4Signature SigV4Signer::sign(aws::HttpRequest& request, const aws::Credentials& credentials,
                                 const SigV4Params& params) const {
  if (params.region.empty()) throw ConfigError("SigV4: the signing region is empty");
  if (params.service.empty()) throw ConfigError("SigV4: the signing name (service) is empty");
  if (credentials.access_key_id().empty()) throw ConfigError("SigV4: the access key id is empty");
  if (credentials.secret_access_key().empty()) {
    throw ConfigError("SigV4: the secret access key is empty");
  }
  if (!is_valid_method(request.method)) {
    throw ConfigError("SigV4: the HTTP method must be upper-case letters, e.g. POST");
  }
  const UrlParts url = split_url(request.url);

  // Work on a copy so that a failure leaves the caller's request as it was.
  aws::HttpHeaders headers = request.headers;
  remove_headers(headers, {kAuthorization, kAmzDate, kSecurityToken, kContentSha256});
  if (!has_header(headers, "host")) {
    headers.emplace(headers.begin(), "Host", host_header_value(url));
  }
  const std::string date = amz_date(params.time);
  headers.emplace_back(kAmzDate, date);
  const std::optional<std::string>& token = credentials.session_token();
  const bool has_token = token.has_value() && !token->empty();
  if (has_token) headers.emplace_back(kSecurityToken, *token);
  const std::string payload_hash = hex_encode(sha256(as_bytes(request.body)));
  if (params.sign_body) headers.emplace_back(kContentSha256, payload_hash);

  // std::map sorts by lower-case name; values of a repeated header join in send order.
  std::map<std::string, std::string> signed_values;
  for (const auto& [name, value] : headers) {
    if (name.empty()) throw ConfigError("SigV4: the request has a header with an empty name");
    std::string lower_name = ascii_lower(name);
    if (is_unsigned_header(lower_name)) continue;
    if (params.omit_session_token && lower_name == "x-amz-security-token") continue;
    const std::string canonical_value = canonical_header_value(value);
    const auto [it, inserted] = signed_values.try_emplace(std::move(lower_name), canonical_value);
    if (!inserted) {
      it->second += ',';
      it->second += canonical_value;
    }
  }
  std::string canonical_headers;
  std::string signed_headers;
  for (const auto& [name, value] : signed_values) {
    canonical_headers += name;
    canonical_headers += ':';
    canonical_headers += value;
    canonical_headers += '\n';
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += name;
  }

  SigV4Signature result;
  result.canonical_request = request.method;
  result.canonical_request += '\n';
  result.canonical_request += canonical_uri(url.path, params.normalize_path);
  result.canonical_request += '\n';
  result.canonical_request += canonical_query(url.query);
  result.canonical_request += '\n';
  result.canonical_request += canonical_headers;
  result.canonical_request += '\n';
  result.canonical_request += signed_headers;
  result.canonical_request += '\n';
  result.canonical_request += payload_hash;

  const std::string_view scope_date = std::string_view(date).substr(0, 8);
  std::string scope(scope_date);
  scope += '/';
  scope += params.region;
  scope += '/';
  scope += params.service;
  scope += '/';
  scope += kScopeTerminator;

  result.string_to_sign = kAlgorithm;
  result.string_to_sign += '\n';
  result.string_to_sign += date;
  result.string_to_sign += '\n';
  result.string_to_sign += scope;
  result.string_to_sign += '\n';
  result.string_to_sign += hex_encode(sha256(as_bytes(result.canonical_request)));

  const HmacKey key =
      cache_->signing_key(credentials.secret_access_key(), scope_date, params.region,
                          params.service);
  result.signature = hex_encode(hmac(key, as_bytes(result.string_to_sign)));

  result.authorization = kAlgorithm;
  result.authorization += " Credential=";
  result.authorization += credentials.access_key_id();
  result.authorization += '/';
  result.authorization += scope;
  result.authorization += ", SignedHeaders=";
  result.authorization += signed_headers;
  result.authorization += ", Signature=";
  result.authorization += result.signature;

  headers.emplace_back(kAuthorization, result.authorization);
  request.headers = std::move(headers);
  return result;
}

std::string amz_date(std::chrono::system_clock::time_point time) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  const auto day = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day ymd(day);
  const std::chrono::hh_mm_ss<std::chrono::seconds> clock(seconds - day);
  char text[32];
  std::snprintf(text, sizeof text, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()));
  return text;
}

SecretBytes derive_sigv4_signing_key(const SecretBytes& secret_access_key, std::string_view date,
                                     std::string_view region, std::string_view service) {
  constexpr std::string_view kPrefix = "AWS4";
  const ByteView prefix = as_bytes(kPrefix);
  const ByteView secret = secret_access_key.expose_secret();
  SecretBytes key = SecretBytes::zeroed(prefix.size() + secret.size());
  const auto out = key.expose_secret_mutable();
  std::copy(prefix.begin(), prefix.end(), out.begin());
  std::copy(secret.begin(), secret.end(), out.begin() + static_cast<std::ptrdiff_t>(prefix.size()));
  for (const std::string_view part : {date, region, service, kScopeTerminator}) {
    key = hmac_sha256_key(key, part);
  }
  return key;
}

}  // namespace ddbcrypt::internal
