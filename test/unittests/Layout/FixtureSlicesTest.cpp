//===- FixtureSlicesTest.cpp - layouts against real training slices -------===//
//
// Part of mindshard. For every scenario in test/data/scenarios (training runs
// written in MindSpore's formats by an independent generator), checks that
// the slice the layout library computes for each training rank is exactly
// the tensor that rank's checkpoint holds, cut out of the merged weights in
// full.ckpt.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Formats/Checkpoint.h"
#include "mindshard/Formats/Strategy.h"
#include "mindshard/Layout/TensorLayout.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include "gtest/gtest.h"

#include <cstring>

using namespace mindshard;

namespace {

std::string scenarioPath(llvm::StringRef scenario, llvm::StringRef file) {
  llvm::SmallString<256> path(MINDSHARD_TEST_DATA);
  llvm::sys::path::append(path, "scenarios", scenario, file);
  return std::string(path);
}

/// The bytes of `box` cut out of a row-major tensor of `shape`.
std::vector<uint8_t> cutBox(llvm::ArrayRef<uint8_t> full,
                            llvm::ArrayRef<int64_t> shape, const Box &box,
                            unsigned elementBytes) {
  std::vector<uint8_t> out;
  if (box.numElements() == 0)
    return out;
  llvm::SmallVector<int64_t, 4> strides = rowMajorStrides(shape);
  llvm::SmallVector<int64_t, 4> index(box.shape.size(), 0);
  size_t rank = box.shape.size();
  int64_t rowElements = rank ? box.shape.back() : 1;
  while (true) {
    int64_t start = 0;
    for (size_t dim = 0; dim < rank; ++dim)
      start += (box.offsets[dim] + index[dim]) * strides[dim];
    const uint8_t *row = full.data() + start * elementBytes;
    out.insert(out.end(), row, row + rowElements * elementBytes);
    // Advance every dimension but the last, like an odometer.
    size_t dim = rank > 0 ? rank - 1 : 0;
    while (dim > 0) {
      --dim;
      if (++index[dim] < box.shape[dim])
        break;
      index[dim] = 0;
      if (dim == 0)
        return out;
    }
    if (rank <= 1)
      return out;
  }
}

struct Scenario {
  const char *name;
  int64_t trainDevices;
  int64_t stages;
};

void PrintTo(const Scenario &scenario, std::ostream *os) {
  *os << scenario.name;
}

class FixtureSlicesTest : public ::testing::TestWithParam<Scenario> {};

TEST_P(FixtureSlicesTest, EveryRankHoldsItsLayoutSlice) {
  const Scenario &scenario = GetParam();
  llvm::Expected<StrategyFile> strategy =
      readStrategyFile(scenarioPath(scenario.name, "train_strategy.ckpt"));
  ASSERT_TRUE(static_cast<bool>(strategy))
      << llvm::toString(strategy.takeError());
  llvm::Expected<std::unique_ptr<Checkpoint>> full =
      Checkpoint::open(scenarioPath(scenario.name, "full.ckpt"));
  ASSERT_TRUE(static_cast<bool>(full)) << llvm::toString(full.takeError());

  int64_t perStage = scenario.trainDevices / scenario.stages;
  int checkedSlices = 0;
  for (int64_t rank = 0; rank < scenario.trainDevices; ++rank) {
    std::string file = "rank_" + std::to_string(rank) + "/checkpoint_" +
                       std::to_string(rank) + ".ckpt";
    llvm::Expected<std::unique_ptr<Checkpoint>> shard =
        Checkpoint::open(scenarioPath(scenario.name, file));
    ASSERT_TRUE(static_cast<bool>(shard)) << llvm::toString(shard.takeError());
    int64_t stage = rank / perStage;
    int64_t localRank = rank % perStage;

    for (const ParameterLayout &entry : strategy->layouts) {
      const TensorEntry *whole = (*full)->find(entry.name);
      if (!whole)
        continue; // An optimizer state: no merged copy to compare with.
      const TensorEntry *slice = (*shard)->find(entry.name);
      if (entry.layout.stage != stage) {
        EXPECT_EQ(slice, nullptr)
            << entry.name << " on rank " << rank << " belongs to another stage";
        continue;
      }
      ASSERT_NE(slice, nullptr) << entry.name << " missing on rank " << rank;
      llvm::Expected<Box> box = entry.layout.slice(whole->shape, localRank);
      ASSERT_TRUE(static_cast<bool>(box)) << llvm::toString(box.takeError());
      EXPECT_EQ(llvm::ArrayRef<int64_t>(box->shape),
                llvm::ArrayRef<int64_t>(slice->shape))
          << entry.name << " on rank " << rank;

      std::vector<uint8_t> expected =
          cutBox((*full)->contiguousBytes(*whole), whole->shape, *box,
                 getElementBits(whole->dtype) / 8);
      std::vector<uint8_t> actual(slice->numBytes);
      (*shard)->read(*slice, 0, slice->numBytes, actual.data());
      EXPECT_EQ(expected, actual) << entry.name << " on rank " << rank;
      ++checkedSlices;
    }
  }
  EXPECT_GT(checkedSlices, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Scenarios, FixtureSlicesTest,
    ::testing::Values(Scenario{"seed_matmul_t8_p8", 8, 1},
                      Scenario{"seed_matmul_t8_p4", 8, 1},
                      Scenario{"mlp_t4_p2", 4, 1},
                      Scenario{"attention_t8_p4_float16", 8, 1},
                      Scenario{"attention_l2_t8_p4_float16", 8, 1},
                      Scenario{"attention_t8_p2_bfloat16", 8, 1},
                      Scenario{"pipeline_2x2_p2", 4, 2}),
    [](const ::testing::TestParamInfo<Scenario> &info) {
      return std::string(info.param.name);
    });

/// Ranks that the layout says hold the same slice hold the same bytes, for
/// the optimizer states too (which have no merged copy).
TEST(FixtureSlicesTest, RepeatedRanksHoldEqualBytes) {
  llvm::Expected<StrategyFile> strategy = readStrategyFile(
      scenarioPath("seed_matmul_t8_p8", "train_strategy.ckpt"));
  ASSERT_TRUE(static_cast<bool>(strategy))
      << llvm::toString(strategy.takeError());
  std::vector<std::unique_ptr<Checkpoint>> ranks;
  for (int rank = 0; rank < 8; ++rank) {
    std::string file = "rank_" + std::to_string(rank) + "/checkpoint_" +
                       std::to_string(rank) + ".ckpt";
    llvm::Expected<std::unique_ptr<Checkpoint>> shard =
        Checkpoint::open(scenarioPath("seed_matmul_t8_p8", file));
    ASSERT_TRUE(static_cast<bool>(shard)) << llvm::toString(shard.takeError());
    ranks.push_back(std::move(*shard));
  }
  int pairs = 0;
  for (const ParameterLayout &entry : strategy->layouts) {
    for (int64_t rank = 0; rank < 8; ++rank) {
      for (int64_t other : entry.layout.ranksWithSameSlice(rank)) {
        if (other == rank)
          continue;
        const TensorEntry *a = ranks[rank]->find(entry.name);
        const TensorEntry *b = ranks[other]->find(entry.name);
        ASSERT_TRUE(a && b) << entry.name;
        std::vector<uint8_t> bytesA(a->numBytes), bytesB(b->numBytes);
        ranks[rank]->read(*a, 0, a->numBytes, bytesA.data());
        ranks[other]->read(*b, 0, b->numBytes, bytesB.data());
        EXPECT_EQ(bytesA, bytesB)
            << entry.name << " ranks " << rank << ", " << other;
        ++pairs;
      }
    }
  }
  EXPECT_GT(pairs, 0);
}

} // namespace
