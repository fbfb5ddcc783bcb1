//===- ShardingRulesTest.cpp - op rules against MindSpore's layouts -------===//
//
// Part of mindshard. The device matrices and tensor maps that MindSpore's
// operator infos give for a strategy (ops_info/matmul_info.cc,
// gather_info.cc, arithmetic_info.cc, ...), checked against the sharding
// rules of mindshard-infer-predict-layout.
//
//===----------------------------------------------------------------------===//

#include "../../../lib/Transforms/ShardingRules.h"

#include "MindIR/MindIR.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include "gtest/gtest.h"

using namespace mindshard;
using llvm::SmallVector;

namespace {

class ShardingRulesTest : public testing::Test {
protected:
  ShardingRulesTest() {
    context.loadDialect<mindir::MindIRDialect, mlir::func::FuncDialect>();
  }

  /// The sharding of the first op with a rule in `body`, a function over
  /// `arguments`, under `strategy` on `devices` devices.
  OpSharding shard(llvm::StringRef arguments, llvm::StringRef body,
                   llvm::ArrayRef<SmallVector<int64_t>> strategy,
                   int64_t devices) {
    std::string text =
        ("func.func @f(" + arguments + ") {\n" + body + "\n  return\n}\n")
            .str();
    module = mlir::parseSourceString<mlir::ModuleOp>(text, &context);
    EXPECT_TRUE(module) << text;
    mlir::Operation *op = nullptr;
    module->walk([&](mlir::Operation *candidate) {
      if (!op && hasShardingRule(candidate))
        op = candidate;
    });
    EXPECT_TRUE(op);
    mlir::FailureOr<OpSharding> sharding = computeSharding(
        op, mindir::StrategyAttr::get(&context, strategy), devices);
    EXPECT_TRUE(mlir::succeeded(sharding));
    return mlir::succeeded(sharding) ? *sharding : OpSharding();
  }

