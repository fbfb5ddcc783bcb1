//===- Digest.h - checksums of what mindshard writes ------------*- C++ -*-===//
//
// Part of mindshard. CRC-32C for files and single tensors (cheap enough to
// compute on every byte as it is copied) and, on request, SHA-256 for whole
// files (what `sha256sum` prints, so that anyone can check an export
// without mindshard).
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_FORMATS_DIGEST_H
#define MINDSHARD_FORMATS_DIGEST_H

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <memory>
#include <string>

namespace mindshard {

/// A SHA-256 digest computed over bytes given in order.
class Sha256 {
public:
  Sha256();
  ~Sha256();
  Sha256(Sha256 &&other) noexcept;
  Sha256 &operator=(Sha256 &&other) noexcept;

  void update(llvm::ArrayRef<uint8_t> bytes);
  /// The digest in lowercase hex; the object cannot be updated afterwards.
  std::string finish();

private:
  struct Context;
  std::unique_ptr<Context> context;
};

/// Extends the CRC-32C (Castagnoli) `crc` of earlier bytes over `bytes`;
/// start from 0.
uint32_t crc32c(uint32_t crc, llvm::ArrayRef<uint8_t> bytes);

/// The CRC-32C of A followed by B, from the CRC-32C of A, that of B and the
/// length of B.
uint32_t crc32cCombine(uint32_t first, uint32_t second, uint64_t secondBytes);

/// "0x1234abcd".
std::string formatCrc(uint32_t crc);

} // namespace mindshard

#endif // MINDSHARD_FORMATS_DIGEST_H
