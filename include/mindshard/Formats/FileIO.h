//===- FileIO.h - mapped inputs, atomic outputs, format errors --*- C++ -*-===//
//
// Part of mindshard. The file plumbing every format shares:
//
//  - MappedFile: a read-only view of a whole file, memory-mapped so that
//    opening costs nothing in proportion to its size, or an owned buffer when
//    the bytes had to be transformed (decrypted) first; large ranges are
//    streamed past the page cache (O_DIRECT) where the file system allows;
//  - AtomicOutputFile: a file written under a temporary name in its final
//    folder, synced and renamed into place only when complete, removed on
//    failure or interruption; large outputs are written past the page cache
//    from a thread of their own;
//  - AlignedBuffer: memory that direct I/O can read into and write from;
//  - formatError(): the one shape of message for bad input, naming the file,
//    the byte offset and what is wrong there.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_FORMATS_FILEIO_H
#define MINDSHARD_FORMATS_FILEIO_H

#include "mindshard/Formats/Digest.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mindshard {

/// What direct I/O needs aligned: buffer addresses, file offsets and sizes.
/// 4 KiB covers every logical block size Linux file systems use.
constexpr uint64_t kDirectIOAlignment = 4096;

/// A buffer for direct I/O: its address and size are multiples of
/// kDirectIOAlignment. Buffers come from a process-wide pool and go back to
/// it: a new page costs a fault (on a virtual machine, often one in the
/// host as well), and an export would otherwise pay it again for every file.
class AlignedBuffer {
public:
  /// A buffer of at least `size` bytes, rounded up to the alignment.
  explicit AlignedBuffer(uint64_t size);
  ~AlignedBuffer();
  AlignedBuffer(AlignedBuffer &&other) noexcept
      : bytes(other.bytes), capacity(other.capacity) {
    other.bytes = nullptr;
    other.capacity = 0;
  }
  AlignedBuffer &operator=(AlignedBuffer &&other) noexcept;
  AlignedBuffer(const AlignedBuffer &) = delete;
  AlignedBuffer &operator=(const AlignedBuffer &) = delete;

  uint8_t *data() const { return bytes; }
  uint64_t size() const { return capacity; }

private:
  uint8_t *bytes = nullptr;
  uint64_t capacity = 0;
};

/// "FILE: at byte OFFSET: MESSAGE".
llvm::Error formatError(llvm::StringRef path, uint64_t offset,
                        const llvm::Twine &message);
/// "FILE: MESSAGE".
llvm::Error fileError(llvm::StringRef path, const llvm::Twine &message);

/// The bytes of an input file.
class MappedFile {
public:
  /// Maps `path` read-only. With `directReads`, stream() may read large
  /// ranges past the page cache. Errors name the file.
  static llvm::Expected<std::unique_ptr<MappedFile>>
  open(llvm::StringRef path, bool directReads = false);
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
  /// Hands the range [offset, offset + size) to `sink` in order, in parts
  /// read into `scratch` (at least two alignments long). A range of
  /// kDirectReadBytes or more is read past the page cache where the file
  /// system allows it: from the disk straight into `scratch`, each byte
  /// once, filling no page of the cache (the first and the last part may
  /// read up to an alignment more than asked).
  llvm::Error
  stream(uint64_t offset, uint64_t size, AlignedBuffer &scratch,
         llvm::function_ref<llvm::Error(llvm::ArrayRef<uint8_t>)> sink) const;
  /// True when stream() reads a range of `size` bytes past the page cache:
  /// asking the kernel to read it ahead (willNeed) would only fill the
  /// cache with pages nobody reads.
  bool streamsDirect(uint64_t size) const {
    return directFd >= 0 && size >= kDirectReadBytes;
  }
  /// Ranges smaller than this are read through the page cache, which the
  /// kernel reads ahead: one disk request per small tensor would cost more
  /// than it saves.
  static constexpr uint64_t kDirectReadBytes = 256 << 10;
  /// The scratch stream() reads best into. Parts read past the cache wait
  /// for the disk one at a time, so they are as large as the disk here
  /// takes in one request (max_sectors_kb, 4 MiB; with 1 MiB parts,
  /// exports took 3% to 18% longer in four A/B runs); parts read through
  /// the cache stay small enough to remain in the processor's cache on
  /// their way to the sink.
  uint64_t streamPartBytes() const { return directFd >= 0 ? 4 << 20 : 1 << 20; }
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
  /// The file open with O_DIRECT; -1 where the file system refuses it.
  int directFd = -1;
  std::vector<uint8_t> owned;
  llvm::ArrayRef<uint8_t> data;
};

/// A file that appears under its final name only once it is complete.
class AtomicOutputFile {
public:
  /// Outputs expected to hold fewer bytes are written through the cache
  /// even when Options::direct asks otherwise: the writer's buffers would
  /// cost more than the cache.
  static constexpr uint64_t kDirectWriteBytes = 8 << 20;
  struct Options {
    /// Write past the page cache (O_DIRECT) from a thread of the file's own,
    /// while the caller produces the next bytes: for large outputs, which
    /// would otherwise fill the cache with pages that are written once and
    /// never read. Falls back to ordinary writes where the file system
    /// refuses direct I/O.
    bool direct = false;
    /// The bytes the caller expects to write, when it knows: direct writes
    /// are used only from kDirectWriteBytes on.
    std::optional<uint64_t> expectedBytes;
  };
  /// Creates `<path>.tmp-<pid>-<n>` in the folder of `path`.
  static llvm::Expected<std::unique_ptr<AtomicOutputFile>>
  create(llvm::StringRef path, const Options &options);
  static llvm::Expected<std::unique_ptr<AtomicOutputFile>>
  create(llvm::StringRef path) {
    return create(path, Options());
  }
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

  /// True when the bytes go past the page cache.
  bool writesDirect() const { return direct != nullptr; }

private:
  class DirectWriter;
  AtomicOutputFile();
  /// Stops the direct writer and writes what it has not: the last,
  /// unaligned bytes.
  llvm::Error finishDirect();

  std::string finalPath;
  std::string tempPath;
  int fd = -1;
  std::unique_ptr<DirectWriter> direct;
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
