//===- mindshard-export.cpp - the whole export in one command -------------===//
//
// Part of mindshard. From a MindSpore training run (the single-device
// network, the training strategy and one checkpoint per training rank)
// writes one MindIR file per serving device:
//
//   mindshard-export --network net.mindir --train-strategy strategy.ckpt
//       --checkpoints 'ckpt/rank_{rank}/checkpoint_{rank}.ckpt'
//       --devices 4 -o out
//
// On one machine for every device, or one process per device (or group of
// devices) under Open MPI, MPICH, Slurm or torchrun, each process reading
// only the bytes its devices need.
//
//===----------------------------------------------------------------------===//

#include "../common/DecryptOptions.h"
#include "../common/Failure.h"
#include "mindshard/Export/Export.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Process.h"

#include <thread>

using namespace mindshard;
namespace cl = llvm::cl;

static cl::OptionCategory category("mindshard-export options");
static cl::opt<std::string>
    network("network",
            cl::desc("The single-device network (.mindir, or .mlir in the "
                     "mindir dialect)"),
            cl::value_desc("file"), cl::Required, cl::cat(category));
static cl::list<std::string> trainStrategies(
    "train-strategy",
    cl::desc("The training strategy file (.ckpt or .json); one per pipeline "
             "stage, in stage order, when they are separate"),
    cl::value_desc("file"), cl::OneOrMore, cl::CommaSeparated,
    cl::cat(category));
static cl::opt<std::string> checkpoints(
    "checkpoints",
    cl::desc("The training checkpoints, {rank} standing for the rank "
             "(e.g. 'ckpt/rank_{rank}/checkpoint_{rank}.ckpt')"),
    cl::value_desc("pattern"), cl::cat(category));
static cl::opt<std::string> checkpointDir(
    "checkpoint-dir",
    cl::desc("A folder of rank_N folders; the newest .ckpt or .safetensors "
             "in each is taken"),
    cl::value_desc("dir"), cl::cat(category));
static cl::opt<int64_t> devices("devices",
                                cl::desc("The number of serving devices (M)"),
                                cl::Required, cl::cat(category));
static cl::opt<std::string> predictStrategy(
    "predict-strategy",
    cl::desc("Op strategies for serving, preferred over the training "
             "strategy's"),
    cl::value_desc("file"), cl::cat(category));
static cl::opt<int64_t> rank("rank", cl::desc("Write only this device"),
                             cl::init(-1), cl::cat(category));
static cl::opt<std::string>
    rankRange("ranks", cl::desc("Write only these devices (e.g. 0-3)"),
              cl::value_desc("A-B"), cl::cat(category));
static cl::opt<bool> ignoreEnvironment(
    "no-launcher",
    cl::desc("Ignore the rank and world size an MPI, Slurm or torchrun "
             "launcher sets"),
    cl::cat(category));
static cl::opt<std::string> launchId(
    "launch-id",
    cl::desc("What tells this launch from others, for a launcher that "
             "gives none: its processes move their files into place only "
             "once all have written theirs"),
    cl::value_desc("id"), cl::cat(category));
static cl::opt<unsigned> launchTimeout(
    "launch-timeout",
    cl::desc("Seconds to wait for the other processes of a launch to start "
             "(default 300)"),
    cl::init(300), cl::cat(category));
static cl::opt<bool> noLaunchWait(
    "no-launch-wait",
    cl::desc("Each process of a launch moves its files into place when it "
             "is done, without waiting for the others (for output folders "
             "they do not share)"),
    cl::cat(category));
static cl::opt<unsigned>
    jobs("j", cl::desc("Devices written at once (default: 4, or 1 per core)"),
         cl::init(0), cl::cat(category));
static cl::opt<bool>
    progress("progress",
             cl::desc("Show progress on stderr (the default on a terminal, "
                      "for the first process of a launch)"),
             cl::cat(category));
static cl::opt<bool> timings("timings",
                             cl::desc("Print the time each step took"),
                             cl::cat(category));
static cl::opt<bool> noProgress("no-progress", cl::desc("Never show progress"),
                                cl::cat(category));
static cl::opt<bool>
    verify("verify",
           cl::desc("Re-read what was written and check it against the "
                    "manifest"),
           cl::cat(category));
static cl::opt<bool>
    sha256("sha256",
           cl::desc("Record each file's SHA-256 in the manifest too (what "
                    "sha256sum prints; every file's CRC-32C always is)"),
           cl::cat(category));
static cl::opt<std::string>
    emit("emit",
         cl::desc("What to write per device: mindir (default) or ckpt (the "
                  "predict slices as MindSpore checkpoints)"),
         cl::init("mindir"), cl::cat(category));
static cl::opt<std::string>
    cast("cast", cl::desc("Convert floating-point weights: fp32, fp16 or bf16"),
         cl::cat(category));
static cl::opt<std::string> targetVersion(
    "mindir-target-version",
    cl::desc("The MindSpore version the files are for (2.2: attributes, "
             "2.3 on: init arguments as inputs)"),
    cl::cat(category));
