//===- InlineGraphs.cpp - the graphs a network calls, inlined -------------===//
//
// Part of mindshard. Replaces every call the main graph makes, directly or
// through the graphs it calls, with the callee's body, so that the layout
// and partition passes see one graph. MindSpore keeps a cell as a graph of
// its own when it is reused (`lazy_inline`, cell reuse), and its exported
// networks then call that graph once per layer.
//
//===----------------------------------------------------------------------===//

#include "Annotations.h"
#include "MindIR/MindIR.h"
#include "mindshard/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "mindshard-inline-graphs"

namespace mindshard {
#define GEN_PASS_DEF_INLINEGRAPHS
#include "mindshard/Transforms/Passes.h.inc"
} // namespace mindshard

using namespace mlir;
using namespace mindshard;
using namespace mindshard::mindir;

namespace {

/// The values a graph names (`mindir.name` on an op or an input), which the
/// graphs it calls may capture as free variables. One frame per graph being
/// inlined, the caller's below the callee's.
class NamedValues {
public:
  void addGraphInputs(func::FuncOp graph, ValueRange inputs) {
    for (auto [index, input] : llvm::enumerate(inputs))
      if (auto name = graph.getArgAttrOfType<StringAttr>(
              index, MindIRDialect::kNameAttr))
        frames.back()[name.getValue()] = input;
  }
  /// The name `op` had in its graph, if it has one, now names `values`.
  void add(Operation *op, ValueRange values) {
    if (auto name = op->getAttrOfType<StringAttr>(MindIRDialect::kNameAttr))
      add(name, values);
  }
  void add(StringAttr name, ValueRange values) {
    if (name && values.size() == 1)
      frames.back()[name.getValue()] = values.front();
  }
  Value lookup(StringRef name) const {
    for (const llvm::StringMap<Value> &frame : llvm::reverse(frames))
      if (Value value = frame.lookup(name))
        return value;
    return nullptr;
  }
  void push() { frames.emplace_back(); }
  void pop() { frames.pop_back(); }

private:
  SmallVector<llvm::StringMap<Value>> frames;
};

class InlineGraphsPass
    : public mindshard::impl::InlineGraphsBase<InlineGraphsPass> {
public:
  void runOnOperation() override;

private:
  /// Copies the body of `call`'s callee before it, the calls in the copy
  /// inlined in turn, and erases `call`; returns what replaced its results.
  FailureOr<SmallVector<Value>> inlineCall(CallOp call);
  /// Why `callee` cannot be inlined at `call`, or success.
  LogicalResult checkCallee(CallOp call, func::FuncOp callee);

  SymbolTable *symbols = nullptr;
  /// The graphs being inlined, outermost first: a callee already here
  /// calls itself.
  SmallVector<func::FuncOp> chain;
  NamedValues named;
  /// The graphs whose body was inlined somewhere.
  SmallVector<func::FuncOp> inlined;
};

} // namespace

