//===- Plan.h - which training bytes make each predict slice ----*- C++ -*-===//
//
// Part of mindshard. Resharding without whole tensors: for every predict
// rank and parameter, the plan lists the pieces of training slices that
// tile the rank's predict slice (which training rank's checkpoint, which box
// of the slice it holds, where the box goes). The copy step then moves each
// byte once, from the mapped checkpoint to the output.
//
// Both layouts are MindSpore's (TensorLayout), so optimizer sharding,
// pipeline stages, uneven splits and `field` are handled alike: every rank's
// slice is a list of regions of the whole tensor, and a piece is the overlap
// of a training region with a predict region.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_RESHARD_PLAN_H
#define MINDSHARD_RESHARD_PLAN_H

#include "mindshard/Formats/DType.h"
#include "mindshard/Layout/TensorLayout.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace mindshard {

class Checkpoint;

/// A box copied from one training rank's slice into a predict slice. The
/// offsets are in the two slices' own (local) coordinates.
struct Piece {
  /// The training rank whose checkpoint holds the source slice.
  int64_t sourceRank = 0;
  /// The shape of that rank's slice, as its checkpoint holds it.
  llvm::SmallVector<int64_t, 4> sourceShape;
  llvm::SmallVector<int64_t, 4> sourceOffsets;
  llvm::SmallVector<int64_t, 4> targetOffsets;
  llvm::SmallVector<int64_t, 4> shape;
};

/// How one predict rank's slice of one parameter is made.
struct SlicePlan {
  int64_t rank = 0;
  /// The shape of the predict slice.
  llvm::SmallVector<int64_t, 4> shape;
  std::vector<Piece> pieces;
};

/// Where a parameter lives in the training run.
struct TrainingPlacement {
  /// The layout over the devices of its pipeline stage.
  TensorLayout layout;
  /// The training rank of the stage's first device: stage * ranksPerStage.
  int64_t firstRank = 0;
};

/// Why training rank `source`'s checkpoint cannot give the parameter being
/// planned, asked while planning predict rank `rank`'s slice: empty when
/// it can, else a sentence about the file ("<path> does not hold it").
/// Checkpoints saved with MindSpore's `remove_redundancy` keep each slice
/// on one of the ranks that hold it in training; the others' files leave
/// it out.
using HolderFn = llvm::function_ref<llvm::Expected<std::string>(
    int64_t rank, int64_t source)>;

/// Plans the slices of parameters, remembering for each predict rank the
/// training files it already reads, so that later parameters prefer them.
class ReshardPlanner {
public:
  explicit ReshardPlanner(int64_t predictDevices)
      : filesInUse(predictDevices) {}

  /// The plan of every predict rank's slice of parameter `name` of whole
  /// shape `shape`, held in training as `training` and wanted as `predict`.
  /// Checks that the training slices tile the tensor and that each predict
  /// slice is tiled exactly by its pieces; errors name the parameter.
  ///
  /// A training slice held by several ranks (replicas) is read from one of
  /// them: a file the predict rank already reads if any, else one chosen
  /// to spread the predict ranks over the replicas. With `holds`, only a
  /// replica whose checkpoint holds the parameter is chosen, asked in that
  /// order of preference, and it is an error, giving each replica's
  /// reason, if none does.
  llvm::Expected<std::vector<SlicePlan>> plan(llvm::StringRef name,
                                              llvm::ArrayRef<int64_t> shape,
                                              const TrainingPlacement &training,
                                              const TensorLayout &predict,
                                              HolderFn holds = nullptr);

private:
  /// The replica of a training slice (held by `replicas`, covering
  /// `regions`) that predict rank `rank` reads it from.
  llvm::Expected<int64_t> chooseReplica(llvm::StringRef name, int64_t rank,
                                        llvm::ArrayRef<Region> regions,
                                        llvm::ArrayRef<int64_t> replicas,
                                        HolderFn holds);

  std::vector<llvm::DenseSet<int64_t>> filesInUse;
};

/// Checks a plan against the training checkpoints before anything is
/// written: every source rank's checkpoint holds `name` with the slice
/// shape the strategy implies and one dtype throughout. Returns that dtype.
/// `checkpoints[r]` is training rank r's checkpoint (null when absent).
llvm::Expected<DType>
checkSources(llvm::StringRef name, llvm::ArrayRef<SlicePlan> plans,
             llvm::ArrayRef<const Checkpoint *> checkpoints,
             llvm::ArrayRef<std::string> paths);

} // namespace mindshard

#endif // MINDSHARD_RESHARD_PLAN_H
