//===- Strategy.h - MindSpore parallel strategy and group files -*- C++ -*-===//
//
// Part of mindshard. The strategy file MindSpore writes with
// `strategy_ckpt_save_file` (a ParallelStrategyMap, protobuf or JSON by the
// file's extension): per parameter a layout (device matrix, tensor map,
// optimizer sharding, uneven splits, field), per op a strategy keyed
// "<Prim>_<first parameter name>". Pipeline-merged files prefix parameter
// names with "<stage>-". Also the group file (ParallelGroupMap) that names
// the communication groups of a per-device network.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_FORMATS_STRATEGY_H
#define MINDSHARD_FORMATS_STRATEGY_H

#include "mindshard/Layout/TensorLayout.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mindshard {

/// One parameter's layout as the file gives it.
struct ParameterLayout {
  /// The parameter name without any "<stage>-" prefix.
  std::string name;
  /// The layout; `layout.stage` is the prefix's stage in merged files.
  TensorLayout layout;
  /// The full shape (JSON files only; empty otherwise).
  llvm::SmallVector<int64_t, 4> tensorShape;
  /// False in files older than MindSpore 1.2.1, which lack the optimizer
  /// shard fields.
  bool hasOptShardFields = true;
};

/// One op's strategy.
struct OpStrategy {
  /// "<Prim>_<first parameter name>".
  std::string name;
  uint32_t stage = 0;
  llvm::SmallVector<llvm::SmallVector<int64_t, 4>, 2> splits;
};

struct StrategyFile {
  uint32_t currentStage = 0;
  std::vector<OpStrategy> strategies;
  std::vector<ParameterLayout> layouts;
  /// True when the parameter names carried "<stage>-" prefixes.
  bool pipelineMerged = false;

  /// The layouts of `name` (one per stage that holds it).
  llvm::SmallVector<const ParameterLayout *, 1>
  findLayouts(llvm::StringRef name) const;
  const ParameterLayout *findLayout(llvm::StringRef name) const;
  const OpStrategy *findStrategy(llvm::StringRef key) const;
  /// The number of pipeline stages the layouts use.
  int64_t stageCount() const;

private:
  /// Name lookups, indexed on first use and again when entries were added.
  void index() const;
  mutable llvm::StringMap<llvm::SmallVector<size_t, 1>> layoutIndex;
  mutable llvm::StringMap<size_t> strategyIndex;
  mutable size_t indexedLayouts = 0;
  mutable size_t indexedStrategies = 0;
};

/// Reads a strategy file: JSON when the name ends in ".json", else
/// protobuf. Every layout is checked; errors name the file, the parameter
/// and what is wrong.
llvm::Expected<StrategyFile> readStrategyFile(llvm::StringRef path);
llvm::Expected<StrategyFile> parseStrategyProto(llvm::StringRef path,
                                                llvm::ArrayRef<uint8_t> bytes);
llvm::Expected<StrategyFile> parseStrategyJson(llvm::StringRef path,
                                               llvm::StringRef text);

/// Writes a strategy file, JSON or protobuf by the file's extension, under a
/// temporary name renamed into place. Parameters are written sorted by
/// name; a layout whose stage is not 0, or any layout when `pipelineMerged`
/// is set, gets a "<stage>-" prefix.
llvm::Error writeStrategyFile(llvm::StringRef path, const StrategyFile &file);
std::string serializeStrategyProto(const StrategyFile &file);
/// The JSON form; names must be UTF-8 text, as the readers ensure.
std::string serializeStrategyJson(const StrategyFile &file);

/// Joins the per-stage files of a pipeline run (file i holds stage i) into
/// one, as MindSpore's merge_pipeline_strategys does.
StrategyFile mergePipelineStrategies(llvm::ArrayRef<StrategyFile> stages);

/// A communication group: its name and its global ranks.
struct CommunicationGroup {
  std::string name;
  llvm::SmallVector<int64_t, 8> ranks;
};

/// The group file (ParallelGroupMap).
struct GroupFile {
  std::vector<CommunicationGroup> groups;
  /// The ranks whose checkpoints can stand in for this rank's.
  llvm::SmallVector<int64_t, 8> restoreRanks;
};

llvm::Expected<GroupFile> readGroupFile(llvm::StringRef path);
llvm::Error writeGroupFile(llvm::StringRef path, const GroupFile &file);

/// MindSpore's name for the group of `ranks` out of `worldSize` devices:
/// the world group's name when the group has every device, else
/// "<size>-<hash of 'r0-r1-...'>" with libstdc++'s std::hash, as
/// device_manager.cc builds it.
std::string
communicationGroupName(llvm::ArrayRef<int64_t> ranks, int64_t worldSize,
                       llvm::StringRef worldGroup = "hccl_world_group");

/// An error for malformed protobuf: the offset of the first field that does
/// not parse, when a scan of the top-level fields finds one.
llvm::Error protobufError(llvm::StringRef path, llvm::ArrayRef<uint8_t> bytes,
                          llvm::StringRef messageName);

} // namespace mindshard

#endif // MINDSHARD_FORMATS_STRATEGY_H
