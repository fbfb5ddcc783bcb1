//===- Redistribution.cpp - from one tensor layout to another -------------===//
//
// Part of mindshard. See Redistribution.h.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Layout/Redistribution.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

using namespace mindshard;
using llvm::SmallVector;

int64_t RedistributionStep::coordinate(int64_t rank) const {
  TensorLayout layout;
  layout.devMatrix = devMatrix;
  return layout.coordinate(rank)[devMatrix.size() - 1 - axis];
}

SmallVector<int64_t, 8> RedistributionStep::group(int64_t rank) const {
  TensorLayout layout;
  layout.devMatrix = devMatrix;
  return layout.groupAlongAxes(rank, {axis});
}

std::string RedistributionStep::str() const {
  switch (kind) {
  case Kind::Split:
    return llvm::formatv("split dim {0} by axis {1} of {2}", dim, axis,
                         formatList(devMatrix));
  case Kind::Gather:
    return llvm::formatv("gather dim {0} along axis {1} of {2}", dim, axis,
                         formatList(devMatrix));
  case Kind::AllToAll:
    return llvm::formatv("all-to-all: split dim {0}, gather dim {1}, along "
                         "axis {2} of {3}",
                         dim, concatDim, axis, formatList(devMatrix));
  }
  return "";
}

std::optional<std::pair<TensorLayout, TensorLayout>>
mindshard::unifyDeviceMatrices(const TensorLayout &lhs,
                               const TensorLayout &rhs) {
  TensorLayout a = lhs.normalized(), b = rhs.normalized();
  if (a.deviceCount() != b.deviceCount())
    return std::nullopt;

  // The cut points of each matrix, as prefix products from the left; the
  // common refinement cuts at all of them, if each divides the next.
  auto prefixes = [](const TensorLayout &layout) {
    SmallVector<int64_t, 8> cuts;
    int64_t product = 1;
    for (int64_t extent : layout.devMatrix)
      cuts.push_back(product *= extent);
    return cuts;
  };
  SmallVector<int64_t, 8> cuts = prefixes(a);
  llvm::append_range(cuts, prefixes(b));
  llvm::sort(cuts);
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  SmallVector<int64_t, 8> refined;
  int64_t previous = 1;
  for (int64_t cut : cuts) {
    if (cut % previous != 0)
      return std::nullopt;
    refined.push_back(cut / previous);
    previous = cut;
  }

  // Each axis of a layout becomes the refined axes inside it, major first.
  auto expand = [&](const TensorLayout &layout) {
    SmallVector<AxisList, 8> refinedAxes(layout.devMatrix.size());
    int64_t low = 1, position = 0;
    for (auto [i, extent] : llvm::enumerate(layout.devMatrix)) {
      int64_t high = low * extent;
      for (; position < static_cast<int64_t>(cuts.size()) &&
             cuts[position] <= high;
           ++position)
        refinedAxes[i].push_back(refined.size() - 1 - position);
      low = high;
    }
    TensorLayout result;
    result.devMatrix.assign(refined.begin(), refined.end());
    result.stage = layout.stage;
    for (const AxisList &entry : layout.tensorMap) {
      AxisList axes;
      for (int64_t axis : entry)
        llvm::append_range(axes, refinedAxes[layout.positionOf(axis)]);
      result.tensorMap.push_back(axes);
    }
    return result;
  };
  return std::pair(expand(a), expand(b));
}

/// The common refinement of two lists whose products agree: the list cut at
/// every prefix product of either; std::nullopt when one cut does not divide
/// the next.
static std::optional<SmallVector<int64_t, 8>>
commonRefinement(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b) {
  SmallVector<int64_t, 8> cuts;
  for (llvm::ArrayRef<int64_t> list : {a, b}) {
    int64_t product = 1;
    for (int64_t extent : list)
      cuts.push_back(product *= extent);
  }
  llvm::sort(cuts);
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  SmallVector<int64_t, 8> refined;
  int64_t previous = 1;
  for (int64_t cut : cuts) {
    if (cut == 0 || cut % previous != 0)
      return std::nullopt;
    refined.push_back(cut / previous);
    previous = cut;
  }
  return refined;
}

/// The axes that split each dimension of `refinedShape`, a refinement of
/// `shape`; std::nullopt when a split does not fall on refined dimensions.
static std::optional<SmallVector<AxisList, 8>>
refineLayout(const TensorLayout &layout, llvm::ArrayRef<int64_t> shape,
             llvm::ArrayRef<int64_t> refinedShape) {
  SmallVector<AxisList, 8> refinedMap(refinedShape.size());
  size_t next = 0;
  for (auto [dim, extent] : llvm::enumerate(shape)) {
    // The refined dimensions that make up this one (none for extent 1).
    size_t first = next;
    for (int64_t product = 1; product < extent;)
      product *= refinedShape[next++];
    // The axes split the major refined dimensions first.
    size_t current = first;
    for (int64_t axis : layout.tensorMap[dim]) {
      int64_t count = layout.axisExtent(axis);
      while (current < next && refinedShape[current] == 1)
        ++current;
      if (current == next)
        return std::nullopt;
      int64_t room = refinedShape[current];
      for (int64_t held : refinedMap[current])
        room /= layout.axisExtent(held);
      if (room % count != 0)
        return std::nullopt;
      refinedMap[current].push_back(axis);
      if (room == count)
        ++current;
    }
  }
  return refinedMap;
}

