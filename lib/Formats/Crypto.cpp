//===- Crypto.cpp - MindSpore's encrypted files ---------------------------===//
//
// Part of mindshard. AES-GCM, AES-CBC and SM4-CBC records with OpenSSL.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Formats/Crypto.h"

#include "mindshard/Formats/FileIO.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Process.h"

#include <cstring>
#include <memory>
#include <openssl/evp.h>
#include <openssl/rand.h>

using namespace mindshard;

namespace {
constexpr uint32_t kGcmMagic = 0x7F3A5ED8;
constexpr uint32_t kCbcMagic = 0x7F3A5ED9;
constexpr uint32_t kSm4Magic = 0x7F3A5EDA;
constexpr unsigned kIvLength = 16;
constexpr unsigned kTagLength = 16;
/// The largest plaintext record MindSpore reads back, plus CBC padding.
constexpr uint64_t kMaxRecordBytes = (64ull << 20) + 64;

struct CipherContextDeleter {
  void operator()(EVP_CIPHER_CTX *context) const {
    EVP_CIPHER_CTX_free(context);
  }
};
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextDeleter>;

uint32_t readU32(const uint8_t *bytes) {
  return static_cast<uint32_t>(bytes[0]) |
         static_cast<uint32_t>(bytes[1]) << 8 |
         static_cast<uint32_t>(bytes[2]) << 16 |
         static_cast<uint32_t>(bytes[3]) << 24;
}

void appendU32(std::vector<uint8_t> &out, uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8)
    out.push_back(static_cast<uint8_t>(value >> shift));
}

uint32_t magicOf(CipherMode mode) {
  switch (mode) {
  case CipherMode::AesGcm:
    return kGcmMagic;
  case CipherMode::AesCbc:
    return kCbcMagic;
  case CipherMode::Sm4Cbc:
    return kSm4Magic;
  }
  return 0;
}

/// The OpenSSL cipher for a mode and key length, as MindSpore picks it.
const EVP_CIPHER *cipherFor(CipherMode mode, size_t keyLength) {
  switch (mode) {
  case CipherMode::AesGcm:
    return keyLength == 16   ? EVP_aes_128_gcm()
           : keyLength == 24 ? EVP_aes_192_gcm()
           : keyLength == 32 ? EVP_aes_256_gcm()
                             : nullptr;
  case CipherMode::AesCbc:
    return keyLength == 16   ? EVP_aes_128_cbc()
           : keyLength == 24 ? EVP_aes_192_cbc()
           : keyLength == 32 ? EVP_aes_256_cbc()
                             : nullptr;
  case CipherMode::Sm4Cbc:
    return keyLength == 16 ? EVP_sm4_cbc() : nullptr;
  }
  return nullptr;
}

llvm::Error keyLengthError(CipherMode mode, size_t length) {
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      llvm::formatv(
          "the {0} key must be {1} bytes, got {2}", getCipherModeName(mode),
          mode == CipherMode::Sm4Cbc ? "16" : "16, 24 or 32", length));
}

/// Decrypts one record's cipher text. `tag` is null for records without one.
/// Returns false when the key or data is wrong (tag or padding mismatch).
bool decryptRecord(CipherMode mode, const EVP_CIPHER *cipher,
                   llvm::ArrayRef<uint8_t> key, const uint8_t *iv,
                   unsigned ivLength, const uint8_t *tag,
                   llvm::ArrayRef<uint8_t> cipherText,
                   std::vector<uint8_t> &out) {
  CipherContext context(EVP_CIPHER_CTX_new());
  if (!context)
    return false;
  if (EVP_DecryptInit_ex(context.get(), cipher, nullptr, nullptr, nullptr) != 1)
    return false;
  if (mode == CipherMode::AesGcm &&
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_IVLEN, ivLength,
                          nullptr) != 1)
    return false;
  if (EVP_DecryptInit_ex(context.get(), nullptr, nullptr, key.data(), iv) != 1)
    return false;

  size_t start = out.size();
  out.resize(start + cipherText.size() + kIvLength);
  int length = 0;
  if (EVP_DecryptUpdate(context.get(), out.data() + start, &length,
                        cipherText.data(), cipherText.size()) != 1)
    return false;
  int total = length;
  if (mode == CipherMode::AesGcm) {
    if (!tag) {
      // MindSpore 1.3-1.6 wrote GCM records without a tag: nothing to check.
      out.resize(start + total);
      return true;
    }
    if (EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, kTagLength,
                            const_cast<uint8_t *>(tag)) != 1)
      return false;
  }
  if (EVP_DecryptFinal_ex(context.get(), out.data() + start + total, &length) !=
      1) {
    out.resize(start);
    return false;
  }
  out.resize(start + total + length);
  return true;
}
} // namespace

