//===- ExportTest.cpp - exported slices against the merged weights --------===//
//
// Part of mindshard. For every scenario in test/data/scenarios, exports the
// training run and checks that every parameter of every device's MindIR
// file holds, byte for byte, the slice of the merged weights (full.ckpt)
// that the layout written to predict_strategy.ckpt gives that device.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Export/Export.h"

#include "../TestSupport.h"

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

class ScenarioExport : public testing::TestWithParam<const char *> {};

TEST_P(ScenarioExport, SlicesEqualTheMergedWeights) {
  std::string scenario = GetParam();
  test::TempDir out;

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
  options.outputDir = out.str().str();
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
      readStrategyFile(out.file("predict_strategy.ckpt"));
  ASSERT_TRUE(static_cast<bool>(strategy))
      << llvm::toString(strategy.takeError());
  llvm::Expected<std::unique_ptr<Checkpoint>> full =
      Checkpoint::open(scenarioPath(scenario, "full.ckpt"));
  ASSERT_TRUE(static_cast<bool>(full)) << llvm::toString(full.takeError());

  int64_t checked = 0;
  for (int64_t rank = 0; rank < devices; ++rank) {
    std::string path =
        out.file("network_rank_" + std::to_string(rank) + ".mindir");
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
      unsigned elementBytes = getElementBits(entry->dtype) / 8;
      std::vector<uint8_t> expected;
      for (int64_t element :
           test::sliceElements(tensorLayout, entry->shape, rank))
        expected.insert(expected.end(), whole.begin() + element * elementBytes,
                        whole.begin() + (element + 1) * elementBytes);

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
}

INSTANTIATE_TEST_SUITE_P(
    Scenarios, ScenarioExport,
    testing::Values("attention_t8_p4_float16", "attention_l2_t8_p4_float16",
                    "attention_t8_p2_bfloat16", "mlp_t4_p2", "pipeline_2x2_p2",
                    "seed_matmul_t8_p4", "seed_matmul_t8_p8"),
    [](const testing::TestParamInfo<const char *> &info) {
      return std::string(info.param);
    });

} // namespace
