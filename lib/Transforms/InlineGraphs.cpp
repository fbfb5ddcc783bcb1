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
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
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
/// graphs it calls may capture as free variables. One frame per graph on
/// the call chain, the caller's below the callee's.
class NamedValues {
public:
  void addGraphInputs(func::FuncOp graph, ValueRange inputs) {
    for (auto [arg, input] : llvm::zip_equal(graph.getArguments(), inputs))
      add(getValueName(arg), input);
  }
  /// The names `op`'s results had in its graph, and the op's own when it
  /// names a tuple of several, now name `values`, what stands for them.
  void add(Operation *op, ValueRange values) {
    for (auto [result, value] : llvm::zip_equal(op->getResults(), values))
      add(getValueName(result), value);
    if (op->getNumResults() > 1)
      add(op->getAttrOfType<StringAttr>(MindIRDialect::kNameAttr), values);
  }
  void add(StringAttr name, ValueRange values) {
    if (name)
      frames.back()[name.getValue()].assign(values.begin(), values.end());
  }
  /// The values of `name`, innermost frame first; empty when no graph on
  /// the chain has named them yet.
  ArrayRef<Value> lookup(StringRef name) const {
    for (const llvm::StringMap<SmallVector<Value, 1>> &frame :
         llvm::reverse(frames))
      if (auto it = frame.find(name); it != frame.end())
        return it->second;
    return {};
  }
  void push() { frames.emplace_back(); }
  void pop() { frames.pop_back(); }

private:
  SmallVector<llvm::StringMap<SmallVector<Value, 1>>> frames;
};

/// Refines the result types of `op` from its operands where its op infers
/// them: a callee's inputs may be untyped (`!mindir.any`) where the call's
/// arguments are tensors.
void refineResultTypes(Operation *op) {
  SmallVector<Type> inferred;
  if (failed(inferResultTypes(op, inferred)) ||
      inferred.size() != op->getNumResults())
    return;
  for (auto [result, type] : llvm::zip_equal(op->getResults(), inferred))
    result.setType(type);
}

/// Gives the users of `value`, whose type was refined from `!mindir.any`,
/// the types that follow: ops that infer their result types infer them
/// again, and a graph that returns it declares the refined type.
void propagateRefinedType(Value value) {
  SmallVector<Value> worklist = {value};
  while (!worklist.empty()) {
    Value refined = worklist.pop_back_val();
    for (Operation *user : refined.getUsers()) {
      if (auto ret = dyn_cast<func::ReturnOp>(user)) {
        auto graph = ret->getParentOfType<func::FuncOp>();
        graph.setType(FunctionType::get(graph.getContext(),
                                        graph.getArgumentTypes(),
                                        ret.getOperandTypes()));
        continue;
      }
      SmallVector<Type> before(user->getResultTypes());
      refineResultTypes(user);
      for (auto [result, type] : llvm::zip_equal(user->getResults(), before))
        if (result.getType() != type)
          worklist.push_back(result);
    }
  }
}

/// The graph a MindIR value name belongs to: `layer:x:3` is `layer`'s.
StringRef graphOfName(StringRef name) { return name.split(':').first; }

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
  /// The value `captured` reads, from the graphs on the call chain.
  FailureOr<Value> resolve(FreeVariableOp captured, CallOp call);
  /// The call chain, `@main -> @a -> @b`.
  std::string chainText() const;
  /// Erases the inlined graphs that no graph kept calls or names.
  LogicalResult eraseInlined(ModuleOp module, func::FuncOp graph);

  SymbolTableCollection *symbols = nullptr;
  /// The graphs being inlined, outermost first: a callee already here
  /// calls itself.
  SmallVector<func::FuncOp> chain;
  NamedValues named;
  /// The graphs whose body was inlined somewhere.
  llvm::SetVector<func::FuncOp> inlined;
};

} // namespace

std::string InlineGraphsPass::chainText() const {
  std::string text;
  llvm::raw_string_ostream os(text);
  llvm::interleave(
      chain, os, [&](func::FuncOp graph) { os << "@" << graph.getSymName(); },
      " -> ");
  return text;
}

