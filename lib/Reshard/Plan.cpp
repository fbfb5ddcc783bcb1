//===- Plan.cpp - which training bytes make each predict slice ------------===//
//
// Part of mindshard.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Reshard/Plan.h"

#include "mindshard/Formats/Checkpoint.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Debug.h"
#include "llvm/Support/FormatVariadic.h"

#include <map>

#define DEBUG_TYPE "mindshard-reshard"

using namespace mindshard;
using llvm::ArrayRef;
using llvm::SmallVector;
using llvm::StringRef;

static llvm::Error planError(StringRef name, const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "parameter '" + name + "': " + message);
}

namespace {
/// The ranks of a stage that hold one and the same training slice.
struct TrainingSlice {
  SmallVector<Region, 1> regions;
  SmallVector<int64_t, 4> shape;
  SmallVector<int64_t, 8> ranks;
};
} // namespace

/// Error unless the boxes are pairwise disjoint and cover `volume` elements.
static llvm::Error checkTiling(StringRef name, ArrayRef<Box> boxes,
                               int64_t volume, const llvm::Twine &what) {
  int64_t covered = 0;
  for (const Box &box : boxes)
    covered += box.numElements();
  for (size_t i = 0; i < boxes.size(); ++i)
    for (size_t j = i + 1; j < boxes.size(); ++j)
      if (!intersect(boxes[i], boxes[j]).empty())
        return planError(name, what + ": " + boxes[i].str() + " and " +
                                   boxes[j].str() + " overlap");
  if (covered != volume)
    return planError(name, llvm::formatv("{0}: the pieces cover {1} of {2} "
                                         "elements",
                                         what.str(), covered, volume));
  return llvm::Error::success();
}

llvm::Expected<int64_t>
ReshardPlanner::chooseReplica(StringRef name, int64_t rank,
                              ArrayRef<Region> regions,
                              ArrayRef<int64_t> replicas, HolderFn holds) {
  // The order of preference: the files this rank already reads, then the
  // replicas from the one its number picks on, so that the predict ranks
  // spread over them.
  SmallVector<int64_t, 8> candidates;
  for (int64_t replica : replicas)
    if (filesInUse[rank].contains(replica))
      candidates.push_back(replica);
  for (size_t i = 0, e = replicas.size(); i < e; ++i) {
    int64_t replica = replicas[(rank + i) % e];
    if (!llvm::is_contained(candidates, replica))
      candidates.push_back(replica);
  }
  if (!holds)
    return candidates.front();

  std::map<int64_t, std::string> reasons;
  for (int64_t candidate : candidates) {
    llvm::Expected<std::string> reason = holds(rank, candidate);
    if (!reason)
      return reason.takeError();
    if (reason->empty())
      return candidate;
    reasons[candidate] = std::move(*reason);
  }

  // No replica's checkpoint holds it: say where the strategy puts it and
  // what each of those files lacks.
  std::string where;
  for (const Region &region : regions)
    where += (where.empty() ? "" : ", ") + region.box.str();
  if (replicas.size() == 1)
    return planError(name, llvm::formatv("training rank {0} alone holds its "
                                         "slice ({1}), but {2}",
                                         replicas.front(), where,
                                         reasons[replicas.front()]));
  std::string files;
  for (int64_t replica : replicas)
    files += llvm::formatv("\n  rank {0}: {1}", replica, reasons[replica]);
  return planError(name,
                   llvm::formatv("training ranks {0} hold its slice ({1}), "
                                 "but none of their checkpoints gives it:{2}",
                                 formatList(replicas), where, files));
}

