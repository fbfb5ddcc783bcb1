//===- TensorLayout.cpp - MindSpore tensor layout arithmetic --------------===//
//
// Part of mindshard. See TensorLayout.h for the model.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Layout/TensorLayout.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <numeric>

using namespace mindshard;
using llvm::ArrayRef;
using llvm::SmallVector;

static llvm::Error layoutError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

int64_t mindshard::product(ArrayRef<int64_t> values) {
  int64_t result = 1;
  for (int64_t value : values)
    result *= value;
  return result;
}

std::string mindshard::formatList(ArrayRef<int64_t> values) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << '[';
  llvm::interleaveComma(values, os);
  os << ']';
  return text;
}

SmallVector<int64_t, 4> mindshard::rowMajorStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t, 4> strides(shape.size(), 1);
  for (size_t i = shape.size(); i > 1; --i)
    strides[i - 2] = strides[i - 1] * shape[i - 1];
  return strides;
}

//===----------------------------------------------------------------------===//
// Box
//===----------------------------------------------------------------------===//

int64_t Box::numElements() const { return product(shape); }

bool Box::empty() const {
  return llvm::any_of(shape, [](int64_t extent) { return extent <= 0; });
}

std::string Box::str() const {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "offsets " << formatList(offsets) << " shape " << formatList(shape);
  return text;
}

Box mindshard::intersect(const Box &lhs, const Box &rhs) {
  assert(lhs.shape.size() == rhs.shape.size() && "boxes of different rank");
  Box result;
  for (size_t dim = 0, e = lhs.shape.size(); dim < e; ++dim) {
    int64_t begin = std::max(lhs.offsets[dim], rhs.offsets[dim]);
    int64_t end = std::min(lhs.offsets[dim] + lhs.shape[dim],
                           rhs.offsets[dim] + rhs.shape[dim]);
    result.offsets.push_back(begin);
    result.shape.push_back(std::max<int64_t>(end - begin, 0));
  }
  return result;
}

//===----------------------------------------------------------------------===//
// Construction and verification
//===----------------------------------------------------------------------===//

TensorLayout TensorLayout::fromFlatMap(ArrayRef<int64_t> devMatrix,
                                       ArrayRef<int64_t> tensorMap) {
  TensorLayout layout;
  layout.devMatrix.assign(devMatrix.begin(), devMatrix.end());
  for (int64_t axis : tensorMap) {
    AxisList entry;
    if (axis != -1)
      entry.push_back(axis);
    layout.tensorMap.push_back(entry);
  }
  return layout;
}

TensorLayout TensorLayout::replicated(int64_t devices, unsigned rank) {
  TensorLayout layout;
  layout.devMatrix.push_back(devices);
  layout.tensorMap.resize(rank);
  return layout;
}

llvm::Error TensorLayout::verify() const {
  if (devMatrix.empty())
    return layoutError("the device matrix is empty");
  for (int64_t extent : devMatrix)
    if (extent < 1)
      return layoutError("device matrix " + formatList(devMatrix) +
                         " has an extent below 1");

  SmallVector<bool, 8> used(devMatrix.size(), false);
  int64_t numAxes = devMatrix.size();
  for (auto [dim, entry] : llvm::enumerate(tensorMap)) {
    for (int64_t axis : entry) {
      if (axis < 0 || axis >= numAxes)
        return layoutError(llvm::formatv(
            "tensor map entry {0} of dimension {1} indexes past the device "
            "matrix {2} (valid axes are 0 to {3}, or -1)",
            axis, dim, formatList(devMatrix), numAxes - 1));
      if (used[axis])
        return layoutError(llvm::formatv(
            "device axis {0} is used twice in the tensor map", axis));
      used[axis] = true;
    }
  }

  if (optShardSize < 0 || optShardStep < 0)
    return layoutError(llvm::formatv(
        "optimizer shard size {0} and step {1} must not be negative",
        optShardSize, optShardStep));
  if (optShardSize > 1 && optShardStep < 1)
    return layoutError(
        llvm::formatv("optimizer shard size {0} needs a positive step, got {1}",
                      optShardSize, optShardStep));
  if (field < 0)
    return layoutError(llvm::formatv("field {0} is negative", field));
  if (!indicesOffset.empty() && indicesOffset.size() != splitShape.size())
    return layoutError(llvm::formatv(
        "param_split_shape has {0} entries but indices_offset has {1}",
        splitShape.size(), indicesOffset.size()));
  if (hasUnevenSplit()) {
    if (tensorMap.empty())
      return layoutError("an uneven split needs a tensor of rank 1 or more");
    if (static_cast<int64_t>(splitShape.size()) != splitCount(0))
      return layoutError(llvm::formatv(
          "param_split_shape has {0} entries but dimension 0 is split "
          "{1} ways",
          splitShape.size(), splitCount(0)));
    for (int64_t extent : splitShape)
      if (extent < 0)
        return layoutError("param_split_shape " + formatList(splitShape) +
                           " has a negative extent");
  }
  if (stage < 0)
    return layoutError(llvm::formatv("pipeline stage {0} is negative", stage));
  return llvm::Error::success();
}

