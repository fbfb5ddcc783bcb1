//===- mindshard-run.cpp - the reference executor -------------------------===//
//
// Part of mindshard. Runs networks on the CPU in float32 and compares their
// outputs:
//
//   mindshard-run net.mindir --input x.npy --compare y.npy
//       one network on one device;
//   mindshard-run net_rank_0.mindir ... net_rank_3.mindir
//       --group-file group_config.pb --input x.npy --reference net.mindir
//       the per-device networks together, one thread per device, their
//       collectives carried out between the threads; every device's outputs
//       compared with the single-device network's;
//   mindshard-run partitioned.mlir --weights full.ckpt ...
//       every device program of a partitioned module, each reading its slice
//       of the whole weights.
//
//===----------------------------------------------------------------------===//

#include "../common/DecryptOptions.h"
#include "../common/Failure.h"
#include "MindIR/MindIR.h"
#include "mindshard/Formats/Checkpoint.h"
#include "mindshard/Formats/Strategy.h"
#include "mindshard/Layout/TensorLayout.h"
#include "mindshard/Runtime/Interpreter.h"
#include "mindshard/Runtime/Parameters.h"
#include "mindshard/Target/MindIR.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Regex.h"

using namespace mindshard;
namespace cl = llvm::cl;

static cl::OptionCategory category("mindshard-run options");
static cl::list<std::string>
    networks(cl::Positional, cl::OneOrMore,
             cl::desc("<network.mindir|network.mlir> [<device network>...]"),
             cl::cat(category));
static cl::list<std::string> inputs(
    "input",
    cl::desc("An input of the graph, in order: FILE.npy, or a raw "
             "little-endian FILE (the graph's input type) or FILE:DIMS:DTYPE "
             "(e.g. x.bin:16x256:float32)"),
    cl::value_desc("spec"), cl::cat(category));
static cl::list<std::string> compares(
    "compare",
    cl::desc("The expected value of an output, in order (spec as for "
             "--input; raw files default to the output's shape and dtype)"),
    cl::value_desc("spec"), cl::cat(category));
static cl::opt<double> relativeTolerance("rtol", cl::desc("Relative tolerance"),
                                         cl::init(1e-5), cl::cat(category));
static cl::opt<double> absoluteTolerance("atol", cl::desc("Absolute tolerance"),
                                         cl::init(1e-6), cl::cat(category));
static cl::opt<std::string>
    reference("reference",
              cl::desc("The single-device network: run it on the same inputs "
                       "and compare every device's outputs with its outputs"),
              cl::value_desc("file"), cl::cat(category));
static cl::opt<std::string> weights(
    "weights",
    cl::desc("A checkpoint of whole tensors for the parameters without data "
             "of their own (device programs read their slices of them)"),
    cl::value_desc("ckpt"), cl::cat(category));
static cl::opt<std::string>
    groupFile("group-file",
              cl::desc("The ranks of the communication groups, for "
                       "collectives that do not list them"),
              cl::value_desc("group_config.pb"), cl::cat(category));
static cl::opt<std::string>
    outputDir("output-dir",
              cl::desc("Write the outputs there as .npy (output_<i>.npy, "
                       "and rank_<r>/output_<i>.npy per device)"),
              cl::value_desc("dir"), cl::cat(category));
static cl::opt<unsigned>
    timeout("timeout",
            cl::desc("Seconds a device waits for its group at a collective"),
            cl::init(60), cl::cat(category));

static llvm::Error runError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Reads a tensor named by `spec`: FILE.npy, FILE:DIMS:DTYPE, or a raw FILE
/// of `type` when given.
static llvm::Expected<HostTensor> readTensor(llvm::StringRef spec,
                                             mlir::Type type) {
  if (spec.ends_with(".npy"))
    return readNpy(spec);
  llvm::SmallVector<llvm::StringRef, 3> parts;
  spec.split(parts, ':');
  if (parts.size() == 3) {
    std::optional<DType> dtype = parseCheckpointName(parts[2]);
    if (!dtype)
      for (llvm::StringRef name :
           {"Float16", "Float32", "Float64", "BFloat16", "Int8", "Int16",
            "Int32", "Int64", "UInt8", "Bool"})
        if (parts[2].equals_insensitive(name))
          dtype = parseCheckpointName(name);
    if (!dtype)
      return runError("unknown dtype '" + parts[2] + "' in '" + spec + "'");
    llvm::SmallVector<int64_t, 4> shape;
    llvm::SmallVector<llvm::StringRef, 4> dims;
    if (!parts[1].empty())
      parts[1].split(dims, 'x');
    for (llvm::StringRef dim : dims) {
      int64_t extent;
      if (dim.getAsInteger(10, extent) || extent < 0)
        return runError("bad shape '" + parts[1] + "' in '" + spec +
                        "'; write it as 16x256");
      shape.push_back(extent);
    }
    return readRaw(parts[0], *dtype, shape);
  }
  auto tensorType = llvm::dyn_cast_or_null<mlir::RankedTensorType>(type);
  std::optional<DType> dtype =
      tensorType ? getDType(tensorType.getElementType()) : std::nullopt;
  if (!dtype)
    return runError("'" + spec +
                    "' is raw data of unknown shape; write FILE:DIMS:DTYPE");
  return readRaw(spec, *dtype, tensorType.getShape());
}

