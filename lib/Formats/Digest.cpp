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

//===----------------------------------------------------------------------===//
// Combining CRCs: the CRC of A then B from the CRCs of A and of B
//===----------------------------------------------------------------------===//

// Appending n zero bytes to a message is a linear map of its CRC state over
// GF(2), a 32x32 bit matrix; squaring the matrix doubles n.

static uint32_t gf2Times(const uint32_t *matrix, uint32_t vector) {
  uint32_t sum = 0;
  for (; vector; vector >>= 1, ++matrix)
    if (vector & 1)
      sum ^= *matrix;
  return sum;
}

static void gf2Square(uint32_t *square, const uint32_t *matrix) {
  for (int n = 0; n < 32; ++n)
    square[n] = gf2Times(matrix, matrix[n]);
}

/// The CRC state after `bytes` zero bytes, from the state before.
static uint32_t appendZeros(uint32_t first, uint64_t secondBytes) {
  uint32_t even[32], odd[32];
  // The operator for one zero bit.
  odd[0] = kCastagnoli;
  for (int n = 1; n < 32; ++n)
    odd[n] = 1u << (n - 1);
  gf2Square(even, odd); // two zero bits
  gf2Square(odd, even); // four zero bits
  // Apply the operator for each set bit of the length in bytes.
  do {
    gf2Square(even, odd);
    if (secondBytes & 1)
      first = gf2Times(even, first);
    secondBytes >>= 1;
    if (!secondBytes)
      break;
    gf2Square(odd, even);
    if (secondBytes & 1)
      first = gf2Times(odd, first);
    secondBytes >>= 1;
  } while (secondBytes);
  return first;
}

uint32_t mindshard::crc32cCombine(uint32_t first, uint32_t second,
                                  uint64_t secondBytes) {
  if (secondBytes == 0)
    return first;
  // The same few lengths come back again and again (blocks and lanes of
  // one size): keep the operator of the last lengths seen, as the matrix
  // whose column i is what appending the zeros does to bit i.
  struct Operator {
    uint64_t bytes = 0;
    uint32_t matrix[32];
  };
  thread_local Operator cache[4];
  thread_local unsigned nextSlot = 0;
  for (const Operator &op : cache)
    if (op.bytes == secondBytes)
      return gf2Times(op.matrix, first) ^ second;
  Operator &op = cache[nextSlot++ % 4];
  op.bytes = secondBytes;
  for (int bit = 0; bit < 32; ++bit)
    op.matrix[bit] = appendZeros(1u << bit, secondBytes);
  return gf2Times(op.matrix, first) ^ second;
}

#if defined(__x86_64__)
// The SSE 4.2 crc32 instruction computes exactly this CRC. One chain of it
// waits on each result; three independent lanes keep the unit busy, and
// their CRCs are combined.
__attribute__((target("sse4.2"))) static uint32_t
crc32cHardware(uint32_t state, const uint8_t *p, size_t n) {
  uint64_t value = state;
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

__attribute__((target("sse4.2"))) static uint32_t
crc32cThreeLanes(uint32_t crc, const uint8_t *p, size_t n) {
  size_t lane = (n / 3) & ~size_t(7);
  uint64_t a = ~crc, b = 0xffffffffu, c = 0xffffffffu;
  for (size_t i = 0; i < lane; i += 8) {
    uint64_t x, y, z;
    std::memcpy(&x, p + i, 8);
    std::memcpy(&y, p + lane + i, 8);
    std::memcpy(&z, p + 2 * lane + i, 8);
    a = __builtin_ia32_crc32di(a, x);
    b = __builtin_ia32_crc32di(b, y);
    c = __builtin_ia32_crc32di(c, z);
  }
  uint32_t last =
      crc32cHardware(static_cast<uint32_t>(c), p + 3 * lane, n - 3 * lane);
  uint32_t result =
      crc32cCombine(~static_cast<uint32_t>(a), ~static_cast<uint32_t>(b), lane);
  return crc32cCombine(result, ~last, n - 2 * lane);
}
#endif

uint32_t mindshard::crc32c(uint32_t crc, llvm::ArrayRef<uint8_t> bytes) {
#if defined(__x86_64__)
  static const bool hardware = __builtin_cpu_supports("sse4.2");
  if (hardware) {
    // Below this, combining costs more than the lanes save.
    if (bytes.size() >= (64u << 10))
      return crc32cThreeLanes(crc, bytes.data(), bytes.size());
    return ~crc32cHardware(~crc, bytes.data(), bytes.size());
  }
#endif
  return ~crc32cTable(~crc, bytes.data(), bytes.size());
}

std::string mindshard::formatCrc(uint32_t crc) {
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format_hex(crc, 10);
  return text;
}
