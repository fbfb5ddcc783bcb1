//===- PlanTest.cpp - slice plans against a simulated copy ----------------===//
//
// Part of mindshard. Every element of a whole tensor is numbered; each
// training rank's slice is cut from it by the training layout, each predict
// rank's expected slice by the predict layout. Carrying out the plan's
// pieces on the training slices must give exactly the expected slices, for
// every kind of layout MindSpore writes.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Reshard/Plan.h"

#include "../TestSupport.h"

#include "gtest/gtest.h"

using namespace mindshard;

namespace {

TensorLayout layout(llvm::ArrayRef<int64_t> devMatrix,
                    llvm::ArrayRef<int64_t> flatMap) {
  return TensorLayout::fromFlatMap(devMatrix, flatMap);
}

/// Plans, carries the plan out on the training slices, and compares with
/// the predict slices.
void checkPlan(llvm::ArrayRef<int64_t> shape, const TensorLayout &train,
               int64_t firstRank, const TensorLayout &predict,
               int64_t predictDevices) {
  ReshardPlanner planner(predictDevices);
  llvm::Expected<std::vector<SlicePlan>> plans =
      planner.plan("w", shape, TrainingPlacement{train, firstRank}, predict);
  ASSERT_TRUE(static_cast<bool>(plans)) << llvm::toString(plans.takeError());
  ASSERT_EQ(plans->size(), static_cast<size_t>(predictDevices));
  for (const SlicePlan &plan : *plans) {
    std::vector<int64_t> expected =
        mindshard::test::sliceElements(predict, shape, plan.rank);
    std::vector<int64_t> actual(expected.size(), -1);
    llvm::SmallVector<int64_t, 4> targetStrides = rowMajorStrides(plan.shape);
    for (const Piece &piece : plan.pieces) {
      ASSERT_GE(piece.sourceRank, firstRank);
      std::vector<int64_t> source = mindshard::test::sliceElements(
          train, shape, piece.sourceRank - firstRank);
      llvm::SmallVector<int64_t, 4> sourceStrides =
          rowMajorStrides(piece.sourceShape);
      llvm::SmallVector<int64_t, 4> index(shape.size(), 0);
      for (int64_t i = 0, e = product(piece.shape); i < e; ++i) {
        int64_t from = 0, to = 0;
        for (size_t d = 0; d < shape.size(); ++d) {
          from += (piece.sourceOffsets[d] + index[d]) * sourceStrides[d];
          to += (piece.targetOffsets[d] + index[d]) * targetStrides[d];
        }
        EXPECT_EQ(actual[to], -1) << "element written twice";
        actual[to] = source[from];
        for (size_t d = shape.size(); d > 0; --d) {
          if (++index[d - 1] < piece.shape[d - 1])
            break;
          index[d - 1] = 0;
        }
      }
    }
    EXPECT_EQ(actual, expected) << "predict rank " << plan.rank;
  }
}

TEST(PlanTest, ModelParallelToOtherSplit) {
  // MatMul weight split by columns on 8 (2 data x 4 model), served split by
  // rows on 4.
  checkPlan({32, 64}, layout({2, 1, 4}, {1, 0}), 0, layout({4, 1}, {1, 0}), 4);
}

TEST(PlanTest, OptimizerShardingToFewerDevices) {
  TensorLayout train = layout({2, 4}, {0, -1});
  train.optShardSize = 2;
  train.optShardStep = 4;
  checkPlan({64, 32}, train, 0, layout({2}, {0, -1}), 2);
  checkPlan({64, 32}, train, 0, layout({8}, {-1, 0}), 8);
}

TEST(PlanTest, WholeToSplit) {
  checkPlan({48}, layout({8}, {-1}), 0, layout({4}, {0}), 4);
  checkPlan({6, 8}, layout({2}, {-1, -1}), 0, layout({2, 2}, {1, 0}), 4);
}

TEST(PlanTest, PipelineStageReadsItsOwnRanks) {
  // The second of two stages of 4 devices: training ranks 4 to 7.
  TensorLayout train = layout({4}, {-1, 0});
  train.stage = 1;
  checkPlan({16, 16}, train, 4, layout({2}, {0, -1}), 2);
}

TEST(PlanTest, UnevenSplit) {
  TensorLayout train = layout({4}, {0, -1});
  train.splitShape = {3, 5, 4, 4};
  checkPlan({16, 8}, train, 0, layout({2}, {0, -1}), 2);
  train.indicesOffset = {0, 3, 8, 12};
  checkPlan({16, 8}, train, 0, layout({4}, {-1, 0}), 4);
}

TEST(PlanTest, FieldSlices) {
  // Wide&Deep's field_size: dimension 0 is 3 blocks, each split 4 ways.
  TensorLayout train = layout({4}, {0, -1});
  train.field = 3;
  checkPlan({24, 5}, train, 0, layout({2}, {0, -1}), 2);
  checkPlan({24, 5}, train, 0, layout({1}, {-1, -1}), 1);
}

TEST(PlanTest, ScalarAndVector) {
  checkPlan({}, layout({4}, {}), 0, layout({2}, {}), 2);
  checkPlan({8}, layout({2, 2}, {1}), 0, layout({4}, {0}), 4);
}

TEST(PlanTest, PiecesPreferFilesInUse) {
  // Every training rank holds the whole tensor: each predict rank reads all
  // its parameters from one file.
  ReshardPlanner planner(2);
  for (const char *name : {"a", "b", "c"}) {
    llvm::Expected<std::vector<SlicePlan>> plans = planner.plan(
        name, {8}, TrainingPlacement{layout({4}, {-1}), 0}, layout({2}, {0}));
    ASSERT_TRUE(static_cast<bool>(plans));
    EXPECT_EQ((*plans)[0].pieces.front().sourceRank, 0);
    EXPECT_EQ((*plans)[1].pieces.front().sourceRank, 1);
  }
}

TEST(PlanTest, PiecesComeFromReplicasThatHoldThem) {
  // Replicated on 4 ranks, kept by rank 2 alone (MindSpore's
  // remove_redundancy): both predict ranks read it there, asking their
  // preferred replicas first.
  ReshardPlanner planner(2);
  std::vector<std::pair<int64_t, int64_t>> asked;
  auto holds = [&](int64_t rank,
                   int64_t source) -> llvm::Expected<std::string> {
    asked.emplace_back(rank, source);
    return source == 2 ? "" : "r" + std::to_string(source) + " lacks it";
  };
  llvm::Expected<std::vector<SlicePlan>> plans =
      planner.plan("b", {8}, TrainingPlacement{layout({4}, {-1}), 0},
                   layout({2}, {0}), holds);
  ASSERT_TRUE(static_cast<bool>(plans)) << llvm::toString(plans.takeError());
  EXPECT_EQ((*plans)[0].pieces.front().sourceRank, 2);
  EXPECT_EQ((*plans)[1].pieces.front().sourceRank, 2);
  std::vector<std::pair<int64_t, int64_t>> order = {
      {0, 0}, {0, 1}, {0, 2}, {1, 1}, {1, 2}};
  EXPECT_EQ(asked, order);

  // A file a predict rank reads already comes first.
  asked.clear();
  plans = planner.plan("c", {8}, TrainingPlacement{layout({4}, {-1}), 0},
                       layout({2}, {0}), [&](int64_t rank, int64_t source) {
                         asked.emplace_back(rank, source);
                         return llvm::Expected<std::string>("");
                       });
  ASSERT_TRUE(static_cast<bool>(plans));
  EXPECT_EQ((*plans)[1].pieces.front().sourceRank, 2);
  EXPECT_EQ(asked.size(), 2u);
}

TEST(PlanTest, SliceThatNoReplicaHoldsIsAnError) {
  ReshardPlanner planner(1);
  llvm::Expected<std::vector<SlicePlan>> plans =
      planner.plan("b", {8}, TrainingPlacement{layout({2}, {-1}), 0},
                   layout({1}, {-1}), [](int64_t, int64_t source) {
                     return llvm::Expected<std::string>(
                         "r" + std::to_string(source) + " is missing");
                   });
  ASSERT_FALSE(static_cast<bool>(plans));
  std::string message = llvm::toString(plans.takeError());
  EXPECT_NE(message.find("parameter 'b': training ranks [0, 1] hold its "
                         "slice (offsets [0] shape [8]), but none of their "
                         "checkpoints gives it"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("rank 1: r1 is missing"), std::string::npos)
      << message;

  // An error finding out is the planner's error.
  plans =
      planner.plan("b", {8}, TrainingPlacement{layout({2}, {-1}), 0},
                   layout({1}, {-1}), [](int64_t, int64_t) {
                     return llvm::Expected<std::string>(llvm::createStringError(
                         llvm::inconvertibleErrorCode(), "unreadable"));
                   });
  ASSERT_FALSE(static_cast<bool>(plans));
  EXPECT_EQ(llvm::toString(plans.takeError()), "unreadable");
}

TEST(PlanTest, UntiledTrainingLayoutIsAnError) {
  TensorLayout train = layout({2}, {0, -1});
  train.splitShape = {3, 3}; // 6 rows of 8.
  ReshardPlanner planner(1);
  llvm::Expected<std::vector<SlicePlan>> plans = planner.plan(
      "w", {8, 2}, TrainingPlacement{train, 0}, layout({1}, {-1, -1}));
  ASSERT_FALSE(static_cast<bool>(plans));
  EXPECT_NE(llvm::toString(plans.takeError()).find("parameter 'w'"),
            std::string::npos);
}

} // namespace
