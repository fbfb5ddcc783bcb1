//===- Launch.cpp - a launch's processes meet before publishing -----------===//
//
// Part of mindshard.
//
//===----------------------------------------------------------------------===//

#include "Launch.h"

#include "Staging.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Debug.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <map>
#include <optional>
#include <set>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
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

/// A launch id as a file name: what is not a letter, a digit, '.', '-' or
/// '_' becomes '_'.
static std::string fileNameOf(llvm::StringRef id) {
  std::string name;
  for (char c : id)
    name += llvm::isAlnum(c) || c == '.' || c == '-' || c == '_' ? c : '_';
  return name;
}

/// The names in `folder`, listed afresh: listing also renews what a
/// network file system's client holds of the folder, where asking for one
/// name at a time may be answered from its cache. Empty when there is no
/// folder; none when it cannot be read through.
static std::optional<llvm::StringSet<>> listFolder(llvm::StringRef folder) {
  llvm::StringSet<> names;
  if (!llvm::sys::fs::exists(folder))
    return names;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(folder, ec), end; !ec && it != end;
       it.increment(ec))
    names.insert(llvm::sys::path::filename(it->path()));
  if (ec)
    return std::nullopt;
  return names;
}

/// "<kind>-<member>", and the member's lock file "process-<member>.lock".
static std::string memberName(llvm::StringRef kind, int64_t member) {
  return llvm::formatv("{0}-{1}", kind, member).str();
}
static std::string lockName(int64_t member) {
  return memberName("process", member) + ".lock";
}

/// "1, 3 and 4".
static std::string listOf(llvm::ArrayRef<int64_t> members) {
  std::string text;
  for (size_t i = 0; i < members.size(); ++i) {
    if (i)
      text += i + 1 == members.size() ? " and " : ", ";
    text += std::to_string(members[i]);
  }
  return text;
}

/// The outcome of a launch, `<folder>/outcome`: "commit", or "abort" and a
/// line saying why. None while undecided.
static std::optional<std::string> readOutcome(llvm::StringRef folder) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file =
      llvm::MemoryBuffer::getFile(folder + "/outcome");
  if (!file)
    return std::nullopt;
  return (*file)->getBuffer().str();
}

/// Why an outcome is to abort; none when it is to commit.
static std::optional<std::string> abortReason(llvm::StringRef outcome) {
  if (!outcome.consume_front("abort"))
    return std::nullopt;
  return outcome.trim().str();
}

/// True when the launch folder `folder` may belong to a launch still under
/// way: a process holds a lock in it (or the lock it is about to rename
/// into place), or it is empty and new (a process has just created it).
static bool mayBeLive(llvm::StringRef folder) {
  std::optional<llvm::StringSet<>> names = listFolder(folder);
  if (!names)
    return true;
  for (const auto &entry : *names)
    if (entry.getKey().contains(".lock") &&
        isLockHeld(folder.str() + "/" + entry.getKey().str()))
      return true;
  llvm::sys::fs::file_status status;
  if (names->empty() && !llvm::sys::fs::status(folder, status))
    return std::chrono::system_clock::now() - status.getLastModificationTime() <
           std::chrono::minutes(1);
  return false;
}

std::string mindshard::launchFolder(llvm::StringRef outputDir,
                                    llvm::StringRef launchId) {
  llvm::SmallString<256> path(outputDir);
  llvm::sys::path::append(path, kLaunchPrefix + fileNameOf(launchId));
  return path.str().str();
}

void mindshard::removeEndedLaunches(llvm::StringRef outputDir,
                                    llvm::StringRef keep) {
  // Each is looked at again just before it goes, to keep short the moment
  // in which a process can join a folder found ended; one that joins in it
  // finds its lock gone and gives its launch up.
  llvm::SmallVector<std::string> ended;
  for (const std::string &folder : foldersNamed(outputDir, kLaunchPrefix))
    if (folder != keep && !mayBeLive(folder))
      ended.push_back(folder);
  for (const std::string &folder : ended)
    if (!mayBeLive(folder)) {
      LLVM_DEBUG(llvm::dbgs() << "removing ended launch " << folder << "\n");
      (void)llvm::sys::fs::remove_directories(folder);
    }
}

LaunchBarrier::~LaunchBarrier() {
  if (lockFd >= 0)
    ::close(lockFd);
}

std::string LaunchBarrier::memberFile(llvm::StringRef kind,
                                      int64_t member) const {
  return folder + "/" + memberName(kind, member);
}

void LaunchBarrier::configure(llvm::StringRef outputDir,
                              llvm::StringRef launchId, int64_t self,
                              int64_t members, std::chrono::seconds timeout) {
  folder = launchFolder(outputDir, launchId);
  id = launchId.str();
  this->self = self;
  this->members = members;
  this->timeout = timeout;
}