/// Loads a network: MindIR by default, the dialect's text for .mlir.
static mlir::OwningOpRef<mlir::ModuleOp>
loadNetwork(llvm::StringRef path, mlir::MLIRContext &context,
            const std::optional<DecryptKey> &key) {
  if (path.ends_with(".mlir"))
    return mlir::parseSourceFile<mlir::ModuleOp>(path, &context);
  MindIRImportOptions options;
  options.key = key;
  return importMindIR(path, &context, options);
}

/// The graphs to run: the device programs of a partitioned module, else its
/// main graph.
static llvm::Expected<llvm::SmallVector<mlir::func::FuncOp>>
graphsOf(mlir::ModuleOp module, llvm::StringRef path) {
  using namespace mindshard::mindir;
  llvm::SmallVector<mlir::func::FuncOp> graphs;
  auto lookup = [&](mlir::Attribute symbol) {
    auto ref = llvm::dyn_cast_or_null<mlir::FlatSymbolRefAttr>(symbol);
    return ref ? module.lookupSymbol<mlir::func::FuncOp>(ref) : nullptr;
  };
  if (auto programs = module->getAttrOfType<mlir::ArrayAttr>(
          MindIRDialect::kDeviceProgramsAttr)) {
    for (mlir::Attribute program : programs) {
      graphs.push_back(lookup(program));
      if (!graphs.back())
        return runError(path + ": a device program is missing");
    }
    return graphs;
  }
  mlir::func::FuncOp main =
      lookup(module->getAttr(MindIRDialect::kMainGraphAttr));
  if (!main) {
    auto functions = module.getOps<mlir::func::FuncOp>();
    if (!functions.empty())
      main = *functions.begin();
  }
  if (!main)
    return runError(path + ": no graph to run");
  graphs.push_back(main);
  return graphs;
}

/// Orders per-device files by the `_rank_<r>` in their names when they all
/// have one.
static llvm::Expected<std::vector<std::string>>
orderByRank(llvm::ArrayRef<std::string> files) {
  llvm::Regex pattern("_rank_([0-9]+)(_graph)?\\.(mindir|mlir)$");
  std::vector<std::string> ordered(files.size());
  for (const std::string &file : files) {
    llvm::SmallVector<llvm::StringRef, 4> match;
    unsigned rank;
    if (!pattern.match(file, &match) || match[1].getAsInteger(10, rank))
      return std::vector<std::string>(files.begin(), files.end());
    if (rank >= files.size())
      return runError(llvm::formatv(
          "'{0}' is rank {1}, but only {2} device files are given", file, rank,
          files.size()));
    if (!ordered[rank].empty())
      return runError(llvm::formatv("'{0}' and '{1}' are both rank {2}",
                                    ordered[rank], file, rank));
    ordered[rank] = file;
  }
  return ordered;
}

static std::string describe(const HostTensor &tensor) {
  return formatList(tensor.shape) + " " +
         getCheckpointName(tensor.dtype).lower();
}

static llvm::Error writeOutputs(llvm::StringRef dir,
                                llvm::ArrayRef<HostTensor> outputs) {
  if (std::error_code error = llvm::sys::fs::create_directories(dir))
    return runError(dir + ": " + error.message());
  for (auto [i, output] : llvm::enumerate(outputs)) {
    llvm::SmallString<128> path(dir);
    llvm::sys::path::append(path, "output_" + llvm::Twine(i) + ".npy");
    if (llvm::Error error = writeNpy(path, output))
      return error;
  }
  return llvm::Error::success();
}

