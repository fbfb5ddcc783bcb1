//===- Launch.cpp - a launch's processes meet before publishing -----------===//
//
// Part of mindshard.
//
//===----------------------------------------------------------------------===//

#include "Launch.h"

#include "Staging.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Debug.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

#define DEBUG_TYPE "mindshard-launch"

using namespace mindshard;

static llvm::Error launchError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Creates the empty file `path`; true on success.
static bool touch(const std::string &path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return false;
  ::close(fd);
  return true;
}

/// True when a process holds the lock of `lock`.
static bool isHeld(const std::string &lock) {
  int fd = tryLockFile(lock, /*create=*/false);
  if (fd < 0)
    return llvm::sys::fs::exists(lock);
  ::close(fd);
  return false;
}

/// A launch id as a file name: what is not a letter, a digit, '.', '-' or
/// '_' becomes '_'.
static std::string fileNameOf(llvm::StringRef id) {
  std::string name;
  for (char c : id)
    name += llvm::isAlnum(c) || c == '.' || c == '-' || c == '_' ? c : '_';
  return name;
}

/// Removes the launch folders in `outputDir` other than `keep` in which no
/// process holds its lock: their launches are over.
static void removeEndedLaunches(llvm::StringRef outputDir,
                                llvm::StringRef keep) {
  std::error_code ec;
  llvm::SmallVector<std::string> ended;
  for (llvm::sys::fs::directory_iterator it(outputDir, ec), end;
       !ec && it != end; it.increment(ec)) {
    llvm::StringRef name = llvm::sys::path::filename(it->path());
    if (!name.starts_with(kLaunchPrefix) || it->path() == keep ||
        !llvm::sys::fs::is_directory(it->path()))
      continue;
    bool live = false;
    std::error_code inner;
    for (llvm::sys::fs::directory_iterator file(it->path(), inner), last;
         !inner && file != last && !live; file.increment(inner))
      live = llvm::StringRef(file->path()).ends_with(".lock") &&
             isHeld(file->path());
    if (!live)
      ended.push_back(it->path());
  }
  for (const std::string &folder : ended) {
    LLVM_DEBUG(llvm::dbgs() << "removing ended launch " << folder << "\n");
    (void)llvm::sys::fs::remove_directories(folder);
  }
}

LaunchBarrier::~LaunchBarrier() {
  if (lockFd >= 0)
    ::close(lockFd);
}

std::string LaunchBarrier::memberFile(llvm::StringRef what,
                                      int64_t member) const {
  return llvm::formatv("{0}/{1}-{2}", folder, what, member).str();
}

