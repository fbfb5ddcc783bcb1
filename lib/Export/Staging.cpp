//===- Staging.cpp - the folders an export writes in first ----------------===//
//
// Part of mindshard. Telling a live run's staging folder from one a killed
// run left and one kept after a failure.
//
//===----------------------------------------------------------------------===//

#include "Staging.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

using namespace mindshard;

int mindshard::tryLockFile(const std::string &path, bool create) {
  int fd =
      ::open(path.c_str(), O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
  if (fd < 0)
    return -1;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::vector<std::pair<std::string, StagingState>>
mindshard::findStagingFolders(llvm::StringRef outputDir) {
  std::vector<std::pair<std::string, StagingState>> found;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(outputDir, ec), end;
       !ec && it != end; it.increment(ec)) {
    if (!llvm::sys::path::filename(it->path()).starts_with(kStagingPrefix) ||
        !llvm::sys::fs::is_directory(it->path()))
      continue;
    std::string lock = it->path() + "/" + kStagingLockName.str();
    StagingState state = StagingState::Kept;
    if (llvm::sys::fs::exists(lock)) {
      int fd = tryLockFile(lock, /*create=*/false);
      state = fd < 0 ? StagingState::Live : StagingState::Abandoned;
      if (fd >= 0)
        ::close(fd);
    }
    found.emplace_back(it->path(), state);
  }
  llvm::sort(found);
  return found;
}
