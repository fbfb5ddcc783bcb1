//===- Manifest.cpp - what an export wrote, with checksums ----------------===//
//
// Part of mindshard.
//
//===----------------------------------------------------------------------===//

#include "Manifest.h"
#include "Launch.h"
#include "Staging.h"

#include "mindshard/Export/Export.h"
#include "mindshard/Export/Progress.h"
#include "mindshard/Formats/Checkpoint.h"
#include "mindshard/Formats/Digest.h"
#include "mindshard/Formats/FileIO.h"
#include "mindshard/Formats/Wire.h"
#include "mindshard/Layout/TensorLayout.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"

#include <algorithm>

using namespace mindshard;
namespace json = llvm::json;

static llvm::Error manifestError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Feeds a mapped range to `consume` a block at a time, dropping each block
/// from the process once consumed.
static void
forEachBlock(const MappedFile &file, uint64_t offset, uint64_t size,
             llvm::function_ref<void(llvm::ArrayRef<uint8_t>)> consume) {
  constexpr uint64_t blockBytes = 8ull << 20;
  for (uint64_t at = offset, end = offset + size; at < end;) {
    uint64_t length = std::min(blockBytes, end - at);
    consume(file.bytes().slice(at, length));
    file.release(at, length);
    at += length;
  }
}

