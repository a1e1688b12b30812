// SecretBytes: key material that is wiped when freed, never printed, compared in constant
// time. Move-only, so a second copy of a key must be asked for by name (`clone()`).
//
// Thread-safety: a value type; const access from several threads is safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <span>
#include <vector>

namespace ddbcrypt {

namespace detail {
// Overwrites memory in a way the compiler cannot elide (OPENSSL_cleanse).
void secure_wipe(void* data, std::size_t size) noexcept;

// An allocator that wipes every block before returning it to the heap.
template <class T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() noexcept = default;
  template <class U>
  WipingAllocator(const WipingAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    secure_wipe(p, n * sizeof(T));
    std::allocator<T>{}.deallocate(p, n);
  }
  template <class U>
  friend bool operator==(const WipingAllocator&, const WipingAllocator<U>&) noexcept {
    return true;
  }
};
}  // namespace detail

class SecretBytes {
 public:
  // An empty secret.
  SecretBytes() = default;
  // `size` bytes from OpenSSL's CSPRNG (RAND_bytes). Throws EncryptionError if the generator
  // fails.
  [[nodiscard]] static SecretBytes random(std::size_t size);
  // Copies `raw` into wiping storage. The caller remains responsible for wiping `raw`.
  [[nodiscard]] static SecretBytes copy_of(std::span<const std::uint8_t> raw);

  SecretBytes(SecretBytes&&) noexcept = default;
  SecretBytes& operator=(SecretBytes&&) noexcept = default;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes() = default;

  [[nodiscard]] SecretBytes clone() const { return copy_of(bytes_); }

  std::size_t size() const noexcept { return bytes_.size(); }
  bool empty() const noexcept { return bytes_.empty(); }

  // The only way to read the bytes; grep for it in review.
  std::span<const std::uint8_t> expose_secret() const noexcept { return bytes_; }
  // Writable access for code that fills a secret in place (e.g. a KDF output buffer).
  std::span<std::uint8_t> expose_secret_mutable() noexcept { return bytes_; }

  // A secret of `size` zero bytes, to be filled through expose_secret_mutable().
  [[nodiscard]] static SecretBytes zeroed(std::size_t size);

  // Keeps the first `size` bytes and wipes the rest, for outputs whose length is known only
  // after they were written (key unwrap, RSA decryption). No-op if `size` >= size().
  void truncate(std::size_t size) noexcept;

  // Constant-time equality (CRYPTO_memcmp); sizes are not secret.
  friend bool operator==(const SecretBytes& a, const SecretBytes& b) noexcept;

  // Prints "SecretBytes(<n> bytes)", never the bytes, so a secret that reaches a log or a
  // test failure message stays secret.
  friend std::ostream& operator<<(std::ostream& out, const SecretBytes& secret);

 private:
  std::vector<std::uint8_t, detail::WipingAllocator<std::uint8_t>> bytes_;
};

}  // namespace ddbcrypt
