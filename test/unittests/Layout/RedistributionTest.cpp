//===- RedistributionTest.cpp - redistribution plans, carried out ---------===//
//
// Part of mindshard. Each rank's slice is a box of the whole tensor; the
// steps of a plan (split, gather, AlltoAll) are carried out on the boxes of
// all ranks, and every rank must end with the box the target layout gives
// it.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Layout/Redistribution.h"

#include "gtest/gtest.h"

using namespace mindshard;
using llvm::SmallVector;

namespace {

TensorLayout layout(llvm::ArrayRef<int64_t> devMatrix,
                    llvm::ArrayRef<int64_t> flatMap) {
  return TensorLayout::fromFlatMap(devMatrix, flatMap);
}

/// Carries out `steps` on every rank's box, starting from `from`.
std::vector<Box> carryOut(llvm::ArrayRef<RedistributionStep> steps,
                          const TensorLayout &from,
                          llvm::ArrayRef<int64_t> shape) {
  std::vector<Box> boxes;
  for (int64_t rank = 0; rank < from.deviceCount(); ++rank)
    boxes.push_back(*from.slice(shape, rank));
  auto split = [&](std::vector<Box> &held, const RedistributionStep &step,
                   unsigned dim) {
    for (int64_t rank = 0; rank < int64_t(held.size()); ++rank) {
      Box &box = held[rank];
      int64_t part = box.shape[dim] / step.count();
      box.offsets[dim] += step.coordinate(rank) * part;
      box.shape[dim] = part;
    }
  };
  auto gather = [&](std::vector<Box> &held, const RedistributionStep &step,
                    unsigned dim) {
    std::vector<Box> next = held;
    for (int64_t rank = 0; rank < int64_t(held.size()); ++rank) {
      SmallVector<int64_t, 8> group = step.group(rank);
      Box &box = next[rank];
      box.offsets[dim] = held[group.front()].offsets[dim];
      box.shape[dim] = 0;
      for (int64_t member : group) {
        // The members' pieces follow one another along the dimension.
        EXPECT_EQ(held[member].offsets[dim], box.offsets[dim] + box.shape[dim]);
        box.shape[dim] += held[member].shape[dim];
      }
    }
    held = std::move(next);
  };
  for (const RedistributionStep &step : steps) {
    switch (step.kind) {
    case RedistributionStep::Kind::Split:
      split(boxes, step, step.dim);
      break;
    case RedistributionStep::Kind::Gather:
      gather(boxes, step, step.dim);
      break;
    case RedistributionStep::Kind::AllToAll:
      split(boxes, step, step.dim);
      gather(boxes, step, step.concatDim);
      break;
    }
  }
  return boxes;
}

/// Plans from `from` to `to`, carries the plan out, and returns its steps.
SmallVector<RedistributionStep, 4> check(const TensorLayout &from,
                                         const TensorLayout &to,
                                         llvm::ArrayRef<int64_t> shape,
                                         bool allowAllToAll = true) {
  llvm::Expected<SmallVector<RedistributionStep, 4>> steps =
      planRedistribution(from, to, shape, allowAllToAll);
  EXPECT_TRUE(static_cast<bool>(steps)) << llvm::toString(steps.takeError());
  if (!steps)
    return {};
  std::vector<Box> boxes = carryOut(*steps, from, shape);
  for (int64_t rank = 0; rank < to.deviceCount(); ++rank)
    EXPECT_EQ(boxes[rank], *to.slice(shape, rank))
        << "rank " << rank << ": " << from.str() << " -> " << to.str();
  return *steps;
}

TEST(RedistributionTest, WholeToSplitIsALocalSlice) {
  auto steps = check(layout({8}, {-1, -1}), layout({2, 4}, {1, 0}), {16, 32});
  for (const RedistributionStep &step : steps)
    EXPECT_EQ(step.kind, RedistributionStep::Kind::Split);
}

TEST(RedistributionTest, SplitToWholeIsAGather) {
  auto steps = check(layout({2, 4}, {1, 0}), layout({8}, {-1, -1}), {16, 32});
  EXPECT_EQ(steps.size(), 2u);
  for (const RedistributionStep &step : steps)
    EXPECT_EQ(step.kind, RedistributionStep::Kind::Gather);
}

TEST(RedistributionTest, AxisMovingBetweenDimensions) {
  auto steps = check(layout({4}, {0, -1}), layout({4}, {-1, 0}), {8, 16});
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].kind, RedistributionStep::Kind::AllToAll);
  // Without AlltoAll: gathered and split again.
  auto gathered =
      check(layout({4}, {0, -1}), layout({4}, {-1, 0}), {8, 16}, false);
  for (const RedistributionStep &step : gathered)
    EXPECT_NE(step.kind, RedistributionStep::Kind::AllToAll);
}

TEST(RedistributionTest, DifferentDeviceMatrices) {
  // [2, 1, 4] and [4, 2] refine to a common matrix.
  check(layout({2, 1, 4}, {2, 0}), layout({4, 2}, {1, 0}), {16, 32});
  check(layout({2, 4}, {1, -1}), layout({8}, {0, -1}), {16, 32});
  check(layout({8}, {0, -1}), layout({2, 2, 2}, {0, 2}), {16, 32});
  check(layout({2, 2, 2}, {2, 1, 0}), layout({8}, {-1, -1, 0}), {4, 4, 8});
}

TEST(RedistributionTest, NoCommonRefinementIsGatheredAndSplit) {
  // [3, 2] and [2, 3] cannot be put on one matrix: everything is gathered,
  // then split again.
  check(layout({3, 2}, {1, 0}), layout({2, 3}, {0, 1}), {6, 6});
}

} // namespace