llvm::Error LaunchBarrier::checkNotStale() const {
  // Nobody decides before every process has joined: an outcome found when
  // joining says that this launch is over, or that an earlier one under the
  // same id left the folder.
  std::string earlier = llvm::formatv(
      "; if an earlier launch under the id '{0}' left {1}, give each launch "
      "its own --launch-id, or remove the folder",
      id, folder);
  std::optional<llvm::StringSet<>> names = listFolder(folder);
  if (!names)
    return launchError(folder + ": cannot read the folder");
  if (std::optional<std::string> outcome = readOutcome(folder)) {
    std::optional<std::string> reason = abortReason(*outcome);
    return launchError(reason ? "the launch was given up: " + *reason + earlier
                              : "the launch is over" + earlier);
  }
  for (int64_t member = 0; member < members; ++member) {
    std::string lock = folder + "/" + lockName(member);
    bool held = names->contains(lockName(member)) && isLockHeld(lock);
    if (member == self && held)
      return launchError(llvm::formatv("process {0} of launch '{1}' is "
                                       "running already (it holds {2})",
                                       self, id, lock));
    if (names->contains(memberName("failed", member)))
      return launchError(
          llvm::formatv("process {0} of the launch failed{1}", member,
                        member == self ? earlier : std::string()));
    if (!held && (names->contains(lockName(member)) ||
                  names->contains(memberName("ready", member))))
      return launchError(
          llvm::formatv("process {0} of the launch ended before it was done{1}",
                        member, earlier));
  }
  return llvm::Error::success();
}

