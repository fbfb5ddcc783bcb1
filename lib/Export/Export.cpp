//===- Export.cpp - the whole export job ----------------------------------===//
//
// Part of mindshard. The steps, in order:
//
//  1. import the network and run the sharding passes (training layouts,
//     predict layouts, partition), writing predict_strategy.ckpt and
//     group_config.pb;
//  2. find the training checkpoints and plan every device's slices, checking
//     the plan against the checkpoints before anything else is written;
//  3. write each device's file, its parameter bytes streamed from the mapped
//     checkpoints, several devices at once;
//  4. write the manifests, and optionally re-read and verify;
//  5. move it all into the output folder, the manifests last.
//
// Until the last step everything is written in a staging folder inside the
// output folder, so that a failure or an interruption leaves the output
// folder as it was: an earlier export there stays whole.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Export/Export.h"

#include "Launch.h"
#include "Manifest.h"
#include "MindIR/MindIR.h"
#include "Staging.h"
#include "mindshard/Export/Progress.h"
#include "mindshard/Formats/Checkpoint.h"
#include "mindshard/Formats/Digest.h"
#include "mindshard/Formats/Strategy.h"
#include "mindshard/Reshard/Copy.h"
#include "mindshard/Target/MindIR.h"
#include "mindshard/Transforms/Passes.h"
#include "mindshard/Transforms/Slices.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Debug.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <thread>

#include <unistd.h>

#define DEBUG_TYPE "mindshard-export"

using namespace mlir;
using namespace mindshard;
using namespace mindshard::mindir;

static llvm::Error exportError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

//===----------------------------------------------------------------------===//
// The process group
//===----------------------------------------------------------------------===//

/// The environment variable `name`, or "".
static std::string getEnv(const char *name) {
  return llvm::sys::Process::GetEnv(name).value_or("");
}

/// The ids that launchers give a launch, the same in all its processes.
static std::string openMpiLaunchId() {
  if (std::string pmix = getEnv("PMIX_NAMESPACE"); !pmix.empty())
    return "pmix-" + pmix;
  if (std::string job = getEnv("OMPI_MCA_ess_base_jobid"); !job.empty())
    return "ompi-" + job;
  return "";
}
static std::string mpichLaunchId() {
  // Hydra gives its processes no id; MPICH built with PMIx has one.
  std::string pmix = getEnv("PMIX_NAMESPACE");
  return pmix.empty() ? "" : "pmix-" + pmix;
}
static std::string slurmLaunchId() {
  std::string job = getEnv("SLURM_JOB_ID");
  return job.empty() ? "" : "slurm-" + job + "." + getEnv("SLURM_STEP_ID");
}
static std::string torchrunLaunchId() {
  // The default rendezvous id, "none", is the same for every launch; a
  // restart after a failure is a launch of its own.
  std::string run = getEnv("TORCHELASTIC_RUN_ID");
  if (run.empty() || run == "none")
    return "";
  return "torchrun-" + run + "." + getEnv("TORCHELASTIC_RESTART_COUNT");
}