LogicalResult InlineGraphsPass::checkCallee(CallOp call, func::FuncOp callee) {
  if (llvm::is_contained(chain, callee)) {
    std::string path;
    for (func::FuncOp graph : chain)
      path += "@" + graph.getSymName().str() + " -> ";
    return call.emitOpError()
           << "makes graph @" << callee.getSymName() << " call itself (" << path
           << "@" << callee.getSymName()
           << "); mindshard inlines graphs that are not recursive";
  }
  if (!callee.getBody().hasOneBlock())
    return call.emitOpError() << "calls graph @" << callee.getSymName()
                              << ", which has no body of one block";
  // The verifier has matched the number of arguments and results; the
  // result types it leaves to the callee.
  auto ret = cast<func::ReturnOp>(callee.getBody().front().getTerminator());
  for (auto [index, types] : llvm::enumerate(
           llvm::zip_equal(call.getResultTypes(), ret.getOperandTypes()))) {
    auto [expected, returned] = types;
    if (expected != returned && !isa<AnyType>(expected))
      return call.emitOpError() << "expects result " << index << " of graph @"
                                << callee.getSymName() << " to be " << expected
                                << ", but the graph returns " << returned;
  }
  WalkResult walk = callee.walk([&](Operation *op) {
    if (isa<ApplyOp, FuncRefOp>(op)) {
      call.emitOpError() << "calls graph @" << callee.getSymName()
                         << ", which passes graphs as values ('"
                         << op->getName()
                         << "'); mindshard inlines graphs that call graphs "
                            "by name only";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

FailureOr<SmallVector<Value>> InlineGraphsPass::inlineCall(CallOp call) {
  auto callee = symbols->lookup<func::FuncOp>(call.getCallee());
  if (!callee)
    return call.emitOpError()
           << "calls @" << call.getCallee() << ", which is not a graph";
  if (failed(checkCallee(call, callee)))
    return failure();
  LLVM_DEBUG(llvm::dbgs() << "inlining @" << callee.getSymName() << " at "
                          << call.getLoc() << "\n");

  IRMapping mapping;
  Block &body = callee.getBody().front();
  mapping.map(body.getArguments(), call.getArgs());
  chain.push_back(callee);
  named.push();
  named.addGraphInputs(callee, call.getArgs());
  llvm::scope_exit leave([&] {
    named.pop();
    chain.pop_back();
  });

  OpBuilder builder(call);
  for (Operation &op : body.without_terminator()) {
    if (auto captured = dyn_cast<FreeVariableOp>(op)) {
      Value value = named.lookup(captured.getName());
      if (!value)
        return call.emitOpError()
               << "calls graph @" << callee.getSymName()
               << ", which reads value '" << captured.getName()
               << "' of a graph that does not call it";
      mapping.map(captured.getResult(), value);
      continue;
    }
    Operation *clone = builder.clone(op, mapping);
    // Names are the callee's, the same at every call: the clone drops its
    // own, and the graphs it calls find the value by the callee's.
    clone->removeAttr(MindIRDialect::kNameAttr);
    SmallVector<Value> results(clone->getResults());
    if (auto innerCall = dyn_cast<CallOp>(clone)) {
      FailureOr<SmallVector<Value>> replaced = inlineCall(innerCall);
      if (failed(replaced))
        return failure();
      results = std::move(*replaced);
      mapping.map(op.getResults(), results);
    }
    named.add(&op, results);
  }

  auto ret = cast<func::ReturnOp>(body.getTerminator());
  SmallVector<Value> replaced;
  for (Value returned : ret.getOperands())
    replaced.push_back(mapping.lookupOrDefault(returned));
  call.replaceAllUsesWith(replaced);
  call.erase();
  if (!llvm::is_contained(inlined, callee))
    inlined.push_back(callee);
  ++numInlined;
  return replaced;
}

void InlineGraphsPass::runOnOperation() {
  ModuleOp module = getOperation();
  func::FuncOp graph = annotations::getMainGraph(module);
  if (!graph) {
    module.emitError() << "the module has no main graph (mindir.main_graph "
                          "or a single function)";
    return signalPassFailure();
  }
  SymbolTable symbolTable(module);
  symbols = &symbolTable;

  if (graph.getOps<CallOp>().empty())
    return markAllAnalysesPreserved();
  chain.assign({graph});
  named = NamedValues();
  named.push();
  named.addGraphInputs(graph, graph.getArguments());
  inlined.clear();
  for (Operation &op : llvm::make_early_inc_range(graph.getOps())) {
    auto call = dyn_cast<CallOp>(op);
    if (!call) {
      named.add(&op, op.getResults());
      continue;
    }
    auto name = call->getAttrOfType<StringAttr>(MindIRDialect::kNameAttr);
    FailureOr<SmallVector<Value>> replaced = inlineCall(call);
    if (failed(replaced))
      return signalPassFailure();
    named.add(name, *replaced);
  }

  // A graph that was inlined and that nothing names any more is gone from
  // the network; erasing one may leave the graphs it called unnamed.
  for (bool erased = true; erased;) {
    erased = false;
    for (func::FuncOp &callee : inlined) {
      if (!callee || !SymbolTable::symbolKnownUseEmpty(callee, module))
        continue;
      LLVM_DEBUG(llvm::dbgs() << "erasing @" << callee.getSymName() << "\n");
      symbolTable.erase(callee);
      callee = nullptr;
      erased = true;
      ++numErased;
    }
  }
}
