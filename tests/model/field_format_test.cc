// The two field envelope formats at the byte level: pydynox's synthetic vectors
// (spec/field-encryption.md §15), the bound format's vectors (tests/vectors/field/, made by an
// independent Python implementation of docs/bound-field-format.md), and tamper tests.
#include "model/field_format.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ddbcrypt/crypto/keys.h"
#include "ddbcrypt/crypto/primitives.h"
#include "ddbcrypt/error.h"
#include "ddbcrypt/item/dynamodb_json.h"
#include "ddbcrypt/model/field_encryption.h"
#include "model/field_value_codec.h"
#include "testing/fake_kms.h"

namespace ddbcrypt::internal {
namespace {

SecretBytes secret_hex(std::string_view hex) { return SecretBytes::copy_of(hex_decode(hex)); }

const SecretBytes& spec_data_key() {
  static const SecretBytes key =
      secret_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  return key;
}
const Bytes kPlaceholderEdk = to_bytes("EDK-PLACEHOLDER!");

std::string_view what_of(const std::exception& e) { return e.what(); }

// Runs `body` and returns the EncryptionError message; fails the test on any other outcome.
template <class Body>
std::string encryption_error_of(Body&& body) {
  try {
    body();
  } catch (const EncryptionError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected EncryptionError, got: " << what_of(e);
    return {};
  }
  ADD_FAILURE() << "expected EncryptionError, nothing was thrown";
  return {};
}

// ---- pydynox format: spec §15 ----

struct PydynoxVector {
  std::string name;
  std::string plaintext;
  std::string nonce_hex;
  std::string stored;
};

const std::vector<PydynoxVector>& pydynox_vectors() {
  static const std::vector<PydynoxVector> v = {
      {"V1", "123-45-6789", "000102030405060708090a0b",
       "ENC:AQAQRURLLVBMQUNFSE9MREVSIQABAgMEBQYHCAkKC3Yw5Tbx0O8tunmuNlo5ITrQiRQfRo5wqzOTrg=="},
      {"V2", "", "000102030405060708090a0b",
       "ENC:AQAQRURLLVBMQUNFSE9MREVSIQABAgMEBQYHCAkKC/TC2x3DiAWje5IXHF0Kgcw="},
      {"V3", "Hello \xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x94\x90", "cafebabefacedbaddecaf888",
       "ENC:AQAQRURLLVBMQUNFSE9MREVSIcr+ur76ztut3sr4iMLGzErFWquj0OzIUVvtFqudXm2mmGwb1g6XRcFCTfA"
       "Ajw=="},
  };
  return v;
}

TEST(PydynoxFormat, WritesTheSpecVectorsByteForByte) {
  for (const auto& v : pydynox_vectors()) {
    SCOPED_TRACE(v.name);
    const Bytes envelope = seal_pydynox(spec_data_key(), kPlaceholderEdk, hex_decode(v.nonce_hex),
                                        as_bytes(v.plaintext));
    EXPECT_EQ(envelope.size(), kPydynoxOverhead + kPlaceholderEdk.size() + v.plaintext.size());
    EXPECT_EQ(to_stored_text(envelope), v.stored);
  }
}

TEST(PydynoxFormat, ReadsTheSpecVectors) {
  for (const auto& v : pydynox_vectors()) {
    SCOPED_TRACE(v.name);
    const Bytes envelope = from_stored_text(v.stored);
    const PydynoxEnvelope parsed = parse_pydynox_envelope(envelope);
    EXPECT_EQ(Bytes(parsed.encrypted_key.begin(), parsed.encrypted_key.end()), kPlaceholderEdk);
    const Bytes plaintext = open_pydynox(spec_data_key(), parsed);
    EXPECT_EQ(std::string(plaintext.begin(), plaintext.end()), v.plaintext);
  }
}

TEST(PydynoxFormat, V1EnvelopeLayout) {
  const Bytes envelope = from_stored_text(pydynox_vectors()[0].stored);
  EXPECT_EQ(hex_encode(envelope),
            "01" "0010" "45444b2d504c414345484f4c44455221" "000102030405060708090a0b"
            "7630e536f1d0ef2dba79ae" "365a39213ad089141f468e70ab3393ae");
}

TEST(PydynoxFormat, UsesEmptyAssociatedData) {
  // Opening V1 with AAD "x" must fail: proves the envelope was sealed with empty AAD.
  const Bytes envelope = from_stored_text(pydynox_vectors()[0].stored);
  const PydynoxEnvelope parsed = parse_pydynox_envelope(envelope);
  EXPECT_THROW((void)aes_gcm_decrypt(AesKey::create(spec_data_key().clone()),
                                     parsed.nonce_ciphertext_tag, as_bytes("x")),
               SignatureError);
}

TEST(PydynoxFormat, NegativeSpecVectorsFailBeforeAnyKeyIsNeeded) {
  const std::string v3_as_version_2 =
      "ENC:AgAQRURLLVBMQUNFSE9MREVSIcr+ur76ztut3sr4iMLGzErFWquj0OzIUVvtFqudXm2mmGwb1g6XRcFCTfAAj"
      "w==";
  EXPECT_EQ(encryption_error_of([&] {
              (void)parse_pydynox_envelope(from_stored_text(v3_as_version_2));
            }),
            "Unsupported envelope version: 2");
  EXPECT_EQ(encryption_error_of([&] {
              (void)parse_pydynox_envelope(from_stored_text("ENC:AQD/RURLLVBMQUNFSE9MREVSIQ=="));
            }),
            "Invalid envelope: truncated DEK");
  EXPECT_EQ(encryption_error_of([&] { (void)parse_pydynox_envelope(from_stored_text("ENC:")); }),
            "Invalid envelope: too short");
  EXPECT_TRUE(encryption_error_of([&] { (void)from_stored_text("ENC:not-valid-base64!!!"); })
                  .starts_with("Invalid base64: "));
  EXPECT_EQ(encryption_error_of([&] { (void)from_stored_text("123-45-6789"); }),
            "Ciphertext must start with 'ENC:' prefix");
}

TEST(PydynoxFormat, ShortBodiesUsePydynoxMessages) {
  Bytes envelope = from_stored_text(pydynox_vectors()[0].stored);
  // edk complete, 11 bytes of nonce.
  const Bytes short_nonce(envelope.begin(), envelope.begin() + 3 + 16 + 11);
  EXPECT_EQ(encryption_error_of([&] { (void)parse_pydynox_envelope(short_nonce); }),
            "Data too short for decryption");
  // Nonce complete, 15 bytes of tag.
  const Bytes short_tag(envelope.begin(), envelope.begin() + 3 + 16 + 12 + 15);
  EXPECT_EQ(encryption_error_of([&] { (void)parse_pydynox_envelope(short_tag); }),
            "Decryption failed: aead::Error");
}

TEST(PydynoxFormat, FlippingAnyBitAfterTheKeyFailsDecryption) {
  const Bytes envelope = from_stored_text(pydynox_vectors()[0].stored);
  const std::size_t body_start = 3 + kPlaceholderEdk.size();
  for (std::size_t i = body_start; i < envelope.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes tampered = envelope;
      tampered[i] ^= static_cast<std::uint8_t>(1 << bit);
      const PydynoxEnvelope parsed = parse_pydynox_envelope(tampered);
      EXPECT_THROW((void)open_pydynox(spec_data_key(), parsed), EncryptionError)
          << "byte " << i << " bit " << bit;
    }
  }
}

TEST(PydynoxFormat, TruncationAtEveryLengthIsAnEncryptionError) {
  const Bytes envelope = from_stored_text(pydynox_vectors()[0].stored);
  for (std::size_t n = 0; n < envelope.size(); ++n) {
    const Bytes truncated(envelope.begin(), envelope.begin() + static_cast<long>(n));
    EXPECT_THROW(
        {
          const PydynoxEnvelope parsed = parse_pydynox_envelope(truncated);
          (void)open_pydynox(spec_data_key(), parsed);
        },
        EncryptionError)
        << "length " << n;
  }
}

TEST(PydynoxFormat, WrongDataKeyFails) {
  const Bytes envelope = from_stored_text(pydynox_vectors()[0].stored);
  const SecretBytes other = SecretBytes::copy_of(Bytes(32, 0x42));
  EXPECT_EQ(encryption_error_of([&] {
              (void)open_pydynox(other, parse_pydynox_envelope(envelope));
            }),
            "Decryption failed: aead::Error");
}

// ---- bound format: tests/vectors/field/bound_format.json ----

struct BoundVector {
  std::string name;
  SecretBytes data_key;
  Bytes encrypted_key;
  Bytes salt;
  Bytes nonce;
  std::string table;
  std::string attribute;
  Item key;
  AttributeValue value;
  std::string encoded_value_hex;
  std::string binding_hex;
  std::string commitment_hex;
  std::string envelope_hex;
  std::string stored;
};

struct WrongBinding {
  std::string name;
  std::string of;
  std::string table;
  std::string attribute;
  Item key;
};

struct BoundVectors {
  std::string hkdf_info_hex;
  std::vector<BoundVector> vectors;
  std::vector<WrongBinding> wrong_bindings;
};

std::string text_of(simdjson::dom::element e) { return std::string(std::string_view(e)); }

const BoundVectors& bound_vectors() {
  static const BoundVectors loaded = [] {
    BoundVectors out;
    simdjson::dom::parser parser;
    const simdjson::dom::element root =
        parser.load(std::string(DDBCRYPT_VECTORS_DIR) + "/field/bound_format.json");
    out.hkdf_info_hex = text_of(root["hkdf_info"]);
    for (simdjson::dom::element v : root["vectors"].get_array()) {
      out.vectors.push_back(BoundVector{
          .name = text_of(v["name"]),
          .data_key = SecretBytes::copy_of(hex_decode(text_of(v["data_key"]))),
          .encrypted_key = hex_decode(text_of(v["encrypted_key"])),
          .salt = hex_decode(text_of(v["salt"])),
          .nonce = hex_decode(text_of(v["nonce"])),
          .table = text_of(v["table"]),
          .attribute = text_of(v["attribute"]),
          .key = parse_item_json(simdjson::to_string(v["key"])),
          .value = parse_attribute_value_json(simdjson::to_string(v["value"])),
          .encoded_value_hex = text_of(v["encoded_value"]),
          .binding_hex = text_of(v["binding"]),
          .commitment_hex = text_of(v["commitment"]),
          .envelope_hex = text_of(v["envelope"]),
          .stored = text_of(v["stored"]),
      });
    }
    for (simdjson::dom::element w : root["wrong_binding"].get_array()) {
      out.wrong_bindings.push_back(WrongBinding{
          .name = text_of(w["name"]),
          .of = text_of(w["of"]),
          .table = text_of(w["table"]),
          .attribute = text_of(w["attribute"]),
          .key = parse_item_json(simdjson::to_string(w["key"])),
      });
    }
    return out;
  }();
  return loaded;
}

const BoundVector& bound_vector(std::string_view name) {
  for (const auto& v : bound_vectors().vectors) {
    if (v.name == name) return v;
  }
  throw std::runtime_error("no bound vector " + std::string(name));
}

TEST(BoundFormat, VectorFileIsComplete) {
  EXPECT_EQ(bound_vectors().vectors.size(), 5u);
  EXPECT_EQ(bound_vectors().wrong_bindings.size(), 5u);
  EXPECT_EQ(bound_vectors().hkdf_info_hex, hex_encode(kBoundHkdfInfo));
}

TEST(BoundFormat, EncodesValuesAndBindingsAsTheVectors) {
  for (const auto& v : bound_vectors().vectors) {
    SCOPED_TRACE(v.name);
    EXPECT_EQ(hex_encode(encode_value(v.value)), v.encoded_value_hex);
    EXPECT_EQ(hex_encode(encode_binding(v.table, v.attribute, v.key)), v.binding_hex);
  }
}

TEST(BoundFormat, WritesTheVectorsByteForByte) {
  for (const auto& v : bound_vectors().vectors) {
    SCOPED_TRACE(v.name);
    const Bytes envelope =
        seal_bound(v.data_key, v.encrypted_key, v.salt, v.nonce,
                   encode_binding(v.table, v.attribute, v.key), encode_value(v.value));
    EXPECT_EQ(hex_encode(envelope), v.envelope_hex);
    EXPECT_EQ(to_stored_text(envelope), v.stored);
    EXPECT_EQ(envelope.size(),
              kBoundOverhead + v.encrypted_key.size() + v.encoded_value_hex.size() / 2);
  }
}

TEST(BoundFormat, ReadsTheVectors) {
  for (const auto& v : bound_vectors().vectors) {
    SCOPED_TRACE(v.name);
    const Bytes envelope = from_stored_text(v.stored);
    const BoundEnvelope parsed = parse_bound_envelope(envelope);
    EXPECT_EQ(Bytes(parsed.encrypted_key.begin(), parsed.encrypted_key.end()), v.encrypted_key);
    EXPECT_EQ(hex_encode(parsed.commitment), v.commitment_hex);
    const Bytes plaintext =
        open_bound(v.data_key, parsed, encode_binding(v.table, v.attribute, v.key));
    EXPECT_EQ(decode_value(plaintext), v.value);
  }
}

TEST(BoundFormat, AValueMovedElsewhereDoesNotOpen) {
  for (const auto& w : bound_vectors().wrong_bindings) {
    SCOPED_TRACE(w.name);
    const BoundVector& v = bound_vector(w.of);
    const Bytes envelope = from_stored_text(v.stored);
    EXPECT_EQ(encryption_error_of([&] {
                (void)open_bound(v.data_key, parse_bound_envelope(envelope),
                                 encode_binding(w.table, w.attribute, w.key));
              }),
              "Decryption failed: aead::Error");
  }
}

TEST(BoundFormat, WrongDataKeyIsCaughtByTheCommitment) {
  const BoundVector& v = bound_vector("string");
  const Bytes envelope = from_stored_text(v.stored);
  const SecretBytes other = SecretBytes::copy_of(Bytes(32, 0x42));
  EXPECT_EQ(encryption_error_of([&] {
              (void)open_bound(other, parse_bound_envelope(envelope),
                               encode_binding(v.table, v.attribute, v.key));
            }),
            "Decryption failed: key commitment does not match the data key");
}

TEST(BoundFormat, CommitmentIsCheckedBeforeTheCiphertext) {
  // A header whose commitment was replaced fails on the commitment, not on the GCM tag.
  const BoundVector& v = bound_vector("string");
  Bytes envelope = from_stored_text(v.stored);
  const std::size_t commitment_at = 4 + v.encrypted_key.size() + kSaltSize;
  envelope[commitment_at] ^= 0x80;
  EXPECT_EQ(encryption_error_of([&] {
              (void)open_bound(v.data_key, parse_bound_envelope(envelope),
                               encode_binding(v.table, v.attribute, v.key));
            }),
            "Decryption failed: key commitment does not match the data key");
}

TEST(BoundFormat, FlippingAnyBitIsAnEncryptionError) {
  for (const char* name : {"string", "nested_document"}) {
    const BoundVector& v = bound_vector(name);
    SCOPED_TRACE(v.name);
    const Bytes envelope = from_stored_text(v.stored);
    const Bytes binding = encode_binding(v.table, v.attribute, v.key);
    // The encrypted data key is only read by KMS (which would then fail); every other byte
    // is checked here. The bits of the length field are flipped too.
    for (std::size_t i = 0; i < envelope.size(); ++i) {
      if (i >= 4 && i < 4 + v.encrypted_key.size()) continue;
      for (int bit = 0; bit < 8; ++bit) {
        Bytes tampered = envelope;
        tampered[i] ^= static_cast<std::uint8_t>(1 << bit);
        EXPECT_THROW(
            {
              const BoundEnvelope parsed = parse_bound_envelope(tampered);
              (void)open_bound(v.data_key, parsed, binding);
            },
            EncryptionError)
            << "byte " << i << " bit " << bit;
      }
    }
  }
}

TEST(BoundFormat, TruncationAtEveryLengthIsAnEncryptionError) {
  const BoundVector& v = bound_vector("nested_document");
  const Bytes envelope = from_stored_text(v.stored);
  const Bytes binding = encode_binding(v.table, v.attribute, v.key);
  for (std::size_t n = 0; n < envelope.size(); ++n) {
    const Bytes truncated(envelope.begin(), envelope.begin() + static_cast<long>(n));
    EXPECT_THROW(
        {
          const BoundEnvelope parsed = parse_bound_envelope(truncated);
          (void)open_bound(v.data_key, parsed, binding);
        },
        EncryptionError)
        << "length " << n;
  }
}

TEST(BoundFormat, HeaderChecksHaveDistinctMessages) {
  const BoundVector& v = bound_vector("string");
  Bytes envelope = from_stored_text(v.stored);
  Bytes bad_suite = envelope;
  bad_suite[1] = 0x07;
  EXPECT_EQ(encryption_error_of([&] { (void)parse_bound_envelope(bad_suite); }),
            "Unsupported algorithm suite: 7");
  Bytes bad_version = envelope;
  bad_version[0] = 0x03;
  EXPECT_EQ(encryption_error_of([&] { (void)parse_bound_envelope(bad_version); }),
            "Unsupported envelope version: 3");
  Bytes zero_key = envelope;
  zero_key[2] = 0;
  zero_key[3] = 0;
  EXPECT_EQ(encryption_error_of([&] { (void)parse_bound_envelope(zero_key); }),
            "Invalid envelope: empty DEK");
  const Bytes no_tag(envelope.begin(), envelope.end() - 17 - 11);  // value is 16 bytes
  EXPECT_EQ(encryption_error_of([&] { (void)parse_bound_envelope(no_tag); }),
            "Invalid envelope: truncated header or tag");
}

TEST(BoundFormat, FieldEncryptorDecryptsTheVectors) {
  // The whole read path, with KMS faked: the placeholder blobs decrypt to the vectors' data
  // key under the vectors' encryption context.
  auto kms = std::make_shared<testing::FakeKms>();
  const std::string key_id = kms->add_key();
  const auto fields = model::FieldEncryptor::create({.kms = kms});
  for (const auto& v : bound_vectors().vectors) {
    SCOPED_TRACE(v.name);
    simdjson::dom::parser parser;
    aws::KmsEncryptionContext context;
    const simdjson::dom::element root =
        parser.load(std::string(DDBCRYPT_VECTORS_DIR) + "/field/bound_format.json");
    for (simdjson::dom::element e : root["vectors"].get_array()) {
      if (text_of(e["name"]) != v.name) continue;
      for (auto [k, val] : e["encryption_context"].get_object()) {
        context.emplace(std::string(k), text_of(val));
      }
    }
    kms->register_blob(v.encrypted_key, v.data_key, key_id, context);
    const model::EncryptedAttribute field{.key_id = key_id, .context = context};
    const model::FieldBinding where{.model_name = "Vector", .table_name = v.table,
                                    .attribute_name = v.attribute, .key = v.key};
    EXPECT_EQ(fields->decrypt(field, where, AttributeValue::S(v.stored)), v.value);
  }
}

TEST(BoundFormat, FreshSaltsAndNoncesGiveUnrelatedEnvelopes) {
  const BoundVector& v = bound_vector("string");
  const Bytes binding = encode_binding(v.table, v.attribute, v.key);
  const Bytes plaintext = encode_value(v.value);
  const Bytes a = seal_bound(v.data_key, v.encrypted_key, random_bytes(kSaltSize),
                             random_bytes(kNonceSize), binding, plaintext);
  const Bytes b = seal_bound(v.data_key, v.encrypted_key, random_bytes(kSaltSize),
                             random_bytes(kNonceSize), binding, plaintext);
  EXPECT_NE(a, b);
  EXPECT_EQ(decode_value(open_bound(v.data_key, parse_bound_envelope(a), binding)), v.value);
  EXPECT_EQ(decode_value(open_bound(v.data_key, parse_bound_envelope(b), binding)), v.value);
}

}  // namespace
}  // namespace ddbcrypt::internal