llvm::Expected<std::optional<ProcessGroup>>
mindshard::processGroupFromEnvironment() {
  struct Launcher {
    const char *name;
    const char *rank;
    const char *size;
    std::string (*launchId)();
  };
  static const Launcher launchers[] = {
      {"Open MPI", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE",
       openMpiLaunchId},
      {"MPICH", "PMI_RANK", "PMI_SIZE", mpichLaunchId},
      {"Slurm", "SLURM_PROCID", "SLURM_NTASKS", slurmLaunchId},
      {"torchrun", "RANK", "WORLD_SIZE", torchrunLaunchId},
  };
  for (const Launcher &launcher : launchers) {
    std::optional<std::string> rank = llvm::sys::Process::GetEnv(launcher.rank);
    std::optional<std::string> size = llvm::sys::Process::GetEnv(launcher.size);
    if (!rank || !size)
      continue;
    ProcessGroup group;
    group.launcher = launcher.name;
    group.launchId = launcher.launchId();
    if (llvm::StringRef(*rank).getAsInteger(10, group.index) ||
        llvm::StringRef(*size).getAsInteger(10, group.count) ||
        group.count < 1 || group.index < 0 || group.index >= group.count)
      return exportError(llvm::formatv("{0} sets {1}={2} and {3}={4}, which "
                                       "are not a rank and a world size",
                                       launcher.name, launcher.rank, *rank,
                                       launcher.size, *size));
    return group;
  }
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Finding the checkpoints
//===----------------------------------------------------------------------===//

/// The training checkpoints by rank, `ranks` of them.
static llvm::Expected<std::vector<std::string>>
findCheckpoints(const ExportOptions &options, int64_t ranks) {
  std::vector<std::string> paths(ranks);
  if (!options.checkpointPattern.empty()) {
    llvm::StringRef pattern = options.checkpointPattern;
    if (!pattern.contains("{rank}"))
      return exportError("the checkpoint pattern '" + pattern +
                         "' has no {rank}");
    for (int64_t rank = 0; rank < ranks; ++rank) {
      std::string path = pattern.str();
      for (size_t at; (at = path.find("{rank}")) != std::string::npos;)
        path.replace(at, 6, std::to_string(rank));
      paths[rank] = path;
    }
    return paths;
  }
  // A folder of rank_N folders: the newest checkpoint in each.
  llvm::StringRef dir = options.checkpointDir;
  if (!llvm::sys::fs::is_directory(dir))
    return exportError(dir + ": not a folder");
  for (int64_t rank = 0; rank < ranks; ++rank) {
    llvm::SmallString<256> folder(dir);
    llvm::sys::path::append(folder, "rank_" + llvm::Twine(rank));
    std::error_code ec;
    llvm::sys::TimePoint<> newest;
    for (llvm::sys::fs::directory_iterator it(folder, ec), end;
         !ec && it != end; it.increment(ec)) {
      llvm::StringRef name = llvm::sys::path::filename(it->path());
      if (!name.ends_with(".ckpt") && !name.ends_with(".safetensors"))
        continue;
      llvm::sys::fs::file_status status;
      if (llvm::sys::fs::status(it->path(), status))
        continue;
      auto time = status.getLastModificationTime();
      if (paths[rank].empty() || time > newest ||
          (time == newest && it->path() > paths[rank])) {
        paths[rank] = it->path();
        newest = time;
      }
    }
    // A rank without a checkpoint is an error only if a slice needs it;
    // its folder stands for it in messages.
    if (paths[rank].empty())
      paths[rank] = folder.str().str();
  }
  return paths;
}

//===----------------------------------------------------------------------===//
// The passes
//===----------------------------------------------------------------------===//

/// Collects diagnostics: errors into one message, the first
/// `kShownErrors` of them in full and a count of the rest (a network of
/// many layers repeats one mistake in every layer); warnings go to stderr
/// at once, with the errors rather than with the summary.
class DiagnosticCollector {
public:
  static constexpr unsigned kShownErrors = 8;

  explicit DiagnosticCollector(MLIRContext &context)
      : handler(&context, [this](Diagnostic &diagnostic) {
          std::string text;
          llvm::raw_string_ostream os(text);
          // A file position; an op imported from MindIR is named by the
          // message anyway.
          if (printSourceLocation(diagnostic.getLocation(), os))
            os << ": ";
          os << diagnostic;
          for (const Diagnostic &note : diagnostic.getNotes())
            os << "\n  note: " << note;
          if (diagnostic.getSeverity() == DiagnosticSeverity::Error) {
            // One bad file fails every parameter it holds, alike.
            if (!seen.insert(text).second)
              return success();
            if (++errorCount > kShownErrors)
              return success();
            if (!errors.empty())
              errors += "\n";
            errors += text;
          } else if (diagnostic.getSeverity() == DiagnosticSeverity::Warning) {
            llvm::errs() << "warning: " << text << "\n";
          }
          return success();
        }) {}

  llvm::Error take(const llvm::Twine &fallback) {
    std::string message = errors.empty() ? fallback.str() : errors;
    if (errorCount > kShownErrors)
      message += llvm::formatv("\n... and {0} more error(s)",
                               errorCount - kShownErrors);
    errors.clear();
    errorCount = 0;
    seen.clear();
    return exportError(message);
  }

private:
  std::string errors;
  unsigned errorCount = 0;
  llvm::StringSet<> seen;
  ScopedDiagnosticHandler handler;
};

static OwningOpRef<ModuleOp> loadNetwork(const ExportOptions &options,
                                         MLIRContext &context) {
  if (llvm::StringRef(options.network).ends_with(".mlir"))
    return parseSourceFile<ModuleOp>(options.network, &context);
  MindIRImportOptions import;
  import.importWeights = false;
  import.key = options.key;
  return importMindIR(options.network, &context, import);
}

//===----------------------------------------------------------------------===//
// Device files
//===----------------------------------------------------------------------===//

namespace {

/// The module one device program is exported from: the program renamed to
/// the network's graph name and made the main graph, the other programs
/// removed, parameters in the dtype they are written in.
OwningOpRef<ModuleOp> deviceModule(ModuleOp partitioned,
                                   FlatSymbolRefAttr program,
                                   std::optional<DType> castTo) {
  OwningOpRef<ModuleOp> module(partitioned.clone());
  auto programs =
      partitioned->getAttrOfType<ArrayAttr>(MindIRDialect::kDeviceProgramsAttr);
  llvm::StringSet<> others;
  for (Attribute other : programs)
    if (other != program)
      others.insert(cast<FlatSymbolRefAttr>(other).getValue());
  for (func::FuncOp func :
       llvm::make_early_inc_range(module->getOps<func::FuncOp>()))
    if (others.contains(func.getSymName()))
      func.erase();
  auto main = module->lookupSymbol<func::FuncOp>(program);
  // The partitioner removed the single-device graph, so its name is free.
  if (auto name =
          main->getAttrOfType<StringAttr>(MindIRDialect::kGraphNameAttr)) {
    if (failed(SymbolTable::replaceAllSymbolUses(main, name, *module)))
      return nullptr;
    main.setSymName(name.getValue());
  }
  (*module)->removeAttr(MindIRDialect::kDeviceProgramsAttr);
  (*module)->setAttr(MindIRDialect::kMainGraphAttr,
                     FlatSymbolRefAttr::get(main.getSymNameAttr()));

  if (castTo) {
    Type element = getElementType(module->getContext(), *castTo);
    llvm::StringSet<> castNames;
    for (ParameterOp parameter : module->getOps<ParameterOp>()) {
      auto type = dyn_cast<RankedTensorType>(parameter.getType());
      if (!type || !isa<FloatType>(type.getElementType()))
        continue;
      parameter.setType(type.clone(element));
      castNames.insert(parameter.getSymName());
    }
    module->walk([&](GetParameterOp read) {
      if (castNames.contains(read.getName()))
        read.getResult().setType(
            cast<RankedTensorType>(read.getType()).clone(element));
    });
  }
  return module;
}

/// What the export needs of one parameter.
struct ParameterInfo {
  ParameterOp op;
  std::string name;
  /// The dtype in the checkpoints and the dtype written.
  DType sourceDType = DType::Float32;
  DType outputDType = DType::Float32;
  llvm::SmallVector<int64_t, 4> globalShape;
  std::optional<TensorLayout> layout;
};

/// One device's parameter data: its slices, copied from the checkpoints as
/// the writer asks for them, each tensor's CRC-32C recorded.
class DeviceData : public ParameterDataSource {
public:
  /// `order` is the order in which the writer asks for the parameters.
  DeviceData(int64_t rank, const std::map<std::string, ParameterInfo> &infos,
             llvm::ArrayRef<std::string> order,
             TrainingCheckpoints &checkpoints, const CopyOptions &copy,
             Progress &progress, DeviceRecord &record)
      : rank(rank), infos(infos), order(order), checkpoints(checkpoints),
        copy(copy), progress(progress), record(record) {}

  bool provides(llvm::StringRef name) const override {
    auto it = infos.find(name.str());
    return it != infos.end() && getSlicePlan(it->second.op, rank).has_value();
  }
  uint64_t byteSize(llvm::StringRef name) const override {
    const ParameterInfo &info = infos.at(name.str());
    std::optional<SlicePlan> plan = getSlicePlan(info.op, rank);
    return mindshard::byteSize(info.outputDType, product(plan->shape));
  }
  llvm::Error
  write(llvm::StringRef name,
        llvm::function_ref<llvm::Error(llvm::ArrayRef<uint8_t>)> sink) override;

private:
  /// Keeps the kernel reading a window of bytes ahead of the copy, so that
  /// the disk always has requests queued.
  void readAhead(llvm::StringRef current);

  int64_t rank;
  const std::map<std::string, ParameterInfo> &infos;
  llvm::ArrayRef<std::string> order;
  size_t nextToPrefetch = 0;
  uint64_t prefetched = 0;
  uint64_t consumed = 0;
  TrainingCheckpoints &checkpoints;
  const CopyOptions &copy;
  Progress &progress;
  DeviceRecord &record;
};

} // namespace

void DeviceData::readAhead(llvm::StringRef current) {
  constexpr uint64_t window = 256ull << 20;
  while (nextToPrefetch < order.size() &&
         (prefetched < consumed + window || order[nextToPrefetch] == current)) {
    const ParameterInfo &info = infos.at(order[nextToPrefetch++]);
    CopyOptions options = copy;
    options.castTo = info.outputDType;
    if (std::optional<SlicePlan> plan = getSlicePlan(info.op, rank))
      prefetched += prefetchSlice(checkpoints, info.name, info.sourceDType,
                                  *plan, options);
  }
}

llvm::Error DeviceData::write(
    llvm::StringRef name,
    llvm::function_ref<llvm::Error(llvm::ArrayRef<uint8_t>)> sink) {
  const ParameterInfo &info = infos.at(name.str());
  std::optional<SlicePlan> plan = getSlicePlan(info.op, rank);
  readAhead(name);
  TensorRecord tensor;
  tensor.name = name.str();
  tensor.dtype = info.outputDType;
  tensor.shape = plan->shape;
  tensor.globalShape = info.globalShape;
  if (info.layout) {
    tensor.layout = info.layout->standardForm().str();
    if (llvm::Expected<SmallVector<mindshard::Region, 1>> regions =
            info.layout->regions(info.globalShape, rank))
      for (const mindshard::Region &region : *regions)
        tensor.offsets.push_back(region.box.offsets);
    else
      llvm::consumeError(regions.takeError());
  }
  uint32_t crc = 0;
  CopyOptions options = copy;
  options.castTo = info.outputDType;
  if (llvm::Error error =
          copySlice(checkpoints, name, info.sourceDType, *plan, options,
                    [&](llvm::ArrayRef<uint8_t> bytes) {
                      crc = crc32c(crc, bytes);
                      tensor.bytes += bytes.size();
                      progress.add(bytes.size());
                      return sink(bytes);
                    }))
    return error;
  tensor.crc32c = crc;
  consumed += tensor.bytes;
  record.tensors.push_back(std::move(tensor));
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// The job
//===----------------------------------------------------------------------===//

namespace {

class ExportJob {
public:
  ExportJob(MLIRContext &context, const ExportOptions &options,
            llvm::raw_ostream &log)
      : context(context), options(options), log(log), diagnostics(context) {}

  llvm::Expected<ExportSummary> run();

private:
  llvm::Error partition();
  llvm::Error plan();
  llvm::Error writeDevices();
  llvm::Error writeDevice(int64_t rank, DeviceRecord &record);
  llvm::Error writeManifests();
  /// Creates the output folder if need be and this run's staging folder in
  /// it, removing those that killed runs left behind.
  llvm::Error createStaging();
  /// Moves what the staging folder holds into the output folder, and what
  /// it replaces aside, undoing every move if one fails.
  llvm::Error publish();
  /// What publishing moves in: the staged entries, the manifests last, so
  /// that a manifest names only files already in place.
  llvm::Expected<std::vector<std::string>> stagedNames() const;
  /// What it moves out of the output folder: the namesakes of `incoming`,
  /// the manifests they supersede, and what those list under other names
  /// for the devices this run writes (a `_graph.mindir` where a `.mindir`
  /// is now written).
  std::vector<std::string>
  replacedNames(llvm::ArrayRef<std::string> incoming) const;
  /// Where the output file `name` is written: in the staging folder.
  std::string stagedPath(const llvm::Twine &name) const {
    llvm::SmallString<256> path(stagingDir);
    llvm::sys::path::append(path, name);
    return path.str().str();
  }
  /// `path`, a staged file, named relative to the output folder.
  std::string outputName(llvm::StringRef path) const {
    return path.drop_front(stagingDir.size()).ltrim('/').str();
  }
  /// Removes what this run wrote.
  void cleanUp();

  MLIRContext &context;
  const ExportOptions &options;
  llvm::raw_ostream &log;
  DiagnosticCollector diagnostics;

  std::string networkName;
  OwningOpRef<ModuleOp> module;
  int64_t devices = 0;
  int64_t trainRanks = 0;
  std::vector<int64_t> ranks;
  std::unique_ptr<TrainingCheckpoints> checkpoints;
  std::map<std::string, ParameterInfo> parameters;
  /// The planned parameters in module order, the order they are written.
  std::vector<std::string> parameterOrder;
  /// The exportable module of each device program.
  std::map<std::string, OwningOpRef<ModuleOp>> programModules;
  std::map<std::string, std::unique_ptr<MindIRWriter>> writers;
  std::unique_ptr<Progress> progress;

  std::vector<DeviceRecord> records;
  std::vector<FileRecord> sharedFiles;
  /// The manifests this run wrote, staged.
  std::vector<std::string> manifests;
  /// `<output>/.mindshard-staging-<host>-<pid>-XXXXXX`, where this run
  /// writes, and the lock that marks it as this live run's.
  std::string stagingDir;
  int stagingLock = -1;
  /// Where the processes of a launch wait for each other before publishing.
  LaunchBarrier launch;
  /// Left in place for the user: what a failed publish could not move
  /// back, or what failed verification.
  bool keepStaging = false;
  bool createdOutputDir = false;
  std::chrono::steady_clock::time_point start =
      std::chrono::steady_clock::now();
};

} // namespace

llvm::Error ExportJob::partition() {
  module = loadNetwork(options, context);
  if (!module)
    return diagnostics.take("cannot load the network " + options.network);
  networkName = llvm::sys::path::stem(options.network).str();
  if (llvm::StringRef(networkName).ends_with("_graph") &&
      llvm::StringRef(options.network).ends_with(".mindir"))
    networkName.resize(networkName.size() - 6);

  std::string strategyPath = stagedPath("predict_strategy.ckpt");
  std::string groupPath = stagedPath("group_config.pb");
  PassManager pm(&context);
  ShardingPipelineOptions pipeline;
  pipeline.trainStrategyFiles = options.trainStrategies;
  pipeline.devices = options.devices;
  pipeline.predictStrategyFile = options.predictStrategy;
  pipeline.strategyOutput = strategyPath;
  pipeline.groupFile = groupPath;
  buildShardingPipeline(pm, pipeline);
  if (failed(pm.run(*module)))
    return diagnostics.take("the sharding passes failed");
  for (const std::string &path : {strategyPath, groupPath}) {
    FileRecord file;
    file.path = llvm::sys::path::filename(path).str();
    if (llvm::Error error = describeFile(path, file, options.sha256))
      return error;
    sharedFiles.push_back(std::move(file));
  }
  devices = options.devices;
  return llvm::Error::success();
}

llvm::Error ExportJob::plan() {
  // The number of training ranks: the stages times the devices a stage's
  // layouts span.
  auto stagesAttr =
      (*module)->getAttrOfType<IntegerAttr>(MindIRDialect::kTrainStagesAttr);
  int64_t stages = stagesAttr ? stagesAttr.getInt() : 1;
  int64_t perStage = 1;
  for (ParameterOp parameter : module->getOps<ParameterOp>())
    if (LayoutAttr layout = parameter.getTrainLayoutAttr())
      perStage = std::max(perStage, layout.getTensorLayout().deviceCount());
  trainRanks = stages * perStage;

  llvm::Expected<std::vector<std::string>> paths =
      findCheckpoints(options, trainRanks);
  if (!paths)
    return paths.takeError();
  CheckpointReadOptions read;
  read.verifyCrc = options.verifyCrc;
  read.key = options.key;
  read.directReads = options.directReads;
  checkpoints = std::make_unique<TrainingCheckpoints>(std::move(*paths), read);

  // Writing every device reads every training file: index them all at
  // once. A process writing some devices opens only what they need.
  if (static_cast<int64_t>(ranks.size()) == options.devices) {
    std::vector<int64_t> all;
    for (int64_t rank = 0; rank < trainRanks; ++rank)
      all.push_back(rank);
    checkpoints->openAll(all, std::max(options.jobs, 8u));
  }

  AttachSlicesConfig config;
  config.checkRanks = ranks;
  if (failed(attachSlices(*module, *checkpoints, config)))
    return diagnostics.take("planning the slices failed");

  // Each parameter's dtypes, from the checkpoint of its first piece.
  for (ParameterOp parameter : module->getOps<ParameterOp>()) {
    std::optional<SlicePlan> plan = getSlicePlan(parameter, ranks.front());
    if (!plan || plan->pieces.empty())
      continue;
    ParameterInfo &info = parameters[parameter.getSymName().str()];
    parameterOrder.push_back(parameter.getSymName().str());
    info.op = parameter;
    info.name = parameter.getSymName().str();
    llvm::Expected<const Checkpoint *> checkpoint =
        checkpoints->get(plan->pieces.front().sourceRank);
    if (!checkpoint)
      return checkpoint.takeError();
    info.sourceDType = (*checkpoint)->find(info.name)->dtype;
    auto type = cast<RankedTensorType>(parameter.getType());
    info.outputDType =
        getDType(type.getElementType()).value_or(info.sourceDType);
    if (options.castTo && isFloat(info.outputDType))
      info.outputDType = *options.castTo;
    auto global =
        parameter->getAttrOfType<TypeAttr>(MindIRDialect::kGlobalTypeAttr);
    auto globalType = cast<RankedTensorType>(global ? global.getValue() : type);
    info.globalShape.assign(globalType.getShape().begin(),
                            globalType.getShape().end());
    if (LayoutAttr layout = parameter.getPredictLayoutAttr())
      info.layout = layout.getTensorLayout();
  }
  return llvm::Error::success();
}

llvm::Error ExportJob::writeDevice(int64_t rank, DeviceRecord &record) {
  auto programs =
      (*module)->getAttrOfType<ArrayAttr>(MindIRDialect::kDeviceProgramsAttr);
  std::string program =
      cast<FlatSymbolRefAttr>(programs[rank]).getValue().str();
  record.rank = rank;
  record.program = program;
  CopyOptions copy;
  DeviceData data(rank, parameters, parameterOrder, *checkpoints, copy,
                  *progress, record);

  if (options.emit == EmitKind::MindIR) {
    std::string path =
        stagedPath(networkName + "_rank_" + std::to_string(rank) + ".mindir");
    llvm::Expected<MindIRExportResult> result =
        writers.at(program)->write(path, &data);
    if (!result)
      return exportError(llvm::formatv("device {0}: {1}", rank,
                                       llvm::toString(result.takeError())));
    for (size_t i = 0; i < result->files.size(); ++i) {
      FileRecord file;
      llvm::StringRef written = result->files[i];
      file.path = outputName(written);
      file.bytes = result->sizes[i];
      file.crc32c = result->crc32c[i];
      file.sha256 = result->sha256[i];
      record.files.push_back(std::move(file));
    }
    return llvm::Error::success();
  }

  // Checkpoints, laid out as MindSpore's transform_checkpoints writes them.
  std::string folder = stagedPath("rank_" + std::to_string(rank));
  std::string path = folder + "/checkpoint_" + std::to_string(rank) + ".ckpt";
  if (std::error_code ec = llvm::sys::fs::create_directories(folder))
    return exportError(folder + ": cannot create: " + ec.message());
  CheckpointWriter::Options writerOptions;
  writerOptions.sync = options.sync;
  writerOptions.output.direct = options.directWrites;
  writerOptions.output.expectedBytes = 0;
  for (const std::string &name : parameterOrder)
    if (data.provides(name))
      *writerOptions.output.expectedBytes += data.byteSize(name);
  llvm::Expected<std::unique_ptr<CheckpointWriter>> writer =
      CheckpointWriter::create(path, writerOptions);
  if (!writer)
    return writer.takeError();
  if (options.sha256)
    (*writer)->computeSha256();
  for (ParameterOp parameter : module->getOps<ParameterOp>()) {
    llvm::StringRef name = parameter.getSymName();
    if (!data.provides(name))
      continue;
    const ParameterInfo &info = parameters.at(name.str());
    std::optional<SlicePlan> plan = getSlicePlan(parameter, rank);
    if (llvm::Error error =
            (*writer)->beginTensor(name, info.outputDType, plan->shape))
      return error;
    if (llvm::Error error = data.write(name, [&](llvm::ArrayRef<uint8_t> b) {
          return (*writer)->append(b);
        }))
      return error;
    if (llvm::Error error = (*writer)->endTensor())
      return error;
  }
  if (llvm::Error error = (*writer)->commit())
    return error;
  FileRecord file;
  file.path = outputName(path);
  file.bytes = (*writer)->bytesWritten();
  file.crc32c = (*writer)->crc32c();
  file.sha256 = (*writer)->sha256().str();
  record.files.push_back(std::move(file));
  return llvm::Error::success();
}

llvm::Error ExportJob::writeDevices() {
  // One writer per distinct program: its graph is serialized once.
  if (options.emit == EmitKind::MindIR) {
    auto programs =
        (*module)->getAttrOfType<ArrayAttr>(MindIRDialect::kDeviceProgramsAttr);
    for (int64_t rank : ranks) {
      auto program = cast<FlatSymbolRefAttr>(programs[rank]);
      std::string name = program.getValue().str();
      if (writers.count(name))
        continue;
      OwningOpRef<ModuleOp> device =
          deviceModule(*module, program, options.castTo);
      if (!device)
        return diagnostics.take("cannot prepare device program " + name);
      MindIRExportOptions exportOptions;
      exportOptions.targetVersion = options.targetVersion;
      exportOptions.externalDataThreshold = options.externalDataThreshold;
      exportOptions.sync = options.sync;
      exportOptions.sha256 = options.sha256;
      exportOptions.directWrites = options.directWrites;
      FailureOr<std::unique_ptr<MindIRWriter>> writer =
          MindIRWriter::create(*device, exportOptions);
      if (failed(writer))
        return diagnostics.take("cannot serialize device program " + name);
      writers[name] = std::move(*writer);
      programModules[name] = std::move(device);
    }
  }

  uint64_t total = 0;
  for (int64_t rank : ranks)
    for (auto &[name, info] : parameters)
      if (std::optional<SlicePlan> plan = getSlicePlan(info.op, rank))
        total += byteSize(info.outputDType, product(plan->shape));
  progress = std::make_unique<Progress>("exporting", total, options.progress);

  // Devices in parallel, each written by one thread.
  records.resize(ranks.size());
  std::atomic<size_t> next{0};
  std::mutex errorMutex;
  llvm::Error firstError = llvm::Error::success();
  bool failed = false;
  auto worker = [&] {
    while (true) {
      size_t index = next++;
      if (index >= ranks.size())
        return;
      {
        std::lock_guard<std::mutex> lock(errorMutex);
        if (failed)
          return;
      }
      llvm::Error error = writeDevice(ranks[index], records[index]);
      if (error) {
        std::lock_guard<std::mutex> lock(errorMutex);
        if (!failed) {
          failed = true;
          llvm::consumeError(std::move(firstError));
          firstError = std::move(error);
        } else {
          llvm::consumeError(std::move(error));
        }
      }
    }
  };
  unsigned jobs =
      std::max<unsigned>(1, std::min<unsigned>(options.jobs, ranks.size()));
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < jobs; ++i)
    threads.emplace_back(worker);
  worker();
  for (std::thread &thread : threads)
    thread.join();
  progress->finish();
  return firstError;
}

llvm::Error ExportJob::writeManifests() {
  Manifest manifest;
  manifest.network = llvm::sys::path::filename(options.network).str();
  manifest.devices = devices;
  manifest.trainRanks = trainRanks;
  manifest.emit = options.emit == EmitKind::MindIR ? "mindir" : "ckpt";
  manifest.trainStrategies = options.trainStrategies;
  manifest.checkpoints = std::vector<std::string>(
      checkpoints->allPaths().begin(), checkpoints->allPaths().end());
  manifest.shared = sharedFiles;
  manifest.ranks = records;

  // One manifest for the whole export, or, when this process writes only
  // some devices, one per device it writes.
  bool complete = static_cast<int64_t>(ranks.size()) == devices;
  if (complete) {
    std::string path = stagedPath(manifestFileName());
    manifests.push_back(path);
    return writeManifest(path, manifest, options.sync);
  }
  for (const DeviceRecord &record : records) {
    Manifest single = manifest;
    single.ranks = {record};
    std::string path = stagedPath(manifestFileName(record.rank));
    manifests.push_back(path);
    if (llvm::Error error = writeManifest(path, single, options.sync))
      return error;
  }
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Staging and publishing
//===----------------------------------------------------------------------===//

/// Where publishing moves the files an export replaces, until it is done.
static constexpr llvm::StringLiteral kReplacedName = ".replaced";

/// The first component of a path relative to the output folder: what
/// publishing moves (`rank_0/checkpoint_0.ckpt` is moved as `rank_0`).
static std::string topLevelName(llvm::StringRef path) {
  return path.split('/').first.str();
}

llvm::Error ExportJob::createStaging() {
  llvm::StringRef out = options.outputDir;
  if (llvm::sys::fs::exists(out) && !llvm::sys::fs::is_directory(out))
    return exportError(out + ": exists and is not a folder");
  if (!llvm::sys::fs::exists(out)) {
    if (std::error_code ec = llvm::sys::fs::create_directories(out))
      return exportError(out + ": cannot create: " + ec.message());
    createdOutputDir = true;
  }
  if (!llvm::sys::fs::is_directory(out))
    return exportError(out + ": is not a folder (a link to nowhere?)");

  // Launches that are over left their meeting folders; this run's own
  // launch is spared, whether this process takes part in it or not.
  const ProcessGroup &group = options.process;
  removeEndedLaunches(out, group.launchId.empty()
                               ? std::string()
                               : launchFolder(out, group.launchId));

  // Runs that were killed left their staging folders; nobody holds their
  // locks any more. A live run's is its own, a kept one the user's.
  for (const auto &[path, state] : findStagingFolders(out)) {
    if (state != StagingState::Abandoned)
      continue;
    LLVM_DEBUG(llvm::dbgs() << "removing " << path
                            << ", the staging folder of a run that is gone\n");
    llvm::sys::fs::remove_directories(path);
  }

  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0)
    std::strcpy(host, "host");
  // An absolute name: LLVM puts a relative one under the temporary folder.
  llvm::SmallString<256> prefix(out);
  if (std::error_code ec = llvm::sys::fs::make_absolute(prefix))
    return exportError(out + ": " + ec.message());
  llvm::sys::path::append(prefix, llvm::Twine(kStagingPrefix) + host + "-" +
                                      llvm::Twine(::getpid()));
  llvm::SmallString<256> staging;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory(prefix, staging))
    return exportError(out +
                       ": cannot create a staging folder: " + ec.message());
  stagingDir = staging.str().str();

  // No other run ever sees the lock file unlocked.
  stagingLock = createLockedFile(stagedPath(kStagingLockName));
  if (stagingLock < 0)
    return exportError(stagingDir + ": cannot lock: " + std::strerror(errno));
  return llvm::Error::success();
}

