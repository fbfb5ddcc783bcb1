//===- Slices.h - reading the slice plans a module records ------*- C++ -*-===//
//
// Part of mindshard. `mindshard-attach-slices` records, per parameter and
// device, how the device's slice is made (#mindir.slice); the export and the
// executor read it back through these helpers.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_TRANSFORMS_SLICES_H
#define MINDSHARD_TRANSFORMS_SLICES_H

#include "MindIR/MindIR.h"
#include "mindshard/Reshard/Plan.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace mindshard {

class TrainingCheckpoints;

struct AttachSlicesConfig {
  /// The device ranks whose sources are checked; empty for all. Every
  /// rank's plan is recorded. With `embedData` every rank is checked.
  std::vector<int64_t> checkRanks;
  bool embedData = false;
};

struct AttachSlicesStatistics {
  int64_t planned = 0;
  int64_t pieces = 0;
};

/// What mindshard-attach-slices does, reading the checkpoints through
/// `files`: plans every device's slice of every parameter, checks the
/// checkpoints the checked ranks read, and records the plans.
mlir::LogicalResult attachSlices(mlir::ModuleOp module,
                                 TrainingCheckpoints &files,
                                 const AttachSlicesConfig &config,
                                 AttachSlicesStatistics *statistics = nullptr);

/// The plan a #mindir.slice records, and back.
SlicePlan getSlicePlan(mindir::SliceAttr slice);
mindir::SliceAttr getSliceAttr(mlir::MLIRContext *context,
                               const SlicePlan &plan);

/// The training checkpoints by rank (`mindir.train_checkpoints`).
std::vector<std::string> getTrainCheckpoints(mlir::ModuleOp module);

/// Device `rank`'s slice plan of a parameter, if the module has one.
std::optional<SlicePlan> getSlicePlan(mindir::ParameterOp parameter,
                                      int64_t rank);

/// Device `rank`'s slice data of a parameter (`mindir.slice_values`), if
/// attached.
mlir::ElementsAttr getSliceValue(mindir::ParameterOp parameter, int64_t rank);

} // namespace mindshard

#endif // MINDSHARD_TRANSFORMS_SLICES_H
