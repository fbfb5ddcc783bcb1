//===- Interpreter.h - the reference executor -------------------*- C++ -*-===//
//
// Part of mindshard. Runs a network in the `mindir` dialect on the CPU in
// float32: the single-device network, or the M per-device networks at once,
// one thread per device, their collectives carried out between the threads.
// It exists to prove an export: the devices together must compute what the
// single device computes.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_RUNTIME_INTERPRETER_H
#define MINDSHARD_RUNTIME_INTERPRETER_H

#include "mindshard/Runtime/HostTensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

namespace mindshard {

/// The collectives of devices run as threads of one process: each device's
/// call waits for the other members of the group to make theirs (the n-th
/// call on a group meets the n-th calls of the other members), then each
/// gets its result.
class Collectives {
public:
  /// `devices` ranks take part, 0 to devices - 1.
  explicit Collectives(int64_t devices, std::chrono::milliseconds timeout =
                                            std::chrono::seconds(60))
      : devices(devices), timeout(timeout) {}

  llvm::Expected<HostTensor> allReduce(int64_t rank, llvm::StringRef group,
                                       llvm::ArrayRef<int64_t> ranks,
                                       llvm::StringRef reduction,
                                       const HostTensor &input);
  llvm::Expected<HostTensor> allGather(int64_t rank, llvm::StringRef group,
                                       llvm::ArrayRef<int64_t> ranks,
                                       const HostTensor &input);
  llvm::Expected<HostTensor> reduceScatter(int64_t rank, llvm::StringRef group,
                                           llvm::ArrayRef<int64_t> ranks,
                                           llvm::StringRef reduction,
                                           const HostTensor &input);
  llvm::Expected<HostTensor> allToAll(int64_t rank, llvm::StringRef group,
                                      llvm::ArrayRef<int64_t> ranks,
                                      int64_t splitDim, int64_t concatDim,
                                      const HostTensor &input);
  /// Wakes every waiting device with an error (another device failed).
  void abort();

private:
  using Combine = std::function<llvm::Expected<std::vector<HostTensor>>(
      std::vector<HostTensor> &)>;
  llvm::Expected<HostTensor> exchange(int64_t rank, llvm::StringRef kind,
                                      llvm::StringRef group,
                                      llvm::ArrayRef<int64_t> ranks,
                                      const HostTensor &input,
                                      const Combine &combine);

  struct Meeting {
    std::vector<HostTensor> inputs;
    std::vector<HostTensor> outputs;
    int arrived = 0;
    int left = 0;
    bool done = false;
    std::string error;
  };
  int64_t devices;
  std::chrono::milliseconds timeout;
  std::mutex mutex;
  std::condition_variable changed;
  bool aborted = false;
  std::map<std::pair<std::string, int64_t>, Meeting> meetings;
  std::map<std::pair<std::string, int64_t>, int64_t> calls;
};

/// The tensor an attribute holds: dense or resource elements of `type`, or a
/// number.
llvm::Expected<HostTensor> tensorFromAttr(mlir::Attribute value,
                                          mlir::Type type);

/// Communication group names and their ranks.
using GroupRanks = std::map<std::string, std::vector<int64_t>>;

/// Where parameter values come from.
class ParameterValues {
public:
  virtual ~ParameterValues();
  virtual llvm::Expected<HostTensor> get(llvm::StringRef name,
                                         mlir::RankedTensorType type) = 0;
};

struct RunOptions {
  /// The device's rank, and the collectives it takes part in (none for a
  /// single device).
  int64_t rank = 0;
  Collectives *collectives = nullptr;
  /// Parameter values; by default the parameters' own data.
  ParameterValues *parameters = nullptr;
  /// The ranks of each communication group, for collectives that do not
  /// list them (a group file's contents).
  const GroupRanks *groups = nullptr;
};

/// Runs `graph` on `inputs`. An op the executor cannot run is an error that
/// names the op and its location.
llvm::Expected<std::vector<HostTensor>>
runGraph(mlir::func::FuncOp graph, llvm::ArrayRef<HostTensor> inputs,
         const RunOptions &options = {});

/// Runs device i's program `programs[i]` as rank i, all at once, one thread
/// each. Returns each device's outputs.
llvm::Expected<std::vector<std::vector<HostTensor>>>
runDevices(llvm::ArrayRef<mlir::func::FuncOp> programs,
           llvm::ArrayRef<HostTensor> inputs,
           llvm::ArrayRef<ParameterValues *> parameters = {},
           const GroupRanks *groups = nullptr,
           std::chrono::milliseconds timeout = std::chrono::seconds(60));

} // namespace mindshard

#endif // MINDSHARD_RUNTIME_INTERPRETER_H
