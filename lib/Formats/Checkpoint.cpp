//===- Checkpoint.cpp - MindSpore checkpoints, indexed and written --------===//
//
// Part of mindshard.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Formats/Checkpoint.h"

#include "mindshard/Formats/Wire.h"
#include "mindshard/Layout/TensorLayout.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"

#include <cstring>
#include <zlib.h>

using namespace mindshard;
using wire::WireType;

static constexpr llvm::StringLiteral kCrcMarker = "crc_num";
static constexpr uint64_t kCrcTrailerBytes = 17;
/// The largest safetensors header accepted (as MindSpore and Hugging Face).
static constexpr uint64_t kMaxSafetensorsHeader = 100'000'000;

uint32_t mindshard::crc32(uint32_t crc, llvm::ArrayRef<uint8_t> bytes) {
  // zlib takes at most 4 GiB at a time.
  while (!bytes.empty()) {
    size_t chunk = std::min<size_t>(bytes.size(), 1u << 30);
    crc = ::crc32(crc, bytes.data(), chunk);
    bytes = bytes.drop_front(chunk);
  }
  return crc;
}

int64_t TensorEntry::numElements() const { return product(shape); }

/// The element count of `shape`, or std::nullopt when an extent is negative
/// or the count overflows.
static std::optional<uint64_t> checkedElements(llvm::ArrayRef<int64_t> shape) {
  uint64_t count = 1;
  for (int64_t extent : shape) {
    if (extent < 0)
      return std::nullopt;
    if (__builtin_mul_overflow(count, static_cast<uint64_t>(extent), &count))
      return std::nullopt;
  }
  // Keep byte counts far from overflowing too.
  if (count > (uint64_t(1) << 60))
    return std::nullopt;
  return count;
}

//===----------------------------------------------------------------------===//
// Opening
//===----------------------------------------------------------------------===//

llvm::Expected<std::unique_ptr<Checkpoint>>
Checkpoint::open(llvm::StringRef path, const CheckpointReadOptions &options) {
  llvm::Expected<std::unique_ptr<MappedFile>> mapped =
      MappedFile::open(path, options.directReads);
  if (!mapped)
    return mapped.takeError();
  return index(std::move(*mapped), options);
}

llvm::Expected<std::unique_ptr<Checkpoint>>
Checkpoint::fromBytes(llvm::StringRef path, std::vector<uint8_t> bytes,
                      const CheckpointReadOptions &options) {
  return index(MappedFile::fromBytes(path, std::move(bytes)), options);
}

llvm::Expected<std::unique_ptr<Checkpoint>>
Checkpoint::index(std::unique_ptr<MappedFile> file,
                  const CheckpointReadOptions &options) {
  std::unique_ptr<Checkpoint> checkpoint(new Checkpoint());
  checkpoint->file = std::move(file);
  checkpoint->fileBytes = checkpoint->file->size();
  llvm::StringRef path = checkpoint->file->path();

  bool safetensors = llvm::sys::path::extension(path) == ".safetensors";
  if (safetensors) {
    checkpoint->fileFormat = Format::Safetensors;
    if (llvm::Error error = checkpoint->indexSafetensors(options))
      return std::move(error);
    return checkpoint;
  }

  // Indexing touches only the first bytes and the record headers: no
  // read-ahead around them (the kernel would read megabytes of tensor data
  // around each).
  checkpoint->file->adviseRandom(true);
  if (looksEncrypted(checkpoint->file->bytes())) {
    if (!options.key)
      return fileError(path, "is encrypted; give its key with "
                             "--decrypt-key-hex, --decrypt-key-file or "
                             "MINDSHARD_DECRYPT_KEY");
    // Decryption reads the whole file, in order.
    checkpoint->file->adviseRandom(false);
    llvm::Expected<std::vector<uint8_t>> plain =
        decrypt(path, checkpoint->file->bytes(), *options.key);
    if (!plain)
      return plain.takeError();
    checkpoint->file = MappedFile::fromBytes(path, std::move(*plain));
    checkpoint->encrypted = true;
  }
  llvm::Error error = checkpoint->indexCkpt(options);
  checkpoint->file->adviseRandom(false);
  if (error)
    return std::move(error);
  return checkpoint;
}

