//===- Staging.cpp - the folders an export writes in first ----------------===//
//
// Part of mindshard. Telling a live run's staging folder from one a killed
// run left and one kept after a failure.
//
//===----------------------------------------------------------------------===//

#include "Staging.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
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

bool mindshard::isLockHeld(const std::string &path) {
  int fd = tryLockFile(path, /*create=*/false);
  if (fd < 0)
    return llvm::sys::fs::exists(path);
  ::close(fd);
  return false;
}

bool mindshard::namesOpenFile(const std::string &path, int fd) {
  struct stat opened, named;
  return fd >= 0 && ::fstat(fd, &opened) == 0 &&
         ::stat(path.c_str(), &named) == 0 && opened.st_ino == named.st_ino &&
         opened.st_dev == named.st_dev;
}

int mindshard::createLockedFile(const std::string &path) {
  std::string own = path + "." + std::to_string(::getpid());
  int fd = tryLockFile(own, /*create=*/true);
  if (fd < 0)
    return -1;
  if (::rename(own.c_str(), path.c_str()) == 0 && namesOpenFile(path, fd))
    return fd;
  ::close(fd);
  return -1;
}

std::vector<std::string> mindshard::foldersNamed(llvm::StringRef dir,
                                                 llvm::StringRef prefix) {
  std::vector<std::string> found;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec))
    if (llvm::sys::path::filename(it->path()).starts_with(prefix) &&
        llvm::sys::fs::is_directory(it->path()))
      found.push_back(it->path());
  llvm::sort(found);
  return found;
}

std::vector<std::pair<std::string, StagingState>>
mindshard::findStagingFolders(llvm::StringRef outputDir) {
  std::vector<std::pair<std::string, StagingState>> found;
  for (const std::string &folder : foldersNamed(outputDir, kStagingPrefix)) {
    std::string lock = folder + "/" + kStagingLockName.str();
    StagingState state = StagingState::Kept;
    if (llvm::sys::fs::exists(lock))
      state = isLockHeld(lock) ? StagingState::Live : StagingState::Abandoned;
    found.emplace_back(folder, state);
  }
  return found;
}