std::optional<CipherMode> mindshard::parseCipherMode(llvm::StringRef name) {
  if (name == "AES-GCM")
    return CipherMode::AesGcm;
  if (name == "AES-CBC")
    return CipherMode::AesCbc;
  if (name == "SM4-CBC")
    return CipherMode::Sm4Cbc;
  return std::nullopt;
}

llvm::StringRef mindshard::getCipherModeName(CipherMode mode) {
  switch (mode) {
  case CipherMode::AesGcm:
    return "AES-GCM";
  case CipherMode::AesCbc:
    return "AES-CBC";
  case CipherMode::Sm4Cbc:
    return "SM4-CBC";
  }
  return "";
}

static llvm::Expected<std::vector<uint8_t>> parseHexKey(llvm::StringRef hex,
                                                        llvm::StringRef what) {
  hex = hex.trim();
  std::string bytes;
  if (hex.empty() || hex.size() % 2 != 0 || !llvm::tryGetFromHex(hex, bytes))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   what + " is not an even number of hex "
                                          "digits");
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

llvm::Expected<std::optional<DecryptKey>>
mindshard::resolveDecryptKey(llvm::StringRef keyHex, llvm::StringRef keyFile,
                             llvm::StringRef modeName) {
  DecryptKey key;
  std::optional<CipherMode> mode =
      parseCipherMode(modeName.empty() ? "AES-GCM" : modeName);
  if (!mode)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "--decrypt-mode must be AES-GCM, AES-CBC or SM4-CBC, got '" + modeName +
            "'");
  key.mode = *mode;

  if (!keyHex.empty() && !keyFile.empty())
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "give --decrypt-key-hex or --decrypt-key-file, not both");
  if (!keyHex.empty()) {
    llvm::Expected<std::vector<uint8_t>> bytes =
        parseHexKey(keyHex, "--decrypt-key-hex");
    if (!bytes)
      return bytes.takeError();
    key.key = std::move(*bytes);
  } else if (!keyFile.empty()) {
    // The file holds the raw key bytes.
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
        llvm::MemoryBuffer::getFile(keyFile);
    if (!buffer)
      return fileError(keyFile, "cannot read the key file: " +
                                    buffer.getError().message());
    llvm::StringRef bytes = (*buffer)->getBuffer();
    key.key.assign(bytes.begin(), bytes.end());
  } else if (std::optional<std::string> env =
                 llvm::sys::Process::GetEnv("MINDSHARD_DECRYPT_KEY")) {
    llvm::Expected<std::vector<uint8_t>> bytes =
        parseHexKey(*env, "MINDSHARD_DECRYPT_KEY");
    if (!bytes)
      return bytes.takeError();
    key.key = std::move(*bytes);
  } else {
    return std::optional<DecryptKey>();
  }
  if (!cipherFor(key.mode, key.key.size()))
    return keyLengthError(key.mode, key.key.size());
  return std::optional<DecryptKey>(std::move(key));
}

bool mindshard::looksEncrypted(llvm::ArrayRef<uint8_t> data) {
  if (data.size() < 4)
    return false;
  uint32_t magic = readU32(data.data());
  return magic == kGcmMagic || magic == kCbcMagic || magic == kSm4Magic;
}

