//===- Wire.h - protobuf wire format, read and written by hand --*- C++ -*-===//
//
// Part of mindshard. A bounds-checked cursor over protobuf's wire format, for
// the readers that index files without parsing them whole (checkpoints of
// any size: protobuf's 2 GiB message limit does not apply), and the encoders
// the streaming writers use to frame records around bytes they copy.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_FORMATS_WIRE_H
#define MINDSHARD_FORMATS_WIRE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace mindshard::wire {

enum class WireType : uint8_t {
  Varint = 0,
  Fixed64 = 1,
  LengthDelimited = 2,
  StartGroup = 3,
  EndGroup = 4,
  Fixed32 = 5,
};

/// A field key: number and wire type.
struct Key {
  uint32_t field;
  WireType type;
};

/// Reads protobuf fields from a byte range of a file. Every read checks its
/// bounds; errors name the file and the absolute byte offset.
class Reader {
public:
  /// `bytes` starts at absolute offset `base` of the file `path`.
  Reader(llvm::StringRef path, llvm::ArrayRef<uint8_t> bytes, uint64_t base)
      : path(path), begin(bytes.data()), cursor(bytes.data()),
        end(bytes.data() + bytes.size()), base(base) {}

  bool atEnd() const { return cursor == end; }
  /// The absolute file offset of the cursor.
  uint64_t offset() const { return base + (cursor - begin); }

  llvm::Expected<uint64_t> readVarint();
  llvm::Expected<Key> readKey();
  /// The bytes of a length-delimited field, and their absolute offset.
  llvm::Expected<llvm::ArrayRef<uint8_t>> readBytes(uint64_t *offset = nullptr);
  /// Skips a field of the given wire type.
  llvm::Error skip(WireType type);
  /// Reads the values of a repeated int64 field, packed or not; `type` is
  /// the wire type of the key just read.
  llvm::Error readInt64s(WireType type, llvm::SmallVectorImpl<int64_t> &out);

  /// An error at the cursor.
  llvm::Error error(const llvm::Twine &message) const;

private:
  llvm::StringRef path;
  const uint8_t *begin;
  const uint8_t *cursor;
  const uint8_t *end;
  uint64_t base;
};

/// Appends `value` as a varint.
void appendVarint(std::string &out, uint64_t value);
/// Appends a field key.
void appendKey(std::string &out, uint32_t field, WireType type);
/// Appends a length-delimited field whose payload the caller writes next,
/// `length` bytes long.
void appendLengthPrefix(std::string &out, uint32_t field, uint64_t length);
/// Appends a whole length-delimited field.
void appendBytesField(std::string &out, uint32_t field, llvm::StringRef bytes);
/// The size of `value` as a varint.
unsigned varintSize(uint64_t value);
/// The size of a length-delimited field of `length` payload bytes.
uint64_t lengthDelimitedSize(uint32_t field, uint64_t length);

} // namespace mindshard::wire

#endif // MINDSHARD_FORMATS_WIRE_H
