//===- TensorLayout.h - MindSpore tensor layout arithmetic ------*- C++ -*-===//
//
// Part of mindshard. A tensor layout says how a tensor is distributed over the
// devices of one pipeline stage, in MindSpore's own model:
//
//  - the device matrix arranges the stage's devices in an N-d grid; a rank's
//    coordinate in it is row-major (the last axis varies fastest);
//  - the tensor map says, per tensor dimension, which device-matrix axes split
//    it. Axes are counted from the right of the device matrix, as MindSpore
//    does (axis 0 is the last, fastest-varying one); an empty entry, written
//    -1, leaves the dimension whole. An entry with several axes splits the
//    dimension by their product, the first axis being the major one;
//  - optimizer sharding further splits dimension 0 of a slice among the ranks
//    that hold the same slice: the rank's index in its group is
//    (rank / step) % size;
//  - `param_split_shape` / `indices_offset` give uneven slices of
//    dimension 0 (manual splits of embedding tables);
//  - `field` is MatMul's `field_size` (host-device Wide&Deep slicing);
//  - the pipeline stage owning the tensor.
//
// Throughout mindshard, "device axis k" means this right-to-left numbering,
// and "position i" means the left-to-right index into the device matrix.
//
// This library is independent of MLIR's IR: the formats, the reshard planner,
// the passes and the tools all use it.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_LAYOUT_TENSORLAYOUT_H
#define MINDSHARD_LAYOUT_TENSORLAYOUT_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace mindshard {

/// The device axes that split one tensor dimension, major first. Empty means
/// the dimension is not split.
using AxisList = llvm::SmallVector<int64_t, 2>;

/// A hyper-rectangle of a tensor: the offset and extent of each dimension.
struct Box {
  llvm::SmallVector<int64_t, 4> offsets;
  llvm::SmallVector<int64_t, 4> shape;

  int64_t numElements() const;
  bool empty() const;
  bool operator==(const Box &other) const {
    return offsets == other.offsets && shape == other.shape;
  }
  bool operator!=(const Box &other) const { return !(*this == other); }
  std::string str() const;
};

/// The overlap of two boxes of the same rank; an empty box when they do not
/// overlap.
Box intersect(const Box &lhs, const Box &rhs);

/// A part of a rank's slice: a box of the whole tensor, and the row of the
/// rank's local tensor where the box starts. A slice is a single region at
/// row 0, except under `field`, where it is `field` blocks of rows stacked.
struct Region {
  Box box;
  int64_t localRow = 0;
};

/// How a tensor is distributed over the devices of one pipeline stage.
struct TensorLayout {
  llvm::SmallVector<int64_t, 4> devMatrix;
  llvm::SmallVector<AxisList, 4> tensorMap;
  /// Optimizer sharding: group size and the rank distance between group
  /// members. A size of 0 or 1 means no optimizer sharding.
  int64_t optShardSize = 0;
  int64_t optShardStep = 0;
  /// MatMul's field_size; 0 when unused.
  int64_t field = 0;
  /// Uneven split of dimension 0: one extent and one offset per slice.
  llvm::SmallVector<int64_t, 0> splitShape;
  llvm::SmallVector<int64_t, 0> indicesOffset;
  /// The pipeline stage whose devices hold the tensor.
  int64_t stage = 0;

  /// A layout from MindSpore's flat tensor map (one axis or -1 per dim).
  static TensorLayout fromFlatMap(llvm::ArrayRef<int64_t> devMatrix,
                                  llvm::ArrayRef<int64_t> tensorMap);
  /// A layout that keeps a tensor of `rank` dimensions whole on every one
  /// of `devices` devices.
  static TensorLayout replicated(int64_t devices, unsigned rank);

  /// Checks the layout on its own: positive device-matrix extents, tensor
  /// map entries that index into the device matrix, no axis used twice,
  /// consistent optimizer-shard and uneven-split fields.
  llvm::Error verify() const;
  /// Checks the layout against the full shape of a tensor: one map entry per
  /// dimension and every split dividing its dimension.
  llvm::Error verifyShape(llvm::ArrayRef<int64_t> shape) const;

