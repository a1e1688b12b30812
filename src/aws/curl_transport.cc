// The libcurl HttpTransport (include/ddbcrypt/aws/http.h).
//
// Connection reuse comes from a pool of easy handles: each handle keeps its own idle
// connections, and a request borrows an idle handle (the most recently returned one, whose
// connections are the warmest) or makes a new one. A libcurl connection cache shared through
// CURLSH would be simpler, but libcurl documents it as unsafe between concurrently running
// threads (CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT; curl issue #4915). What the share does
// hold, safely behind one lock per kind of data, is the DNS cache and the TLS session cache,
// so a new handle skips the lookup and resumes a TLS session.

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdlib>
#include <exception>
#include <limits>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ddbcrypt/aws/http.h"

namespace ddbcrypt::aws {
namespace {

template <auto Free>
struct FreeWith {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};
using CurlEasy = std::unique_ptr<CURL, FreeWith<&curl_easy_cleanup>>;
using CurlShare = std::unique_ptr<CURLSH, FreeWith<&curl_share_cleanup>>;
using CurlHeaders = std::unique_ptr<curl_slist, FreeWith<&curl_slist_free_all>>;

// Idle handles kept beyond this are freed, with their connections, when returned.
constexpr std::size_t kMaxIdleHandles = 32;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw TransportError(TransportErrorKind::kOther, "curl_global_init failed");
    }
  });
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(),
                    [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         equals_ignoring_case(text.substr(0, prefix.size()), prefix);
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// "scheme://host[:port]" of `url`, without user info, path or query, which can hold secrets
// (presigned URLs, user:password@), for messages.
std::string origin_of(std::string_view url) {
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return "a URL without a scheme";
  std::string_view authority = url.substr(sep + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  return std::string(url.substr(0, sep)) + "://" + std::string(authority);
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

bool is_sendable_value(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

long clamp_ms(std::chrono::milliseconds d) {
  // 0 means "no timeout" to curl; a zero or negative timeout is taken as the shortest one.
  return static_cast<long>(std::clamp<std::chrono::milliseconds::rep>(d.count(), 1, LONG_MAX));
}

TransportErrorKind classify(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_PROXY:
      return TransportErrorKind::kConnectFailed;
    case CURLE_OPERATION_TIMEDOUT:
      return TransportErrorKind::kTimeout;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return TransportErrorKind::kConnectionReset;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
      return TransportErrorKind::kTls;
    default:
      return TransportErrorKind::kOther;
  }
}

// What the callbacks fill in during one transfer.
struct Exchange {
  HttpHeaders headers;
  std::string body;
  std::size_t max_body = 0;
  bool body_too_large = false;
  std::exception_ptr error;  // thrown inside a callback, rethrown after curl_easy_perform
};

// Called once per header line, status lines and the blank line ending each block included.
// Every response's block starts with its status line, so an interim 1xx block (or a proxy's
// CONNECT answer) is discarded when the next status line arrives.
std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) noexcept {
  auto& exchange = *static_cast<Exchange*>(user);
  const std::size_t total = size * count;
  try {
    const std::string_view raw(data, total);
    if (starts_with_ignoring_case(raw, "HTTP/")) {
      exchange.headers.clear();
      return total;
    }
    const std::string_view line = trim(raw);
    if (line.empty()) return total;
    if ((raw.front() == ' ' || raw.front() == '\t') && !exchange.headers.empty()) {
      // An obsolete folded continuation line (RFC 9112 §5.2) belongs to the previous value.
      exchange.headers.back().second += ' ';
      exchange.headers.back().second += line;
      return total;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return total;
    exchange.headers.emplace_back(std::string(trim(line.substr(0, colon))),
                                  std::string(trim(line.substr(colon + 1))));
    return total;
  } catch (...) {
    exchange.error = std::current_exception();
    return 0;
  }
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) noexcept {
  auto& exchange = *static_cast<Exchange*>(user);
  const std::size_t total = size * count;
  if (total > exchange.max_body - exchange.body.size()) {
    exchange.body_too_large = true;
    return 0;
  }
  try {
    exchange.body.append(data, total);
    return total;
  } catch (...) {
    exchange.error = std::current_exception();
    return 0;
  }
}

// The proxy libcurl will not pick up by itself. curl reads only the lower-case http_proxy for
// http:// URLs (upper-case HTTP_PROXY can be set by a request header in CGI programs); the
// AWS SDKs and most tools honour HTTP_PROXY, so it is used here when http_proxy is unset,
// except in a CGI process.
const char* upper_case_http_proxy(std::string_view url) {
  if (!starts_with_ignoring_case(url, "http://")) return nullptr;
  if (const char* lower = std::getenv("http_proxy"); lower != nullptr && *lower != '\0') {
    return nullptr;
  }
  if (std::getenv("REQUEST_METHOD") != nullptr) return nullptr;
  const char* upper = std::getenv("HTTP_PROXY");
  return (upper != nullptr && *upper != '\0') ? upper : nullptr;
}

class CurlTransport final : public HttpTransport {
 public:
  CurlTransport() {
    global_init();
    share_.reset(curl_share_init());
    if (!share_) throw TransportError(TransportErrorKind::kOther, "curl_share_init failed");
    curl_share_setopt(share_.get(), CURLSHOPT_USERDATA, &locks_);
    curl_share_setopt(share_.get(), CURLSHOPT_LOCKFUNC, &lock_share);
    curl_share_setopt(share_.get(), CURLSHOPT_UNLOCKFUNC, &unlock_share);
    curl_share_setopt(share_.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share_.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    idle_.reserve(kMaxIdleHandles);  // so release() cannot fail
  }
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  HttpResponse send(const HttpRequest& request, const HttpOptions& options) const override {
    const std::string origin = origin_of(request.url);
    const std::string what = "HTTP " + request.method + " to " + origin;
    auto fail = [&](TransportErrorKind kind, const std::string& why) {
      return TransportError(kind, what + " failed: " + why);
    };
    if (!is_token(request.method)) {
      throw TransportError(TransportErrorKind::kOther,
                           "HTTP request to " + origin + " failed: the method is not a token");
    }
    CurlHeaders headers = build_headers(request, fail);

    CurlEasy easy = acquire();
    CURL* h = easy.get();
    Exchange exchange;
    exchange.max_body = options.max_response_bytes;
    char error_text[CURL_ERROR_SIZE] = {};

    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    // Signals are not thread-safe; without this a DNS timeout uses SIGALRM.
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    // The path goes out as given: SigV4 signed exactly these bytes.
    curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, clamp_ms(options.connect_timeout));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, clamp_ms(options.request_timeout));
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, options.verify_tls ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, options.verify_tls ? 2L : 0L);
    curl_easy_setopt(h, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
    if (const char* proxy = upper_case_http_proxy(request.url)) {
      curl_easy_setopt(h, CURLOPT_PROXY, proxy);
    }
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_text);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &exchange);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &exchange);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(std::min<std::size_t>(
                         options.max_response_bytes,
                         static_cast<std::size_t>(std::numeric_limits<curl_off_t>::max()))));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    if (uses_get(request)) {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (uses_head(request)) {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
      // POSTFIELDS does not copy: `request` outlives the transfer.
      curl_easy_setopt(h, CURLOPT_POST, 1L);
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
      if (request.method != "POST") {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      }
    }

    const CURLcode code = curl_easy_perform(h);
    long status = 0;
    long proxy_status = 0;  // the proxy's answer to CONNECT, when there was one
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(h, CURLINFO_HTTP_CONNECTCODE, &proxy_status);
    release(std::move(easy));

    if (exchange.error) std::rethrow_exception(exchange.error);
    if (exchange.body_too_large || code == CURLE_FILESIZE_EXCEEDED) {
      throw fail(TransportErrorKind::kOther, "the response body is larger than " +
                                                 std::to_string(options.max_response_bytes) +
                                                 " bytes");
    }
    if (code != CURLE_OK) {
      const std::string_view detail = trim(error_text);
      // A proxy that refuses the tunnel is a connection failure, whatever curl calls it.
      const bool tunnel_refused = proxy_status != 0 && (proxy_status < 200 || proxy_status > 299);
      throw fail(tunnel_refused ? TransportErrorKind::kConnectFailed : classify(code),
                 detail.empty() ? std::string(curl_easy_strerror(code)) : std::string(detail));
    }
    HttpResponse response;
    response.status = static_cast<int>(status);
    response.headers = std::move(exchange.headers);
    response.body = std::move(exchange.body);
    return response;
  }

 private:
  using Locks = std::array<std::mutex, CURL_LOCK_DATA_LAST>;

  static void lock_share(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    (*static_cast<Locks*>(user))[static_cast<std::size_t>(data) % CURL_LOCK_DATA_LAST].lock();
  }
  static void unlock_share(CURL*, curl_lock_data data, void* user) {
    (*static_cast<Locks*>(user))[static_cast<std::size_t>(data) % CURL_LOCK_DATA_LAST].unlock();
  }

  static bool uses_get(const HttpRequest& r) { return r.method == "GET" && r.body.empty(); }
  static bool uses_head(const HttpRequest& r) { return r.method == "HEAD" && r.body.empty(); }

  template <class Fail>
  static CurlHeaders build_headers(const HttpRequest& request, const Fail& fail) {
    CurlHeaders list;
    auto append = [&](const std::string& line) {
      curl_slist* grown = curl_slist_append(list.get(), line.c_str());
      if (grown == nullptr) throw std::bad_alloc();
      (void)list.release();
      list.reset(grown);
    };
    const bool has_body = !uses_get(request) && !uses_head(request);
    bool has_accept = false, has_accept_encoding = false, has_content_type = false,
         has_expect = false;
    for (const auto& [name, value] : request.headers) {
      if (!is_token(name) || !is_sendable_value(value)) {
        throw fail(TransportErrorKind::kOther,
                   is_token(name) ? "the value of header " + name + " contains CR, LF or NUL"
                                  : std::string("a header name is not a token"));
      }
      if (equals_ignoring_case(name, "Expect")) {
        // A 100-continue round trip costs a full RTT (or curl's 1 s wait) per large request.
        if (equals_ignoring_case(trim(value), "100-continue")) continue;
        has_expect = true;
      }
      if (equals_ignoring_case(name, "Content-Length") &&
          trim(value) != std::to_string(request.body.size())) {
        throw fail(TransportErrorKind::kOther, "the Content-Length header does not match the body");
      }
      has_accept = has_accept || equals_ignoring_case(name, "Accept");
      has_accept_encoding = has_accept_encoding || equals_ignoring_case(name, "Accept-Encoding");
      has_content_type = has_content_type || equals_ignoring_case(name, "Content-Type");
      // "Name:" would tell curl to remove a header; "Name;" sends it with an empty value.
      append(value.empty() ? name + ";" : name + ": " + value);
    }
    // Each "Name:" with nothing after it removes a header libcurl would add by itself.
    if (!has_accept) append("Accept:");
    if (!has_expect) append("Expect:");
    if (has_body && !has_content_type) append("Content-Type:");
    // Identity keeps DynamoDB's x-amz-crc32 over the bytes we receive (spec/aws-wire.md §2).
    if (!has_accept_encoding) append("Accept-Encoding: identity");
    return list;
  }

  CurlEasy acquire() const {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        CurlEasy easy = std::move(idle_.back());
        idle_.pop_back();
        return easy;
      }
    }
    CurlEasy easy(curl_easy_init());
    if (!easy) throw TransportError(TransportErrorKind::kOther, "curl_easy_init failed");
    curl_easy_setopt(easy.get(), CURLOPT_SHARE, share_.get());
    return easy;
  }

  // REQUIRES: no transfer on `easy` is running.
  void release(CurlEasy easy) const noexcept {
    // Options go back to their defaults, so no pointer into the finished send() (error
    // buffer, callbacks' data, header list) survives; live connections and the share stay.
    curl_easy_reset(easy.get());
    std::lock_guard lock(mutex_);
    if (idle_.size() < kMaxIdleHandles) idle_.push_back(std::move(easy));
  }

  // Destroyed in reverse order: the handles before the share they use, and the share (whose
  // cleanup takes its locks) before the locks.
  Locks locks_;  // one per curl_lock_data, as libcurl requires
  CurlShare share_;
  mutable std::mutex mutex_;
  mutable std::vector<CurlEasy> idle_;  // guarded by mutex_
};

}  // namespace

std::shared_ptr<HttpTransport> make_curl_transport() { return std::make_shared<CurlTransport>(); }

std::shared_ptr<HttpTransport> default_transport() {
  static const std::shared_ptr<HttpTransport> transport = make_curl_transport();
  return transport;
}

}  // namespace ddbcrypt::aws