bool mindshard::reshapeKeepsSlices(const TensorLayout &in,
                                   llvm::ArrayRef<int64_t> inShape,
                                   const TensorLayout &out,
                                   llvm::ArrayRef<int64_t> outShape) {
  if (product(inShape) != product(outShape))
    return false;
  std::optional<std::pair<TensorLayout, TensorLayout>> unified =
      unifyDeviceMatrices(in, out);
  if (!unified)
    return false;
  std::optional<SmallVector<int64_t, 8>> refined =
      commonRefinement(inShape, outShape);
  if (!refined)
    return false;
  std::optional<SmallVector<AxisList, 8>> a =
      refineLayout(unified->first, inShape, *refined);
  std::optional<SmallVector<AxisList, 8>> b =
      refineLayout(unified->second, outShape, *refined);
  return a && b && *a == *b;
}

/// True when `prefix` is a prefix of `list`.
static bool isPrefix(const AxisList &prefix, const AxisList &list) {
  return prefix.size() <= list.size() &&
         std::equal(prefix.begin(), prefix.end(), list.begin());
}

llvm::Expected<SmallVector<RedistributionStep, 4>>
mindshard::planRedistribution(const TensorLayout &from, const TensorLayout &to,
                              llvm::ArrayRef<int64_t> shape,
                              bool allowAllToAll) {
  for (const TensorLayout *layout : {&from, &to}) {
    if (layout->hasOptShard() || layout->hasUnevenSplit() || layout->field)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "redistribution needs model layouts without optimizer sharding, "
          "uneven splits or field; got " +
              layout->str());
    if (llvm::Error error = layout->verifyShape(shape))
      return std::move(error);
  }
  if (from.deviceCount() != to.deviceCount())
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("cannot redistribute between {0} and {1} devices",
                      from.deviceCount(), to.deviceCount()));

  SmallVector<RedistributionStep, 4> steps;
  auto step = [&](RedistributionStep::Kind kind, unsigned dim, int64_t axis,
                  const TensorLayout &context, unsigned concatDim = 0) {
    steps.push_back({kind, dim, concatDim, axis, context.devMatrix});
  };
  if (from.slicesAlike(to))
    return steps;

  std::optional<std::pair<TensorLayout, TensorLayout>> unified =
      unifyDeviceMatrices(from, to);
  if (!unified) {
    // No common device matrix: gather everything, then split again.
    TensorLayout a = from.normalized(), b = to.normalized();
    for (auto [dim, axes] : llvm::enumerate(a.tensorMap))
      for (int64_t axis : llvm::reverse(axes))
        step(RedistributionStep::Kind::Gather, dim, axis, a);
    for (auto [dim, axes] : llvm::enumerate(b.tensorMap))
      for (int64_t axis : axes)
        step(RedistributionStep::Kind::Split, dim, axis, b);
    return steps;
  }

  auto &[source, target] = *unified;
  SmallVector<AxisList, 4> current = source.tensorMap;
  const SmallVector<AxisList, 4> &wanted = target.tensorMap;
  auto user = [&](int64_t axis) -> int {
    for (auto [dim, axes] : llvm::enumerate(current))
      if (llvm::is_contained(axes, axis))
        return dim;
    return -1;
  };

  while (current != wanted) {
    bool progress = false;
    // Splits first: a dimension that only needs more axes, free ones.
    for (unsigned dim = 0; dim < current.size(); ++dim) {
      while (isPrefix(current[dim], wanted[dim]) &&
             current[dim].size() < wanted[dim].size()) {
        int64_t axis = wanted[dim][current[dim].size()];
        if (user(axis) != -1)
          break;
        step(RedistributionStep::Kind::Split, dim, axis, source);
        current[dim].push_back(axis);
        progress = true;
      }
    }
    // Then exchanges: an axis that is the minor-most of one dimension and
    // the next the other dimension needs.
    if (allowAllToAll)
      for (unsigned dim = 0; dim < current.size(); ++dim) {
        if (!isPrefix(current[dim], wanted[dim]) ||
            current[dim].size() >= wanted[dim].size())
          continue;
        int64_t axis = wanted[dim][current[dim].size()];
        int owner = user(axis);
        if (owner < 0 || owner == static_cast<int>(dim) ||
            current[owner].back() != axis)
          continue;
        step(RedistributionStep::Kind::AllToAll, dim, axis, source, owner);
        current[owner].pop_back();
        current[dim].push_back(axis);
        progress = true;
      }
    if (progress)
      continue;
    // Then gathers: the minor-most axis of a dimension that has axes it
    // should not, one at a time, so that splits can follow.
    for (unsigned dim = 0; dim < current.size() && !progress; ++dim) {
      if (isPrefix(current[dim], wanted[dim]))
        continue;
      step(RedistributionStep::Kind::Gather, dim, current[dim].back(), source);
      current[dim].pop_back();
      progress = true;
    }
    if (!progress) {
      // A dimension that needs an axis another dimension holds in the
      // middle of its list: gather that dimension down to before the axis.
      for (unsigned dim = 0; dim < current.size() && !progress; ++dim) {
        if (current[dim].size() >= wanted[dim].size())
          continue;
        int owner = user(wanted[dim][current[dim].size()]);
        if (owner < 0)
          continue;
        step(RedistributionStep::Kind::Gather, owner, current[owner].back(),
             source);
        current[owner].pop_back();
        progress = true;
      }
    }
    assert(progress && "redistribution made no progress");
  }
  return steps;
}