LogicalResult InlineGraphsPass::checkCallee(CallOp call, func::FuncOp callee) {
  if (llvm::is_contained(chain, callee))
    return call.emitOpError()
           << "makes graph @" << callee.getSymName() << " call itself ("
           << chainText() << " -> @" << callee.getSymName()
           << "); mindshard inlines graphs that are not recursive";
  if (callee.isDeclaration())
    return call.emitOpError() << "calls graph @" << callee.getSymName()
                              << ", which is a declaration with no body";
  WalkResult walk = callee.walk([&](Operation *op) {
    if (isa<ApplyOp, FuncRefOp>(op)) {
      call.emitOpError() << "calls graph @" << callee.getSymName()
                         << ", which passes graphs as values ('"
                         << op->getName()
                         << "'); mindshard inlines graphs that call graphs "
                            "by name only";
      return WalkResult::interrupt();
    }
    if (op != callee && op->getNumRegions() != 0) {
      call.emitOpError() << "calls graph @" << callee.getSymName()
                         << ", whose op '" << op->getName()
                         << "' holds regions; MindIR graphs hold none";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

FailureOr<Value> InlineGraphsPass::resolve(FreeVariableOp captured,
                                           CallOp call) {
  StringRef name = captured.getName();
  func::FuncOp callee = chain.back();
  ArrayRef<Value> values = named.lookup(name);
  if (values.empty()) {
    InFlightDiagnostic diagnostic = call.emitOpError();
    diagnostic << "calls graph @" << callee.getSymName() << ", which reads '"
               << name << "' of graph '" << graphOfName(name)
               << "', and no graph on the call chain (" << chainText()
               << ") defines it before the call";
    diagnostic.attachNote(captured.getLoc()) << "read here";
    return diagnostic;
  }
  Type type = captured.getType();
  if (values.size() == 1 &&
      (values.front().getType() == type || isa<AnyType>(type)))
    return values.front();
  std::string types;
  llvm::raw_string_ostream os(types);
  llvm::interleaveComma(ValueRange(values).getTypes(), os);
  InFlightDiagnostic diagnostic = call.emitOpError();
  diagnostic << "calls graph @" << callee.getSymName() << ", which reads '"
             << name << "' as " << type << ", but it is (" << types
             << "); mindshard inlines closures that read one value of the "
                "type it has";
  diagnostic.attachNote(captured.getLoc()) << "read here";
  return diagnostic;
}

FailureOr<SmallVector<Value>> InlineGraphsPass::inlineCall(CallOp call) {
  // The verifier has made sure the callee is a graph taking as many
  // arguments as the call passes and returning as many results.
  auto callee = symbols->lookupNearestSymbolFrom<func::FuncOp>(
      call, call.getCalleeAttr());
  assert(callee && "the verifier checks that a call names a graph");
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
      FailureOr<Value> value = resolve(captured, call);
      if (failed(value))
        return failure();
      mapping.map(captured.getResult(), *value);
      continue;
    }
    Operation *clone = builder.clone(op, mapping);
    // Diagnostics on the copy say which call it came from.
    clone->setLoc(CallSiteLoc::get(op.getLoc(), call.getLoc()));
    // Names are the callee's, the same at every call: the copy drops them,
    // and the graphs it calls find its values under the callee's names.
    clone->removeAttr(MindIRDialect::kNameAttr);
    clone->removeAttr(MindIRDialect::kResultNamesAttr);
    refineResultTypes(clone);
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
  // A call of unknown result type (MindIR records none for some nodes)
  // takes the type the body gives.
  SmallVector<Value> replaced, refined;
  for (auto [index, returned] : llvm::enumerate(ret.getOperands())) {
    Value value = mapping.lookupOrDefault(returned);
    Type expected = call.getResult(index).getType();
    if (value.getType() != expected && !isa<AnyType>(expected))
      return call.emitOpError()
             << "expects result " << index << " of graph @"
             << callee.getSymName() << " to be " << expected
             << ", but the graph's body gives " << value.getType()
             << "; mindshard inlines graphs whose types agree with the call";
    if (value.getType() != expected)
      refined.push_back(value);
    replaced.push_back(value);
  }
  call.replaceAllUsesWith(replaced);
  call.erase();
  for (Value value : refined)
    propagateRefinedType(value);
  inlined.insert(callee);
  ++numInlined;
  return replaced;
}

LogicalResult InlineGraphsPass::eraseInlined(ModuleOp module,
                                             func::FuncOp graph) {
  // The graphs kept: the main graph, every graph that was never inlined,
  // and whatever those name.
  SmallVector<func::FuncOp> worklist = {graph};
  for (func::FuncOp func : module.getOps<func::FuncOp>())
    if (!inlined.contains(func))
      worklist.push_back(func);
  llvm::SmallPtrSet<Operation *, 8> kept;
  for (func::FuncOp func : worklist)
    kept.insert(func);
  while (!worklist.empty()) {
    func::FuncOp func = worklist.pop_back_val();
    std::optional<SymbolTable::UseRange> uses =
        SymbolTable::getSymbolUses(&func.getBody());
    if (!uses)
      continue;
    for (const SymbolTable::SymbolUse &use : *uses)
      if (auto used = symbols->lookupNearestSymbolFrom<func::FuncOp>(
              use.getUser(), use.getSymbolRef()))
        if (kept.insert(used).second)
          worklist.push_back(used);
  }

  llvm::StringSet<> erasedGraphs;
  SymbolTable &table = symbols->getSymbolTable(module);
  for (func::FuncOp callee : inlined)
    if (!kept.contains(callee)) {
      LLVM_DEBUG(llvm::dbgs() << "erasing @" << callee.getSymName() << "\n");
      erasedGraphs.insert(callee.getSymName());
      table.erase(callee);
      ++numErased;
    }

  // A graph kept may have read a value of one erased (a closure passed as
  // a value); the value is gone with its graph.
  WalkResult walk =
      module.walk([&](FreeVariableOp captured) {
        StringRef owner = graphOfName(captured.getName());
        if (!erasedGraphs.contains(owner))
          return WalkResult::advance();
        captured.emitOpError()
            << "reads '" << captured.getName() << "' of graph @" << owner
            << ", which was inlined at every call; mindshard inlines graphs "
               "whose values no graph kept reads";
        return WalkResult::interrupt();
      });
  return failure(walk.wasInterrupted());
}

void InlineGraphsPass::runOnOperation() {
  ModuleOp module = getOperation();
  func::FuncOp graph = annotations::getMainGraph(module);
  if (!graph) {
    module.emitError() << "the module has no main graph (mindir.main_graph "
                          "or a single function)";
    return signalPassFailure();
  }
  if (graph.getOps<CallOp>().empty())
    return markAllAnalysesPreserved();

  SymbolTableCollection symbolTables;
  symbols = &symbolTables;
  llvm::scope_exit forget([&] {
    symbols = nullptr;
    chain.clear();
    named = NamedValues();
    inlined.clear();
  });
  chain.push_back(graph);
  named.push();
  named.addGraphInputs(graph, graph.getArguments());
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
  if (failed(eraseInlined(module, graph)))
    return signalPassFailure();
}
