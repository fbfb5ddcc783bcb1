//===- Staging.h - the folders an export writes in first --------*- C++ -*-===//
//
// Part of mindshard. An export writes its files in a staging folder inside
// the output folder and moves them into place once all are written. The
// run that owns a staging folder holds a lock on the `.lock` file in it for
// as long as it runs; a folder whose lock anyone can take was left by a run
// that is gone, and one without a lock file was kept on purpose after a
// failure, for the user to look at.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_LIB_EXPORT_STAGING_H
#define MINDSHARD_LIB_EXPORT_STAGING_H

#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace mindshard {

/// Staging folders are `<output>/.mindshard-staging-<host>-<pid>-XXXXXX`.
inline constexpr llvm::StringLiteral kStagingPrefix = ".mindshard-staging-";
/// The lock file in a staging folder.
inline constexpr llvm::StringLiteral kStagingLockName = ".lock";

/// Opens `path` and takes its lock without waiting: the descriptor, or -1
/// when it cannot be opened or another process holds the lock.
int tryLockFile(const std::string &path, bool create);

/// True when a process holds the lock of the existing file `path`.
bool isLockHeld(const std::string &path);

/// Creates the file `path` with its lock taken: locked under a name of its
/// own first and renamed into place, so that nobody ever sees it unlocked.
/// The descriptor, or -1 when it cannot be made, or when `path` no longer
/// names it once renamed (its folder was removed meanwhile).
int createLockedFile(const std::string &path);

/// True while `path` names the file open as `fd`.
bool namesOpenFile(const std::string &path, int fd);

/// The folders in `dir` whose names start with `prefix`, sorted.
std::vector<std::string> foldersNamed(llvm::StringRef dir,
                                      llvm::StringRef prefix);

enum class StagingState {
  /// Its run holds the lock.
  Live,
  /// Its lock is free: the run was killed.
  Abandoned,
  /// It has no lock file: kept after a failure, for the user.
  Kept,
};

/// The staging folders in `outputDir` and what state each is in.
std::vector<std::pair<std::string, StagingState>>
findStagingFolders(llvm::StringRef outputDir);

} // namespace mindshard

#endif // MINDSHARD_LIB_EXPORT_STAGING_H
