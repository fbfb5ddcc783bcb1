//===- MindIRTest.cpp - MindIR export with external and streamed data ----===//
//
// Part of mindshard. Weights over the threshold go to
// `<name>_graph.mindir` plus `<name>_variables/data_0` (64-byte header, each
// tensor padded to 64 bytes), as MindSpore writes models over 1 GiB; and
// parameter bytes can stream from a data source instead of the IR.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Target/MindIR.h"
#include "../TestSupport.h"
#include "mindshard/Formats/FileIO.h"

#include "MindIR/MindIR.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include "gtest/gtest.h"

#include <numeric>

using namespace mindshard;

namespace {

using mindshard::test::TempDir;

std::string scenarioNetwork(llvm::StringRef scenario) {
  llvm::SmallString<256> path(MINDSHARD_TEST_DATA);
  llvm::sys::path::append(path, "scenarios", scenario, "network.mindir");
  return std::string(path);
}

/// The bytes of a parameter's value.
std::vector<uint8_t> valueBytes(mindir::ParameterOp parameter) {
  auto resource =
      llvm::cast<mlir::DenseResourceElementsAttr>(*parameter.getValue());
  llvm::ArrayRef<char> data = resource.getRawHandle().getBlob()->getData();
  return std::vector<uint8_t>(data.begin(), data.end());
}

TEST(MindIRExportTest, ExternalDataAsMindSporeWritesIt) {
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      importMindIR(scenarioNetwork("mlp_t4_p2"), &context);
  ASSERT_TRUE(module);

  TempDir dir;
  MindIRExportOptions options;
  options.externalDataThreshold = 0;
  mlir::FailureOr<MindIRExportResult> result =
      exportMindIR(*module, dir.file("net.mindir"), options);
  ASSERT_TRUE(mlir::succeeded(result));
  EXPECT_TRUE(result->externalData);
  ASSERT_EQ(result->files.size(), 2u);
  EXPECT_EQ(result->files[0], dir.file("net_graph.mindir"));
  EXPECT_EQ(result->files[1], dir.file("net_variables/data_0"));
  EXPECT_FALSE(llvm::sys::fs::exists(dir.file("net.mindir")));

  // The data file: a 64-byte header whose first byte says little-endian,
  // then every tensor padded to a multiple of 64 bytes.
  auto data = MappedFile::open(result->files[1]);
  ASSERT_TRUE(static_cast<bool>(data)) << llvm::toString(data.takeError());
  EXPECT_EQ((*data)->bytes()[0], 1);
  EXPECT_EQ((*data)->size() % 64, 0u);

  // The graph file reads back with the same weights.
  mlir::OwningOpRef<mlir::ModuleOp> back =
      importMindIR(result->files[0], &context);
  ASSERT_TRUE(back);
  for (auto [original, reread] :
       llvm::zip_equal((*module).getOps<mindir::ParameterOp>(),
                       (*back).getOps<mindir::ParameterOp>())) {
    EXPECT_EQ(original.getSymName(), reread.getSymName());
    EXPECT_EQ(valueBytes(original), valueBytes(reread))
        << original.getSymName().str();
  }
}

/// Supplies one parameter's bytes: 0, 1, 2, ...
class CountingSource : public ParameterDataSource {
public:
  bool provides(llvm::StringRef parameter) const override {
    return parameter == "weight";
  }
  uint64_t byteSize(llvm::StringRef) const override { return 96 * 16 * 4; }
  llvm::Error write(
      llvm::StringRef,
      llvm::function_ref<llvm::Error(llvm::ArrayRef<uint8_t>)> sink) override {
    std::vector<uint8_t> bytes(96 * 16 * 4);
    std::iota(bytes.begin(), bytes.end(), 0);
    // In two pieces, as a copy engine streams them.
    if (llvm::Error error = sink(llvm::ArrayRef(bytes).take_front(1000)))
      return error;
    return sink(llvm::ArrayRef(bytes).drop_front(1000));
  }
};

TEST(MindIRExportTest, ParameterBytesStreamFromASource) {
  mlir::MLIRContext context;
  MindIRImportOptions importOptions;
  importOptions.importWeights = false;
  mlir::OwningOpRef<mlir::ModuleOp> module = importMindIR(
      scenarioNetwork("seed_matmul_t8_p4"), &context, importOptions);
  ASSERT_TRUE(module);

  TempDir dir;
  CountingSource source;
  MindIRExportOptions options;
  options.dataSource = &source;
  ASSERT_TRUE(mlir::succeeded(
      exportMindIR(*module, dir.file("streamed.mindir"), options)));
  mlir::OwningOpRef<mlir::ModuleOp> back =
      importMindIR(dir.file("streamed.mindir"), &context);
  ASSERT_TRUE(back);
  auto weight = *(*back).getOps<mindir::ParameterOp>().begin();
  std::vector<uint8_t> bytes = valueBytes(weight);
  ASSERT_EQ(bytes.size(), 96u * 16 * 4);
  for (size_t i = 0; i < bytes.size(); ++i)
    ASSERT_EQ(bytes[i], static_cast<uint8_t>(i));
}

} // namespace