llvm::Error Checkpoint::addEntry(TensorEntry entry) {
  auto [it, inserted] = byName.try_emplace(entry.name, entries.size());
  if (!inserted)
    return formatError(path(), entry.recordOffset,
                       llvm::formatv("tensor '{0}' appears again (first at "
                                     "byte {1}); same-tag records must be "
                                     "consecutive",
                                     entry.name,
                                     entries[it->second].recordOffset));
  entries.push_back(std::move(entry));
  return llvm::Error::success();
}

const TensorEntry *Checkpoint::find(llvm::StringRef name) const {
  auto it = byName.find(name);
  return it == byName.end() ? nullptr : &entries[it->second];
}

llvm::ArrayRef<uint8_t>
Checkpoint::contiguousBytes(const TensorEntry &entry) const {
  if (entry.segments.size() != 1)
    return {};
  return file->bytes().slice(entry.segments[0].offset, entry.segments[0].size);
}

void Checkpoint::read(const TensorEntry &entry, uint64_t offset, uint64_t size,
                      uint8_t *destination) const {
  llvm::ArrayRef<uint8_t> data = file->bytes();
  for (const Segment &segment : entry.segments) {
    if (size == 0)
      return;
    if (offset >= segment.size) {
      offset -= segment.size;
      continue;
    }
    uint64_t chunk = std::min(size, segment.size - offset);
    std::memcpy(destination, data.data() + segment.offset + offset, chunk);
    destination += chunk;
    size -= chunk;
    offset = 0;
  }
  assert(size == 0 && "read past the end of a tensor");
}

//===----------------------------------------------------------------------===//
// .ckpt
//===----------------------------------------------------------------------===//

namespace {
/// The header fields of one TensorProto.
struct TensorHeader {
  llvm::SmallVector<int64_t, 4> dims;
  std::string type;
  bool hasType = false;
  uint64_t contentOffset = 0;
  uint64_t contentSize = 0;
  bool hasContent = false;
};
} // namespace

static llvm::Error parseTensorHeader(wire::Reader &reader,
                                     TensorHeader &header) {
  while (!reader.atEnd()) {
    llvm::Expected<wire::Key> key = reader.readKey();
    if (!key)
      return key.takeError();
    switch (key->field) {
    case 1: // dims
      if (llvm::Error error = reader.readInt64s(key->type, header.dims))
        return error;
      break;
    case 2: { // tensor_type
      if (key->type != WireType::LengthDelimited)
        return reader.error("tensor_type has the wrong wire type");
      llvm::Expected<llvm::ArrayRef<uint8_t>> bytes = reader.readBytes();
      if (!bytes)
        return bytes.takeError();
      header.type.assign(bytes->begin(), bytes->end());
      header.hasType = true;
      break;
    }
    case 3: { // tensor_content
      if (key->type != WireType::LengthDelimited)
        return reader.error("tensor_content has the wrong wire type");
      llvm::Expected<llvm::ArrayRef<uint8_t>> bytes =
          reader.readBytes(&header.contentOffset);
      if (!bytes)
        return bytes.takeError();
      header.contentSize = bytes->size();
      header.hasContent = true;
      break;
    }
    default:
      if (llvm::Error error = reader.skip(key->type))
        return error;
    }
  }
  return llvm::Error::success();
}

/// The zlib CRC-32 of the first `size` bytes of `file`, read in parts with
/// pread: the mapping is advised random while indexing (a fault would read
/// one page), and reading the whole of it would keep the file resident.
static llvm::Expected<uint32_t> crc32OfFile(const MappedFile &file,
                                            uint64_t size) {
  std::vector<uint8_t> part(std::min<uint64_t>(size, 1 << 20));
  uint32_t crc = 0;
  for (uint64_t at = 0; at < size; at += part.size()) {
    uint64_t length = std::min<uint64_t>(part.size(), size - at);
    if (llvm::Error error = file.read(at, length, part.data()))
      return std::move(error);
    crc = crc32(crc, llvm::ArrayRef<uint8_t>(part.data(), length));
  }
  return crc;
}

