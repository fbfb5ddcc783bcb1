//===- compare-checkpoints.cpp - are two checkpoints the same tensors? ----===//
//
// Part of mindshard. Compares two checkpoints tensor by tensor: the same
// names, dtypes, shapes and bytes, whatever their order or record layout.
// For the benchmark against other resharding tools.
//
//   mindshard-bench-compare A.ckpt B.ckpt [--only-in-b]
//
//===----------------------------------------------------------------------===//

#include "mindshard/Formats/Checkpoint.h"
#include "mindshard/Layout/TensorLayout.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace mindshard;
namespace cl = llvm::cl;

static cl::OptionCategory category("mindshard-bench-compare options");
static cl::opt<std::string> first(cl::Positional, cl::Required,
                                  cl::desc("<a.ckpt>"), cl::cat(category));
static cl::opt<std::string> second(cl::Positional, cl::Required,
                                   cl::desc("<b.ckpt>"), cl::cat(category));
static cl::opt<bool>
    onlyInSecond("only-in-b",
                 cl::desc("Compare only the tensors that B holds (A may "
                          "hold more)"),
                 cl::cat(category));

static std::vector<uint8_t> bytesOf(const Checkpoint &checkpoint,
                                    const TensorEntry &entry) {
  std::vector<uint8_t> bytes(entry.numBytes);
  checkpoint.read(entry, 0, bytes.size(), bytes.data());
  return bytes;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, "compares two checkpoints\n");
  auto a = Checkpoint::open(first);
  auto b = Checkpoint::open(second);
  if (!a || !b) {
    llvm::WithColor::error()
        << (a ? "" : llvm::toString(a.takeError()))
        << (b ? "" : llvm::toString(b.takeError())) << "\n";
    return 2;
  }
  int differences = 0;
  auto differ = [&](const llvm::Twine &message) {
    llvm::outs() << message << "\n";
    ++differences;
  };
  for (const TensorEntry &entry : (*b)->tensors()) {
    const TensorEntry *other = (*a)->find(entry.name);
    if (!other) {
      differ("'" + entry.name + "' is only in " + second);
      continue;
    }
    if (other->dtype != entry.dtype || other->shape != entry.shape)
      differ("'" + entry.name + "': " + getCheckpointName(other->dtype) + " " +
             formatList(other->shape) + " vs " +
             getCheckpointName(entry.dtype) + " " + formatList(entry.shape));
    else if (bytesOf(**a, *other) != bytesOf(**b, entry))
      differ("'" + entry.name + "': the bytes differ");
  }
  if (!onlyInSecond)
    for (const TensorEntry &entry : (*a)->tensors())
      if (!(*b)->find(entry.name))
        differ("'" + entry.name + "' is only in " + first);
  llvm::outs() << (differences ? "DIFFERENT: " : "same: ")
               << (*b)->tensors().size() << " tensors of " << second
               << " compared\n";
  return differences ? 1 : 0;
}
