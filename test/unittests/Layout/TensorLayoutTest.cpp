//===- TensorLayoutTest.cpp - layout arithmetic against MindSpore's rules -===//
//
// Part of mindshard. Checks the layout library against the rules that
// MindSpore's parallel/_tensor.py applies (row-major coordinates, tensor
// maps counted from the right, optimizer sharding over the repeated ranks).
//
//===----------------------------------------------------------------------===//

#include "mindshard/Layout/TensorLayout.h"

#include "gtest/gtest.h"

using namespace mindshard;
using llvm::SmallVector;

namespace {

/// The layout of the seed sample's weight: MatMul shard(((2, 1), (1, 4))) on
/// 8 devices gives device matrix [2, 1, 4] and weight tensor map [1, 0].
TensorLayout seedWeightLayout() {
  return TensorLayout::fromFlatMap({2, 1, 4}, {1, 0});
}

Box box(SmallVector<int64_t, 4> offsets, SmallVector<int64_t, 4> shape) {
  return Box{std::move(offsets), std::move(shape)};
}

Box sliceOrDie(const TensorLayout &layout, llvm::ArrayRef<int64_t> shape,
               int64_t rank) {
  llvm::Expected<Box> slice = layout.slice(shape, rank);
  EXPECT_TRUE(static_cast<bool>(slice)) << llvm::toString(slice.takeError());
  return slice ? *slice : Box();
}

std::string errorOf(const TensorLayout &layout) {
  llvm::Error error = layout.verify();
  return error ? llvm::toString(std::move(error)) : "";
}

TEST(TensorLayoutTest, CoordinatesAreRowMajor) {
  TensorLayout layout = seedWeightLayout();
  EXPECT_EQ(layout.deviceCount(), 8);
  for (int64_t rank = 0; rank < 8; ++rank)
    EXPECT_EQ(layout.rankAt(layout.coordinate(rank)), rank);
  EXPECT_EQ(layout.coordinate(5), (SmallVector<int64_t, 4>{1, 0, 1}));
  EXPECT_EQ(layout.coordinate(3), (SmallVector<int64_t, 4>{0, 0, 3}));
}

TEST(TensorLayoutTest, TensorMapCountsAxesFromTheRight) {
  TensorLayout layout = seedWeightLayout();
  // Dimension 0 maps axis 1 (extent 1), dimension 1 maps axis 0 (extent 4).
  EXPECT_EQ(layout.splitCounts(), (SmallVector<int64_t, 4>{1, 4}));
  EXPECT_EQ(layout.axisExtent(0), 4);
  EXPECT_EQ(layout.axisExtent(2), 2);
  EXPECT_EQ(layout.sliceIndex(6), (SmallVector<int64_t, 4>{0, 2}));
  EXPECT_EQ(sliceOrDie(layout, {96, 16}, 6), box({0, 8}, {96, 4}));
}

TEST(TensorLayoutTest, RepeatedRanksHoldTheSameSlice) {
  TensorLayout layout = seedWeightLayout();
  // Axis 1 maps dimension 0 (extent 1): only axis 2 repeats.
  EXPECT_EQ(layout.repeatedAxes(), (SmallVector<int64_t, 4>{2}));
  EXPECT_EQ(layout.repeatCount(), 2);
  EXPECT_EQ(layout.ranksWithSameSlice(5), (SmallVector<int64_t, 8>{1, 5}));
  EXPECT_EQ(sliceOrDie(layout, {96, 16}, 1), sliceOrDie(layout, {96, 16}, 5));
}

TEST(TensorLayoutTest, GroupsAlongAxes) {
  TensorLayout layout = seedWeightLayout();
  EXPECT_EQ(layout.groupAlongAxes(5, {0}),
            (SmallVector<int64_t, 8>{4, 5, 6, 7}));
  EXPECT_EQ(layout.groupAlongAxes(5, {2}), (SmallVector<int64_t, 8>{1, 5}));
  EXPECT_EQ(layout.groupAlongAxes(5, {0, 2}),
            (SmallVector<int64_t, 8>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(layout.groupAlongAxes(5, {}), (SmallVector<int64_t, 8>{5}));
}

TEST(TensorLayoutTest, OptimizerShardingSplitsDimensionZero) {
  // shard(((2, 1), (1, 2))) on 4 devices, optimizer-sharded over the two
  // repeated ranks (distance 2).
  TensorLayout layout = TensorLayout::fromFlatMap({2, 1, 2}, {1, 0});
  layout.optShardSize = 2;
  layout.optShardStep = 2;
  EXPECT_EQ(sliceOrDie(layout, {256, 128}, 0), box({0, 0}, {128, 64}));
  EXPECT_EQ(sliceOrDie(layout, {256, 128}, 1), box({0, 64}, {128, 64}));
  EXPECT_EQ(sliceOrDie(layout, {256, 128}, 2), box({128, 0}, {128, 64}));
  EXPECT_EQ(sliceOrDie(layout, {256, 128}, 3), box({128, 64}, {128, 64}));
  EXPECT_EQ(layout.ranksWithSameSlice(2), (SmallVector<int64_t, 8>{2}));

  // A replicated weight optimizer-sharded over all four ranks.
  TensorLayout dataParallel = TensorLayout::fromFlatMap({4, 1}, {-1, -1});
  dataParallel.optShardSize = 4;
  dataParallel.optShardStep = 1;
  for (int64_t rank = 0; rank < 4; ++rank)
    EXPECT_EQ(sliceOrDie(dataParallel, {128, 128}, rank),
              box({32 * rank, 0}, {32, 128}));
}

TEST(TensorLayoutTest, OptimizerShardNeedsDivisibleRows) {
  TensorLayout layout = TensorLayout::fromFlatMap({4}, {-1});
  layout.optShardSize = 4;
  layout.optShardStep = 1;
  llvm::Expected<Box> slice = layout.slice({6}, 1);
  ASSERT_FALSE(static_cast<bool>(slice));
  EXPECT_NE(llvm::toString(slice.takeError()).find("not divisible"),
            std::string::npos);
}

TEST(TensorLayoutTest, UnevenSplitOfDimensionZero) {
  TensorLayout layout = TensorLayout::fromFlatMap({2}, {0, -1});
  layout.splitShape = {3, 5};
  EXPECT_EQ(sliceOrDie(layout, {8, 4}, 0), box({0, 0}, {3, 4}));
  EXPECT_EQ(sliceOrDie(layout, {8, 4}, 1), box({3, 0}, {5, 4}));
  layout.indicesOffset = {0, 3};
  EXPECT_EQ(sliceOrDie(layout, {8, 4}, 1), box({3, 0}, {5, 4}));
  llvm::Expected<Box> wrong = layout.slice({9, 4}, 0);
  ASSERT_FALSE(static_cast<bool>(wrong));
  EXPECT_NE(llvm::toString(wrong.takeError()).find("does not add up"),
            std::string::npos);
}

TEST(TensorLayoutTest, SeveralAxesSplitOneDimension) {
  TensorLayout layout;
  layout.devMatrix = {2, 2};
  layout.tensorMap = {{1, 0}, {}};
  EXPECT_EQ(layout.splitCount(0), 4);
  // Rank 2 is at coordinate [1, 0]: slice 1 * 2 + 0 of dimension 0.
  EXPECT_EQ(sliceOrDie(layout, {8, 2}, 2), box({4, 0}, {2, 2}));
  EXPECT_EQ(sliceOrDie(layout, {8, 2}, 1), box({2, 0}, {2, 2}));
}

TEST(TensorLayoutTest, ScalarsAreWholeEverywhere) {
  TensorLayout layout = TensorLayout::replicated(8, 0);
  Box slice = sliceOrDie(layout, {}, 3);
  EXPECT_TRUE(slice.shape.empty());
  EXPECT_EQ(slice.numElements(), 1);
}

TEST(TensorLayoutTest, VerifierRejectsBadMaps) {
  EXPECT_EQ(errorOf(seedWeightLayout()), "");
  EXPECT_NE(errorOf(TensorLayout::fromFlatMap({2, 4}, {2, -1}))
                .find("indexes past the device matrix"),
            std::string::npos);
  EXPECT_NE(
      errorOf(TensorLayout::fromFlatMap({2, 4}, {0, 0})).find("used twice"),
      std::string::npos);
  EXPECT_NE(errorOf(TensorLayout::fromFlatMap({2, 0}, {0})).find("below 1"),
            std::string::npos);

  TensorLayout noStep = TensorLayout::fromFlatMap({4}, {-1});
  noStep.optShardSize = 2;
  EXPECT_NE(errorOf(noStep).find("needs a positive step"), std::string::npos);

  TensorLayout badSplit = TensorLayout::fromFlatMap({2}, {0});
  badSplit.splitShape = {1, 2, 3};
  EXPECT_NE(errorOf(badSplit).find("split 2 ways"), std::string::npos);
}

TEST(TensorLayoutTest, ShapeMustFitTheMap) {
  TensorLayout layout = seedWeightLayout();
  llvm::Error rankError = layout.verifyShape({96});
  ASSERT_TRUE(static_cast<bool>(rankError));
  EXPECT_NE(llvm::toString(std::move(rankError)).find("2 entries"),
            std::string::npos);
  llvm::Error divisibility = layout.verifyShape({96, 10});
  ASSERT_TRUE(static_cast<bool>(divisibility));
  EXPECT_NE(llvm::toString(std::move(divisibility)).find("not divisible"),
            std::string::npos);
}

TEST(TensorLayoutTest, NormalFormDropsSizeOneAxes) {
  // MindSpore writes the seed weight's predict layout as [2, 4], [-1, 0].
  TensorLayout normal = seedWeightLayout().normalized();
  EXPECT_EQ(normal, TensorLayout::fromFlatMap({2, 4}, {-1, 0}));
  EXPECT_TRUE(seedWeightLayout().slicesAlike(
      TensorLayout::fromFlatMap({2, 4}, {-1, 0})));
  EXPECT_FALSE(seedWeightLayout().slicesAlike(
      TensorLayout::fromFlatMap({4, 2}, {-1, 0})));
}

TEST(TensorLayoutTest, NormalFormMergesAdjacentAxes) {
  // Adjacent repeated axes merge.
  EXPECT_EQ(TensorLayout::fromFlatMap({2, 2, 4}, {-1, 0}).normalized(),
            TensorLayout::fromFlatMap({4, 4}, {-1, 0}));
  // Adjacent axes that split one dimension, major first, merge.
  TensorLayout twoAxes;
  twoAxes.devMatrix = {2, 4};
  twoAxes.tensorMap = {{1, 0}};
  EXPECT_EQ(twoAxes.normalized(), TensorLayout::fromFlatMap({8}, {0}));
  // In the other order they do not: the slices go to other ranks.
  TensorLayout swapped;
  swapped.devMatrix = {2, 4};
  swapped.tensorMap = {{0, 1}};
  EXPECT_EQ(swapped.normalized(), swapped);
  EXPECT_FALSE(swapped.slicesAlike(twoAxes));
  // Layouts that slice alike give every rank the same box.
  for (int64_t rank = 0; rank < 8; ++rank)
    EXPECT_EQ(sliceOrDie(twoAxes, {16}, rank),
              sliceOrDie(TensorLayout::fromFlatMap({8}, {0}), {16}, rank));
}

TEST(TensorLayoutTest, IntersectBoxes) {
  EXPECT_EQ(intersect(box({0, 4}, {96, 4}), box({48, 0}, {48, 8})),
            box({48, 4}, {48, 4}));
  EXPECT_TRUE(intersect(box({0}, {4}), box({4}, {4})).empty());
}

TEST(TensorLayoutTest, PrintsLikeStrategyFiles) {
  TensorLayout layout = seedWeightLayout();
  layout.optShardSize = 2;
  layout.optShardStep = 4;
  EXPECT_EQ(layout.str(), "dev_matrix=[2, 1, 4] tensor_map=[1, 0] "
                          "opt_shard=2/4");
}

} // namespace
