//===- Inspect.h - what is in a checkpoint, strategy or MindIR --*- C++ -*-===//
//
// Part of mindshard. The reports of `mindshard-inspect`: a JSON value per
// file with what a user wants to know (tensors with dtype, shape and bytes;
// layouts with the slices they give; a network's inputs, outputs, ops and
// parameters), and their rendering as tables.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_INSPECT_INSPECT_H
#define MINDSHARD_INSPECT_INSPECT_H

#include "mindshard/Formats/Checkpoint.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

namespace mindshard {

/// Tensor shapes by name, to show the slices a strategy's layouts give.
using ShapeMap = llvm::StringMap<llvm::SmallVector<int64_t, 4>>;

llvm::Expected<llvm::json::Value>
inspectCheckpoint(llvm::StringRef path, const CheckpointReadOptions &options);

llvm::Expected<llvm::json::Value> inspectStrategy(llvm::StringRef path,
                                                  const ShapeMap &shapes);

llvm::Expected<llvm::json::Value> inspectGroups(llvm::StringRef path);

llvm::Expected<llvm::json::Value>
inspectMindIR(llvm::StringRef path, const std::optional<DecryptKey> &key);

/// Prints a MindIR file's ModelProto in protobuf's text format, tensor data
/// replaced by its size.
llvm::Error printMindIRProto(llvm::StringRef path,
                             const std::optional<DecryptKey> &key,
                             llvm::raw_ostream &os);

/// The shapes of the tensors of a checkpoint or the parameters of a MindIR
/// file (by extension).
llvm::Expected<ShapeMap> readShapes(llvm::StringRef path,
                                    const std::optional<DecryptKey> &key);

/// Renders a report as tables.
void printReport(const llvm::json::Value &report, llvm::raw_ostream &os);

} // namespace mindshard

#endif // MINDSHARD_INSPECT_INSPECT_H
