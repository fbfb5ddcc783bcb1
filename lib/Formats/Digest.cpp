//===- Digest.cpp - checksums of what mindshard writes --------------------===//
//
// Part of mindshard.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Formats/Digest.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <openssl/evp.h>

#include <array>
#include <cstring>

using namespace mindshard;

struct Sha256::Context {
  EVP_MD_CTX *md = nullptr;
  ~Context() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256() : context(std::make_unique<Context>()) {
  context->md = EVP_MD_CTX_new();
  EVP_DigestInit_ex(context->md, EVP_sha256(), nullptr);
}

Sha256::~Sha256() = default;
Sha256::Sha256(Sha256 &&other) noexcept = default;
Sha256 &Sha256::operator=(Sha256 &&other) noexcept = default;

void Sha256::update(llvm::ArrayRef<uint8_t> bytes) {
  EVP_DigestUpdate(context->md, bytes.data(), bytes.size());
}

std::string Sha256::finish() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned length = 0;
  EVP_DigestFinal_ex(context->md, digest, &length);
  std::string hex;
  llvm::raw_string_ostream os(hex);
  for (unsigned i = 0; i < length; ++i)
    os << llvm::format_hex_no_prefix(digest[i], 2);
  return hex;
}

//===----------------------------------------------------------------------===//
// CRC-32C
//===----------------------------------------------------------------------===//

/// The reflected Castagnoli polynomial.
static constexpr uint32_t kCastagnoli = 0x82f63b78u;

static uint32_t crc32cTable(uint32_t crc, const uint8_t *p, size_t n) {
  static const auto table = [] {
    std::array<uint32_t, 256> entries{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t value = i;
      for (int bit = 0; bit < 8; ++bit)
        value = (value >> 1) ^ (value & 1 ? kCastagnoli : 0);
      entries[i] = value;
    }
    return entries;
  }();
  for (size_t i = 0; i < n; ++i)
    crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return crc;
}

#if defined(__x86_64__)
// The SSE 4.2 crc32 instruction computes exactly this CRC.
__attribute__((target("sse4.2"))) static uint32_t
crc32cHardware(uint32_t crc, const uint8_t *p, size_t n) {
  uint64_t value = crc;
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    value = __builtin_ia32_crc32di(value, word);
  }
  uint32_t rest = static_cast<uint32_t>(value);
  for (; n > 0; --n, ++p)
    rest = __builtin_ia32_crc32qi(rest, *p);
  return rest;
}
#endif

uint32_t mindshard::crc32c(uint32_t crc, llvm::ArrayRef<uint8_t> bytes) {
  uint32_t state = ~crc;
#if defined(__x86_64__)
  static const bool hardware = __builtin_cpu_supports("sse4.2");
  if (hardware)
    return ~crc32cHardware(state, bytes.data(), bytes.size());
#endif
  return ~crc32cTable(state, bytes.data(), bytes.size());
}

std::string mindshard::formatCrc(uint32_t crc) {
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format_hex(crc, 10);
  return text;
}
