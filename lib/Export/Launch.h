//===- Launch.h - a launch's processes meet before publishing ---*- C++ -*-===//
//
// Part of mindshard. Under a launcher each process writes its own devices'
// files; none moves them into place until every process of the launch has
// written and verified its own, so that a launch in which one process fails
// replaces nothing. The processes meet in a folder of the output folder,
// `.mindshard-launch-<id>`, through files alone (the output folder is all
// they are sure to share): each holds a lock on `process-<index>.lock` for
// as long as it runs, and creates `ready-<index>` once its files are
// verified, `failed-<index>` when it fails, and `passed-<index>` once it has
// seen every process ready. The last to pass removes the folder.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_LIB_EXPORT_LAUNCH_H
#define MINDSHARD_LIB_EXPORT_LAUNCH_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <utility>
#include <vector>

namespace mindshard {

/// Launch folders are `<output>/.mindshard-launch-<id>`.
inline constexpr llvm::StringLiteral kLaunchPrefix = ".mindshard-launch-";

class LaunchBarrier {
public:
  LaunchBarrier() = default;
  LaunchBarrier(const LaunchBarrier &) = delete;
  LaunchBarrier &operator=(const LaunchBarrier &) = delete;
  ~LaunchBarrier();

  /// Joins launch `id` as process `index` of the `members` that write
  /// devices, in `outputDir`. Launch folders that no live process holds
  /// and that belong to other launches are removed first.
  llvm::Error join(llvm::StringRef outputDir, llvm::StringRef id, int64_t index,
                   int64_t members);
  bool joined() const { return lockFd >= 0; }

  /// Marks this process ready and waits for every other member: an error
  /// when one has failed or is gone without being ready. Says on `log`
  /// how long it waited, if it had to.
  llvm::Error arriveAndWait(llvm::raw_ostream &log);

  /// Marks this process failed, so that the others stop waiting.
  void fail();

private:
  /// `<folder>/<what>-<index>`.
  std::string memberFile(llvm::StringRef what, int64_t index) const;

  std::string folder;
  std::string id;
  int64_t index = 0;
  int64_t members = 1;
  int lockFd = -1;
  bool passed = false;
};

/// The launch folders in `outputDir`, each with a line on where its launch
/// stands: in progress (which processes are ready, which still writing) or
/// over (which failed), for `mindshard-inspect export`.
std::vector<std::pair<std::string, std::string>>
describeLaunches(llvm::StringRef outputDir);

} // namespace mindshard

#endif // MINDSHARD_LIB_EXPORT_LAUNCH_H
