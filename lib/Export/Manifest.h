//===- Manifest.h - what an export wrote, with checksums --------*- C++ -*-===//
//
// Part of mindshard. manifest.json lists every file of an export with its
// size and SHA-256, and every device's tensors with their dtype, shapes,
// layout, place in the whole tensor and CRC-32C. A process that writes only
// some devices writes manifest_rank_<r>.json for each instead.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_LIB_EXPORT_MANIFEST_H
#define MINDSHARD_LIB_EXPORT_MANIFEST_H

#include "mindshard/Formats/DType.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace mindshard {

struct FileRecord {
  /// Relative to the output folder.
  std::string path;
  uint64_t bytes = 0;
  uint32_t crc32c = 0;
  /// Empty unless asked for.
  std::string sha256;
};

struct TensorRecord {
  std::string name;
  DType dtype = DType::Float32;
  llvm::SmallVector<int64_t, 4> shape;
  llvm::SmallVector<int64_t, 4> globalShape;
  /// The predict layout, and where the slice's regions start in the whole
  /// tensor (one region unless the layout has a field).
  std::string layout;
  std::vector<llvm::SmallVector<int64_t, 4>> offsets;
  uint64_t bytes = 0;
  uint32_t crc32c = 0;
};

struct DeviceRecord {
  int64_t rank = 0;
  std::string program;
  std::vector<FileRecord> files;
  std::vector<TensorRecord> tensors;
};

struct Manifest {
  std::string network;
  int64_t devices = 0;
  int64_t trainRanks = 0;
  /// "mindir" or "ckpt".
  std::string emit;
  std::vector<std::string> trainStrategies;
  std::vector<std::string> checkpoints;
  /// predict_strategy.ckpt and group_config.pb.
  std::vector<FileRecord> shared;
  std::vector<DeviceRecord> ranks;
};

/// Fills a record's size, CRC-32C and, with `sha256`, SHA-256 from the file
/// at `path`.
llvm::Error describeFile(llvm::StringRef path, FileRecord &record, bool sha256);

/// `manifest.json` for a whole export, `manifest_rank_<r>.json` for device
/// r's when a process writes only some devices.
std::string manifestFileName(std::optional<int64_t> rank = std::nullopt);
/// True when `name` is a manifest's; `rank` is then the device's, or
/// nullopt for a whole export's.
bool isManifestFileName(llvm::StringRef name,
                        std::optional<int64_t> *rank = nullptr);

llvm::Error writeManifest(llvm::StringRef path, const Manifest &manifest,
                          bool sync);
llvm::Expected<Manifest> readManifest(llvm::StringRef path);

} // namespace mindshard

#endif // MINDSHARD_LIB_EXPORT_MANIFEST_H