llvm::Expected<std::vector<std::string>> ExportJob::stagedNames() const {
  std::vector<std::string> manifestNames, names;
  for (const std::string &path : manifests)
    manifestNames.push_back(llvm::sys::path::filename(path).str());
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(stagingDir, ec), end;
       !ec && it != end; it.increment(ec)) {
    std::string name = llvm::sys::path::filename(it->path()).str();
    if (name != kStagingLockName && !llvm::is_contained(manifestNames, name))
      names.push_back(name);
  }
  if (ec)
    return exportError(stagingDir + ": " + ec.message());
  llvm::sort(names);
  llvm::append_range(names, manifestNames);
  return names;
}

std::vector<std::string>
ExportJob::replacedNames(llvm::ArrayRef<std::string> incoming) const {
  llvm::StringSet<> leaving;
  for (const std::string &name : incoming)
    leaving.insert(name);

  // A full manifest no longer describes the folder, nor does a device's own
  // when this run writes that device or the whole export; what they list
  // for the devices this run writes goes with them.
  bool complete = llvm::is_contained(incoming, manifestFileName());
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(options.outputDir, ec), end;
       !ec && it != end; it.increment(ec)) {
    std::string name = llvm::sys::path::filename(it->path()).str();
    std::optional<int64_t> rank;
    if (!isManifestFileName(name, &rank) ||
        (rank && !complete && !llvm::is_contained(ranks, *rank)))
      continue;
    leaving.insert(name);
    llvm::Expected<Manifest> old = readManifest(it->path());
    if (!old) {
      llvm::consumeError(old.takeError());
      continue;
    }
    for (const DeviceRecord &device : old->ranks) {
      if (!llvm::is_contained(ranks, device.rank))
        continue;
      for (const FileRecord &file : device.files) {
        // Only what an export writes: no folder above, no staging folder.
        std::string top = topLevelName(file.path);
        if (!top.empty() && top != "." && top != ".." &&
            !llvm::StringRef(top).starts_with(kStagingPrefix))
          leaving.insert(top);
      }
    }
  }

  std::vector<std::string> names;
  for (llvm::StringRef name : leaving.keys())
    names.push_back(name.str());
  llvm::sort(names);
  return names;
}