llvm::Expected<std::vector<SlicePlan>>
ReshardPlanner::plan(StringRef name, ArrayRef<int64_t> shape,
                     const TrainingPlacement &training,
                     const TensorLayout &predict, HolderFn holds) {
  // The distinct training slices, each with the ranks that hold it.
  std::vector<TrainingSlice> slices;
  std::map<std::string, size_t> sliceIndex;
  for (int64_t local = 0, e = training.layout.deviceCount(); local < e;
       ++local) {
    llvm::Expected<SmallVector<Region, 1>> regions =
        training.layout.regions(shape, local);
    if (!regions)
      return planError(name, "training layout " + training.layout.str() + ": " +
                                 llvm::toString(regions.takeError()));
    std::string key;
    for (const Region &region : *regions)
      key += region.box.str() + "@" + std::to_string(region.localRow) + ";";
    auto [it, inserted] = sliceIndex.try_emplace(key, slices.size());
    if (inserted) {
      TrainingSlice &slice = slices.emplace_back();
      slice.regions = std::move(*regions);
      llvm::Expected<SmallVector<int64_t, 4>> sliceShape =
          training.layout.localShape(shape, local);
      if (!sliceShape)
        return planError(name, llvm::toString(sliceShape.takeError()));
      slice.shape = std::move(*sliceShape);
    }
    slices[it->second].ranks.push_back(training.firstRank + local);
  }
  SmallVector<Box> trainingBoxes;
  for (const TrainingSlice &slice : slices)
    for (const Region &region : slice.regions)
      trainingBoxes.push_back(region.box);
  if (llvm::Error error =
          checkTiling(name, trainingBoxes, product(shape),
                      "the training slices of layout " + training.layout.str() +
                          " do not tile shape " + formatList(shape)))
    return std::move(error);

  std::vector<SlicePlan> plans;
  for (int64_t rank = 0, e = filesInUse.size(); rank < e; ++rank) {
    llvm::Expected<SmallVector<Region, 1>> targets =
        predict.regions(shape, rank);
    if (!targets)
      return planError(name, "predict layout " + predict.str() + ": " +
                                 llvm::toString(targets.takeError()));
    SlicePlan &plan = plans.emplace_back();
    plan.rank = rank;
    llvm::Expected<SmallVector<int64_t, 4>> local =
        predict.localShape(shape, rank);
    if (!local)
      return planError(name, llvm::toString(local.takeError()));
    plan.shape = std::move(*local);

    for (const TrainingSlice &slice : slices) {
      // The pieces of this training slice, then the replica they come from
      // (only a slice that overlaps this rank's needs one).
      size_t first = plan.pieces.size();
      for (const Region &from : slice.regions) {
        for (const Region &to : *targets) {
          Box overlap = intersect(from.box, to.box);
          if (overlap.empty())
            continue;
          Piece piece;
          piece.sourceShape = slice.shape;
          piece.shape = overlap.shape;
          for (size_t d = 0; d < overlap.offsets.size(); ++d) {
            piece.sourceOffsets.push_back(overlap.offsets[d] -
                                          from.box.offsets[d]);
            piece.targetOffsets.push_back(overlap.offsets[d] -
                                          to.box.offsets[d]);
          }
          if (!overlap.offsets.empty()) {
            piece.sourceOffsets[0] += from.localRow;
            piece.targetOffsets[0] += to.localRow;
          }
          plan.pieces.push_back(std::move(piece));
        }
      }
      if (first == plan.pieces.size())
        continue;
      llvm::Expected<int64_t> source =
          chooseReplica(name, rank, slice.regions, slice.ranks, holds);
      if (!source)
        return source.takeError();
      filesInUse[rank].insert(*source);
      for (Piece &piece : llvm::drop_begin(plan.pieces, first))
        piece.sourceRank = *source;
    }

    SmallVector<Box> placed;
    for (const Piece &piece : plan.pieces)
      placed.push_back(Box{piece.targetOffsets, piece.shape});
    if (llvm::Error error = checkTiling(
            name, placed, product(plan.shape),
            llvm::formatv("the pieces of predict rank {0}'s slice {1}", rank,
                          formatList(plan.shape))))
      return std::move(error);
    LLVM_DEBUG(llvm::dbgs()
               << "parameter '" << name << "' predict rank " << rank << ": "
               << plan.pieces.size() << " pieces\n");
  }
  return plans;
}

llvm::Expected<DType>
mindshard::checkSources(StringRef name, ArrayRef<SlicePlan> plans,
                        ArrayRef<const Checkpoint *> checkpoints,
                        ArrayRef<std::string> paths) {
  std::optional<DType> dtype;
  int64_t dtypeRank = -1;
  llvm::DenseSet<int64_t> checked;
  for (const SlicePlan &plan : plans) {
    for (const Piece &piece : plan.pieces) {
      int64_t rank = piece.sourceRank;
      if (!checked.insert(rank).second)
        continue;
      if (rank >= static_cast<int64_t>(checkpoints.size()) ||
          !checkpoints[rank])
        return planError(
            name, llvm::formatv("the training strategy places it on rank "
                                "{0}, whose checkpoint was not given",
                                rank));
      const Checkpoint &checkpoint = *checkpoints[rank];
      StringRef path = paths[rank];
      const TensorEntry *entry = checkpoint.find(name);
      if (!entry)
        return planError(name, llvm::formatv("rank {0}'s checkpoint {1} does "
                                             "not hold it, but the training "
                                             "strategy places it there",
                                             rank, path));
      if (entry->shape != piece.sourceShape)
        return planError(
            name, llvm::formatv("rank {0}'s checkpoint {1} holds shape {2}, "
                                "the training strategy implies {3}",
                                rank, path, formatList(entry->shape),
                                formatList(piece.sourceShape)));
      if (dtype && entry->dtype != *dtype)
        return planError(
            name, llvm::formatv("rank {0}'s checkpoint {1} holds {2}, rank "
                                "{3}'s holds {4}",
                                rank, path, getCheckpointName(entry->dtype),
                                dtypeRank, getCheckpointName(*dtype)));
      dtype = entry->dtype;
      dtypeRank = rank;
    }
  }
  if (!dtype)
    return planError(name, "no training slice holds any of it");
  return *dtype;
}