llvm::Error Checkpoint::indexCkpt(const CheckpointReadOptions &options) {
  llvm::ArrayRef<uint8_t> data = file->bytes();
  llvm::StringRef filePath = path();

  // The CRC trailer: "crc_num" and 10 big-endian bytes.
  if (data.size() >= kCrcTrailerBytes &&
      std::memcmp(data.data() + data.size() - kCrcTrailerBytes,
                  kCrcMarker.data(), kCrcMarker.size()) == 0) {
    uint64_t stored = 0;
    for (uint8_t byte : data.take_back(10))
      stored = stored << 8 | byte;
    data = data.drop_back(kCrcTrailerBytes);
    if (stored > 0xffffffffu)
      return formatError(filePath, data.size(),
                         "the CRC trailer holds " + llvm::Twine(stored) +
                             ", which is not a CRC32");
    crcValue = static_cast<uint32_t>(stored);
    if (options.verifyCrc) {
      llvm::Expected<uint32_t> actual = crc32OfFile(*file, data.size());
      if (!actual)
        return actual.takeError();
      if (*actual != *crcValue)
        return formatError(
            filePath, data.size(),
            llvm::formatv("CRC mismatch: the trailer says {0} but the "
                          "records give {1}; the file is corrupt (pass "
                          "--no-crc-check to read it anyway)",
                          *crcValue, *actual));
      crcChecked = true;
    }
  }

  wire::Reader reader(filePath, data, 0);
  // The tensor being assembled: consecutive records with its tag extend it.
  std::optional<TensorEntry> pending;
  llvm::SmallVector<int64_t, 4> pendingDims;
  // A large record's header costs one page read; a run of small records is
  // read ahead in growing windows instead, so that a file of many small
  // tensors is not read a page at a time.
  constexpr uint64_t kSmallRecordBytes = 64 << 10;
  constexpr uint64_t kFirstWindowBytes = 16 << 10;
  constexpr uint64_t kMaxWindowBytes = 4 << 20;
  uint64_t window = 0, readAheadEnd = 0;
  // Reading a header faults in the pages around it: up to 64 KiB of small
  // pages, or a whole large folio (up to 2 MiB) where the file is already
  // in the page cache in large folios, as after a buffered read of it. They
  // are let go every kReleaseRecords records, or sooner once the headers
  // read since the last release span kReleaseBytes, so that indexing keeps
  // a few MiB of each file resident; letting them go after every small
  // record would cost a TLB shootdown each.
  constexpr unsigned kReleaseRecords = 64;
  constexpr uint64_t kReleaseBytes = 1 << 20;
  unsigned unreleasedRecords = 0;
  uint64_t unreleasedFrom = 0;
  auto releaseHeaders = [&] {
    uint64_t begin =
        unreleasedFrom - std::min<uint64_t>(unreleasedFrom, 1 << 17);
    file->release(begin, reader.offset() - begin);
    unreleasedFrom = reader.offset();
    unreleasedRecords = 0;
  };
  while (!reader.atEnd()) {
    uint64_t recordOffset = reader.offset();
    llvm::Expected<wire::Key> key = reader.readKey();
    if (!key)
      return key.takeError();
    if (key->field != 1 || key->type != WireType::LengthDelimited) {
      // Old files carry other top-level fields (model_type); skip them.
      if (llvm::Error error = reader.skip(key->type))
        return error;
      continue;
    }
    uint64_t valueOffset;
    llvm::Expected<llvm::ArrayRef<uint8_t>> value =
        reader.readBytes(&valueOffset);
    if (!value)
      return value.takeError();
    uint64_t recordEnd = reader.offset();
    if (recordEnd - recordOffset >= kSmallRecordBytes) {
      window = 0;
    } else if (recordEnd >= readAheadEnd) {
      window =
          window ? std::min(2 * window, kMaxWindowBytes) : kFirstWindowBytes;
      file->willNeed(recordEnd, window);
      readAheadEnd = recordEnd + window;
    }
    llvm::scope_exit countRecord([&] {
      if (++unreleasedRecords == kReleaseRecords ||
          reader.offset() - unreleasedFrom >= kReleaseBytes)
        releaseHeaders();
    });

    // Checkpoint.Value: tag, then a tensor or a map tensor.
    wire::Reader fields(filePath, *value, valueOffset);
    std::string tag;
    bool hasTag = false;
    std::optional<TensorHeader> tensor;
    llvm::SmallVector<TensorHeader, 3> mapParts;
    bool isMap = false;
    while (!fields.atEnd()) {
      llvm::Expected<wire::Key> field = fields.readKey();
      if (!field)
        return field.takeError();
      if (field->type != WireType::LengthDelimited || field->field > 3) {
        if (llvm::Error error = fields.skip(field->type))
          return error;
        continue;
      }
      uint64_t at;
      llvm::Expected<llvm::ArrayRef<uint8_t>> bytes = fields.readBytes(&at);
      if (!bytes)
        return bytes.takeError();
      if (field->field == 1) {
        tag.assign(bytes->begin(), bytes->end());
        // MindSpore writes Python strings; other bytes are a damaged file.
        if (size_t bad; !llvm::json::isUTF8(tag, &bad))
          return formatError(filePath, at + bad,
                             "a record's tag ('" + llvm::json::fixUTF8(tag) +
                                 "') is not UTF-8 text");
        hasTag = true;
        continue;
      }
      wire::Reader inner(filePath, *bytes, at);
      if (field->field == 2) {
        tensor.emplace();
        if (llvm::Error error = parseTensorHeader(inner, *tensor))
          return error;
        continue;
      }
      // MapTensorProto: repeated TensorProto (keys, values, status).
      isMap = true;
      while (!inner.atEnd()) {
        llvm::Expected<wire::Key> part = inner.readKey();
        if (!part)
          return part.takeError();
        if (part->field != 1 || part->type != WireType::LengthDelimited) {
          if (llvm::Error error = inner.skip(part->type))
            return error;
          continue;
        }
        uint64_t partAt;
        llvm::Expected<llvm::ArrayRef<uint8_t>> partBytes =
            inner.readBytes(&partAt);
        if (!partBytes)
          return partBytes.takeError();
        wire::Reader partReader(filePath, *partBytes, partAt);
        if (llvm::Error error =
                parseTensorHeader(partReader, mapParts.emplace_back()))
          return error;
      }
    }

    if (!hasTag)
      return formatError(filePath, recordOffset, "a record has no tag");
    if (isMap) {
      if (mapParts.size() != 3)
        return formatError(filePath, recordOffset,
                           llvm::formatv("map tensor '{0}' has {1} parts, "
                                         "expected keys, values and status",
                                         tag, mapParts.size()));
      tensor = mapParts[1];
    }
    if (!tensor)
      return formatError(filePath, recordOffset,
                         "record '" + tag + "' holds no tensor");
    if (!tensor->hasType)
      return formatError(filePath, recordOffset,
                         "tensor '" + tag + "' has no tensor_type");
    std::optional<DType> dtype = parseCheckpointName(tensor->type);
    if (!dtype)
      return formatError(filePath, recordOffset,
                         llvm::formatv("tensor '{0}' has unknown dtype '{1}'",
                                       tag, tensor->type));

    // A consecutive record with the same tag continues the tensor.
    if (pending && pending->name == tag && !isMap && !pending->isMapTensor) {
      if (tensor->dims != pendingDims || pending->dtype != *dtype)
        return formatError(
            filePath, recordOffset,
            llvm::formatv("record of tensor '{0}' continues one with dims "
                          "{1} and dtype {2} but has dims {3} and dtype {4}",
                          tag, formatList(pendingDims),
                          getCheckpointName(pending->dtype),
                          formatList(tensor->dims), tensor->type));
      if (tensor->contentSize)
        pending->segments.push_back(
            {tensor->contentOffset, tensor->contentSize});
      pending->numBytes += tensor->contentSize;
      continue;
    }

    if (pending)
      if (llvm::Error error = addEntry(std::move(*pending)))
        return error;
    pending.emplace();
    pending->name = tag;
    pending->dtype = *dtype;
    pending->recordOffset = recordOffset;
    pending->isMapTensor = isMap;
    pendingDims = tensor->dims;
    // MindSpore writes a scalar with dims [0] (up to 2.3) or no dims; dims
    // [0] without content is an empty 1-d tensor.
    bool scalar = tensor->dims.size() == 1 && tensor->dims[0] == 0 &&
                  (tensor->contentSize > 0 || *dtype == DType::String);
    if (!scalar)
      pending->shape = tensor->dims;
    if (tensor->contentSize)
      pending->segments.push_back({tensor->contentOffset, tensor->contentSize});
    pending->numBytes = tensor->contentSize;
  }
  releaseHeaders();
  if (pending)
    if (llvm::Error error = addEntry(std::move(*pending)))
      return error;

  // Every tensor's bytes must match its dims and dtype.
  for (const TensorEntry &entry : entries) {
    if (entry.dtype == DType::String) {
      if (entry.numBytes % 4 != 0)
        return formatError(filePath, entry.recordOffset,
                           llvm::formatv("string '{0}' has {1} bytes, not a "
                                         "multiple of 4 (UTF-32)",
                                         entry.name, entry.numBytes));
      continue;
    }
    if (entry.isMapTensor)
      continue;
    std::optional<uint64_t> count = checkedElements(entry.shape);
    if (!count)
      return formatError(filePath, entry.recordOffset,
                         llvm::formatv("tensor '{0}' has invalid dims {1}",
                                       entry.name, formatList(entry.shape)));
    uint64_t expected = byteSize(entry.dtype, *count);
    if (expected != entry.numBytes)
      return formatError(
          filePath, entry.recordOffset,
          llvm::formatv("tensor '{0}' has {1} bytes of content but dims {2} "
                        "and dtype {3} need {4}",
                        entry.name, entry.numBytes, formatList(entry.shape),
                        getCheckpointName(entry.dtype), expected));
  }
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// .safetensors
//===----------------------------------------------------------------------===//

llvm::Error Checkpoint::indexSafetensors(const CheckpointReadOptions &options) {
  llvm::ArrayRef<uint8_t> data = file->bytes();
  llvm::StringRef filePath = path();
  if (data.size() < 8)
    return formatError(filePath, 0,
                       "too short for a safetensors header length");
  uint64_t headerSize = 0;
  for (int i = 7; i >= 0; --i)
    headerSize = headerSize << 8 | data[i];
  if (headerSize > kMaxSafetensorsHeader || headerSize > data.size() - 8)
    return formatError(filePath, 0,
                       llvm::formatv("header length {0} exceeds the file "
                                     "({1} bytes) or the 100 MB limit",
                                     headerSize, data.size()));
  llvm::StringRef header(reinterpret_cast<const char *>(data.data() + 8),
                         headerSize);
  llvm::Expected<llvm::json::Value> json = llvm::json::parse(header);
  if (!json)
    return formatError(filePath, 8,
                       "the header is not JSON: " +
                           llvm::toString(json.takeError()));
  llvm::json::Object *object = json->getAsObject();
  if (!object)
    return formatError(filePath, 8, "the header is not a JSON object");

  uint64_t dataStart = 8 + headerSize;
  uint64_t dataSize = data.size() - dataStart;
  std::vector<std::pair<uint64_t, std::string>> order;
  for (const auto &[key, value] : *object) {
    std::string name = key.str();
    if (name == "__metadata__") {
      const llvm::json::Object *metadata = value.getAsObject();
      if (!metadata)
        return formatError(filePath, 8, "__metadata__ is not an object");
      for (const auto &[metaKey, metaValue] : *metadata) {
        std::optional<llvm::StringRef> text = metaValue.getAsString();
        if (!text)
          return formatError(filePath, 8,
                             "__metadata__ value of '" + metaKey.str() +
                                 "' is not a string");
        meta.emplace_back(metaKey.str(), text->str());
      }
      continue;
    }
    auto tensorError = [&](const llvm::Twine &message) {
      return formatError(filePath, 8,
                         "header entry '" + name + "': " + message);
    };
    const llvm::json::Object *tensor = value.getAsObject();
    if (!tensor)
      return tensorError("not an object");
    std::optional<llvm::StringRef> dtypeName = tensor->getString("dtype");
    const llvm::json::Array *shape = tensor->getArray("shape");
    const llvm::json::Array *offsets = tensor->getArray("data_offsets");
    if (!dtypeName || !shape || !offsets || offsets->size() != 2)
      return tensorError("needs dtype, shape and two data_offsets");
    std::optional<DType> dtype = parseSafetensorsName(*dtypeName);
    if (!dtype)
      return tensorError("unknown dtype '" + *dtypeName + "'");

    TensorEntry entry;
    entry.name = name;
    entry.dtype = *dtype;
    for (const llvm::json::Value &extent : *shape) {
      std::optional<int64_t> value = extent.getAsInteger();
      if (!value || *value < 0)
        return tensorError("shape has an entry that is not a natural number");
      entry.shape.push_back(*value);
    }
    std::optional<int64_t> begin = (*offsets)[0].getAsInteger();
    std::optional<int64_t> end = (*offsets)[1].getAsInteger();
    if (!begin || !end || *begin < 0 || *end < *begin ||
        static_cast<uint64_t>(*end) > dataSize)
      return tensorError(llvm::formatv(
          "data_offsets lie outside the {0} data bytes", dataSize));
    std::optional<uint64_t> count = checkedElements(entry.shape);
    if (!count)
      return tensorError("shape " + formatList(entry.shape) +
                         " has too many elements");
    uint64_t expected = byteSize(entry.dtype, *count);
    if (static_cast<uint64_t>(*end - *begin) != expected)
      return tensorError(llvm::formatv(
          "data_offsets [{0}, {1}) hold {2} bytes but shape {3} and dtype "
          "{4} need {5}",
          *begin, *end, *end - *begin, formatList(entry.shape), *dtypeName,
          expected));
    entry.recordOffset = dataStart + *begin;
    entry.numBytes = expected;
    if (expected)
      entry.segments.push_back({dataStart + *begin, expected});
    order.emplace_back(*begin, name);
    if (llvm::Error error = addEntry(std::move(entry)))
      return error;
  }

  // MindSpore marks Int4 tensors in the metadata.
  for (const auto &[key, value] : meta) {
    auto it = byName.find(key);
    if (value == "Int4" && it != byName.end())
      entries[it->second].dtype = DType::Int4;
  }

  // The data must be covered exactly, without gaps or overlaps.
  llvm::sort(order);
  uint64_t expectedBegin = 0;
  for (const auto &[begin, name] : order) {
    const TensorEntry &entry = *find(name);
    if (begin != expectedBegin)
      return formatError(filePath, dataStart + begin,
                         llvm::formatv("tensor '{0}' starts at data offset "
                                       "{1} but the previous one ends at {2}",
                                       name, begin, expectedBegin));
    expectedBegin = begin + entry.numBytes;
  }
  if (expectedBegin != dataSize)
    return formatError(filePath, dataStart + expectedBegin,
                       llvm::formatv("{0} bytes after the last tensor are not "
                                     "described by the header",
                                     dataSize - expectedBegin));

  // crc_num: CRC32 chained over each name and its bytes, names sorted.
  for (const auto &[key, value] : meta) {
    if (key != "crc_num")
      continue;
    uint64_t stored;
    if (llvm::StringRef(value).getAsInteger(10, stored) || stored > 0xffffffffu)
      return formatError(filePath, 8, "crc_num '" + value + "' is not a CRC32");
    crcValue = static_cast<uint32_t>(stored);
    if (!options.verifyCrc)
      break;
    std::vector<std::string> names;
    for (const TensorEntry &entry : entries)
      names.push_back(entry.name);
    llvm::sort(names);
    uint32_t actual = 0;
    for (const std::string &name : names) {
      actual = crc32(actual, llvm::ArrayRef<uint8_t>(
                                 reinterpret_cast<const uint8_t *>(name.data()),
                                 name.size()));
      const TensorEntry &entry = *find(name);
      for (const Segment &segment : entry.segments)
        actual = crc32(actual, data.slice(segment.offset, segment.size));
    }
    if (actual != *crcValue)
      return formatError(filePath, 8,
                         llvm::formatv("CRC mismatch: crc_num says {0} but "
                                       "the tensors give {1}; the file is "
                                       "corrupt (pass --no-crc-check to read "
                                       "it anyway)",
                                       *crcValue, actual));
    crcChecked = true;
  }

  // Keep the tensors in file order.
  llvm::sort(entries, [](const TensorEntry &a, const TensorEntry &b) {
    return a.recordOffset < b.recordOffset;
  });
  byName.clear();
  for (auto [index, entry] : llvm::enumerate(entries))
    byName[entry.name] = index;
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// CheckpointWriter
//===----------------------------------------------------------------------===//

llvm::Expected<std::unique_ptr<CheckpointWriter>>
CheckpointWriter::create(llvm::StringRef path, const Options &options) {
  llvm::Expected<std::unique_ptr<AtomicOutputFile>> output =
      AtomicOutputFile::create(path, options.output);
  if (!output)
    return output.takeError();
  std::unique_ptr<CheckpointWriter> writer(new CheckpointWriter());
  writer->options = options;
  writer->output = std::move(*output);
  return writer;
}

llvm::Error CheckpointWriter::writeBytes(llvm::ArrayRef<uint8_t> bytes) {
  if (options.crc)
    crcState = crc32(crcState, bytes);
  return output->write(bytes);
}

/// The Value message of a record: tag and the tensor header, up to the
/// tensor_content length prefix.
llvm::Error CheckpointWriter::writeRecordHeader(uint64_t contentBytes) {
  std::string tensor;
  // proto2 writes repeated scalars unpacked, as MindSpore's Python does.
  for (int64_t dim : dims) {
    wire::appendKey(tensor, 1, WireType::Varint);
    wire::appendVarint(tensor, static_cast<uint64_t>(dim));
  }
  wire::appendBytesField(tensor, 2, getCheckpointName(dtype));
  uint64_t tensorSize =
      tensor.size() + wire::lengthDelimitedSize(3, contentBytes);

  std::string value;
  wire::appendBytesField(value, 1, name);
  uint64_t valueSize = value.size() + wire::lengthDelimitedSize(2, tensorSize);

  std::string record;
  wire::appendLengthPrefix(record, 1, valueSize);
  record += value;
  wire::appendLengthPrefix(record, 2, tensorSize);
  record += tensor;
  wire::appendLengthPrefix(record, 3, contentBytes);
  return writeBytes(llvm::ArrayRef<uint8_t>(
      reinterpret_cast<const uint8_t *>(record.data()), record.size()));
}

llvm::Error CheckpointWriter::beginTensor(llvm::StringRef tensorName,
                                          DType tensorType,
                                          llvm::ArrayRef<int64_t> shape) {
  assert(!inTensor && "beginTensor() inside a tensor");
  std::optional<uint64_t> count = checkedElements(shape);
  if (!count)
    return fileError(output->path(), "tensor '" + tensorName +
                                         "' has invalid shape " +
                                         formatList(shape));
  name = tensorName.str();
  dtype = tensorType;
  dims.assign(shape.begin(), shape.end());
  // MindSpore writes scalars with dims [0].
  if (dims.empty())
    dims.push_back(0);
  remaining = byteSize(dtype, *count);
  inTensor = true;
  recordRemaining = 0;
  if (remaining == 0)
    return writeRecordHeader(0);
  return llvm::Error::success();
}

llvm::Error CheckpointWriter::append(llvm::ArrayRef<uint8_t> bytes) {
  assert(inTensor && "append() outside a tensor");
  if (bytes.size() > remaining)
    return fileError(output->path(),
                     llvm::formatv("tensor '{0}' got {1} bytes more than its "
                                   "shape holds",
                                   name, bytes.size() - remaining));
  while (!bytes.empty()) {
    if (recordRemaining == 0) {
      recordRemaining = std::min(remaining, options.maxRecordBytes);
      if (llvm::Error error = writeRecordHeader(recordRemaining))
        return error;
    }
    uint64_t chunk = std::min<uint64_t>(bytes.size(), recordRemaining);
    if (llvm::Error error = writeBytes(bytes.take_front(chunk)))
      return error;
    bytes = bytes.drop_front(chunk);
    recordRemaining -= chunk;
    remaining -= chunk;
  }
  return llvm::Error::success();
}

llvm::Error CheckpointWriter::endTensor() {
  assert(inTensor && "endTensor() outside a tensor");
  inTensor = false;
  if (remaining != 0)
    return fileError(
        output->path(),
        llvm::formatv("tensor '{0}' is missing {1} bytes", name, remaining));
  return llvm::Error::success();
}

llvm::Error CheckpointWriter::writeTensor(llvm::StringRef tensorName,
                                          DType tensorType,
                                          llvm::ArrayRef<int64_t> shape,
                                          llvm::ArrayRef<uint8_t> bytes) {
  if (llvm::Error error = beginTensor(tensorName, tensorType, shape))
    return error;
  if (llvm::Error error = append(bytes))
    return error;
  return endTensor();
}

llvm::Error CheckpointWriter::commit() {
  if (options.crc) {
    uint8_t trailer[kCrcTrailerBytes] = {};
    std::memcpy(trailer, kCrcMarker.data(), kCrcMarker.size());
    for (int i = 0; i < 4; ++i)
      trailer[kCrcTrailerBytes - 1 - i] =
          static_cast<uint8_t>(crcState >> (8 * i));
    if (llvm::Error error = output->write(trailer))
      return error;
  }
  return output->commit(options.sync);
}

//===----------------------------------------------------------------------===//
// Safetensors writer
//===----------------------------------------------------------------------===//

llvm::Error mindshard::writeSafetensors(
    llvm::StringRef path,
    llvm::ArrayRef<std::tuple<std::string, DType, llvm::SmallVector<int64_t, 4>,
                              llvm::ArrayRef<uint8_t>>>
        tensors) {
  // Keys in data order, as MindSpore's reader requires.
  std::string header = "{\"__metadata__\":{\"format\":\"ms\"}";
  uint64_t offset = 0;
  for (const auto &[name, dtype, shape, bytes] : tensors) {
    std::optional<llvm::StringRef> dtypeName = getSafetensorsName(dtype);
    if (!dtypeName)
      return fileError(path, "safetensors cannot hold dtype " +
                                 getCheckpointName(dtype) + " of '" + name +
                                 "'");
    std::string shapeText;
    llvm::raw_string_ostream os(shapeText);
    llvm::interleave(shape, os, ",");
    header += llvm::formatv(
        ",{0}:{{\"dtype\":\"{1}\",\"shape\":[{2}],\"data_offsets\":[{3},{4}]}",
        llvm::json::Value(name), *dtypeName, shapeText, offset,
        offset + bytes.size());
    offset += bytes.size();
  }
  header += "}";
  while (header.size() % 8)
    header += ' ';

  llvm::Expected<std::unique_ptr<AtomicOutputFile>> output =
      AtomicOutputFile::create(path);
  if (!output)
    return output.takeError();
  uint8_t length[8];
  for (int i = 0; i < 8; ++i)
    length[i] = static_cast<uint8_t>(uint64_t(header.size()) >> (8 * i));
  if (llvm::Error error = (*output)->write(length))
    return error;
  if (llvm::Error error = (*output)->write(llvm::StringRef(header)))
    return error;
  for (const auto &tensor : tensors)
    if (llvm::Error error = (*output)->write(std::get<3>(tensor)))
      return error;
  return (*output)->commit();
}
