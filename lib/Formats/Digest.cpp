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
  return appendZeros(first, secondBytes) ^ second;
}

#if defined(__x86_64__)
namespace {
/// What appending a fixed number of zero bytes does to a CRC-32C register,
/// as four tables, one per byte of the register: applying it costs four
/// lookups.
class ZerosOperator {
public:
  explicit ZerosOperator(uint64_t bytes) {
    uint32_t columns[32];
    for (int bit = 0; bit < 32; ++bit)
      columns[bit] = appendZeros(1u << bit, bytes);
    for (int part = 0; part < 4; ++part)
      for (uint32_t value = 0; value < 256; ++value) {
        uint32_t sum = 0;
        for (int bit = 0; bit < 8; ++bit)
          if (value >> bit & 1)
            sum ^= columns[8 * part + bit];
        tables[part][value] = sum;
      }
  }
  uint32_t operator()(uint32_t state) const {
    return tables[0][state & 0xff] ^ tables[1][(state >> 8) & 0xff] ^
           tables[2][(state >> 16) & 0xff] ^ tables[3][state >> 24];
  }

private:
  uint32_t tables[4][256];
};
} // namespace

// The SSE 4.2 crc32 instruction steps the CRC-32C register (without the
// inversions before and after). One chain of it waits on each result; three
// lanes of the data, each its own chain, keep the unit busy, and their
// registers are joined by the zeros operator of one lane: the register
// after lanes A B C is zeros(zeros(a) ^ b) ^ c, where b and c start at 0.
__attribute__((target("sse4.2"))) static uint64_t
crc32cLanes(uint64_t state, const uint8_t *&p, size_t &n, size_t lane,
            const ZerosOperator &zeros) {
  for (; n >= 3 * lane; n -= 3 * lane, p += 3 * lane) {
    uint64_t a = state, b = 0, c = 0;
    for (size_t i = 0; i < lane; i += 8) {
      uint64_t x, y, z;
      std::memcpy(&x, p + i, 8);
      std::memcpy(&y, p + lane + i, 8);
      std::memcpy(&z, p + 2 * lane + i, 8);
      a = __builtin_ia32_crc32di(a, x);
      b = __builtin_ia32_crc32di(b, y);
      c = __builtin_ia32_crc32di(c, z);
    }
    state = zeros(zeros(static_cast<uint32_t>(a)) ^ static_cast<uint32_t>(b)) ^
            static_cast<uint32_t>(c);
  }
  return state;
}

__attribute__((target("sse4.2"))) static uint32_t
crc32cHardware(uint32_t crc, const uint8_t *p, size_t n) {
  // Long lanes for the bulk, short ones for what is left.
  constexpr size_t kLongLane = 8192, kShortLane = 256;
  static const ZerosOperator longZeros(kLongLane), shortZeros(kShortLane);
  uint64_t state = ~crc;
  state = crc32cLanes(state, p, n, kLongLane, longZeros);
  state = crc32cLanes(state, p, n, kShortLane, shortZeros);
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    state = __builtin_ia32_crc32di(state, word);
  }
  uint32_t rest = static_cast<uint32_t>(state);
  for (; n > 0; --n, ++p)
    rest = __builtin_ia32_crc32qi(rest, *p);
  return ~rest;
}
#endif

uint32_t mindshard::crc32c(uint32_t crc, llvm::ArrayRef<uint8_t> bytes) {
#if defined(__x86_64__)
  static const bool hardware = __builtin_cpu_supports("sse4.2");
  if (hardware)
    return crc32cHardware(crc, bytes.data(), bytes.size());
#endif
  return ~crc32cTable(~crc, bytes.data(), bytes.size());
}

std::string mindshard::formatCrc(uint32_t crc) {
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format_hex(crc, 10);
  return text;
}