llvm::Error LaunchBarrier::join() {
  if (llvm::Error error = checkNotStale()) {
    std::string message = llvm::toString(std::move(error));
    giveUp(message);
    return launchError(message);
  }

  // If another run removed the folder meanwhile (it looked ended), the
  // lock is taken again.
  std::string lock = folder + "/" + lockName(self);
  for (int attempt = 0; attempt < 10; ++attempt) {
    if (attempt > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (std::error_code ec = llvm::sys::fs::create_directories(folder))
      return launchError(folder + ": cannot create: " + ec.message());
    lockFd = createLockedFile(lock);
    if (lockFd >= 0)
      return llvm::Error::success();
  }
  return launchError(lock + ": cannot create and lock");
}

llvm::Expected<std::string> LaunchBarrier::decide(llvm::StringRef proposal) {
  // The proposal is written whole under a name of its own and linked to
  // `outcome`: the first link wins, on a network file system too, and
  // nobody reads a proposal half written.
  std::string outcome = folder + "/outcome";
  std::string own = llvm::formatv("{0}.{1}.{2}", outcome, self, ::getpid());
  int fd = ::open(own.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) {
    bool written = ::write(fd, proposal.data(), proposal.size()) ==
                   static_cast<ssize_t>(proposal.size());
    ::close(fd);
    if (written)
      (void)::link(own.c_str(), outcome.c_str());
    ::unlink(own.c_str());
  }
  if (std::optional<std::string> decided = readOutcome(folder))
    return *decided;
  return launchError(outcome + ": cannot create");
}

void LaunchBarrier::fail(llvm::StringRef why) {
  giveUp(llvm::formatv("process {0} failed: {1}", self, why).str());
}

void LaunchBarrier::giveUp(llvm::StringRef reason) {
  if (!configured() || passed)
    return;
  llvm::StringRef outputDir = llvm::sys::path::parent_path(folder);
  if (!llvm::sys::fs::is_directory(outputDir) ||
      llvm::sys::fs::create_directories(folder))
    return;
  touch(memberFile("failed", self));
  llvm::consumeError(decide(("abort\n" + reason).str()).takeError());
}

llvm::Error LaunchBarrier::arriveAndWait(llvm::raw_ostream &log) {
  if (!touch(memberFile("ready", self)))
    return launchError(memberFile("ready", self) + ": cannot create");

  auto start = std::chrono::steady_clock::now();
  auto pause = std::chrono::milliseconds(20);
  bool said = false;
  size_t waitedFor = 0;
  // Rounds in a row in which each member looked gone: a member that
  // passes and exits between the listing and the look at its lock looks
  // gone once.
  llvm::DenseMap<int64_t, int> goneRounds;
  std::string outcome;
  while (true) {
    if (std::optional<std::string> decided = readOutcome(folder)) {
      outcome = *decided;
      break;
    }
    std::optional<llvm::StringSet<>> names = listFolder(folder);
    std::string problem;
    llvm::SmallVector<int64_t> notReady, notJoined;
    if (!namesOpenFile(folder + "/" + lockName(self), lockFd))
      problem = "this process's lock in " + folder +
                " is gone (another run removed the folder)";
    for (int64_t member = 0; names && problem.empty() && member < members;
         ++member) {
      if (member == self || names->contains(memberName("passed", member)))
        continue;
      if (names->contains(memberName("failed", member))) {
        problem = llvm::formatv("process {0} failed", member);
        break;
      }
      bool hasLock = names->contains(lockName(member));
      if (hasLock && isLockHeld(folder + "/" + lockName(member))) {
        goneRounds[member] = 0;
        if (!names->contains(memberName("ready", member)))
          notReady.push_back(member);
        continue;
      }
      if (hasLock || names->contains(memberName("ready", member))) {
        if (++goneRounds[member] >= 2) {
          problem = llvm::formatv(
              "process {0} ended before it was done (its lock in {1} is "
              "free)",
              member, folder);
          break;
        }
        notReady.push_back(member);
        continue;
      }
      notJoined.push_back(member);
    }
    auto now = std::chrono::steady_clock::now();
    if (names && problem.empty() && !notJoined.empty() && now - start > timeout)
      problem = llvm::formatv(
          "process(es) {0} did not join within {1} s (the processes meet "
          "in {2}: do they all write to the same output folder?)",
          listOf(notJoined), timeout.count(), folder);

    // Decided once for all: every process acts on the first proposal.
    if (!problem.empty() || (names && notReady.empty() && notJoined.empty())) {
      llvm::Expected<std::string> decided =
          decide(problem.empty() ? "commit" : "abort\n" + problem);
      if (!decided)
        return decided.takeError();
      outcome = *decided;
      break;
    }

    waitedFor = std::max(waitedFor, notReady.size() + notJoined.size());
    if (!said && now - start > std::chrono::seconds(10)) {
      llvm::SmallVector<int64_t> waiting(notReady);
      llvm::append_range(waiting, notJoined);
      llvm::sort(waiting);
      llvm::errs() << llvm::formatv("mindshard-export: process {0} waits for "
                                    "process(es) {1} of the launch\n",
                                    self, listOf(waiting));
      said = true;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(200));
  }

  if (std::optional<std::string> reason = abortReason(outcome))
    return launchError("the launch was given up: " + *reason +
                       ", so this process moves nothing into place");
  if (waitedFor > 0)
    log << llvm::formatv(
        "waited {0:f2} s for {1} more process(es) of the launch\n",
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count(),
        waitedFor);

  // Committed. The last to pass removes the folder; the lock goes first, as
  // a network file system keeps an open file's folder.
  passed = true;
  touch(memberFile("passed", self));
  ::close(lockFd);
  lockFd = -1;
  std::optional<llvm::StringSet<>> names = listFolder(folder);
  if (!names)
    return llvm::Error::success();
  for (int64_t member = 0; member < members; ++member)
    if (!names->contains(memberName("passed", member)))
      return llvm::Error::success();
  LLVM_DEBUG(llvm::dbgs() << "every process passed; removing " << folder
                          << "\n");
  (void)llvm::sys::fs::remove_directories(folder);
  return llvm::Error::success();
}

std::vector<std::pair<std::string, std::string>>
mindshard::describeLaunches(llvm::StringRef outputDir) {
  std::vector<std::pair<std::string, std::string>> found;
  for (const std::string &folder : foldersNamed(outputDir, kLaunchPrefix)) {
    // The processes' files, by kind.
    std::map<std::string, std::set<int64_t>> members;
    for (const auto &entry : listFolder(folder).value_or(llvm::StringSet<>())) {
      llvm::StringRef name = entry.getKey();
      bool lock = name.consume_back(".lock");
      auto [kind, number] = name.rsplit('-');
      int64_t member;
      if (number.getAsInteger(10, member))
        continue;
      members[kind.str()].insert(member);
      if (lock && isLockHeld(folder + "/" + entry.getKey().str()))
        members["running"].insert(member);
    }
    auto list = [&](llvm::StringRef kind) {
      const std::set<int64_t> &set = members[kind.str()];
      return set.empty()
                 ? std::string("none")
                 : listOf(llvm::SmallVector<int64_t>(set.begin(), set.end()));
    };
    std::optional<std::string> outcome = readOutcome(folder);
    std::string text =
        members["running"].empty()
            ? llvm::formatv("left by a launch that did not finish; processes "
                            "failed: {0}; ready: {1}; the next export into "
                            "the folder removes it",
                            list("failed"), list("ready"))
                  .str()
            : llvm::formatv("a launch in progress; processes ready: {0}; "
                            "running: {1}; failed: {2}",
                            list("ready"), list("running"), list("failed"))
                  .str();
    if (std::optional<std::string> reason =
            outcome ? abortReason(*outcome) : std::nullopt)
      text += "; given up: " + *reason;
    found.emplace_back(folder, std::move(text));
  }
  return found;
}