llvm::Error mindshard::describeFile(llvm::StringRef path, FileRecord &record,
                                    bool sha256) {
  llvm::Expected<std::unique_ptr<MappedFile>> file = MappedFile::open(path);
  if (!file)
    return file.takeError();
  std::optional<Sha256> hash;
  if (sha256)
    hash.emplace();
  uint32_t crc = 0;
  forEachBlock(**file, 0, (*file)->size(), [&](llvm::ArrayRef<uint8_t> bytes) {
    crc = crc32c(crc, bytes);
    if (hash)
      hash->update(bytes);
  });
  record.bytes = (*file)->size();
  record.crc32c = crc;
  record.sha256 = hash ? hash->finish() : "";
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// JSON
//===----------------------------------------------------------------------===//

static json::Value toJSON(const FileRecord &file) {
  json::Object object{{"path", file.path},
                      {"bytes", file.bytes},
                      {"crc32c", formatCrc(file.crc32c)}};
  if (!file.sha256.empty())
    object["sha256"] = file.sha256;
  return object;
}

static json::Value toJSON(const TensorRecord &tensor) {
  json::Array offsets;
  for (const auto &region : tensor.offsets)
    offsets.push_back(json::Array(region));
  return json::Object{{"name", tensor.name},
                      {"dtype", getCheckpointName(tensor.dtype)},
                      {"shape", json::Array(tensor.shape)},
                      {"global_shape", json::Array(tensor.globalShape)},
                      {"layout", tensor.layout},
                      {"offsets", std::move(offsets)},
                      {"bytes", tensor.bytes},
                      {"crc32c", formatCrc(tensor.crc32c)}};
}

static json::Value toJSON(const DeviceRecord &device) {
  json::Array files, tensors;
  for (const FileRecord &file : device.files)
    files.push_back(toJSON(file));
  for (const TensorRecord &tensor : device.tensors)
    tensors.push_back(toJSON(tensor));
  return json::Object{{"rank", device.rank},
                      {"program", device.program},
                      {"files", std::move(files)},
                      {"tensors", std::move(tensors)}};
}

llvm::Error mindshard::writeManifest(llvm::StringRef path,
                                     const Manifest &manifest, bool sync) {
  json::Array shared, ranks;
  for (const FileRecord &file : manifest.shared)
    shared.push_back(toJSON(file));
  for (const DeviceRecord &device : manifest.ranks)
    ranks.push_back(toJSON(device));
  json::Object root{
      {"format", "mindshard-manifest-1"},
      {"network", manifest.network},
      {"devices", manifest.devices},
      {"emit", manifest.emit},
      {"training",
       json::Object{{"ranks", manifest.trainRanks},
                    {"strategy", json::Array(manifest.trainStrategies)},
                    {"checkpoints", json::Array(manifest.checkpoints)}}},
      {"shared_files", std::move(shared)},
      {"ranks", std::move(ranks)}};
  std::string text = llvm::formatv("{0:2}", json::Value(std::move(root)));
  text += "\n";
  llvm::Expected<std::unique_ptr<AtomicOutputFile>> file =
      AtomicOutputFile::create(path);
  if (!file)
    return file.takeError();
  if (llvm::Error error = (*file)->write(text))
    return error;
  return (*file)->commit(sync);
}

namespace {
/// Reads JSON fields, reporting the first that is missing or mistyped.
struct Fields {
  llvm::StringRef path;
  std::string error;

  const json::Object *object(const json::Value *value, llvm::StringRef what) {
    const json::Object *object = value ? value->getAsObject() : nullptr;
    if (!object && error.empty())
      error = (what + " is not an object").str();
    return object;
  }
  std::string string(const json::Object &object, llvm::StringRef key) {
    std::optional<llvm::StringRef> value = object.getString(key);
    if (!value && error.empty())
      error = ("'" + key + "' is missing or not a string").str();
    return value ? value->str() : "";
  }
  int64_t integer(const json::Object &object, llvm::StringRef key) {
    std::optional<int64_t> value = object.getInteger(key);
    if (!value && error.empty())
      error = ("'" + key + "' is missing or not an integer").str();
    return value.value_or(0);
  }
  llvm::SmallVector<int64_t, 4> integers(const json::Value *value,
                                         llvm::StringRef key) {
    llvm::SmallVector<int64_t, 4> out;
    const json::Array *array = value ? value->getAsArray() : nullptr;
    if (!array) {
      if (error.empty())
        error = ("'" + key + "' is missing or not a list").str();
      return out;
    }
    for (const json::Value &element : *array)
      out.push_back(element.getAsInteger().value_or(0));
    return out;
  }
  const json::Array *array(const json::Object &object, llvm::StringRef key) {
    const json::Array *array = object.getArray(key);
    if (!array && error.empty())
      error = ("'" + key + "' is missing or not a list").str();
    return array;
  }
  FileRecord file(const json::Value &value) {
    FileRecord record;
    if (const json::Object *object = this->object(&value, "a file entry")) {
      record.path = string(*object, "path");
      record.bytes = integer(*object, "bytes");
      record.crc32c = crc(*object, "crc32c");
      if (std::optional<llvm::StringRef> sha256 = object->getString("sha256"))
        record.sha256 = sha256->str();
    }
    return record;
  }
  /// A "0x1234abcd" field.
  uint32_t crc(const json::Object &object, llvm::StringRef key) {
    std::string text = string(object, key);
    llvm::StringRef digits(text);
    uint64_t value = 0;
    if ((!digits.consume_front("0x") || digits.getAsInteger(16, value)) &&
        error.empty())
      error = ("'" + key + "' is not a CRC such as 0x1234abcd").str();
    return value;
  }
};
} // namespace

llvm::Expected<Manifest> mindshard::readManifest(llvm::StringRef path) {
  llvm::Expected<std::unique_ptr<MappedFile>> file = MappedFile::open(path);
  if (!file)
    return file.takeError();
  llvm::StringRef text(reinterpret_cast<const char *>((*file)->bytes().data()),
                       (*file)->size());
  llvm::Expected<json::Value> root = json::parse(text);
  if (!root)
    return manifestError(path + ": " + llvm::toString(root.takeError()));
  Fields fields{path, ""};
  Manifest manifest;
  const json::Object *object = fields.object(&*root, "the manifest");
  if (!object)
    return manifestError(path + ": " + fields.error);
  if (object->getString("format") != "mindshard-manifest-1")
    return manifestError(path + ": not a mindshard manifest");
  manifest.network = fields.string(*object, "network");
  manifest.devices = fields.integer(*object, "devices");
  manifest.emit = fields.string(*object, "emit");
  if (const json::Array *shared = fields.array(*object, "shared_files"))
    for (const json::Value &entry : *shared)
      manifest.shared.push_back(fields.file(entry));
  if (const json::Array *ranks = fields.array(*object, "ranks")) {
    for (const json::Value &entry : *ranks) {
      const json::Object *rank = fields.object(&entry, "a rank entry");
      if (!rank)
        break;
      DeviceRecord &device = manifest.ranks.emplace_back();
      device.rank = fields.integer(*rank, "rank");
      device.program = fields.string(*rank, "program");
      if (const json::Array *files = fields.array(*rank, "files"))
        for (const json::Value &file : *files)
          device.files.push_back(fields.file(file));
      if (const json::Array *tensors = fields.array(*rank, "tensors"))
        for (const json::Value &value : *tensors) {
          const json::Object *tensor = fields.object(&value, "a tensor entry");
          if (!tensor)
            break;
          TensorRecord &record = device.tensors.emplace_back();
          record.name = fields.string(*tensor, "name");
          record.bytes = fields.integer(*tensor, "bytes");
          record.shape = fields.integers(tensor->get("shape"), "shape");
          record.globalShape =
              fields.integers(tensor->get("global_shape"), "global_shape");
          record.layout = fields.string(*tensor, "layout");
          std::optional<DType> dtype =
              parseCheckpointName(fields.string(*tensor, "dtype"));
          record.dtype = dtype.value_or(DType::Float32);
          if (const json::Array *offsets = fields.array(*tensor, "offsets"))
            for (const json::Value &region : *offsets)
              record.offsets.push_back(fields.integers(&region, "offsets"));
          record.crc32c = fields.crc(*tensor, "crc32c");
        }
    }
  }
  if (!fields.error.empty())
    return manifestError(path + ": " + fields.error);
  return manifest;
}

//===----------------------------------------------------------------------===//
// Verification
//===----------------------------------------------------------------------===//

namespace {
/// Where a tensor's bytes are: a range of a file.
struct TensorBytes {
  std::string file;
  uint64_t offset = 0;
  uint64_t size = 0;
};
} // namespace

/// Finds the parameters of a MindIR file written by mindshard: the graph's
/// TensorProto fields, their names and where their data lies.
static llvm::Error locateMindIRTensors(llvm::StringRef path,
                                       const MappedFile &file,
                                       llvm::StringMap<TensorBytes> &tensors) {
  wire::Reader model(path, file.bytes(), 0);
  while (!model.atEnd()) {
    llvm::Expected<wire::Key> key = model.readKey();
    if (!key)
      return key.takeError();
    if (key->field != 7 || key->type != wire::WireType::LengthDelimited) {
      if (llvm::Error error = model.skip(key->type))
        return error;
      continue;
    }
    uint64_t graphOffset;
    llvm::Expected<llvm::ArrayRef<uint8_t>> graphBytes =
        model.readBytes(&graphOffset);
    if (!graphBytes)
      return graphBytes.takeError();
    wire::Reader graph(path, *graphBytes, graphOffset);
    while (!graph.atEnd()) {
      llvm::Expected<wire::Key> field = graph.readKey();
      if (!field)
        return field.takeError();
      if (field->field != 3 || field->type != wire::WireType::LengthDelimited) {
        if (llvm::Error error = graph.skip(field->type))
          return error;
        continue;
      }
      uint64_t tensorOffset;
      llvm::Expected<llvm::ArrayRef<uint8_t>> tensorBytes =
          graph.readBytes(&tensorOffset);
      if (!tensorBytes)
        return tensorBytes.takeError();
      wire::Reader tensor(path, *tensorBytes, tensorOffset);
      std::string name;
      TensorBytes where;
      where.file = path.str();
      while (!tensor.atEnd()) {
        llvm::Expected<wire::Key> item = tensor.readKey();
        if (!item)
          return item.takeError();
        if (item->type != wire::WireType::LengthDelimited ||
            (item->field != 7 && item->field != 9 && item->field != 12)) {
          if (llvm::Error error = tensor.skip(item->type))
            return error;
          continue;
        }
        uint64_t at;
        llvm::Expected<llvm::ArrayRef<uint8_t>> bytes = tensor.readBytes(&at);
        if (!bytes)
          return bytes.takeError();
        if (item->field == 7) {
          name.assign(bytes->begin(), bytes->end());
        } else if (item->field == 9) {
          where.offset = at;
          where.size = bytes->size();
        } else {
          // External data: location (1), offset (2), length (3).
          wire::Reader external(path, *bytes, at);
          while (!external.atEnd()) {
            llvm::Expected<wire::Key> part = external.readKey();
            if (!part)
              return part.takeError();
            if (part->field == 1 &&
                part->type == wire::WireType::LengthDelimited) {
              llvm::Expected<llvm::ArrayRef<uint8_t>> location =
                  external.readBytes();
              if (!location)
                return location.takeError();
              llvm::SmallString<256> full(llvm::sys::path::parent_path(path));
              llvm::sys::path::append(
                  full, llvm::StringRef(
                            reinterpret_cast<const char *>(location->data()),
                            location->size()));
              where.file = full.str().str();
            } else if ((part->field == 2 || part->field == 3) &&
                       part->type == wire::WireType::Varint) {
              llvm::Expected<uint64_t> value = external.readVarint();
              if (!value)
                return value.takeError();
              (part->field == 2 ? where.offset : where.size) = *value;
            } else if (llvm::Error error = external.skip(part->type)) {
              return error;
            }
          }
        }
      }
      // "<graph>:<parameter>".
      tensors[llvm::StringRef(name).split(':').second] = where;
    }
  }
  return llvm::Error::success();
}

std::string mindshard::manifestFileName(std::optional<int64_t> rank) {
  return rank ? "manifest_rank_" + std::to_string(*rank) + ".json"
              : "manifest.json";
}

bool mindshard::isManifestFileName(llvm::StringRef name,
                                   std::optional<int64_t> *rank) {
  int64_t number = 0;
  std::optional<int64_t> found;
  if (name != "manifest.json") {
    if (!name.consume_front("manifest_rank_") || !name.consume_back(".json") ||
        name.getAsInteger(10, number))
      return false;
    found = number;
  }
  if (rank)
    *rank = found;
  return true;
}

/// The manifests of an export folder, sorted.
static llvm::Expected<std::vector<std::string>>
findManifests(llvm::StringRef outputDir) {
  std::vector<std::string> manifests;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(outputDir, ec), end;
       !ec && it != end; it.increment(ec)) {
    llvm::StringRef name = llvm::sys::path::filename(it->path());
    if (isManifestFileName(name))
      manifests.push_back(it->path());
  }
  if (ec)
    return manifestError(outputDir + ": " + ec.message());
  if (manifests.empty())
    return manifestError(outputDir + ": no manifest.json (is it the output "
                                     "folder of mindshard-export?)");
  std::sort(manifests.begin(), manifests.end());
  return manifests;
}