llvm::Error ExportJob::publish() {
  llvm::StringRef out = options.outputDir;
  auto outPath = [&](llvm::StringRef name) {
    return (llvm::Twine(out) + "/" + name).str();
  };
  llvm::Expected<std::vector<std::string>> staged = stagedNames();
  if (!staged)
    return staged.takeError();
  std::vector<std::string> incoming = std::move(*staged);
  std::vector<std::string> outgoing = replacedNames(incoming);

  // Out, then in; on a failure, each move undone in reverse.
  std::string replaced = stagedPath(kReplacedName);
  if (std::error_code ec = llvm::sys::fs::create_directory(replaced))
    return exportError(replaced + ": cannot create: " + ec.message());
  std::vector<std::pair<std::string, std::string>> moves;
  auto move = [&](const std::string &from, const std::string &to) {
    std::error_code ec = llvm::sys::fs::rename(from, to);
    if (!ec)
      moves.emplace_back(from, to);
    return ec;
  };
  auto undo = [&](llvm::Twine why) -> llvm::Error {
    for (auto it = moves.rbegin(); it != moves.rend(); ++it)
      if (llvm::sys::fs::rename(it->second, it->first)) {
        // Kept for the user, and without its lock file, so that no later
        // run takes it for a killed run's and removes it.
        keepStaging = true;
        llvm::sys::fs::remove(stagedPath(kStagingLockName));
        return exportError(why +
                           "; moving the files back failed too: the "
                           "earlier export's files are in " +
                           replaced + ", this run's in " + stagingDir);
      }
    return exportError(why + "; every file was moved back, " + out +
                       " is as it was");
  };
  for (const std::string &name : outgoing) {
    std::string target = outPath(name);
    // Another process of the launch may have moved it first.
    std::error_code ec = move(target, replaced + "/" + name);
    if (ec && ec != std::errc::no_such_file_or_directory)
      return undo(target + ": cannot move aside: " + ec.message());
  }
  for (const std::string &name : incoming)
    if (std::error_code ec = move(stagedPath(name), outPath(name)))
      return undo(outPath(name) + ": cannot move into place: " + ec.message());

  if (options.sync)
    if (llvm::Error error = syncDirectory(out))
      return exportError("the files are in place, but " +
                         llvm::toString(std::move(error)));
  return llvm::Error::success();
}

