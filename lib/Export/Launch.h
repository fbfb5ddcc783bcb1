//===- Launch.h - a launch's processes meet before publishing ---*- C++ -*-===//
//
// Part of mindshard. Under a launcher each process writes its own devices'
// files; none moves them into place until every process of the launch has
// written and verified its own, so that a launch in which one process fails
// replaces nothing. The processes meet in a folder of the output folder,
// `.mindshard-launch-<id>`, through files alone (the output folder is all
// they are sure to share):
//
//   process-<i>.lock  held by process i until it passes; it appears locked
//                     (taken under another name, then renamed)
//   ready-<i>         process i's files are written and verified
//   failed-<i>        process i failed
//   outcome           "commit", or "abort" and why: decided once, by the
//                     first process to propose either (a link is atomic,
//                     on a network file system too); every process acts
//                     on it, so that all publish or none does
//   passed-<i>        process i saw the launch committed, and publishes
//
// A process proposes to commit once it sees every process ready, and to
// abort when one has failed, is gone without being ready (its lock free),
// or has not joined within the time limit. Nobody commits before every
// process has joined, so an outcome, or a file of a process whose lock is
// free, found when joining was left by an earlier launch under the same id
// (or says that this one is over). The last process to pass removes the
// folder; a later export removes the folders of launches that are over.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_LIB_EXPORT_LAUNCH_H
#define MINDSHARD_LIB_EXPORT_LAUNCH_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstdint>
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

  /// Takes part in launch `launchId` as process `self` of the `members`
  /// that write devices, meeting in `outputDir`. Nothing is read or
  /// written yet.
  void configure(llvm::StringRef outputDir, llvm::StringRef launchId,
                 int64_t self, int64_t members, std::chrono::seconds timeout);
  bool configured() const { return !folder.empty(); }
  /// The launch folder, once configured.
  llvm::StringRef path() const { return folder; }

  /// Joins the launch: takes this process's lock in the launch folder. An
  /// error, after marking this process failed, when the folder holds what
  /// an earlier launch under the same id left, or says that this launch
  /// is over.
  llvm::Error join();
  bool joined() const { return lockFd >= 0; }

  /// Marks this process ready and waits for the launch's outcome: an
  /// error, saying why, when it is to abort. A process that has not
  /// joined `timeout` after this one arrived breaks the launch. Says on
  /// `log` how long it waited, if it had to, and on stderr whom it still
  /// waits for after a while.
  llvm::Error arriveAndWait(llvm::raw_ostream &log);

  /// Marks this process failed, for the reason `why`, and proposes to
  /// abort, so that the others stop waiting.
  void fail(llvm::StringRef why);

private:
  /// `<folder>/<kind>-<member>`.
  std::string memberFile(llvm::StringRef kind, int64_t member) const;
  /// An error naming the launch folder's leftovers from an earlier launch
  /// under the same id, or what says this launch is over, if any.
  llvm::Error checkNotStale() const;
  /// Proposes `proposal` as the outcome; returns the outcome decided.
  llvm::Expected<std::string> decide(llvm::StringRef proposal);
  /// Marks this process failed and proposes to abort for `reason`.
  void giveUp(llvm::StringRef reason);

  std::string folder;
  std::string id;
  int64_t self = 0;
  int64_t members = 1;
  std::chrono::seconds timeout{0};
  int lockFd = -1;
  bool passed = false;
};

/// The launch folder of launch `launchId` in `outputDir`.
std::string launchFolder(llvm::StringRef outputDir, llvm::StringRef launchId);

/// Removes the launch folders in `outputDir` other than `keep` that no
/// launch under way may be using: no process holds a lock in them, and
/// they are not empty and new.
void removeEndedLaunches(llvm::StringRef outputDir, llvm::StringRef keep);

/// The launch folders in `outputDir`, each with a line on where its launch
/// stands: in progress (which processes are ready, running, failed) or
/// over, for `mindshard-inspect export`.
std::vector<std::pair<std::string, std::string>>
describeLaunches(llvm::StringRef outputDir);

} // namespace mindshard

#endif // MINDSHARD_LIB_EXPORT_LAUNCH_H
