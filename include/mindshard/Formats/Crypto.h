//===- Crypto.h - MindSpore's encrypted files -------------------*- C++ -*-===//
//
// Part of mindshard. MindSpore encrypts checkpoints and MindIR files as a
// sequence of records of at most 64 MiB of plaintext each:
//
//   magic:u32 | [tag:16, AES-GCM only] | block_len:i32 | iv_len:i32 (16) |
//   iv:16 | cipher_len:i32 | cipher
//
// all integers little-endian, block_len = 24 + cipher_len. Magics are
// 0x7F3A5ED8 (AES-GCM), 0x7F3A5ED9 (AES-CBC) and 0x7F3A5EDA (SM4-CBC). Only
// the first 12 bytes of the stored IV take effect for AES-GCM. Files from
// MindSpore 1.3 to 1.6 have no tag and use 0x7F3A5ED8 for both AES modes.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_FORMATS_CRYPTO_H
#define MINDSHARD_FORMATS_CRYPTO_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace mindshard {

enum class CipherMode { AesGcm, AesCbc, Sm4Cbc };

std::optional<CipherMode> parseCipherMode(llvm::StringRef name);
llvm::StringRef getCipherModeName(CipherMode mode);

/// A key and the mode it is used with.
struct DecryptKey {
  std::vector<uint8_t> key;
  CipherMode mode = CipherMode::AesGcm;
};

/// Resolves the key of the command-line options every reading tool takes:
/// `--decrypt-key-hex`, `--decrypt-key-file`, else the environment variable
/// MINDSHARD_DECRYPT_KEY (hex); and `--decrypt-mode`. Returns std::nullopt
/// when no key is given.
llvm::Expected<std::optional<DecryptKey>>
resolveDecryptKey(llvm::StringRef keyHex, llvm::StringRef keyFile,
                  llvm::StringRef mode);

/// True when `data` starts with one of the three record magics.
bool looksEncrypted(llvm::ArrayRef<uint8_t> data);

/// Decrypts a whole file's bytes. Errors name `path`, the record and its byte
/// offset; a wrong key is reported as such when the mode can tell.
llvm::Expected<std::vector<uint8_t>> decrypt(llvm::StringRef path,
                                             llvm::ArrayRef<uint8_t> data,
                                             const DecryptKey &key);

/// Encrypts `plaintext` as MindSpore 1.7+ does, in records of at most
/// `blockSize` plaintext bytes with fresh random IVs.
llvm::Expected<std::vector<uint8_t>> encrypt(llvm::ArrayRef<uint8_t> plaintext,
                                             const DecryptKey &key,
                                             uint64_t blockSize = 64ull << 20);

} // namespace mindshard

#endif // MINDSHARD_FORMATS_CRYPTO_H