llvm::Error LaunchBarrier::join(llvm::StringRef outputDir, llvm::StringRef id,
                                int64_t index, int64_t members) {
  this->id = id.str();
  this->index = index;
  this->members = members;
  llvm::SmallString<256> path(outputDir);
  llvm::sys::path::append(path, kLaunchPrefix + fileNameOf(id));
  folder = path.str().str();
  removeEndedLaunches(outputDir, folder);

  // Another launch's run may remove the folder between its creation and
  // the lock's, seeing no lock in it, or hold the lock for a moment while
  // it looks: try again.
  std::string lock = memberFile("process", index) + ".lock";
  for (int attempt = 0; attempt < 10 && lockFd < 0; ++attempt) {
    if (attempt > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (std::error_code ec = llvm::sys::fs::create_directories(folder))
      return launchError(folder + ": cannot create: " + ec.message());
    for (llvm::StringRef what : {"ready", "failed", "passed"})
      if (llvm::sys::fs::exists(memberFile(what, index)))
        return launchError(llvm::formatv(
            "{0} holds what an earlier run left as process {1} of launch "
            "'{2}': give each launch its own --launch-id, or remove the "
            "folder",
            folder, index, id));
    lockFd = tryLockFile(lock, /*create=*/true);
  }
  if (lockFd >= 0)
    return llvm::Error::success();
  if (isHeld(lock))
    return launchError(llvm::formatv("process {0} of launch '{1}' is running "
                                     "already (it holds {2})",
                                     index, id, lock));
  return launchError(lock + ": cannot create and lock");
}

void LaunchBarrier::fail() {
  if (joined() && !passed)
    touch(memberFile("failed", index));
}

llvm::Error LaunchBarrier::arriveAndWait(llvm::raw_ostream &log) {
  if (!touch(memberFile("ready", index)))
    return launchError(memberFile("ready", index) + ": cannot create");

  auto start = std::chrono::steady_clock::now();
  auto pause = std::chrono::milliseconds(20);
  size_t waitedFor = 0;
  while (true) {
    llvm::SmallVector<int64_t> pending;
    for (int64_t member = 0; member < members; ++member) {
      if (member == index || llvm::sys::fs::exists(memberFile("ready", member)))
        continue;
      if (llvm::sys::fs::exists(memberFile("failed", member)))
        return launchError(llvm::formatv(
            "process {0} of the launch failed, so this one moves nothing "
            "into place",
            member));
      // A member that is gone without being ready: its lock is free, and
      // it did not become ready just before it went.
      std::string lock = memberFile("process", member) + ".lock";
      if (llvm::sys::fs::exists(lock) && !isHeld(lock) &&
          !llvm::sys::fs::exists(memberFile("ready", member)))
        return launchError(llvm::formatv(
            "process {0} of the launch ended before its files were ready, "
            "so this one moves nothing into place",
            member));
      pending.push_back(member);
    }
    if (pending.empty())
      break;
    waitedFor = std::max(waitedFor, pending.size());
    LLVM_DEBUG(llvm::dbgs() << "waiting for " << pending.size()
                            << " process(es) of launch " << id << "\n");
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(200));
  }
  if (waitedFor > 0)
    log << llvm::formatv(
        "waited {0:f2} s for {1} more process(es) of the launch\n",
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count(),
        waitedFor);

  // Every member is ready. The last to see it removes the folder; a member
  // that passes after the folder is gone has nothing left to do there.
  passed = true;
  touch(memberFile("passed", index));
  for (int64_t member = 0; member < members; ++member)
    if (!llvm::sys::fs::exists(memberFile("passed", member)))
      return llvm::Error::success();
  LLVM_DEBUG(llvm::dbgs() << "every process passed; removing " << folder
                          << "\n");
  (void)llvm::sys::fs::remove_directories(folder);
  return llvm::Error::success();
}

std::vector<std::pair<std::string, std::string>>
mindshard::describeLaunches(llvm::StringRef outputDir) {
  std::vector<std::pair<std::string, std::string>> found;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(outputDir, ec), end;
       !ec && it != end; it.increment(ec)) {
    if (!llvm::sys::path::filename(it->path()).starts_with(kLaunchPrefix) ||
        !llvm::sys::fs::is_directory(it->path()))
      continue;
    // The members' files, by kind.
    std::map<std::string, std::set<int64_t>> members;
    bool live = false;
    std::error_code inner;
    for (llvm::sys::fs::directory_iterator file(it->path(), inner), last;
         !inner && file != last; file.increment(inner)) {
      llvm::StringRef name = llvm::sys::path::filename(file->path());
      bool lock = name.consume_back(".lock");
      auto [kind, number] = name.rsplit('-');
      int64_t member;
      if (number.getAsInteger(10, member))
        continue;
      members[kind.str()].insert(member);
      if (lock && isHeld(file->path())) {
        members["running"].insert(member);
        live = true;
      }
    }
    auto list = [&](llvm::StringRef kind) {
      std::string text;
      for (int64_t member : members[kind.str()])
        text += (text.empty() ? "" : ", ") + std::to_string(member);
      return text.empty() ? std::string("none") : text;
    };
    std::string text =
        live ? llvm::formatv("a launch in progress; processes ready: {0}; "
                             "running: {1}",
                             list("ready"), list("running"))
                   .str()
             : llvm::formatv("left by a launch that did not finish; "
                             "processes failed: {0}; ready: {1}; the next "
                             "run removes it",
                             list("failed"), list("ready"))
                   .str();
    found.emplace_back(it->path(), std::move(text));
  }
  llvm::sort(found);
  return found;
}
