//===- FileIO.h - mapped inputs, atomic outputs, format errors --*- C++ -*-===//
//
// Part of mindshard. The file plumbing every format shares:
//
//  - MappedFile: a read-only view of a whole file, memory-mapped so that
//    opening costs nothing in proportion to its size, or an owned buffer when
//    the bytes had to be transformed (decrypted) first;
//  - AtomicOutputFile: a file written under a temporary name in its final
//    folder, synced and renamed into place only when complete, removed on
//    failure or interruption;
//  - formatError(): the one shape of message for bad input, naming the file,
//    the byte offset and what is wrong there.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_FORMATS_FILEIO_H
#define MINDSHARD_FORMATS_FILEIO_H

#include "mindshard/Formats/Digest.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mindshard {

/// "FILE: at byte OFFSET: MESSAGE".
llvm::Error formatError(llvm::StringRef path, uint64_t offset,
                        const llvm::Twine &message);
/// "FILE: MESSAGE".
llvm::Error fileError(llvm::StringRef path, const llvm::Twine &message);

/// The bytes of an input file.
class MappedFile {
public:
  /// Maps `path` read-only. Errors name the file.
  static llvm::Expected<std::unique_ptr<MappedFile>> open(llvm::StringRef path);
  /// Takes ownership of bytes produced in memory, reported as `path`.
  static std::unique_ptr<MappedFile> fromBytes(llvm::StringRef path,
                                               std::vector<uint8_t> bytes);

  llvm::StringRef path() const { return filePath; }
  llvm::ArrayRef<uint8_t> bytes() const { return data; }
  uint64_t size() const { return data.size(); }
  /// True when the bytes are the file's pages mapped into memory: not a
  /// copy (a decrypted file, or a small file that the operating system
  /// reads into the heap rather than maps). Only then do release(),
  /// willNeed() and adviseRandom() act; on a copy they would destroy data.
  bool isMapped() const { return mapped; }

  /// Tells the kernel that a range was consumed and its pages may be dropped
  /// from this process; keeps the resident set of long copies small.
  void release(uint64_t offset, uint64_t size) const;
  /// Tells the kernel a range will be read soon, in order.
  void willNeed(uint64_t offset, uint64_t size) const;
  /// Copies a range out, with pread() when the bytes are a file's: no page
  /// of the mapping is touched, so nothing needs releasing afterwards.
  llvm::Error read(uint64_t offset, uint64_t size, uint8_t *out) const;
  ~MappedFile();
  /// Tells the kernel that the file is read here and there (indexing), so
  /// that a page fault maps one page and reads nothing ahead; false restores
  /// the default.
  void adviseRandom(bool random) const;

private:
  MappedFile() = default;
  std::string filePath;
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  bool mapped = false;
  /// The file, open for pread(); -1 for bytes held in memory.
  int fd = -1;
  std::vector<uint8_t> owned;
  llvm::ArrayRef<uint8_t> data;
};

/// A file that appears under its final name only once it is complete.
class AtomicOutputFile {
public:
  /// Creates `<path>.tmp-<pid>-<n>` in the folder of `path`.
  static llvm::Expected<std::unique_ptr<AtomicOutputFile>>
  create(llvm::StringRef path);
  ~AtomicOutputFile();

  AtomicOutputFile(const AtomicOutputFile &) = delete;
  AtomicOutputFile &operator=(const AtomicOutputFile &) = delete;

  llvm::Error write(llvm::ArrayRef<uint8_t> bytes);
  llvm::Error write(llvm::StringRef bytes) {
    return write(llvm::ArrayRef<uint8_t>(
        reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size()));
  }
  /// Bytes written so far (the write position).
  uint64_t size() const { return written; }
  /// Syncs the data and renames the file into place. With `syncData` false
  /// the data is left to the kernel to flush.
  llvm::Error commit(bool syncData = true);
  /// Removes the temporary file.
  void discard();
  /// The CRC-32C of the bytes written.
  uint32_t crc32c() const { return crc; }
  /// Computes the SHA-256 of the bytes written too; call
  /// before the first write.
  void computeSha256();
  /// The SHA-256 in hex, once committed; empty without computeSha256().
  llvm::StringRef sha256() const { return sha256Hex; }

  llvm::StringRef path() const { return finalPath; }
  llvm::StringRef temporaryPath() const { return tempPath; }

private:
  AtomicOutputFile() = default;
  std::string finalPath;
  std::string tempPath;
  int fd = -1;
  uint64_t written = 0;
  /// Bytes handed to the kernel's writeback so far.
  uint64_t writtenBack = 0;
  uint32_t crc = 0;
  std::unique_ptr<Sha256> hasher;
  std::string sha256Hex;
};

/// Syncs a folder so that renames into it survive a crash.
llvm::Error syncDirectory(llvm::StringRef path);

} // namespace mindshard

#endif // MINDSHARD_FORMATS_FILEIO_H