  unsigned rank() const { return tensorMap.size(); }
  /// The number of devices of the stage, the product of the device matrix.
  int64_t deviceCount() const;
  /// The extent of device axis `axis` (counted from the right).
  int64_t axisExtent(int64_t axis) const;
  /// The position in the device matrix of device axis `axis`.
  size_t positionOf(int64_t axis) const { return devMatrix.size() - 1 - axis; }
  /// True when the entry for `dim` is a single axis or -1, as in files
  /// written without MindSpore's layout API.
  bool isFlat() const;
  /// The tensor map in MindSpore's flat form, when isFlat().
  llvm::SmallVector<int64_t, 4> flatTensorMap() const;

  /// The coordinate of `rank` (stage-local), indexed by position.
  llvm::SmallVector<int64_t, 4> coordinate(int64_t rank) const;
  /// The stage-local rank at a coordinate indexed by position.
  int64_t rankAt(llvm::ArrayRef<int64_t> coordinate) const;

  /// How many slices dimension `dim` is cut into.
  int64_t splitCount(unsigned dim) const;
  llvm::SmallVector<int64_t, 4> splitCounts() const;
  /// Which slice of each dimension `rank` holds.
  llvm::SmallVector<int64_t, 4> sliceIndex(int64_t rank) const;
  /// The device axes that no dimension maps: ranks differing only along
  /// them hold the same model slice.
  llvm::SmallVector<int64_t, 4> repeatedAxes() const;
  /// How many ranks hold each model slice (before optimizer sharding).
  int64_t repeatCount() const;

  bool hasOptShard() const { return optShardSize > 1; }
  /// The rank's index in its optimizer-shard group.
  int64_t optShardIndex(int64_t rank) const;
  bool hasUnevenSplit() const { return !splitShape.empty(); }

  /// The part of a tensor of full shape `shape` that `rank` holds, with
  /// optimizer sharding and uneven splits applied. Errors when the layout
  /// does not fit the shape or uses `field` (see fieldSlices()).
  llvm::Expected<Box> slice(llvm::ArrayRef<int64_t> shape, int64_t rank) const;
  /// The regions of the whole tensor that `rank` holds, `field` included.
  llvm::Expected<llvm::SmallVector<Region, 1>>
  regions(llvm::ArrayRef<int64_t> shape, int64_t rank) const;
  /// The shape of the tensor `rank` holds.
  llvm::Expected<llvm::SmallVector<int64_t, 4>>
  localShape(llvm::ArrayRef<int64_t> shape, int64_t rank) const;
  /// The model slice only, without optimizer sharding.
  llvm::Expected<Box> modelSlice(llvm::ArrayRef<int64_t> shape,
                                 int64_t rank) const;

  /// The ranks that hold exactly the same slice as `rank` (itself included,
  /// in ascending order), optimizer sharding taken into account.
  llvm::SmallVector<int64_t, 8> ranksWithSameSlice(int64_t rank) const;
  /// The ranks whose coordinates equal that of `rank` except along the given
  /// device axes, in ascending order: the communication group of a
  /// collective over those axes.
  llvm::SmallVector<int64_t, 8>
  groupAlongAxes(int64_t rank, llvm::ArrayRef<int64_t> axes) const;

  /// The normal form: size-1 axes removed, adjacent repeated axes merged,
  /// and adjacent axes that split the same dimension consecutively merged.
  /// Layouts that slice every rank alike have equal normal forms.
  TensorLayout normalized() const;
  /// True when both layouts give every rank the same slice.
  bool slicesAlike(const TensorLayout &other) const;
  /// MindSpore's standard form, as its strategy files and
  /// infer_predict_layout show layouts: size-1 axes removed (the device
  /// matrix [1] when none is left), nothing merged.
  TensorLayout standardForm() const;

  bool operator==(const TensorLayout &other) const;
  bool operator!=(const TensorLayout &other) const { return !(*this == other); }

  /// "dev_matrix=[2,1,4] tensor_map=[1,0]" plus the fields that are set.
  std::string str() const;
};

/// The row-major strides of a shape, in elements.
llvm::SmallVector<int64_t, 4> rowMajorStrides(llvm::ArrayRef<int64_t> shape);
/// The product of a list of extents.
int64_t product(llvm::ArrayRef<int64_t> values);
/// "[a, b, c]".
std::string formatList(llvm::ArrayRef<int64_t> values);

} // namespace mindshard

#endif // MINDSHARD_LAYOUT_TENSORLAYOUT_H
