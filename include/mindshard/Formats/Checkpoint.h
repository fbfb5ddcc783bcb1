//===- Checkpoint.h - MindSpore checkpoints, indexed, written ---*- C++ -*-===//
//
// Part of mindshard. Reads .ckpt and .safetensors checkpoints without copying
// them: the file is mapped and only the record headers are parsed, so that
// opening a checkpoint costs time and memory in proportion to the number of
// tensors, not their bytes. Writes .ckpt files as a stream of records, as
// MindSpore's loader reads them.
//
// The .ckpt format is a concatenation of serialized `Checkpoint` protobuf
// messages of one `Value` each (tag, then a tensor: dims, tensor_type,
// tensor_content). Tensors over 512 MiB are cut into consecutive records with
// the same tag, each repeating the full dims. A scalar is written with dims
// [0]. An optional trailer "crc_num" + 10-byte big-endian CRC32 of all the
// record bytes ends the file.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_FORMATS_CHECKPOINT_H
#define MINDSHARD_FORMATS_CHECKPOINT_H

#include "mindshard/Formats/Crypto.h"
#include "mindshard/Formats/DType.h"
#include "mindshard/Formats/FileIO.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mindshard {

/// Where one piece of a tensor's bytes lies in the file.
struct Segment {
  uint64_t offset;
  uint64_t size;
};

/// One tensor of a checkpoint.
struct TensorEntry {
  std::string name;
  DType dtype = DType::Float32;
  /// The shape; [] for a scalar (written with dims [0] or no dims).
  llvm::SmallVector<int64_t, 4> shape;
  /// The tensor's bytes, in order: one segment per record.
  llvm::SmallVector<Segment, 1> segments;
  uint64_t numBytes = 0;
  /// The byte offset of the tensor's first record, for messages.
  uint64_t recordOffset = 0;
  /// A MindSpore MapTensor (keys, values, status); `shape` and the bytes are
  /// those of its values.
  bool isMapTensor = false;

  int64_t numElements() const;
};

struct CheckpointReadOptions {
  /// Verify a CRC trailer (.ckpt) or `crc_num` metadata (.safetensors) when
  /// the file has one.
  bool verifyCrc = true;
  /// The key of an encrypted .ckpt.
  std::optional<DecryptKey> key;
  /// Let large tensors be read past the page cache
  /// (MappedFile::stream()).
  bool directReads = true;
};

/// An opened checkpoint.
class Checkpoint {
public:
  enum class Format { Ckpt, Safetensors };

  /// Opens `path`, choosing the format by its extension (".safetensors"),
  /// else by its first bytes. Errors name the file, the byte offset and the
  /// tensor at fault.
  static llvm::Expected<std::unique_ptr<Checkpoint>>
  open(llvm::StringRef path, const CheckpointReadOptions &options = {});
  /// Reads a checkpoint held in memory; `path` names it in messages and its
  /// extension chooses the format.
  static llvm::Expected<std::unique_ptr<Checkpoint>>
  fromBytes(llvm::StringRef path, std::vector<uint8_t> bytes,
            const CheckpointReadOptions &options = {});

  llvm::StringRef path() const { return file->path(); }
  Format format() const { return fileFormat; }
  uint64_t fileSize() const { return fileBytes; }
  bool isEncrypted() const { return encrypted; }
  /// The CRC the file carries, if any, and whether it was checked.
  std::optional<uint32_t> crc() const { return crcValue; }
  bool crcVerified() const { return crcChecked; }
  /// Safetensors `__metadata__`.
  const std::vector<std::pair<std::string, std::string>> &metadata() const {
    return meta;
  }

  llvm::ArrayRef<TensorEntry> tensors() const { return entries; }
  const TensorEntry *find(llvm::StringRef name) const;

