//===- Failure.h - how the tools report a failure ---------------*- C++ -*-===//
//
// Part of mindshard. "<tool>: error: <message>" on stderr, after whatever
// the tool printed on stdout, and exit status 1.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_TOOLS_COMMON_FAILURE_H
#define MINDSHARD_TOOLS_COMMON_FAILURE_H

#include "llvm/Support/Error.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

namespace mindshard {

inline int reportFailure(llvm::StringRef tool, llvm::Error error) {
  llvm::outs().flush();
  llvm::WithColor::error(llvm::errs(), tool)
      << llvm::toString(std::move(error)) << "\n";
  return 1;
}

} // namespace mindshard

#endif // MINDSHARD_TOOLS_COMMON_FAILURE_H