  static SmallVector<int64_t> map(const TensorLayout &layout) {
    EXPECT_TRUE(layout.isFlat());
    return layout.flatTensorMap();
  }

  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
};

using Dims = SmallVector<int64_t>;

TEST_F(ShardingRulesTest, MatMulOnAsManyDevicesAsTheStrategy) {
  // MindSpore's documented example: shard(((2, 1), (1, 4))) on 8 devices.
  OpSharding s = shard(
      "%x: tensor<16x32xf32>, %w: tensor<32x64xf32>",
      "  %y = mindir.MatMul %x, %w : (tensor<16x32xf32>, tensor<32x64xf32>) "
      "-> tensor<16x64xf32>",
      {{2, 1}, {1, 4}}, 8);
  EXPECT_EQ(s.devMatrix, Dims({2, 1, 4}));
  EXPECT_EQ(map(s.operandLayouts[0]), Dims({2, 1}));
  EXPECT_EQ(map(s.operandLayouts[1]), Dims({1, 0}));
  EXPECT_EQ(map(s.resultLayouts[0]), Dims({2, 0}));
  EXPECT_EQ(s.forward, ForwardCollective::None);
}

TEST_F(ShardingRulesTest, MatMulRepeatsOnTheLastAxis) {
  // The same strategy on 16 devices: 2 repeated devices, right-most.
  OpSharding s = shard(
      "%x: tensor<16x32xf32>, %w: tensor<32x64xf32>",
      "  %y = mindir.MatMul %x, %w : (tensor<16x32xf32>, tensor<32x64xf32>) "
      "-> tensor<16x64xf32>",
      {{2, 1}, {1, 4}}, 16);
  EXPECT_EQ(s.devMatrix, Dims({2, 1, 4, 2}));
  EXPECT_EQ(map(s.operandLayouts[0]), Dims({3, 2}));
  EXPECT_EQ(map(s.operandLayouts[1]), Dims({2, 1}));
  EXPECT_EQ(map(s.resultLayouts[0]), Dims({3, 1}));
}

TEST_F(ShardingRulesTest, MatMulSplitContractionIsAPartialSum) {
  OpSharding s =
      shard("%x: tensor<16x32xf32>, %w: tensor<64x32xf32>",
            "  %y = mindir.MatMul %x, %w {transpose_b = true} : "
            "(tensor<16x32xf32>, tensor<64x32xf32>) -> tensor<16x64xf32>",
            {{2, 4}, {1, 4}}, 8);
  EXPECT_EQ(s.devMatrix, Dims({2, 4, 1}));
  EXPECT_EQ(map(s.operandLayouts[0]), Dims({2, 1}));
  EXPECT_EQ(map(s.operandLayouts[1]), Dims({0, 1}));
  EXPECT_EQ(map(s.resultLayouts[0]), Dims({2, 0}));
  EXPECT_EQ(s.forward, ForwardCollective::AllReduceSum);
  EXPECT_EQ(s.reduceAxes, Dims({1}));
}

TEST_F(ShardingRulesTest, BatchMatMul) {
  OpSharding s =
      shard("%a: tensor<4x8x16xf32>, %b: tensor<4x16x32xf32>",
            "  %y = mindir.BatchMatMul %a, %b : (tensor<4x8x16xf32>, "
            "tensor<4x16x32xf32>) -> tensor<4x8x32xf32>",
            {{2, 1, 1}, {2, 1, 4}}, 8);
  EXPECT_EQ(s.devMatrix, Dims({2, 1, 1, 4}));
  EXPECT_EQ(map(s.operandLayouts[0]), Dims({3, 2, 1}));
  EXPECT_EQ(map(s.operandLayouts[1]), Dims({3, 1, 0}));
  EXPECT_EQ(map(s.resultLayouts[0]), Dims({3, 2, 0}));
}

TEST_F(ShardingRulesTest, ElementwiseBroadcast) {
  OpSharding s =
      shard("%x: tensor<16x32xf32>, %b: tensor<32xf32>",
            "  %y = mindir.Add %x, %b : (tensor<16x32xf32>, tensor<32xf32>) -> "
            "tensor<16x32xf32>",
            {{2, 4}, {4}}, 8);
  EXPECT_EQ(s.devMatrix, Dims({2, 4}));
  EXPECT_EQ(map(s.operandLayouts[0]), Dims({1, 0}));
  EXPECT_EQ(map(s.operandLayouts[1]), Dims({0}));
}

TEST_F(ShardingRulesTest, GatherOfRowsRepeatsOnTheFirstAxis) {
  OpSharding s = shard(
      "%t: tensor<64x32xf16>, %i: tensor<2x8xi32>",
      "  %y = mindir.Gather %t, %i : (tensor<64x32xf16>, tensor<2x8xi32>) "
      "-> tensor<2x8x32xf16>",
      {{4, 1}, {1, 1}}, 8);
  EXPECT_EQ(s.devMatrix, Dims({2, 4, 1}));
  EXPECT_EQ(map(s.operandLayouts[0]), Dims({1, 0}));
  EXPECT_EQ(s.forward, ForwardCollective::MaskedGather);
  EXPECT_EQ(s.reduceAxes, Dims({1}));
}

TEST_F(ShardingRulesTest, GatherOfColumns) {
  OpSharding s = shard(
      "%t: tensor<64x32xf16>, %i: tensor<2x8xi32>",
      "  %y = mindir.Gather %t, %i : (tensor<64x32xf16>, tensor<2x8xi32>) "
      "-> tensor<2x8x32xf16>",
      {{1, 4}, {2, 1}}, 8);
  EXPECT_EQ(s.devMatrix, Dims({2, 1, 1, 4}));
  EXPECT_EQ(map(s.operandLayouts[0]), Dims({1, 0}));
  EXPECT_EQ(map(s.operandLayouts[1]), Dims({3, 2}));
  EXPECT_EQ(map(s.resultLayouts[0]), Dims({3, 2, 0}));
}

TEST_F(ShardingRulesTest, BatchDefault) {
  // GenerateBatchStrategiesWithCheck: dimension 0 of the data input over
  // gcd(6, 8) = 2 devices, the weight whole.
  module = mlir::parseSourceString<mlir::ModuleOp>(
      "func.func @f(%x: tensor<6x32xf32>, %w: tensor<32x64xf32>) {\n"
      "  %y = mindir.MatMul %x, %w : (tensor<6x32xf32>, tensor<32x64xf32>) "
      "-> tensor<6x64xf32>\n  return\n}\n",
      &context);
  ASSERT_TRUE(module);
  mlir::Operation *matmul = nullptr;
  module->walk([&](mindir::MatMulOp op) { matmul = op; });
  mindir::StrategyAttr strategy = batchStrategy(matmul, 8);
  EXPECT_EQ(strategy.getSplits(),
            (SmallVector<SmallVector<int64_t>>{{2, 1}, {1, 1}}));
}

} // namespace
