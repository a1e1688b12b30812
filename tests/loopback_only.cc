// Linked into every test binary: before main() runs, the instance metadata service is turned
// off and every request to a host other than loopback is sent to a proxy address where nothing
// listens, so a test that would reach a real AWS endpoint (or 169.254.169.254) by mistake fails
// at once with a connection error instead of leaving the machine. libcurl reads these
// variables on every transfer. Tests that exercise proxy handling set their own values and put
// these back afterwards.
#include <cstdlib>

namespace {

struct LoopbackOnly {
  LoopbackOnly() {
    constexpr const char* kDeadProxy = "http://127.0.0.1:9";
    constexpr const char* kLoopback = "127.0.0.1,localhost,::1";
    ::setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    ::setenv("http_proxy", kDeadProxy, 1);
    ::setenv("https_proxy", kDeadProxy, 1);
    ::setenv("HTTPS_PROXY", kDeadProxy, 1);
    ::setenv("ALL_PROXY", kDeadProxy, 1);
    ::setenv("no_proxy", kLoopback, 1);
    ::setenv("NO_PROXY", kLoopback, 1);
  }
};

const LoopbackOnly kLoopbackOnly;

}  // namespace