llvm::Error mindshard::verifyExport(llvm::StringRef outputDir,
                                    llvm::raw_ostream &log,
                                    llvm::ArrayRef<std::string> only) {
  std::vector<std::string> manifests(only.begin(), only.end());
  if (manifests.empty()) {
    llvm::Expected<std::vector<std::string>> found = findManifests(outputDir);
    if (!found)
      return found.takeError();
    manifests = std::move(*found);
  }

  uint64_t files = 0, bytes = 0, tensors = 0;
  auto path = [&](llvm::StringRef relative) {
    llvm::SmallString<256> full(outputDir);
    llvm::sys::path::append(full, relative);
    return full.str().str();
  };
  auto checkFile = [&](const FileRecord &expected) -> llvm::Error {
    FileRecord actual;
    if (llvm::Error error =
            describeFile(path(expected.path), actual, !expected.sha256.empty()))
      return error;
    if (actual.bytes != expected.bytes || actual.crc32c != expected.crc32c ||
        actual.sha256 != expected.sha256)
      return manifestError(llvm::formatv(
          "{0}: has {1} bytes with CRC-32C {2}{3}; the manifest says {4} "
          "bytes with CRC-32C {5}{6}",
          path(expected.path), actual.bytes, formatCrc(actual.crc32c),
          actual.sha256.empty() ? "" : " and SHA-256 " + actual.sha256,
          expected.bytes, formatCrc(expected.crc32c),
          expected.sha256.empty() ? "" : " and SHA-256 " + expected.sha256));
    ++files;
    bytes += actual.bytes;
    return llvm::Error::success();
  };

  for (const std::string &manifestPath : manifests) {
    llvm::Expected<Manifest> manifest = readManifest(manifestPath);
    if (!manifest)
      return manifest.takeError();
    for (const FileRecord &file : manifest->shared)
      if (llvm::Error error = checkFile(file))
        return error;
    for (const DeviceRecord &device : manifest->ranks) {
      for (const FileRecord &file : device.files)
        if (llvm::Error error = checkFile(file))
          return error;
      if (device.files.empty())
        return manifestError(manifestPath + ": rank " +
                             llvm::Twine(device.rank) + " lists no file");

      // Where each tensor lies.
      llvm::StringMap<TensorBytes> located;
      std::string main = path(device.files.front().path);
      llvm::Expected<std::unique_ptr<MappedFile>> mainFile =
          MappedFile::open(main);
      if (!mainFile)
        return mainFile.takeError();
      std::unique_ptr<Checkpoint> checkpoint;
      if (manifest->emit == "ckpt") {
        llvm::Expected<std::unique_ptr<Checkpoint>> opened =
            Checkpoint::open(main);
        if (!opened)
          return opened.takeError();
        checkpoint = std::move(*opened);
      } else if (llvm::Error error =
                     locateMindIRTensors(main, **mainFile, located)) {
        return error;
      }

      for (const TensorRecord &tensor : device.tensors) {
        uint32_t crc = 0;
        uint64_t size = 0;
        if (checkpoint) {
          const TensorEntry *entry = checkpoint->find(tensor.name);
          if (!entry)
            return manifestError(main + ": has no tensor '" + tensor.name +
                                 "'");
          for (const Segment &segment : entry->segments)
            forEachBlock(checkpoint->bytes(), segment.offset, segment.size,
                         [&](llvm::ArrayRef<uint8_t> block) {
                           crc = crc32c(crc, block);
                         });
          size = entry->numBytes;
        } else {
          auto it = located.find(tensor.name);
          if (it == located.end())
            return manifestError(main + ": has no parameter '" + tensor.name +
                                 "'");
          const TensorBytes &where = it->second;
          std::unique_ptr<MappedFile> external;
          const MappedFile *source = mainFile->get();
          if (where.file != main) {
            llvm::Expected<std::unique_ptr<MappedFile>> opened =
                MappedFile::open(where.file);
            if (!opened)
              return opened.takeError();
            external = std::move(*opened);
            source = external.get();
          }
          if (where.offset + where.size > source->size())
            return manifestError(llvm::formatv(
                "{0}: parameter '{1}' lies past the end of the file",
                where.file, tensor.name));
          forEachBlock(
              *source, where.offset, where.size,
              [&](llvm::ArrayRef<uint8_t> block) { crc = crc32c(crc, block); });
          size = where.size;
        }
        if (size != tensor.bytes || crc != tensor.crc32c)
          return manifestError(llvm::formatv(
              "{0}: parameter '{1}' has {2} bytes with CRC-32C {3}; the "
              "manifest says {4} bytes with {5}",
              main, tensor.name, size, formatCrc(crc), tensor.bytes,
              formatCrc(tensor.crc32c)));
        ++tensors;
      }
    }
  }
  log << llvm::formatv("verified {0} file(s), {1}, and {2} tensor(s) against "
                       "{3} manifest(s)\n",
                       files, formatBytes(bytes), tensors, manifests.size());
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// What went where
//===----------------------------------------------------------------------===//

/// A slice in numpy's notation: "[0:8, :]".
static std::string sliceText(const TensorRecord &tensor) {
  std::string text;
  for (auto [index, offsets] : llvm::enumerate(tensor.offsets)) {
    if (index)
      text += " + ";
    text += "[";
    for (size_t d = 0; d < tensor.globalShape.size(); ++d) {
      if (d)
        text += ", ";
      int64_t extent = tensor.shape[d];
      if (d == 0 && tensor.offsets.size() > 1)
        extent /= tensor.offsets.size();
      if (d < offsets.size() && extent != tensor.globalShape[d])
        text += llvm::formatv("{0}:{1}", offsets[d], offsets[d] + extent);
      else
        text += ":";
    }
    text += "]";
  }
  return text.empty() ? "[]" : text;
}

llvm::Error mindshard::printExport(llvm::StringRef outputDir,
                                   llvm::raw_ostream &os) {
  llvm::Expected<std::vector<std::string>> manifests = findManifests(outputDir);
  if (!manifests)
    return manifests.takeError();
  std::vector<DeviceRecord> devices;
  Manifest first;
  for (const std::string &path : *manifests) {
    llvm::Expected<Manifest> manifest = readManifest(path);
    if (!manifest)
      return manifest.takeError();
    llvm::append_range(devices, manifest->ranks);
    if (first.network.empty())
      first = std::move(*manifest);
  }
  llvm::sort(devices, [](const DeviceRecord &a, const DeviceRecord &b) {
    return a.rank < b.rank;
  });
  os << llvm::formatv("{0}: {1} for {2} device(s), {3} of them here\n",
                      outputDir, first.network, first.devices, devices.size());
  for (const DeviceRecord &device : devices) {
    uint64_t bytes = 0;
    for (const FileRecord &file : device.files)
      bytes += file.bytes;
    os << llvm::formatv("  device {0}: {1} ({2})\n", device.rank,
                        device.files.empty() ? "" : device.files.front().path,
                        formatBytes(bytes));
  }
  for (const auto &[path, state] : findStagingFolders(outputDir)) {
    llvm::StringRef name = llvm::sys::path::filename(path);
    switch (state) {
    case StagingState::Live:
      os << "  " << name << ": an export in progress\n";
      break;
    case StagingState::Abandoned:
      os << "  " << name << ": left by a killed export; the next removes it\n";
      break;
    case StagingState::Kept:
      os << "  " << name << ": kept after a failed export, for a look\n";
      break;
    }
  }
  for (const auto &[path, text] : describeLaunches(outputDir))
    os << "  " << llvm::sys::path::filename(path) << ": " << text << "\n";
  if (devices.empty())
    return llvm::Error::success();

  // Per parameter, where each device's slice lies in the whole tensor.
  os << "\nwhat each device holds of each parameter:\n";
  for (size_t i = 0; i < devices.front().tensors.size(); ++i) {
    const TensorRecord &tensor = devices.front().tensors[i];
    os << llvm::formatv("  {0} {1} {2}  {3}\n", tensor.name,
                        getCheckpointName(tensor.dtype),
                        formatList(tensor.globalShape),
                        tensor.layout.empty() ? "whole" : tensor.layout);
    std::string line = "   ";
    for (const DeviceRecord &device : devices) {
      if (i >= device.tensors.size() || device.tensors[i].name != tensor.name)
        continue;
      std::string entry =
          llvm::formatv(" {0}:{1}", device.rank, sliceText(device.tensors[i]));
      if (line.size() + entry.size() > 78) {
        os << line << "\n";
        line = "   ";
      }
      line += entry;
    }
    os << line << "\n";
  }
  return llvm::Error::success();
}