llvm::Expected<std::vector<uint8_t>>
mindshard::decrypt(llvm::StringRef path, llvm::ArrayRef<uint8_t> data,
                   const DecryptKey &key) {
  const EVP_CIPHER *cipher = cipherFor(key.mode, key.key.size());
  if (!cipher)
    return keyLengthError(key.mode, key.key.size());
  uint32_t expectedMagic = magicOf(key.mode);

  std::vector<uint8_t> plaintext;
  plaintext.reserve(data.size());
  uint64_t offset = 0;
  for (unsigned record = 0; offset < data.size(); ++record) {
    auto recordError = [&](const llvm::Twine &message) {
      return formatError(path, offset,
                         "encrypted record " + llvm::Twine(record) + ": " +
                             message);
    };
    uint64_t left = data.size() - offset;
    const uint8_t *at = data.data() + offset;
    if (left < 4)
      return recordError("truncated record header");
    uint32_t magic = readU32(at);
    if (magic != expectedMagic) {
      if (magic == kGcmMagic || magic == kCbcMagic || magic == kSm4Magic)
        return recordError(llvm::formatv(
            "the record is not {0} (magic {1:x8}); pass the right "
            "--decrypt-mode",
            getCipherModeName(key.mode), magic));
      return recordError(
          llvm::formatv("bad magic {0:x8}: not an encrypted record", magic));
    }

    // MindSpore 1.7+ puts a 16-byte tag after the GCM magic; older files
    // have none. Tell them apart by where the IV length (16) sits.
    const uint8_t *tag = nullptr;
    uint64_t headerSize = 8;
    if (key.mode == CipherMode::AesGcm) {
      bool tagged = left >= 28 && readU32(at + 24) == kIvLength;
      bool untagged = left >= 12 && readU32(at + 8) == kIvLength;
      if (tagged || !untagged) {
        tag = at + 4;
        headerSize = 4 + kTagLength + 4;
      }
    }
    if (left < headerSize)
      return recordError("truncated record header");
    uint32_t blockLength = readU32(at + headerSize - 4);
    if (blockLength < 4 + kIvLength + 4 || blockLength > kMaxRecordBytes + 24)
      return recordError(
          llvm::formatv("record length {0} is out of range", blockLength));
    if (blockLength > left - headerSize)
      return recordError(llvm::formatv(
          "record length {0} runs past the end of the file ({1} bytes left)",
          blockLength, left - headerSize));
    const uint8_t *body = at + headerSize;
    uint32_t ivLength = readU32(body);
    if (ivLength != kIvLength)
      return recordError(
          llvm::formatv("IV length is {0}, expected 16", ivLength));
    const uint8_t *iv = body + 4;
    uint32_t cipherLength = readU32(body + 4 + kIvLength);
    if (cipherLength == 0 || cipherLength + 24 != blockLength)
      return recordError(
          llvm::formatv("cipher length {0} disagrees with record length {1}",
                        cipherLength, blockLength));
    llvm::ArrayRef<uint8_t> cipherText(body + 8 + kIvLength, cipherLength);

    bool ok = decryptRecord(key.mode, cipher, key.key, iv,
                            key.mode == CipherMode::AesGcm ? 12 : kIvLength,
                            tag, cipherText, plaintext);
    // MindSpore's GCM IV is meant to be 16 bytes but only 12 take effect;
    // fall back to all 16 in case a writer did honour them.
    if (!ok && key.mode == CipherMode::AesGcm)
      ok = decryptRecord(key.mode, cipher, key.key, iv, kIvLength, tag,
                         cipherText, plaintext);
    if (!ok)
      return recordError(key.mode == CipherMode::AesGcm
                             ? "the AES-GCM tag does not verify: wrong key or "
                               "corrupt data"
                             : "the padding does not verify: wrong key, "
                               "wrong mode or corrupt data");
    offset += headerSize + blockLength;
  }
  return plaintext;
}

llvm::Expected<std::vector<uint8_t>>
mindshard::encrypt(llvm::ArrayRef<uint8_t> plaintext, const DecryptKey &key,
                   uint64_t blockSize) {
  const EVP_CIPHER *cipher = cipherFor(key.mode, key.key.size());
  if (!cipher)
    return keyLengthError(key.mode, key.key.size());
  auto failure = [] {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "OpenSSL failed to encrypt");
  };

  std::vector<uint8_t> out;
  for (uint64_t offset = 0; offset < plaintext.size() || offset == 0;
       offset += blockSize) {
    llvm::ArrayRef<uint8_t> chunk = plaintext.slice(
        offset, std::min<uint64_t>(blockSize, plaintext.size() - offset));
    uint8_t iv[kIvLength];
    if (RAND_bytes(iv, kIvLength) != 1)
      return failure();

    CipherContext context(EVP_CIPHER_CTX_new());
    if (!context || EVP_EncryptInit_ex(context.get(), cipher, nullptr, nullptr,
                                       nullptr) != 1)
      return failure();
    if (key.mode == CipherMode::AesGcm &&
        EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_IVLEN, 12,
                            nullptr) != 1)
      return failure();
    if (EVP_EncryptInit_ex(context.get(), nullptr, nullptr, key.key.data(),
                           iv) != 1)
      return failure();
    std::vector<uint8_t> cipherText(chunk.size() + kIvLength);
    int length = 0;
    if (EVP_EncryptUpdate(context.get(), cipherText.data(), &length,
                          chunk.data(), chunk.size()) != 1)
      return failure();
    int total = length;
    if (EVP_EncryptFinal_ex(context.get(), cipherText.data() + total,
                            &length) != 1)
      return failure();
    total += length;
    cipherText.resize(total);

    appendU32(out, magicOf(key.mode));
    if (key.mode == CipherMode::AesGcm) {
      uint8_t tag[kTagLength];
      if (EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, kTagLength,
                              tag) != 1)
        return failure();
      out.insert(out.end(), tag, tag + kTagLength);
    }
    appendU32(out, 24 + total);
    appendU32(out, kIvLength);
    out.insert(out.end(), iv, iv + kIvLength);
    appendU32(out, total);
    out.insert(out.end(), cipherText.begin(), cipherText.end());
    if (plaintext.empty())
      break;
  }
  return out;
}