  /// The bytes of a tensor held in one segment; empty when it spans several
  /// records (use read()).
  llvm::ArrayRef<uint8_t> contiguousBytes(const TensorEntry &entry) const;
  /// Copies `size` bytes of a tensor from byte `offset` of its data.
  void read(const TensorEntry &entry, uint64_t offset, uint64_t size,
            uint8_t *destination) const;
  /// The underlying bytes (decrypted when the file was encrypted).
  const MappedFile &bytes() const { return *file; }

private:
  Checkpoint() = default;
  static llvm::Expected<std::unique_ptr<Checkpoint>>
  index(std::unique_ptr<MappedFile> file, const CheckpointReadOptions &options);
  llvm::Error indexCkpt(const CheckpointReadOptions &options);
  llvm::Error indexSafetensors(const CheckpointReadOptions &options);
  llvm::Error addEntry(TensorEntry entry);

  std::unique_ptr<MappedFile> file;
  Format fileFormat = Format::Ckpt;
  uint64_t fileBytes = 0;
  bool encrypted = false;
  std::optional<uint32_t> crcValue;
  bool crcChecked = false;
  std::vector<std::pair<std::string, std::string>> meta;
  std::vector<TensorEntry> entries;
  llvm::StringMap<size_t> byName;
};

/// Writes a .ckpt file record by record. The file appears under its name only
/// when commit() succeeds.
class CheckpointWriter {
public:
  struct Options {
    /// Append MindSpore's CRC trailer.
    bool crc = false;
    /// Cut tensors into records of at most this many bytes (MindSpore: 512
    /// MiB).
    uint64_t maxRecordBytes = 512ull << 20;
    /// Sync the data before renaming it into place.
    bool sync = true;
    /// How the file is written: past the page cache or through it.
    AtomicOutputFile::Options output;
  };

  static llvm::Expected<std::unique_ptr<CheckpointWriter>>
  create(llvm::StringRef path, const Options &options);
  static llvm::Expected<std::unique_ptr<CheckpointWriter>>
  create(llvm::StringRef path) {
    return create(path, Options());
  }

  /// Starts a tensor; its bytes follow through append(), in order.
  llvm::Error beginTensor(llvm::StringRef name, DType dtype,
                          llvm::ArrayRef<int64_t> shape);
  llvm::Error append(llvm::ArrayRef<uint8_t> bytes);
  llvm::Error endTensor();
  /// A whole tensor at once.
  llvm::Error writeTensor(llvm::StringRef name, DType dtype,
                          llvm::ArrayRef<int64_t> shape,
                          llvm::ArrayRef<uint8_t> bytes);

  llvm::Error commit();
  uint64_t bytesWritten() const { return output->size(); }
  /// The file's CRC-32C so far.
  uint32_t crc32c() const { return output->crc32c(); }
  /// Computes the file's SHA-256 as it is written; call before writing.
  void computeSha256() { output->computeSha256(); }
  /// The SHA-256 in hex once committed.
  llvm::StringRef sha256() const { return output->sha256(); }

private:
  CheckpointWriter() = default;
  llvm::Error writeRecordHeader(uint64_t contentBytes);
  llvm::Error writeBytes(llvm::ArrayRef<uint8_t> bytes);

  Options options;
  std::unique_ptr<AtomicOutputFile> output;
  uint32_t crcState = 0;
  // The tensor being written.
  std::string name;
  DType dtype = DType::Float32;
  llvm::SmallVector<int64_t, 4> dims;
  uint64_t remaining = 0;
  uint64_t recordRemaining = 0;
  bool inTensor = false;
};

/// The CRC32 (zlib's) of `bytes`, continuing from `crc`.
uint32_t crc32(uint32_t crc, llvm::ArrayRef<uint8_t> bytes);

/// Writes a .safetensors file from tensors given in memory (tests and small
/// outputs); metadata {"format": "ms"} as MindSpore 2.5+ writes it.
llvm::Error writeSafetensors(
    llvm::StringRef path,
    llvm::ArrayRef<std::tuple<std::string, DType, llvm::SmallVector<int64_t, 4>,
                              llvm::ArrayRef<uint8_t>>>
        tensors);

} // namespace mindshard

#endif // MINDSHARD_FORMATS_CHECKPOINT_H
