//===- Redistribution.h - from one tensor layout to another -----*- C++ -*-===//
//
// Part of mindshard. The steps that turn a tensor held in one layout into the
// same tensor held in another, on the same devices: local splits (a strided
// slice), gathers along a device axis (an AllGather, concatenating along the
// tensor dimension), and exchanges that move a device axis from one tensor
// dimension to another (an AlltoAll).
//
// As MindSpore's redistribution does, the two layouts are first put on a
// common device matrix (the common refinement of both: [2, 4] and [8] become
// [2, 4]), splits come first (they shrink what is exchanged), then exchanges,
// then gathers. Layouts whose device matrices have no common refinement are
// gathered whole and split again.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_LAYOUT_REDISTRIBUTION_H
#define MINDSHARD_LAYOUT_REDISTRIBUTION_H

#include "mindshard/Layout/TensorLayout.h"

namespace mindshard {

struct RedistributionStep {
  enum class Kind {
    /// Keep the slice of `dim` that the rank's coordinate along `axis` picks.
    Split,
    /// Gather `dim` from the ranks along `axis` (an AllGather).
    Gather,
    /// Split `dim` among the ranks along `axis` and gather `concatDim` from
    /// them (an AlltoAll).
    AllToAll,
  };
  Kind kind;
  unsigned dim;
  unsigned concatDim = 0;
  /// The device axis, counted from the right of `devMatrix`.
  int64_t axis;
  /// The device matrix the axis belongs to.
  llvm::SmallVector<int64_t, 4> devMatrix;

  /// The number of ranks along the axis.
  int64_t count() const { return devMatrix[devMatrix.size() - 1 - axis]; }
  /// The rank's coordinate along the axis.
  int64_t coordinate(int64_t rank) const;
  /// The ranks along the axis through `rank`, ascending.
  llvm::SmallVector<int64_t, 8> group(int64_t rank) const;
  std::string str() const;
};

/// The steps from `from` to `to` for a tensor of `shape`. Both layouts must
/// be model layouts (no optimizer sharding, no uneven splits) of the same
/// number of devices. With `allowAllToAll` false, an axis moving between
/// dimensions is gathered and split again (MindSpore's default; it uses
/// AlltoAll only with enable_alltoall).
llvm::Expected<llvm::SmallVector<RedistributionStep, 4>>
planRedistribution(const TensorLayout &from, const TensorLayout &to,
                   llvm::ArrayRef<int64_t> shape, bool allowAllToAll = true);

/// True when reshaping a tensor of `inShape` held in `in` to `outShape`
/// leaves every rank holding exactly its slice of `out`, so that each rank
/// reshapes its own slice and nothing moves between devices.
bool reshapeKeepsSlices(const TensorLayout &in, llvm::ArrayRef<int64_t> inShape,
                        const TensorLayout &out,
                        llvm::ArrayRef<int64_t> outShape);

/// The two layouts on their common device matrix, or std::nullopt when the
/// device matrices have no common refinement.
std::optional<std::pair<TensorLayout, TensorLayout>>
unifyDeviceMatrices(const TensorLayout &lhs, const TensorLayout &rhs);

} // namespace mindshard

#endif // MINDSHARD_LAYOUT_REDISTRIBUTION_H