void ExportJob::cleanUp() {
  if (!stagingDir.empty() && !keepStaging)
    llvm::sys::fs::remove_directories(stagingDir);
  if (stagingLock >= 0) {
    ::close(stagingLock);
    stagingLock = -1;
  }
  stagingDir.clear();
  // A single process's own empty folder; in a launch, another process may
  // be about to write in it.
  if (createdOutputDir && options.process.count <= 1)
    llvm::sys::fs::remove(options.outputDir);
}

llvm::Expected<ExportSummary> ExportJob::run() {
  if (options.devices < 1)
    return exportError("give the number of devices to serve on (--devices)");
  if (options.trainStrategies.empty())
    return exportError("give the training strategy (--train-strategy)");
  if (options.checkpointPattern.empty() == options.checkpointDir.empty())
    return exportError("give the training checkpoints with either "
                       "--checkpoints or --checkpoint-dir");
  if (options.outputDir.empty())
    return exportError("give the output folder (-o)");

  // The devices this process writes.
  if (options.ranks.empty())
    for (int64_t rank = 0; rank < options.devices; ++rank)
      ranks.push_back(rank);
  else
    ranks = options.ranks;
  for (int64_t rank : ranks)
    if (rank < 0 || rank >= options.devices)
      return exportError(llvm::formatv("rank {0} is not one of the {1} devices",
                                       rank, options.devices));
  llvm::erase_if(ranks, [&](int64_t rank) {
    return rank % options.process.count != options.process.index;
  });

  // The processes of a launch that write devices publish together.
  const ProcessGroup &group = options.process;
  if (!options.ranks.empty() && group.count > 1)
    return exportError("give either the devices to write or a launcher's "
                       "process group, not both");
  if (options.launchWait && group.count > 1 && !group.launchId.empty() &&
      !ranks.empty())
    launch.configure(options.outputDir, group.launchId, group.index,
                     std::min<int64_t>(group.count, options.devices),
                     options.launchTimeout);

  auto fail = [&](llvm::Error error) -> llvm::Expected<ExportSummary> {
    std::string message = llvm::toString(std::move(error));
    launch.fail(message);
    cleanUp();
    return exportError(message);
  };
  if (llvm::Error error = createStaging())
    return fail(std::move(error));
  if (launch.configured())
    if (llvm::Error error = launch.join())
      return fail(std::move(error));

  // The time each step takes, for --timings.
  std::vector<std::pair<const char *, double>> steps;
  auto stepDone = [&, last = std::chrono::steady_clock::now()](
                      const char *name) mutable {
    auto now = std::chrono::steady_clock::now();
    steps.emplace_back(name, std::chrono::duration<double>(now - last).count());
    last = now;
  };

  if (llvm::Error error = partition())
    return fail(std::move(error));
  stepDone("network, passes, predict strategy");
  if (ranks.empty()) {
    // The processes that write devices write the shared files too.
    cleanUp();
    log << llvm::formatv("process {0} of {1} has no device to write\n",
                         options.process.index, options.process.count);
    ExportSummary summary;
    summary.devices = devices;
    return summary;
  }
  if (llvm::Error error = plan())
    return fail(std::move(error));
  stepDone("checkpoints indexed, slices planned");
  if (llvm::Error error = writeDevices())
    return fail(std::move(error));
  stepDone("device files written");
  if (llvm::Error error = writeManifests())
    return fail(std::move(error));
  stepDone("manifest written");

  ExportSummary summary;
  summary.devices = devices;
  summary.trainRanks = trainRanks;
  summary.ranksWritten = ranks;
  for (const FileRecord &file : sharedFiles)
    summary.files.push_back(file.path);
  for (const DeviceRecord &record : records)
    for (const FileRecord &file : record.files) {
      summary.files.push_back(file.path);
      summary.bytesWritten += file.bytes;
    }
  summary.bytesRead = checkpoints->bytesRead();
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();

  log << llvm::formatv("{0} -> {1}: {2} device(s) from {3} training rank(s)\n",
                       options.network, options.outputDir, devices, trainRanks);
  // Each device's first file (the graph, where weights are external), the
  // bytes of all its files, and how much of that is weights.
  for (const DeviceRecord &record : records) {
    uint64_t fileBytes = 0, weightBytes = 0;
    for (const FileRecord &file : record.files)
      fileBytes += file.bytes;
    for (const TensorRecord &tensor : record.tensors)
      weightBytes += tensor.bytes;
    std::string files = record.files.front().path;
    if (record.files.size() > 1)
      files += llvm::formatv(" (+{0} file{1})", record.files.size() - 1,
                             record.files.size() > 2 ? "s" : "")
                   .str();
    log << llvm::formatv(
        "  device {0,-3} {1,-40} {2,10}  {3} parameters, {4} of weights\n",
        record.rank, files, formatBytes(fileBytes), record.tensors.size(),
        formatBytes(weightBytes));
  }
  log << llvm::formatv(
      "wrote {0} file(s), {1} in {2:f2} s ({3}/s); read {4} of checkpoints\n",
      summary.files.size() + manifests.size(),
      formatBytes(summary.bytesWritten), summary.seconds,
      formatBytes(
          uint64_t(summary.bytesWritten / std::max(summary.seconds, 1e-9))),
      formatBytes(summary.bytesRead));

  // Verified where they were written, before they replace anything; what
  // fails stays there to be looked at (the next run removes it).
  if (options.verify) {
    if (llvm::Error error = verifyExport(stagingDir, log, manifests)) {
      launch.fail("its files failed verification");
      keepStaging = true;
      std::string kept = stagingDir;
      cleanUp();
      return exportError(llvm::toString(std::move(error)) +
                         "\nnothing was moved into " + options.outputDir +
                         "; the files written are kept in " + kept);
    }
    stepDone("verified");
  }
  if (launch.joined()) {
    if (llvm::Error error = launch.arriveAndWait(log))
      return fail(std::move(error));
    stepDone("waited for the other processes");
  }
  if (llvm::Error error = publish())
    return fail(std::move(error));
  cleanUp();
  stepDone("moved into place");
  if (options.timings)
    for (auto [name, seconds] : steps)
      log << llvm::formatv("  {0,7:f3} s  {1}\n", seconds, name);
  return summary;
}

llvm::Expected<ExportSummary> mindshard::runExport(MLIRContext &context,
                                                   const ExportOptions &options,
                                                   llvm::raw_ostream &log) {
  context.loadDialect<MindIRDialect, func::FuncDialect>();
  // Messages name the parameter; the op's text would only repeat it.
  context.printOpOnDiagnostic(false);
  ExportJob job(context, options, log);
  return job.run();
}
