//===- mindshard-inspect.cpp - what is in a MindSpore file ----------------===//
//
// Part of mindshard.
//
//   mindshard-inspect ckpt FILE       tensors: dtype, shape, bytes, records
//   mindshard-inspect strategy FILE   layouts and the slices they give
//   mindshard-inspect mindir FILE     inputs, outputs, ops, parameters
//                                     (--proto: the protobuf text)
//   mindshard-inspect groups FILE     communication groups
//   mindshard-inspect export DIR      what an export wrote: each device's
//                                     file and slice of every parameter
//                                     (--verify: check it against the
//                                     manifest)
//
// As tables, or as JSON with --json.
//
//===----------------------------------------------------------------------===//

#include "../common/DecryptOptions.h"
#include "../common/Failure.h"
#include "mindshard/Export/Export.h"
#include "mindshard/Inspect/Inspect.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"

using namespace mindshard;

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::cl::OptionCategory category("mindshard-inspect options");
  llvm::cl::opt<std::string> kind(
      llvm::cl::Positional, llvm::cl::Required,
      llvm::cl::desc("<ckpt|strategy|mindir|groups|export>"),
      llvm::cl::cat(category));
  llvm::cl::opt<std::string> path(llvm::cl::Positional, llvm::cl::Required,
                                  llvm::cl::desc("<file>"),
                                  llvm::cl::cat(category));
  llvm::cl::opt<bool> json("json", llvm::cl::desc("Print JSON"),
                           llvm::cl::cat(category));
  llvm::cl::opt<bool> noCrc(
      "no-crc-check",
      llvm::cl::desc("Do not verify a checkpoint's CRC trailer or crc_num"),
      llvm::cl::cat(category));
  llvm::cl::opt<bool> verify(
      "verify",
      llvm::cl::desc("With export: re-read the files and check their "
                     "checksums against the manifest"),
      llvm::cl::cat(category));
  llvm::cl::opt<bool> proto(
      "proto",
      llvm::cl::desc("Print a MindIR file's protobuf text (data elided)"),
      llvm::cl::cat(category));
  llvm::cl::opt<std::string> shapes(
      "shapes",
      llvm::cl::desc("A checkpoint or MindIR file whose tensor shapes give a "
                     "strategy's slice shapes"),
      llvm::cl::value_desc("file"), llvm::cl::cat(category));
  DecryptOptions decrypt(category);
  llvm::cl::HideUnrelatedOptions(category);
  llvm::cl::ParseCommandLineOptions(
      argc, argv,
      "mindshard-inspect: what is in a checkpoint, strategy, "
      "group file or MindIR file\n");

  auto fail = [](llvm::Error error) {
    return reportFailure("mindshard-inspect", std::move(error));
  };
  llvm::Expected<std::optional<DecryptKey>> key = decrypt.resolve();
  if (!key)
    return fail(key.takeError());

  if (kind == "export") {
    if (llvm::Error error = printExport(path, llvm::outs()))
      return fail(std::move(error));
    if (verify)
      if (llvm::Error error = verifyExport(path, llvm::outs()))
        return fail(std::move(error));
    return 0;
  }

  llvm::Expected<llvm::json::Value> report = llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      "unknown kind '" + kind +
          "'; use ckpt, strategy, mindir, groups or export");
  if (kind == "ckpt" || kind == "checkpoint") {
    llvm::consumeError(report.takeError());
    CheckpointReadOptions options;
    options.verifyCrc = !noCrc;
    options.key = *key;
    report = inspectCheckpoint(path, options);
  } else if (kind == "strategy") {
    llvm::consumeError(report.takeError());
    ShapeMap shapeMap;
    if (!shapes.empty()) {
      llvm::Expected<ShapeMap> read = readShapes(shapes, *key);
      if (!read)
        return fail(read.takeError());
      shapeMap = std::move(*read);
    }
    report = inspectStrategy(path, shapeMap);
  } else if (kind == "mindir") {
    llvm::consumeError(report.takeError());
    if (proto) {
      if (llvm::Error error = printMindIRProto(path, *key, llvm::outs()))
        return fail(std::move(error));
      return 0;
    }
    report = inspectMindIR(path, *key);
  } else if (kind == "groups") {
    llvm::consumeError(report.takeError());
    report = inspectGroups(path);
  }
  if (!report)
    return fail(report.takeError());

  if (json)
    llvm::outs() << llvm::formatv("{0:2}", *report) << "\n";
  else
    printReport(*report, llvm::outs());
  return 0;
}
