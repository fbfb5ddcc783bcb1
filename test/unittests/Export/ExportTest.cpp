//===- ExportTest.cpp - exported slices against the merged weights --------===//
//
// Part of mindshard. For every scenario in test/data/scenarios, exports the
// training run and checks that every parameter of every device's MindIR
// file holds, byte for byte, the slice of the merged weights (full.ckpt)
// that the layout written to predict_strategy.ckpt gives that device.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Export/Export.h"

#include "MindIR/MindIR.h"
#include "mindshard/Formats/Checkpoint.h"
#include "mindshard/Formats/Strategy.h"
#include "mindshard/Layout/TensorLayout.h"
#include "mindshard/Target/MindIR.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

using namespace mindshard;

namespace {

std::string scenarioPath(llvm::StringRef scenario, llvm::StringRef file = "") {
  llvm::SmallString<256> path(MINDSHARD_TEST_DATA);
  llvm::sys::path::append(path, "scenarios", scenario, file);
  return std::string(path);
}

/// The bytes of `rank`'s slice of a whole tensor under `layout`.
std::vector<uint8_t> expectedSlice(llvm::ArrayRef<uint8_t> whole,
                                   llvm::ArrayRef<int64_t> shape,
                                   const TensorLayout &layout, int64_t rank,
                                   unsigned elementBytes) {
  std::vector<uint8_t> out;
  llvm::Expected<llvm::SmallVector<Region, 1>> regions =
      layout.regions(shape, rank);
  EXPECT_TRUE(static_cast<bool>(regions))
      << llvm::toString(regions.takeError());
  llvm::SmallVector<int64_t, 4> strides = rowMajorStrides(shape);
  for (const Region &region : *regions) {
    llvm::SmallVector<int64_t, 4> index(shape.size(), 0);
    for (int64_t i = 0, e = region.box.numElements(); i < e; ++i) {
      int64_t flat = 0;
      for (size_t d = 0; d < shape.size(); ++d)
        flat += (region.box.offsets[d] + index[d]) * strides[d];
      const uint8_t *element = whole.data() + flat * elementBytes;
      out.insert(out.end(), element, element + elementBytes);
      for (size_t d = shape.size(); d > 0; --d) {
        if (++index[d - 1] < region.box.shape[d - 1])
          break;
        index[d - 1] = 0;
      }
    }
  }
  return out;
}

class ScenarioExport : public testing::TestWithParam<const char *> {};

TEST_P(ScenarioExport, SlicesEqualTheMergedWeights) {
  std::string scenario = GetParam();
  llvm::SmallString<128> out;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("mindshard-export", out));

  // The number of serving devices, from scenario.json.
  auto readFile = [](const std::string &path) {
    auto buffer = llvm::MemoryBuffer::getFile(path);
    return buffer ? (*buffer)->getBuffer().str() : std::string();
  };
  std::string json = readFile(scenarioPath(scenario, "scenario.json"));
  size_t at = json.find("\"predict_devices\":");
  ASSERT_NE(at, std::string::npos);
  int64_t devices = std::stoll(json.substr(at + 18));

  ExportOptions options;
  options.network = scenarioPath(scenario, "network.mindir");
  options.trainStrategies = {scenarioPath(scenario, "train_strategy.ckpt")};
  options.checkpointDir = scenarioPath(scenario);
  options.devices = devices;
  options.outputDir = std::string(out);
  options.sync = false;
  mlir::MLIRContext context;
  std::string log;
  llvm::raw_string_ostream logStream(log);
  llvm::Expected<ExportSummary> summary =
      runExport(context, options, logStream);
  ASSERT_TRUE(static_cast<bool>(summary))
      << llvm::toString(summary.takeError());
  EXPECT_EQ(summary->ranksWritten.size(), static_cast<size_t>(devices));

  llvm::Expected<StrategyFile> strategy =
      readStrategyFile((out + "/predict_strategy.ckpt").str());
  ASSERT_TRUE(static_cast<bool>(strategy))
      << llvm::toString(strategy.takeError());
  llvm::Expected<std::unique_ptr<Checkpoint>> full =
      Checkpoint::open(scenarioPath(scenario, "full.ckpt"));
  ASSERT_TRUE(static_cast<bool>(full)) << llvm::toString(full.takeError());

  int64_t checked = 0;
  for (int64_t rank = 0; rank < devices; ++rank) {
    std::string path =
        (out + "/network_rank_" + llvm::Twine(rank) + ".mindir").str();
    mlir::OwningOpRef<mlir::ModuleOp> module =
        importMindIR(path, &context, MindIRImportOptions());
    ASSERT_TRUE(module) << path;
    for (auto parameter : module->getOps<mindir::ParameterOp>()) {
      std::string name = parameter.getSymName().str();
      const TensorEntry *entry = (*full)->find(name);
      ASSERT_TRUE(entry) << name;
      std::vector<uint8_t> whole(entry->numBytes);
      (*full)->read(*entry, 0, whole.size(), whole.data());
      const ParameterLayout *layout = strategy->findLayout(name);
      TensorLayout tensorLayout;
      if (layout) {
        tensorLayout = layout->layout;
      } else {
        tensorLayout.devMatrix = {devices};
        tensorLayout.tensorMap.resize(entry->shape.size());
      }
      std::vector<uint8_t> expected =
          expectedSlice(whole, entry->shape, tensorLayout, rank,
                        getElementBits(entry->dtype) / 8);

      auto value = llvm::dyn_cast_or_null<mlir::DenseResourceElementsAttr>(
          parameter.getValue() ? *parameter.getValue() : nullptr);
      ASSERT_TRUE(value) << name << " on rank " << rank << " has no data";
      llvm::ArrayRef<char> data = value.getRawHandle().getBlob()->getData();
      std::vector<uint8_t> actual(data.begin(), data.end());
      EXPECT_EQ(actual, expected) << name << " on rank " << rank;
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
  llvm::sys::fs::remove_directories(out);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ScenarioExport,
                         testing::Values("attention_t8_p4_float16", "mlp_t4_p2",
                                         "pipeline_2x2_p2", "seed_matmul_t8_p4",
                                         "seed_matmul_t8_p8"),
                         [](const testing::TestParamInfo<const char *> &info) {
                           return std::string(info.param);
                         });

} // namespace