static cl::opt<uint64_t> externalData(
    "external-data-threshold",
    cl::desc("Per-device weights past this many bytes go to "
             "<name>_variables/data_0 beside <name>_graph.mindir, as "
             "MindSpore writes them past 1 GiB"),
    cl::init(1ull << 30), cl::value_desc("bytes"), cl::cat(category));
static cl::opt<bool> noSync(
    "no-sync",
    cl::desc("Do not sync the files to disk before moving them into place"),
    cl::cat(category));
static cl::opt<bool> bufferedIO(
    "buffered-io",
    cl::desc("Read everything through the page cache (by default large "
             "slices bypass it where the file system allows)"),
    cl::cat(category));
static cl::opt<bool> directWrites(
    "direct-writes",
    cl::desc("Write large files past the page cache too (O_DIRECT, one "
             "request in flight per file)"),
    cl::cat(category));
static cl::opt<bool>
    noCrc("no-crc-check",
          cl::desc("Do not verify the checkpoints' CRC trailers"),
          cl::cat(category));
static cl::opt<std::string> output("o", cl::desc("The output folder"),
                                   cl::value_desc("dir"), cl::Required,
                                   cl::cat(category));

static llvm::Error optionError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

static llvm::Expected<ExportOptions> buildOptions() {
  ExportOptions options;
  options.network = network;
  options.trainStrategies.assign(trainStrategies.begin(),
                                 trainStrategies.end());
  options.checkpointPattern = checkpoints;
  options.checkpointDir = checkpointDir;
  options.devices = devices;
  options.predictStrategy = predictStrategy;
  options.outputDir = output;
  options.verify = verify;
  options.timings = timings;
  options.sha256 = sha256;
  options.sync = !noSync;
  if (bufferedIO && directWrites)
    return optionError("--buffered-io and --direct-writes ask for opposite "
                       "routes; give one of them");
  options.directReads = !bufferedIO;
  options.directWrites = directWrites;
  options.verifyCrc = !noCrc;
  options.targetVersion = targetVersion;
  options.externalDataThreshold = externalData;

  if (rank >= 0)
    options.ranks.push_back(rank);
  if (!rankRange.empty()) {
    auto [first, last] = llvm::StringRef(rankRange).split('-');
    int64_t a, b;
    if (first.getAsInteger(10, a) || last.getAsInteger(10, b) || a > b)
      return optionError("--ranks takes A-B, got '" + rankRange + "'");
    for (int64_t r = a; r <= b; ++r)
      options.ranks.push_back(r);
  }
  if (!ignoreEnvironment && options.ranks.empty()) {
    llvm::Expected<std::optional<ProcessGroup>> group =
        processGroupFromEnvironment();
    if (!group)
      return group.takeError();
    if (*group)
      options.process = **group;
  }
  if (!launchId.empty())
    options.process.launchId = launchId;
  options.launchWait = !noLaunchWait;
  if (launchTimeout == 0)
    return optionError("--launch-timeout takes 1 second or more");
  options.launchTimeout = std::chrono::seconds(launchTimeout);
  if (options.launchWait && options.process.count > 1 &&
      options.process.launchId.empty() && options.process.index == 0)
    llvm::errs() << "mindshard-export: warning: " << options.process.launcher
                 << " gives no launch id, so each process moves its files "
                    "into place when it is done, whatever the others do; "
                    "give --launch-id to have them wait for each other\n";

  if (emit == "ckpt")
    options.emit = EmitKind::Checkpoint;
  else if (emit != "mindir")
    return optionError("--emit takes mindir or ckpt, got '" + emit + "'");
  if (!cast.empty()) {
    if (cast == "fp32")
      options.castTo = DType::Float32;
    else if (cast == "fp16")
      options.castTo = DType::Float16;
    else if (cast == "bf16")
      options.castTo = DType::BFloat16;
    else
      return optionError("--cast takes fp32, fp16 or bf16, got '" + cast + "'");
  }
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  options.jobs = jobs ? jobs : std::max(4u, cores);
  // The processes of one launch share a terminal: by default only the
  // first draws its bar there.
  bool firstProcess = options.process.index == 0;
  options.progress =
      !noProgress &&
      (progress ||
       (firstProcess && llvm::sys::Process::StandardErrIsDisplayed()));
  return options;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  DecryptOptions decrypt(category);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "mindshard-export: one MindIR file per serving device, from a "
      "MindSpore training run\n");
  auto fail = [](llvm::Error error) {
    return reportFailure("mindshard-export", std::move(error));
  };

  llvm::Expected<ExportOptions> options = buildOptions();
  if (!options)
    return fail(options.takeError());
  llvm::Expected<std::optional<DecryptKey>> key = decrypt.resolve();
  if (!key)
    return fail(key.takeError());
  options->key = *key;

  mlir::MLIRContext context;
  context.disableMultithreading();
  // The report goes out in one write: processes of one launch share the
  // launcher's output, a terminal to each of them (so unbuffered), and
  // their lines must not interleave.
  std::string report;
  llvm::raw_string_ostream reportStream(report);
  llvm::Expected<ExportSummary> summary =
      runExport(context, *options, reportStream);
  llvm::outs() << report;
  llvm::outs().flush();
  if (!summary)
    return fail(summary.takeError());
  return 0;
}
