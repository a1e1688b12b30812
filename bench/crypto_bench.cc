// The crypto layer's per-call cost: what the legacy item encryptor pays per attribute
// (AES-CBC), per item (HMAC or RSA signature, content-key unwrap), and what the field formats
// pay per value (AES-GCM). Sizes: 64 B is a typical short attribute, 4 KiB a large one, 1 KiB a
// typical string to sign.
#include <benchmark/benchmark.h>

#include "ddbcrypt/crypto/keys.h"
#include "ddbcrypt/crypto/primitives.h"

namespace {

using namespace ddbcrypt;

const RsaPrivateKey& rsa_key() {
  static const RsaPrivateKey key = RsaPrivateKey::generate(2048);
  return key;
}

void BM_AesCbcEncrypt(benchmark::State& state) {
  const AesKey key = AesKey::generate(32);
  const Bytes plain(static_cast<std::size_t>(state.range(0)), 0x41);
  for (auto _ : state) benchmark::DoNotOptimize(aes_cbc_encrypt(key, plain));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AesCbcEncrypt)->Arg(64)->Arg(4096);

void BM_AesCbcDecrypt(benchmark::State& state) {
  const AesKey key = AesKey::generate(32);
  const Bytes ct = aes_cbc_encrypt(key, Bytes(static_cast<std::size_t>(state.range(0)), 0x41));
  for (auto _ : state) benchmark::DoNotOptimize(aes_cbc_decrypt(key, ct));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AesCbcDecrypt)->Arg(64)->Arg(4096);

void BM_AesGcmEncrypt(benchmark::State& state) {
  const AesKey key = AesKey::generate(32);
  const Bytes plain(static_cast<std::size_t>(state.range(0)), 0x41);
  const Bytes aad(64, 0x61);
  for (auto _ : state) benchmark::DoNotOptimize(aes_gcm_encrypt(key, plain, aad));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AesGcmEncrypt)->Arg(64)->Arg(4096);

void BM_AesGcmDecrypt(benchmark::State& state) {
  const AesKey key = AesKey::generate(32);
  const Bytes aad(64, 0x61);
  const Bytes ct =
      aes_gcm_encrypt(key, Bytes(static_cast<std::size_t>(state.range(0)), 0x41), aad);
  for (auto _ : state) benchmark::DoNotOptimize(aes_gcm_decrypt(key, ct, aad));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AesGcmDecrypt)->Arg(64)->Arg(4096);

void BM_HmacSha256(benchmark::State& state) {
  const HmacKey key = HmacKey::generate(HashAlgorithm::kSha256, 32);
  const Bytes data(static_cast<std::size_t>(state.range(0)), 0x41);
  for (auto _ : state) benchmark::DoNotOptimize(hmac(key, data));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_HmacSha256)->Arg(64)->Arg(1024);

// Key creation included: what a provider pays when it derives a fresh signing key per item.
void BM_HmacSha256WithKeySetup(benchmark::State& state) {
  const SecretBytes secret = SecretBytes::random(32);
  const Bytes data(1024, 0x41);
  for (auto _ : state) {
    const HmacKey key = HmacKey::create(HashAlgorithm::kSha256, secret.clone());
    benchmark::DoNotOptimize(hmac(key, data));
  }
}
BENCHMARK(BM_HmacSha256WithKeySetup);

void BM_Sha256(benchmark::State& state) {
  const Bytes data(1024, 0x41);
  for (auto _ : state) benchmark::DoNotOptimize(sha256(data));
  state.SetBytesProcessed(state.iterations() * 1024);
}
BENCHMARK(BM_Sha256);

void BM_HkdfSha256(benchmark::State& state) {
  const SecretBytes ikm = SecretBytes::random(32);
  const Bytes salt(32, 0x11);
  const Bytes info(48, 0x22);
  for (auto _ : state) benchmark::DoNotOptimize(hkdf_sha256(ikm, salt, info, 64));
}
BENCHMARK(BM_HkdfSha256);

void BM_AesKeyWrap(benchmark::State& state) {
  const AesKey kek = AesKey::generate(32);
  const SecretBytes key = SecretBytes::random(32);
  for (auto _ : state) benchmark::DoNotOptimize(aes_key_wrap(kek, key));
}
BENCHMARK(BM_AesKeyWrap);

void BM_AesKeyUnwrap(benchmark::State& state) {
  const AesKey kek = AesKey::generate(32);
  const Bytes wrapped = aes_key_wrap(kek, SecretBytes::random(32));
  for (auto _ : state) benchmark::DoNotOptimize(aes_key_unwrap(kek, wrapped));
}
BENCHMARK(BM_AesKeyUnwrap);

// The legacy RSA wrapped provider's per-item cost on read: OAEP-SHA-256/MGF1-SHA-1 unwrap.
void BM_RsaOaepUnwrap2048(benchmark::State& state) {
  const RsaPrivateKey& key = rsa_key();
  const Bytes wrapped = rsa_oaep_encrypt(key.public_key(), HashAlgorithm::kSha256,
                                         HashAlgorithm::kSha1, SecretBytes::random(32));
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        rsa_oaep_decrypt(key, HashAlgorithm::kSha256, HashAlgorithm::kSha1, wrapped));
  }
}
BENCHMARK(BM_RsaOaepUnwrap2048)->Unit(benchmark::kMicrosecond);

void BM_RsaOaepWrap2048(benchmark::State& state) {
  const RsaPublicKey pub = rsa_key().public_key();
  const SecretBytes secret = SecretBytes::random(32);
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        rsa_oaep_encrypt(pub, HashAlgorithm::kSha256, HashAlgorithm::kSha1, secret));
  }
}
BENCHMARK(BM_RsaOaepWrap2048)->Unit(benchmark::kMicrosecond);

void BM_RsaSignSha256_2048(benchmark::State& state) {
  const RsaPrivateKey& key = rsa_key();
  const Bytes data(1024, 0x41);
  for (auto _ : state) benchmark::DoNotOptimize(rsa_sign(key, HashAlgorithm::kSha256, data));
}
BENCHMARK(BM_RsaSignSha256_2048)->Unit(benchmark::kMicrosecond);

void BM_RsaVerifySha256_2048(benchmark::State& state) {
  const RsaPrivateKey& key = rsa_key();
  const RsaPublicKey pub = key.public_key();
  const Bytes data(1024, 0x41);
  const Bytes sig = rsa_sign(key, HashAlgorithm::kSha256, data);
  for (auto _ : state) {
    if (!rsa_verify(pub, HashAlgorithm::kSha256, data, sig)) state.SkipWithError("bad signature");
  }
}
BENCHMARK(BM_RsaVerifySha256_2048)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