/// Prints how far `actual` is from `expected`; false past the tolerance.
static llvm::Expected<bool> report(const llvm::Twine &what,
                                   const HostTensor &actual,
                                   const HostTensor &expected) {
  llvm::Expected<Comparison> comparison =
      compare(actual, expected, relativeTolerance, absoluteTolerance);
  if (!comparison)
    return runError(what + ": " + llvm::toString(comparison.takeError()));
  std::string label = what.str();
  bool ok = comparison->mismatches == 0;
  llvm::outs() << llvm::formatv("  {0,-34} {1}  max abs {2:e2}  max rel {3:e2}",
                                label, ok ? "match" : "DIFFER",
                                comparison->maxAbsolute,
                                comparison->maxRelative);
  if (!ok)
    llvm::outs() << llvm::format(
        "  (%lld of %lld elements past rtol %g atol %g; worst at flat index "
        "%lld)",
        static_cast<long long>(comparison->mismatches),
        static_cast<long long>(expected.numElements()),
        relativeTolerance.getValue(), absoluteTolerance.getValue(),
        static_cast<long long>(comparison->worstIndex));
  llvm::outs() << "\n";
  return ok;
}

static llvm::Expected<bool> run(mlir::MLIRContext &context,
                                const std::optional<DecryptKey> &key) {
  CheckpointReadOptions readOptions;
  readOptions.key = key;
  std::unique_ptr<Checkpoint> checkpoint;
  if (!weights.empty()) {
    llvm::Expected<std::unique_ptr<Checkpoint>> opened =
        Checkpoint::open(weights, readOptions);
    if (!opened)
      return opened.takeError();
    checkpoint = std::move(*opened);
  }
  GroupRanks groups;
  if (!groupFile.empty()) {
    llvm::Expected<GroupFile> file = readGroupFile(groupFile);
    if (!file)
      return file.takeError();
    for (const CommunicationGroup &group : file->groups)
      groups[group.name].assign(group.ranks.begin(), group.ranks.end());
  }

  // The networks and the graph each device runs.
  llvm::Expected<std::vector<std::string>> files = orderByRank(networks);
  if (!files)
    return files.takeError();
  std::vector<mlir::OwningOpRef<mlir::ModuleOp>> modules;
  llvm::SmallVector<mlir::func::FuncOp> programs;
  std::vector<mlir::ModuleOp> programModule;
  for (const std::string &file : *files) {
    modules.push_back(loadNetwork(file, context, key));
    if (!modules.back())
      return runError("cannot load '" + file + "'");
    llvm::Expected<llvm::SmallVector<mlir::func::FuncOp>> graphs =
        graphsOf(*modules.back(), file);
    if (!graphs)
      return graphs.takeError();
    if (files->size() > 1 && graphs->size() > 1)
      return runError("'" + file +
                      "' holds several device programs; give it alone");
    for (mlir::func::FuncOp graph : *graphs) {
      programs.push_back(graph);
      programModule.push_back(*modules.back());
    }
  }

  // The inputs, read in the first graph's input types.
  mlir::func::FuncOp first = programs.front();
  if (inputs.size() != first.getNumArguments())
    return runError(llvm::formatv("the graph takes {0} inputs, {1} given",
                                  first.getNumArguments(), inputs.size()));
  std::vector<HostTensor> values;
  for (auto [spec, type] : llvm::zip(inputs, first.getArgumentTypes())) {
    llvm::Expected<HostTensor> value = readTensor(spec, type);
    if (!value)
      return value.takeError();
    values.push_back(std::move(*value));
  }

  // Run the devices.
  std::vector<std::unique_ptr<NetworkParameters>> parameters;
  llvm::SmallVector<ParameterValues *> parameterPointers;
  for (auto [rank, module] : llvm::enumerate(programModule)) {
    parameters.push_back(
        std::make_unique<NetworkParameters>(module, rank, checkpoint.get()));
    parameterPointers.push_back(parameters.back().get());
  }
  llvm::Expected<std::vector<std::vector<HostTensor>>> outputs =
      runDevices(programs, values, parameterPointers, &groups,
                 std::chrono::seconds(timeout));
  if (!outputs)
    return outputs.takeError();
  size_t devices = outputs->size();
  llvm::outs() << llvm::formatv("ran {0} on {1} device{2}\n",
                                files->size() == 1 ? files->front()
                                                   : files->front() + " ...",
                                devices, devices == 1 ? "" : "s");

  // The reference.
  std::vector<HostTensor> referenceOutputs;
  if (!reference.empty()) {
    mlir::OwningOpRef<mlir::ModuleOp> module =
        loadNetwork(reference, context, key);
    if (!module)
      return runError("cannot load '" + reference + "'");
    llvm::Expected<llvm::SmallVector<mlir::func::FuncOp>> graphs =
        graphsOf(*module, reference);
    if (!graphs)
      return graphs.takeError();
    if (graphs->size() != 1)
      return runError("the reference '" + reference +
                      "' is partitioned; give the single-device network");
    NetworkParameters referenceParameters(*module, 0, checkpoint.get());
    RunOptions options;
    options.parameters = &referenceParameters;
    llvm::Expected<std::vector<HostTensor>> result =
        runGraph(graphs->front(), values, options);
    if (!result)
      return result.takeError();
    referenceOutputs = std::move(*result);
    llvm::outs() << "ran the reference " << reference << "\n";
  }

  if (!outputDir.empty()) {
    for (size_t rank = 0; rank < devices; ++rank) {
      llvm::SmallString<128> dir(outputDir);
      if (devices > 1)
        llvm::sys::path::append(dir, "rank_" + llvm::Twine(rank));
      if (llvm::Error error = writeOutputs(dir, (*outputs)[rank]))
        return std::move(error);
    }
    if (!referenceOutputs.empty()) {
      llvm::SmallString<128> dir(outputDir);
      llvm::sys::path::append(dir, "reference");
      if (llvm::Error error = writeOutputs(dir, referenceOutputs))
        return std::move(error);
    }
  }

  // Compare.
  bool ok = true;
  std::vector<HostTensor> &firstOutputs = outputs->front();
  for (auto [i, output] : llvm::enumerate(firstOutputs)) {
    llvm::outs() << llvm::formatv("output {0}: {1}\n", i, describe(output));
    for (size_t rank = 0; rank < devices; ++rank) {
      if ((*outputs)[rank].size() != firstOutputs.size())
        return runError(
            llvm::formatv("device {0} gives {1} outputs, device 0 gives {2}",
                          rank, (*outputs)[rank].size(), firstOutputs.size()));
      std::string device =
          devices == 1 ? std::string() : llvm::formatv("device {0} ", rank);
      if (i < referenceOutputs.size()) {
        llvm::Expected<bool> same =
            report(device + "vs the reference", (*outputs)[rank][i],
                   referenceOutputs[i]);
        if (!same)
          return same.takeError();
        ok &= *same;
      }
      if (i < compares.size()) {
        llvm::Expected<HostTensor> expected = readTensor(
            compares[i],
            mlir::RankedTensorType::get(
                output.shape, getElementType(&context, output.dtype)));
        if (!expected)
          return expected.takeError();
        llvm::Expected<bool> same =
            report(device + "vs " +
                       llvm::sys::path::filename(
                           llvm::StringRef(compares[i]).split(':').first),
                   (*outputs)[rank][i], *expected);
        if (!same)
          return same.takeError();
        ok &= *same;
      }
    }
  }
  if (!referenceOutputs.empty() &&
      referenceOutputs.size() != firstOutputs.size())
    return runError(
        llvm::formatv("the devices give {0} outputs, the reference gives {1}",
                      firstOutputs.size(), referenceOutputs.size()));
  if (compares.size() > firstOutputs.size())
    return runError(llvm::formatv("{0} --compare files for {1} outputs",
                                  compares.size(), firstOutputs.size()));
  return ok;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  DecryptOptions decrypt(category);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "mindshard-run: run a network, or its per-device networks together, "
      "on the CPU and compare the outputs\n");

  mlir::MLIRContext context;
  context
      .loadDialect<mindshard::mindir::MindIRDialect, mlir::func::FuncDialect>();
  auto fail = [](llvm::Error error) {
    return reportFailure("mindshard-run", std::move(error));
  };
  llvm::Expected<std::optional<DecryptKey>> key = decrypt.resolve();
  if (!key)
    return fail(key.takeError());
  llvm::Expected<bool> ok = run(context, *key);
  if (!ok)
    return fail(ok.takeError());
  if (!*ok)
    return fail(llvm::createStringError(llvm::inconvertibleErrorCode(),
                                        "outputs differ past the tolerance"));
  return 0;
}
