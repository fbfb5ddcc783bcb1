//===- Wire.cpp - protobuf wire format, read and written by hand ----------===//
//
// Part of mindshard.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Formats/Wire.h"

#include "mindshard/Formats/FileIO.h"

using namespace mindshard;
using namespace mindshard::wire;

llvm::Error Reader::error(const llvm::Twine &message) const {
  return formatError(path, offset(), message);
}

llvm::Expected<uint64_t> Reader::readVarint() {
  uint64_t value = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (cursor == end)
      return error("a varint runs past the end of the data");
    uint8_t byte = *cursor++;
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80))
      return value;
  }
  return error("a varint is longer than 10 bytes");
}

llvm::Expected<Key> Reader::readKey() {
  uint64_t at = offset();
  llvm::Expected<uint64_t> key = readVarint();
  if (!key)
    return key.takeError();
  uint64_t type = *key & 7;
  uint64_t field = *key >> 3;
  if (type > 5)
    return formatError(path, at, "invalid wire type " + llvm::Twine(type));
  if (field == 0 || field > 0x1fffffff)
    return formatError(path, at, "invalid field number " + llvm::Twine(field));
  return Key{static_cast<uint32_t>(field), static_cast<WireType>(type)};
}

llvm::Expected<llvm::ArrayRef<uint8_t>> Reader::readBytes(uint64_t *offset) {
  uint64_t at = this->offset();
  llvm::Expected<uint64_t> length = readVarint();
  if (!length)
    return length.takeError();
  if (*length > static_cast<uint64_t>(end - cursor))
    return formatError(path, at,
                       "a length of " + llvm::Twine(*length) +
                           " bytes runs past the end of the data (" +
                           llvm::Twine(static_cast<uint64_t>(end - cursor)) +
                           " bytes left)");
  if (offset)
    *offset = this->offset();
  llvm::ArrayRef<uint8_t> bytes(cursor, *length);
  cursor += *length;
  return bytes;
}

llvm::Error Reader::skip(WireType type) {
  switch (type) {
  case WireType::Varint:
    return readVarint().takeError();
  case WireType::Fixed64:
    if (end - cursor < 8)
      return error("a 64-bit field runs past the end of the data");
    cursor += 8;
    return llvm::Error::success();
  case WireType::Fixed32:
    if (end - cursor < 4)
      return error("a 32-bit field runs past the end of the data");
    cursor += 4;
    return llvm::Error::success();
  case WireType::LengthDelimited:
    return readBytes().takeError();
  case WireType::StartGroup:
  case WireType::EndGroup:
    return error("groups are not used by MindSpore's formats");
  }
  return error("invalid wire type");
}

llvm::Error Reader::readInt64s(WireType type,
                               llvm::SmallVectorImpl<int64_t> &out) {
  if (type == WireType::Varint) {
    llvm::Expected<uint64_t> value = readVarint();
    if (!value)
      return value.takeError();
    out.push_back(static_cast<int64_t>(*value));
    return llvm::Error::success();
  }
  if (type != WireType::LengthDelimited)
    return error("an int64 field has wire type " +
                 llvm::Twine(static_cast<unsigned>(type)));
  uint64_t at;
  llvm::Expected<llvm::ArrayRef<uint8_t>> packed = readBytes(&at);
  if (!packed)
    return packed.takeError();
  Reader values(path, *packed, at);
  while (!values.atEnd()) {
    llvm::Expected<uint64_t> value = values.readVarint();
    if (!value)
      return value.takeError();
    out.push_back(static_cast<int64_t>(*value));
  }
  return llvm::Error::success();
}

void wire::appendVarint(std::string &out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void wire::appendKey(std::string &out, uint32_t field, WireType type) {
  appendVarint(out, (static_cast<uint64_t>(field) << 3) |
                        static_cast<uint64_t>(type));
}

void wire::appendLengthPrefix(std::string &out, uint32_t field,
                              uint64_t length) {
  appendKey(out, field, WireType::LengthDelimited);
  appendVarint(out, length);
}

void wire::appendBytesField(std::string &out, uint32_t field,
                            llvm::StringRef bytes) {
  appendLengthPrefix(out, field, bytes.size());
  out.append(bytes.data(), bytes.size());
}

unsigned wire::varintSize(uint64_t value) {
  unsigned size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

uint64_t wire::lengthDelimitedSize(uint32_t field, uint64_t length) {
  return varintSize(static_cast<uint64_t>(field) << 3) + varintSize(length) +
         length;
}