llvm::Error TensorLayout::verifyShape(ArrayRef<int64_t> shape) const {
  if (llvm::Error error = verify())
    return error;
  if (shape.size() != tensorMap.size())
    return layoutError(llvm::formatv(
        "the tensor map has {0} entries but the tensor shape {1} has {2} "
        "dimensions",
        tensorMap.size(), formatList(shape), shape.size()));
  for (unsigned dim = 0; dim < rank(); ++dim) {
    if (dim == 0 && hasUnevenSplit()) {
      if (product(splitShape) != 0 &&
          std::accumulate(splitShape.begin(), splitShape.end(), int64_t(0)) !=
              shape[0])
        return layoutError(llvm::formatv(
            "param_split_shape {0} does not add up to dimension 0 of shape "
            "{1}",
            formatList(splitShape), formatList(shape)));
      continue;
    }
    int64_t count = splitCount(dim);
    if (shape[dim] % count != 0)
      return layoutError(llvm::formatv(
          "dimension {0} of shape {1} is not divisible by its split count "
          "{2}",
          dim, formatList(shape), count));
  }
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Device matrix arithmetic
//===----------------------------------------------------------------------===//

int64_t TensorLayout::deviceCount() const { return product(devMatrix); }

int64_t TensorLayout::axisExtent(int64_t axis) const {
  return devMatrix[positionOf(axis)];
}

bool TensorLayout::isFlat() const {
  return llvm::all_of(tensorMap,
                      [](const AxisList &entry) { return entry.size() <= 1; });
}

SmallVector<int64_t, 4> TensorLayout::flatTensorMap() const {
  assert(isFlat() && "tensor map has multi-axis entries");
  SmallVector<int64_t, 4> flat;
  for (const AxisList &entry : tensorMap)
    flat.push_back(entry.empty() ? -1 : entry.front());
  return flat;
}

SmallVector<int64_t, 4> TensorLayout::coordinate(int64_t rank) const {
  SmallVector<int64_t, 4> coord(devMatrix.size());
  for (size_t i = devMatrix.size(); i > 0; --i) {
    coord[i - 1] = rank % devMatrix[i - 1];
    rank /= devMatrix[i - 1];
  }
  return coord;
}

int64_t TensorLayout::rankAt(ArrayRef<int64_t> coord) const {
  int64_t rank = 0;
  for (auto [extent, index] : llvm::zip_equal(devMatrix, coord))
    rank = rank * extent + index;
  return rank;
}

int64_t TensorLayout::splitCount(unsigned dim) const {
  int64_t count = 1;
  for (int64_t axis : tensorMap[dim])
    count *= axisExtent(axis);
  return count;
}

SmallVector<int64_t, 4> TensorLayout::splitCounts() const {
  SmallVector<int64_t, 4> counts;
  for (unsigned dim = 0; dim < rank(); ++dim)
    counts.push_back(splitCount(dim));
  return counts;
}

SmallVector<int64_t, 4> TensorLayout::sliceIndex(int64_t rank) const {
  SmallVector<int64_t, 4> coord = coordinate(rank);
  SmallVector<int64_t, 4> index;
  for (const AxisList &entry : tensorMap) {
    int64_t value = 0;
    for (int64_t axis : entry)
      value = value * axisExtent(axis) + coord[positionOf(axis)];
    index.push_back(value);
  }
  return index;
}

SmallVector<int64_t, 4> TensorLayout::repeatedAxes() const {
  SmallVector<bool, 8> mapped(devMatrix.size(), false);
  for (const AxisList &entry : tensorMap)
    for (int64_t axis : entry)
      mapped[axis] = true;
  SmallVector<int64_t, 4> axes;
  for (int64_t axis = devMatrix.size() - 1; axis >= 0; --axis)
    if (!mapped[axis])
      axes.push_back(axis);
  return axes;
}

int64_t TensorLayout::repeatCount() const {
  int64_t count = 1;
  for (int64_t axis : repeatedAxes())
    count *= axisExtent(axis);
  return count;
}

int64_t TensorLayout::optShardIndex(int64_t rank) const {
  if (!hasOptShard())
    return 0;
  return (rank / optShardStep) % optShardSize;
}

//===----------------------------------------------------------------------===//
// Slices
//===----------------------------------------------------------------------===//

llvm::Expected<Box> TensorLayout::modelSlice(ArrayRef<int64_t> shape,
                                             int64_t rank) const {
  if (llvm::Error error = verifyShape(shape))
    return std::move(error);
  if (field > 0)
    return layoutError(llvm::formatv(
        "a layout with field {0} does not slice the tensor into boxes", field));
  if (rank < 0 || rank >= deviceCount())
    return layoutError(llvm::formatv(
        "rank {0} is outside the device matrix {1} of {2} devices", rank,
        formatList(devMatrix), deviceCount()));

  SmallVector<int64_t, 4> index = sliceIndex(rank);
  Box box;
  for (unsigned dim = 0; dim < this->rank(); ++dim) {
    if (dim == 0 && hasUnevenSplit()) {
      int64_t extent = splitShape[index[0]];
      int64_t offset = 0;
      if (!indicesOffset.empty())
        offset = indicesOffset[index[0]];
      else
        for (int64_t i = 0; i < index[0]; ++i)
          offset += splitShape[i];
      box.offsets.push_back(offset);
      box.shape.push_back(extent);
      continue;
    }
    int64_t extent = shape[dim] / splitCount(dim);
    box.offsets.push_back(index[dim] * extent);
    box.shape.push_back(extent);
  }
  return box;
}

llvm::Expected<SmallVector<Region, 1>>
TensorLayout::regions(ArrayRef<int64_t> shape, int64_t rank) const {
  if (field <= 0) {
    llvm::Expected<Box> box = slice(shape, rank);
    if (!box)
      return box.takeError();
    return SmallVector<Region, 1>{Region{std::move(*box), 0}};
  }
  // MatMul's field_size: dimension 0 is `field` blocks, each split among
  // the slices of dimension 0; a rank stacks its part of every block.
  if (hasOptShard() || hasUnevenSplit())
    return layoutError(llvm::formatv(
        "field {0} with optimizer sharding or uneven splits is not supported",
        field));
  TensorLayout plain = *this;
  plain.field = 0;
  llvm::Expected<Box> box = plain.modelSlice(shape, rank);
  if (!box)
    return box.takeError();
  if (box->shape.empty())
    return layoutError("a scalar cannot have a field layout");
  int64_t rows = box->shape[0];
  if (rows % field != 0)
    return layoutError(llvm::formatv(
        "the slice's {0} rows do not divide into field {1} blocks", rows,
        field));
  int64_t blockRows = rows / field;
  int64_t slices = splitCount(0);
  int64_t index = sliceIndex(rank)[0];
  SmallVector<Region, 1> result;
  for (int64_t block = 0; block < field; ++block) {
    Region region{*box, block * blockRows};
    region.box.offsets[0] = (block * slices + index) * blockRows;
    region.box.shape[0] = blockRows;
    result.push_back(std::move(region));
  }
  return result;
}

llvm::Expected<SmallVector<int64_t, 4>>
TensorLayout::localShape(ArrayRef<int64_t> shape, int64_t rank) const {
  llvm::Expected<SmallVector<Region, 1>> parts = regions(shape, rank);
  if (!parts)
    return parts.takeError();
  SmallVector<int64_t, 4> local = parts->front().box.shape;
  if (!local.empty())
    local[0] = 0;
  for (const Region &region : *parts)
    if (!local.empty())
      local[0] += region.box.shape[0];
  return local;
}

llvm::Expected<Box> TensorLayout::slice(ArrayRef<int64_t> shape,
                                        int64_t rank) const {
  llvm::Expected<Box> box = modelSlice(shape, rank);
  if (!box || !hasOptShard() || box->shape.empty())
    return box;
  int64_t rows = box->shape[0];
  if (rows % optShardSize != 0)
    return layoutError(llvm::formatv(
        "dimension 0 of the slice shape {0} is not divisible by the "
        "optimizer shard size {1}",
        formatList(box->shape), optShardSize));
  int64_t piece = rows / optShardSize;
  box->offsets[0] += optShardIndex(rank) * piece;
  box->shape[0] = piece;
  return box;
}

SmallVector<int64_t, 8>
TensorLayout::groupAlongAxes(int64_t rank, ArrayRef<int64_t> axes) const {
  SmallVector<int64_t, 4> base = coordinate(rank);
  SmallVector<size_t, 4> positions;
  for (int64_t axis : axes)
    positions.push_back(positionOf(axis));
  llvm::sort(positions);

  SmallVector<int64_t, 8> ranks;
  SmallVector<int64_t, 4> coord = base;
  for (size_t position : positions)
    coord[position] = 0;
  // Enumerate the coordinates along `positions` like an odometer.
  while (true) {
    ranks.push_back(rankAt(coord));
    size_t i = positions.size();
    while (i > 0) {
      size_t position = positions[i - 1];
      if (++coord[position] < devMatrix[position])
        break;
      coord[position] = 0;
      --i;
    }
    if (i == 0)
      break;
  }
  llvm::sort(ranks);
  return ranks;
}

SmallVector<int64_t, 8> TensorLayout::ranksWithSameSlice(int64_t rank) const {
  SmallVector<int64_t, 8> ranks = groupAlongAxes(rank, repeatedAxes());
  if (!hasOptShard())
    return ranks;
  int64_t index = optShardIndex(rank);
  llvm::erase_if(ranks,
                 [&](int64_t other) { return optShardIndex(other) != index; });
  return ranks;
}

//===----------------------------------------------------------------------===//
// Normal form
//===----------------------------------------------------------------------===//

TensorLayout TensorLayout::normalized() const {
  // Describe each device-matrix position by the tensor dimension it splits
  // (-1 when repeated) and its index within that dimension's entry.
  struct Role {
    int64_t dim = -1;
    int64_t index = 0;
  };
  SmallVector<Role, 8> roles(devMatrix.size());
  for (auto [dim, entry] : llvm::enumerate(tensorMap))
    for (auto [index, axis] : llvm::enumerate(entry))
      roles[positionOf(axis)] = {static_cast<int64_t>(dim),
                                 static_cast<int64_t>(index)};

  // Group the positions that stay, left to right; a group becomes one axis.
  SmallVector<SmallVector<size_t, 2>, 8> groups;
  for (size_t position = 0; position < devMatrix.size(); ++position) {
    if (devMatrix[position] == 1)
      continue;
    if (!groups.empty()) {
      size_t last = groups.back().back();
      const Role &prev = roles[last];
      const Role &cur = roles[position];
      // Only the positions kept so far count for adjacency in the entry.
      bool bothRepeated = prev.dim == -1 && cur.dim == -1;
      bool consecutive = false;
      if (prev.dim != -1 && prev.dim == cur.dim) {
        // The next kept axis of the same entry after `last`.
        const AxisList &entry = tensorMap[prev.dim];
        for (size_t i = prev.index + 1; i < entry.size(); ++i) {
          size_t next = positionOf(entry[i]);
          if (devMatrix[next] == 1)
            continue;
          consecutive = next == position;
          break;
        }
      }
      if (bothRepeated || consecutive) {
        groups.back().push_back(position);
        continue;
      }
    }
    groups.push_back({position});
  }

  TensorLayout result;
  SmallVector<int64_t, 8> axisOfPosition(devMatrix.size(), -1);
  for (auto [i, group] : llvm::enumerate(groups)) {
    int64_t extent = 1;
    for (size_t position : group) {
      extent *= devMatrix[position];
      axisOfPosition[position] = groups.size() - 1 - i;
    }
    result.devMatrix.push_back(extent);
  }
  if (result.devMatrix.empty())
    result.devMatrix.push_back(1);

  for (const AxisList &entry : tensorMap) {
    AxisList merged;
    for (int64_t axis : entry) {
      int64_t newAxis = axisOfPosition[positionOf(axis)];
      if (newAxis == -1 || (!merged.empty() && merged.back() == newAxis))
        continue;
      merged.push_back(newAxis);
    }
    result.tensorMap.push_back(merged);
  }

  if (hasOptShard()) {
    result.optShardSize = optShardSize;
    result.optShardStep = optShardStep;
  }
  result.field = field;
  result.splitShape = splitShape;
  result.indicesOffset = indicesOffset;
  if (hasUnevenSplit() && indicesOffset.empty()) {
    int64_t offset = 0;
    for (int64_t extent : splitShape) {
      result.indicesOffset.push_back(offset);
      offset += extent;
    }
  }
  result.stage = stage;
  return result;
}

TensorLayout TensorLayout::standardForm() const {
  TensorLayout result = *this;
  result.devMatrix.clear();
  SmallVector<int64_t, 8> newAxis(devMatrix.size(), -1);
  int64_t kept = llvm::count_if(devMatrix, [](int64_t e) { return e != 1; });
  for (size_t position = 0, next = 0; position < devMatrix.size(); ++position) {
    if (devMatrix[position] == 1)
      continue;
    result.devMatrix.push_back(devMatrix[position]);
    newAxis[position] = kept - 1 - next++;
  }
  if (result.devMatrix.empty())
    result.devMatrix.push_back(1);
  for (AxisList &entry : result.tensorMap) {
    AxisList axes;
    for (int64_t axis : entry)
      if (newAxis[positionOf(axis)] != -1)
        axes.push_back(newAxis[positionOf(axis)]);
    entry = axes;
  }
  return result;
}

bool TensorLayout::slicesAlike(const TensorLayout &other) const {
  return normalized() == other.normalized();
}

bool TensorLayout::operator==(const TensorLayout &other) const {
  return devMatrix == other.devMatrix && tensorMap == other.tensorMap &&
         optShardSize == other.optShardSize &&
         optShardStep == other.optShardStep && field == other.field &&
         splitShape == other.splitShape &&
         indicesOffset == other.indicesOffset && stage == other.stage;
}

std::string TensorLayout::str() const {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "dev_matrix=" << formatList(devMatrix) << " tensor_map=[";
  llvm::interleaveComma(tensorMap, os, [&](const AxisList &entry) {
    if (entry.empty())
      os << -1;
    else if (entry.size() == 1)
      os << entry.front();
    else
      os << formatList(entry);
  });
  os << ']';
  if (hasOptShard())
    os << " opt_shard=" << optShardSize << "/" << optShardStep;
  if (field)
    os << " field=" << field;
  if (hasUnevenSplit())
    os << " param_split_shape=" << formatList(splitShape);
  if (!indicesOffset.empty())
    os << " indices_offset=" << formatList(indicesOffset);
  if (stage)
    os << " stage=" << stage;
  return text;
}
