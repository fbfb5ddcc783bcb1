//===- MindIRImport.cpp - MindIR files into the mindir dialect ------------===//
//
// Part of mindshard. Builds a module from a ModelProto: one `func.func` per
// graph, one `mindir.parameter` per weight, one op per node. See MindIR.h for
// what is understood.
//
//===----------------------------------------------------------------------===//

#include "MindIRCommon.h"

#include "mindshard/Formats/FileIO.h"
#include "mindshard/Formats/Strategy.h"
#include "mindshard/Target/MindIR.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Debug.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#define DEBUG_TYPE "mindir-import"

using namespace mlir;
using namespace mindshard;
using namespace mindshard::mindir;
using namespace mindshard::mindir_format;

namespace {

/// A node's value: a plain value, or the results of a multi-result op that
/// MindIR sees as one tuple (materialized as a MakeTuple only when used
/// whole).
struct ImportedValue {
  Value value;
  SmallVector<Value, 4> elements;
};

class ModuleImporter {
public:
  ModuleImporter(MLIRContext *context, StringRef path,
                 const MindIRImportOptions &options)
      : context(context), path(path.str()), options(options), builder(context) {
  }

  OwningOpRef<ModuleOp> import(const irpb::ModelProto &model);

  InFlightDiagnostic error() {
    return emitError(FileLineColLoc::get(context, path, 0, 0));
  }

  MLIRContext *context;
  std::string path;
  const MindIRImportOptions &options;
  OpBuilder builder;
  ModuleOp module;

  llvm::StringMap<const irpb::PrimitiveProto *> primitives;
  llvm::StringMap<func::FuncOp> graphs;
  /// "<graph>:<param>" as the file writes it, to the parameter.
  llvm::StringMap<ParameterOp> parameters;
  /// Every name a node or input defines, in any graph, with its type: what
  /// closures refer to.
  llvm::StringMap<Type> definedNames;
  /// Names that graphs other than their own refer to (closures): the ops
  /// defining them keep the name so that export writes it again.
  llvm::StringSet<> capturedNames;
  /// The type each name got when imported (closures are typed at the end,
  /// once every graph is).
  llvm::StringMap<Type> importedTypes;
  /// External data files by location.
  llvm::StringMap<std::unique_ptr<MappedFile>> externalFiles;

private:
  LogicalResult importParameter(const irpb::GraphProto &graph,
                                const TensorProto &tensor);
  FailureOr<ElementsAttr> importData(const TensorProto &tensor,
                                     RankedTensorType type, StringRef name);
  void scanNames(const irpb::GraphProto &graph);
};

class GraphImporter {
public:
  GraphImporter(ModuleImporter &module, const irpb::GraphProto &graph,
                func::FuncOp func)
      : module(module), graph(graph), func(func), builder(module.context) {}

  LogicalResult import();

private:
  MLIRContext *context() { return module.context; }
  InFlightDiagnostic error(const irpb::NodeProto *node = nullptr) {
    InFlightDiagnostic diagnostic = module.error();
    diagnostic << "graph '" << graph.name() << "'";
    if (node)
      diagnostic << ": node '" << node->output(0) << "' (" << node->op_type()
                 << ")";
    diagnostic << ": ";
    return diagnostic;
  }

  Location locationOf(const irpb::NodeProto &node);
  /// Keeps a node's name on its op when another graph refers to it.
  void nameIfCaptured(StringRef name, const ImportedValue &imported);
  void recordType(StringRef name, const ImportedValue &imported);
  LogicalResult importNode(const irpb::NodeProto &node);
  FailureOr<ImportedValue> lookup(StringRef name, const irpb::NodeProto &user);
  /// The value of an input, materializing tuples of multi-result ops.
  Value materialize(ImportedValue &imported, Location loc);
  FailureOr<SmallVector<ImportedValue>>
  resolveInputs(const irpb::NodeProto &node, int skip = 0);
  /// The node's inputs as SSA values, the arguments of a call.
  FailureOr<SmallVector<Value>> resolveArguments(const irpb::NodeProto &node,
                                                 Location loc);

  /// Converts primitive attributes, dropping the abstract ("shape").
  SmallVector<NamedAttribute> convertAttributes(
      const google::protobuf::RepeatedPtrField<AttributeProto> &attributes);

  FailureOr<ImportedValue>
  importPrimitive(const irpb::NodeProto &node, StringRef primitive,
                  SmallVector<NamedAttribute> attributes,
                  StringRef instanceName);
  std::optional<ImportedValue>
  tryDedicated(const irpb::NodeProto &node, StringRef base,
               SmallVectorImpl<ImportedValue> &inputs,
               ArrayRef<NamedAttribute> attributes, Type abstract,
               Location loc);
  std::optional<ImportedValue>
  tryCollective(StringRef base, SmallVectorImpl<ImportedValue> &inputs,
                ArrayRef<NamedAttribute> attributes, Location loc);
  /// Creates an op and keeps it when it verifies, trying the inferred result
  /// types when the file's do not fit.
  Operation *createVerified(OperationState &state);

  ModuleImporter &module;
  const irpb::GraphProto &graph;
  func::FuncOp func;
  OpBuilder builder;
  llvm::StringMap<ImportedValue> values;
  llvm::DenseMap<Operation *, Value> parameterReads;
  /// Constants whose value was folded into an op's attributes, and
  /// MakeTuples whose elements became an op's operands.
  llvm::SetVector<Operation *> foldedProducers;
};

} // namespace

//===----------------------------------------------------------------------===//
// Module
//===----------------------------------------------------------------------===//

void ModuleImporter::scanNames(const irpb::GraphProto &graph) {
  // What this graph uses but does not define is captured from another.
  llvm::StringSet<> local;
  for (const irpb::ValueInfoProto &input : graph.input())
    local.insert(input.name());
  for (const irpb::NodeProto &node : graph.node())
    if (node.output_size())
      local.insert(node.output(0));
  auto capture = [&](StringRef name) {
    if (!local.contains(name))
      capturedNames.insert(name);
  };
  for (const irpb::NodeProto &node : graph.node()) {
    for (const std::string &input : node.input())
      capture(input);
    StringRef callee = node.op_type();
    if (callee.consume_front("REF::"))
      capture(callee);
  }
  for (const irpb::ValueInfoProto &output : graph.output())
    capture(output.name());

  for (const irpb::ValueInfoProto &input : graph.input())
    definedNames[input.name()] = input.tensor_size()
                                     ? getTensorType(context, input.tensor(0))
                                     : Type(AnyType::get(context));
  for (const irpb::NodeProto &node : graph.node()) {
    if (node.output_size() == 0)
      continue;
    Type type = AnyType::get(context);
    for (const AttributeProto &attribute : node.attribute())
      if (attribute.name() == "shape" ||
          StringRef(attribute.ref_attr_name()).starts_with("shape:"))
        type = getAbstractType(context, attribute);
    if (node.op_type() == "Constant" && node.attribute_size())
      type = convertValue(context, node.attribute(0)).second;
    definedNames[node.output(0)] = type;
  }
}

FailureOr<ElementsAttr> ModuleImporter::importData(const TensorProto &tensor,
                                                   RankedTensorType type,
                                                   StringRef name) {
  ArrayRef<char> data;
  if (tensor.has_raw_data()) {
    data = ArrayRef<char>(tensor.raw_data().data(), tensor.raw_data().size());
  } else if (tensor.has_external_data()) {
    const TensorProto::ExternalDataProto &external = tensor.external_data();
    SmallString<256> file(llvm::sys::path::parent_path(path));
    llvm::sys::path::append(file, external.location());
    auto &mapped = externalFiles[file];
    if (!mapped) {
      llvm::Expected<std::unique_ptr<MappedFile>> opened =
          MappedFile::open(file);
      if (!opened) {
        error() << "parameter '" << name
                << "': external data: " << llvm::toString(opened.takeError());
        return failure();
      }
      mapped = std::move(*opened);
    }
    uint64_t offset = external.offset(), length = external.length();
    if (external.offset() < 0 || external.length() < 0 ||
        offset > mapped->size() || length > mapped->size() - offset) {
      error() << "parameter '" << name << "': external data [" << offset
              << ", +" << length << ") lies outside " << file << " ("
              << mapped->size() << " bytes)";
      return failure();
    }
    ArrayRef<uint8_t> bytes = mapped->bytes().slice(offset, length);
    data = ArrayRef<char>(reinterpret_cast<const char *>(bytes.data()),
                          bytes.size());
  } else {
    return ElementsAttr();
  }

  if (!type.hasStaticShape() || !type.getElementType().isIntOrFloat()) {
    error() << "parameter '" << name << "' of type " << type
            << " cannot hold data";
    return failure();
  }
  unsigned bits = type.getElementType().getIntOrFloatBitWidth();
  uint64_t expected = (uint64_t(type.getNumElements()) * bits + 7) / 8;
  if (type.getElementType().isInteger(1))
    expected = type.getNumElements();
  if (data.size() != expected) {
    error() << "parameter '" << name << "' has " << data.size()
            << " bytes of data but its type " << type << " needs " << expected;
    return failure();
  }
  if (type.getElementType().isInteger(1)) {
    SmallVector<bool> bitsData;
    for (char byte : data)
      bitsData.push_back(byte != 0);
    return cast<ElementsAttr>(DenseElementsAttr::get(type, bitsData));
  }
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      data, std::max<size_t>(bits / 8, 1));
  return cast<ElementsAttr>(
      DenseResourceElementsAttr::get(type, name, std::move(blob)));
}

LogicalResult ModuleImporter::importParameter(const irpb::GraphProto &graph,
                                              const TensorProto &tensor) {
  if (!tensor.has_name()) {
    error() << "graph '" << graph.name() << "' has a parameter without a name";
    return failure();
  }
  StringRef fullName = tensor.name();
  // MindSpore names parameters "<graph>:<name>"; the part after the first
  // ':' is the Python parameter name.
  auto [prefix, rest] = fullName.split(':');
  StringRef name = rest.empty() ? fullName : rest;
  Type type = getTensorType(context, tensor);

  if (ParameterOp existing =
          SymbolTable::lookupSymbolIn(module, name)
              ? dyn_cast<ParameterOp>(SymbolTable::lookupSymbolIn(module, name))
              : ParameterOp()) {
    if (existing.getType() != type) {
      error() << "parameter '" << name << "' appears with types "
              << existing.getType() << " and " << type;
      return failure();
    }
    parameters[fullName] = existing;
    return success();
  }
  if (graphs.count(name)) {
    error() << "parameter '" << name << "' has the name of a graph";
    return failure();
  }

  ElementsAttr value;
  if (options.importWeights)
    if (auto ranked = dyn_cast<RankedTensorType>(type)) {
      FailureOr<ElementsAttr> data = importData(tensor, ranked, name);
      if (failed(data))
        return failure();
      value = *data;
    }
  builder.setInsertionPointToEnd(module.getBody());
  auto parameter = ParameterOp::create(
      builder, NameLoc::get(builder.getStringAttr(name)),
      builder.getStringAttr(name), TypeAttr::get(type), value,
      /*train_layout=*/nullptr, /*predict_layout=*/nullptr);
  parameters[fullName] = parameter;
  return success();
}

OwningOpRef<ModuleOp> ModuleImporter::import(const irpb::ModelProto &model) {
  OwningOpRef<ModuleOp> owned =
      ModuleOp::create(FileLineColLoc::get(context, path, 0, 0));
  module = *owned;
  Builder b(context);
  if (model.has_producer_name())
    module->setAttr(MindIRDialect::kProducerNameAttr,
                    b.getStringAttr(model.producer_name()));
  if (model.has_model_version())
    module->setAttr(MindIRDialect::kModelVersionAttr,
                    b.getStringAttr(model.model_version()));
  if (model.has_ir_version())
    module->setAttr(MindIRDialect::kIrVersionAttr,
                    b.getStringAttr(model.ir_version()));
  if (model.has_mind_ir_version())
    module->setAttr(MindIRDialect::kMindIrVersionAttr,
                    b.getI64IntegerAttr(model.mind_ir_version()));

  for (const irpb::PrimitiveProto &primitive : model.primitives())
    if (!primitives.try_emplace(primitive.name(), &primitive).second) {
      error() << "primitive '" << primitive.name() << "' is listed twice";
      return nullptr;
    }

  if (!model.has_graph() || model.graph().name().empty()) {
    error() << "the model has no graph or its graph has no name";
    return nullptr;
  }
  SmallVector<const irpb::GraphProto *> allGraphs = {&model.graph()};
  for (const irpb::GraphProto &function : model.functions())
    allGraphs.push_back(&function);

  // Declare every graph first: nodes call graphs defined later in the file.
  builder.setInsertionPointToEnd(module.getBody());
  for (const irpb::GraphProto *graph : allGraphs) {
    if (graph->name().empty()) {
      error() << "a function graph has no name";
      return nullptr;
    }
    if (graphs.count(graph->name())) {
      error() << "graph '" << graph->name() << "' is defined twice";
      return nullptr;
    }
    SmallVector<Type> inputs;
    for (const irpb::ValueInfoProto &input : graph->input()) {
      Type type = AnyType::get(context);
      if (input.tensor_size())
        type = getTensorType(context, input.tensor(0));
      else if (input.denotation() == "UMonadType")
        type = UMonadType::get(context);
      else if (input.denotation() == "IOMonadType")
        type = IOMonadType::get(context);
      inputs.push_back(type);
    }
    auto func = func::FuncOp::create(
        builder, NameLoc::get(b.getStringAttr(graph->name())), graph->name(),
        b.getFunctionType(inputs, {}));
    func.addEntryBlock();
    for (auto [index, input] : llvm::enumerate(graph->input()))
      func.setArgAttr(index, MindIRDialect::kNameAttr,
                      b.getStringAttr(input.name()));
    graphs[graph->name()] = func;
    scanNames(*graph);
  }
  module->setAttr(MindIRDialect::kMainGraphAttr,
                  FlatSymbolRefAttr::get(context, model.graph().name()));

  for (const irpb::GraphProto *graph : allGraphs)
    for (const TensorProto &parameter : graph->parameter())
      if (failed(importParameter(*graph, parameter)))
        return nullptr;
  // Parameters go before the graphs, in file order.
  Operation *firstGraph = graphs[model.graph().name()];
  for (const irpb::GraphProto *graph : allGraphs)
    firstGraph = graphs[graph->name()]->isBeforeInBlock(firstGraph)
                     ? graphs[graph->name()].getOperation()
                     : firstGraph;
  for (ParameterOp parameter :
       llvm::make_early_inc_range(module.getOps<ParameterOp>()))
    parameter->moveBefore(firstGraph);

  for (const irpb::GraphProto *graph : allGraphs) {
    GraphImporter importer(*this, *graph, graphs[graph->name()]);
    if (failed(importer.import()))
      return nullptr;
  }

  // Closures read values of graphs imported later: give them the type the
  // value got, where the file left it unknown.
  module.walk([&](FreeVariableOp captured) {
    Type actual = importedTypes.lookup(captured.getName());
    if (actual && isa<AnyType>(captured.getType()))
      captured.getResult().setType(actual);
  });
  for (auto &[name, func] : graphs) {
    auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
    func.setFunctionType(b.getFunctionType(func.getArgumentTypes(),
                                           TypeRange(ret.getOperandTypes())));
  }
  if (failed(verify(module))) {
    error() << "the imported module does not verify";
    return nullptr;
  }
  return owned;
}

//===----------------------------------------------------------------------===//
// Graphs
//===----------------------------------------------------------------------===//

Location GraphImporter::locationOf(const irpb::NodeProto &node) {
  StringRef name = node.domain().empty() ? StringRef(node.output(0))
                                         : StringRef(node.domain());
  return NameLoc::get(StringAttr::get(context(), name),
                      FileLineColLoc::get(context(), module.path, 0, 0));
}

Value GraphImporter::materialize(ImportedValue &imported, Location loc) {
  if (imported.value)
    return imported.value;
  imported.value = MakeTupleOp::create(builder, loc, imported.elements);
  return imported.value;
}

FailureOr<ImportedValue> GraphImporter::lookup(StringRef name,
                                               const irpb::NodeProto &user) {
  auto it = values.find(name);
  if (it != values.end())
    return it->second;

  Location loc = locationOf(user);
  if (auto parameter = module.parameters.lookup(name)) {
    // Read each parameter once per graph, at its top.
    Value &read = parameterReads[parameter];
    if (!read) {
      OpBuilder::InsertionGuard guard(builder);
      builder.setInsertionPointToStart(&func.getBody().front());
      read =
          GetParameterOp::create(builder, parameter.getLoc(),
                                 parameter.getType(), parameter.getSymName());
    }
    return ImportedValue{read, {}};
  }
  if (module.graphs.count(name))
    return ImportedValue{FuncRefOp::create(builder, loc, name), {}};
  auto defined = module.definedNames.find(name);
  if (defined != module.definedNames.end()) {
    // A value of another graph, captured by a closure.
    Value captured = FreeVariableOp::create(builder, loc, defined->second,
                                            builder.getStringAttr(name));
    return ImportedValue{captured, {}};
  }
  error(&user) << "input '" << name << "' is not defined";
  return failure();
}

FailureOr<SmallVector<Value>>
GraphImporter::resolveArguments(const irpb::NodeProto &node, Location loc) {
  FailureOr<SmallVector<ImportedValue>> inputs = resolveInputs(node);
  if (failed(inputs))
    return failure();
  SmallVector<Value> args;
  for (ImportedValue &input : *inputs)
    args.push_back(materialize(input, loc));
  return args;
}

FailureOr<SmallVector<ImportedValue>>
GraphImporter::resolveInputs(const irpb::NodeProto &node, int skip) {
  SmallVector<ImportedValue> inputs;
  for (const std::string &name : llvm::drop_begin(node.input(), skip)) {
    FailureOr<ImportedValue> value = lookup(name, node);
    if (failed(value))
      return failure();
    inputs.push_back(*value);
  }
  return inputs;
}

SmallVector<NamedAttribute> GraphImporter::convertAttributes(
    const google::protobuf::RepeatedPtrField<AttributeProto> &attributes) {
  SmallVector<NamedAttribute> converted;
  for (const AttributeProto &attribute : attributes) {
    if (attribute.name() == "shape" ||
        StringRef(attribute.ref_attr_name()).starts_with("shape:"))
      continue;
    if (attribute.name().empty())
      continue;
    Attribute value = convertValue(context(), attribute).first;
    // A primitive's in_strategy is its shard() strategy.
    if (attribute.name() == "in_strategy")
      if (auto tuple = dyn_cast<ArrayAttr>(value)) {
        SmallVector<SmallVector<int64_t>> splits;
        bool ok = true;
        for (Attribute input : tuple) {
          auto counts = dyn_cast<ArrayAttr>(input);
          if (!counts) {
            ok = false;
            break;
          }
          SmallVector<int64_t> &split = splits.emplace_back();
          for (Attribute count : counts) {
            auto integer = dyn_cast<IntegerAttr>(count);
            ok &= integer && integer.getInt() >= 1;
            if (integer)
              split.push_back(integer.getInt());
          }
        }
        if (ok)
          value = StrategyAttr::get(context(), splits);
      }
    converted.emplace_back(StringAttr::get(context(), attribute.name()), value);
  }
  return converted;
}

LogicalResult GraphImporter::import() {
  Block &entry = func.getBody().front();
  builder.setInsertionPointToEnd(&entry);
  for (auto [index, input] : llvm::enumerate(graph.input())) {
    values[input.name()] = ImportedValue{entry.getArgument(index), {}};
    recordType(input.name(), values[input.name()]);
  }

  for (const irpb::NodeProto &node : graph.node())
    if (failed(importNode(node)))
      return failure();

  // The graph's outputs; several are returned as they are.
  SmallVector<Value> results;
  for (const irpb::ValueInfoProto &output : graph.output()) {
    Location loc = NameLoc::get(builder.getStringAttr(output.name()));
    auto it = values.find(output.name());
    if (it != values.end()) {
      results.push_back(materialize(it->second, loc));
      continue;
    }
    // An output captured from an enclosing graph.
    auto defined = module.definedNames.find(output.name());
    if (defined == module.definedNames.end()) {
      error() << "output '" << output.name() << "' is not a node or input";
      return failure();
    }
    results.push_back(FreeVariableOp::create(
        builder, loc, defined->second, builder.getStringAttr(output.name())));
  }
  func::ReturnOp::create(builder, func.getLoc(), results);
  func.setFunctionType(builder.getFunctionType(entry.getArgumentTypes(),
                                               ValueRange(results).getTypes()));

  for (Operation *constant : foldedProducers)
    if (constant->use_empty() && !constant->hasAttr(MindIRDialect::kNameAttr))
      constant->erase();
  return success();
}

LogicalResult GraphImporter::importNode(const irpb::NodeProto &node) {
  if (node.output_size() == 0 || node.output(0).empty()) {
    error() << "a node of type '" << node.op_type() << "' has no output";
    return failure();
  }
  if (node.op_type().empty()) {
    error(&node) << "the node has no op_type";
    return failure();
  }
  StringRef name = node.output(0);
  if (values.count(name)) {
    error(&node) << "the output name is defined twice";
    return failure();
  }
  Location loc = locationOf(node);

  if (node.op_type() == "Constant") {
    if (node.attribute_size() == 0) {
      error(&node) << "the constant has no value";
      return failure();
    }
    auto [value, type] = convertValue(context(), node.attribute(0));
    values[name] =
        ImportedValue{ConstantOp::create(builder, loc, type, value), {}};
    nameIfCaptured(name, values[name]);
    recordType(name, values[name]);
    return success();
  }

  StringRef opType = node.op_type();
  FailureOr<ImportedValue> result = failure();
  if (opType.consume_front("REF::")) {
    if (const irpb::PrimitiveProto *primitive =
            module.primitives.lookup(opType)) {
      result = importPrimitive(node, primitive->op_type(),
                               convertAttributes(primitive->attribute()),
                               primitive->instance_name());
    } else if (func::FuncOp callee = module.graphs.lookup(opType)) {
      FailureOr<SmallVector<Value>> args = resolveArguments(node, loc);
      if (failed(args))
        return failure();
      Type type = module.definedNames.lookup(name);
      auto call = CallOp::create(builder, loc, TypeRange{type},
                                 callee.getSymName(), *args);
      result = ImportedValue{call.getResult(0), {}};
    } else if (opType.starts_with("MetaFuncGraph::") ||
               opType.starts_with("ClassType::")) {
      result = importPrimitive(node, opType, {}, "");
    } else {
      // A node or input used as the callee: a closure call.
      FailureOr<ImportedValue> callee = lookup(opType, node);
      if (failed(callee))
        return failure();
      FailureOr<SmallVector<Value>> args = resolveArguments(node, loc);
      if (failed(args))
        return failure();
      Type type = module.definedNames.lookup(name);
      auto apply = ApplyOp::create(builder, loc, TypeRange{type},
                                   materialize(*callee, loc), *args);
      result = ImportedValue{apply.getResult(0), {}};
    }
  } else {
    // MindSpore up to 1.6: the bare primitive name, attributes on the node.
    result =
        importPrimitive(node, opType, convertAttributes(node.attribute()), "");
  }
  if (failed(result))
    return failure();
  values[name] = *result;
  nameIfCaptured(name, *result);
  recordType(name, *result);
  return success();
}

void GraphImporter::recordType(StringRef name, const ImportedValue &imported) {
  module.importedTypes[name] =
      imported.value
          ? imported.value.getType()
          : Type(TupleType::get(context(),
                                ValueRange(imported.elements).getTypes()));
}

void GraphImporter::nameIfCaptured(StringRef name,
                                   const ImportedValue &imported) {
  if (!module.capturedNames.contains(name))
    return;
  Value value = imported.value ? imported.value : imported.elements.front();
  // One element of an op of several results (a folded TupleGetItem) is
  // named among the op's results; the whole op by its own name.
  if (auto result = dyn_cast<OpResult>(value);
      imported.value && result && result.getOwner()->getNumResults() > 1) {
    Operation *op = result.getOwner();
    SmallVector<Attribute> names(op->getNumResults(),
                                 builder.getStringAttr(""));
    if (auto existing =
            op->getAttrOfType<ArrayAttr>(MindIRDialect::kResultNamesAttr))
      names.assign(existing.begin(), existing.end());
    names[result.getResultNumber()] = builder.getStringAttr(name);
    op->setAttr(MindIRDialect::kResultNamesAttr, builder.getArrayAttr(names));
    return;
  }
  if (Operation *op = value.getDefiningOp())
    op->setAttr(MindIRDialect::kNameAttr, builder.getStringAttr(name));
}

Operation *GraphImporter::createVerified(OperationState &state) {
  // Try quietly: a failure falls back to the generic op.
  ScopedDiagnosticHandler quiet(context(),
                                [](Diagnostic &) { return success(); });
  Operation *op = builder.create(state);
  if (succeeded(verify(op, /*verifyRecursively=*/false)))
    return op;

  SmallVector<Type> inferred;
  if (succeeded(inferResultTypes(op, inferred))) {
    OperationState retry(op->getLoc(), op->getName());
    retry.addOperands(op->getOperands());
    retry.addAttributes(op->getAttrs());
    retry.addTypes(inferred);
    op->erase();
    op = builder.create(retry);
    if (succeeded(verify(op, /*verifyRecursively=*/false)))
      return op;
  }
  LLVM_DEBUG(llvm::dbgs() << "mindir-import: " << op->getName()
                          << " does not verify; keeping it generic\n");
  op->erase();
  return nullptr;
}

std::optional<ImportedValue> GraphImporter::tryCollective(
    StringRef base, SmallVectorImpl<ImportedValue> &inputs,
    ArrayRef<NamedAttribute> attributes, Location loc) {
  if (base != "AllReduce" && base != "AllGather" && base != "ReduceScatter" &&
      base != "AlltoAll")
    return std::nullopt;
  if (inputs.size() != 1 || !inputs[0].value)
    return std::nullopt;
  DictionaryAttr attrs = DictionaryAttr::get(context(), attributes);
  auto group = attrs.getAs<StringAttr>("group");
  auto rankList = attrs.getAs<StringAttr>("group_ranks");
  if (!group || !rankList)
    return std::nullopt;
  // group_ranks is "0-1-2-3" as MindSpore labels its groups.
  SmallVector<int64_t> ranks;
  SmallVector<StringRef> parts;
  rankList.getValue().split(parts, '-');
  for (StringRef part : parts) {
    int64_t rank;
    if (part.getAsInteger(10, rank))
      return std::nullopt;
    ranks.push_back(rank);
  }
  OperationState state(loc, "mindir." + base.str());
  state.addOperands(inputs[0].value);
  for (NamedAttribute attribute : attributes)
    if (attribute.getName() != "group_ranks" &&
        attribute.getName() != "rank_size")
      state.addAttribute(attribute.getName(), attribute.getValue());
  state.addAttribute("group_ranks", builder.getDenseI64ArrayAttr(ranks));
  state.addTypes(inputs[0].value.getType());
  if (Operation *op = createVerified(state))
    return ImportedValue{op->getResult(0), {}};
  return std::nullopt;
}

std::optional<ImportedValue>
GraphImporter::tryDedicated(const irpb::NodeProto &node, StringRef base,
                            SmallVectorImpl<ImportedValue> &inputs,
                            ArrayRef<NamedAttribute> attributes, Type abstract,
                            Location loc) {
  const OpSpec *spec = lookupOpSpec(base);
  if (!spec)
    return tryCollective(base, inputs, attributes, loc);

  // The tensor operands.
  SmallVector<Value> operands;
  SmallVector<Operation *> folded;
  size_t next = 0;
  if (spec->tensorInputs < 0) {
    // Concat takes one tuple: a MakeTuple, or a multi-result op's results.
    if (inputs.empty())
      return std::nullopt;
    if (!inputs[0].elements.empty())
      llvm::append_range(operands, inputs[0].elements);
    else if (auto tuple = inputs[0].value.getDefiningOp<MakeTupleOp>()) {
      llvm::append_range(operands, tuple.getElements());
      folded.push_back(tuple);
    } else
      return std::nullopt;
    next = 1;
  } else {
    if (inputs.size() < static_cast<size_t>(spec->tensorInputs))
      return std::nullopt;
    for (int i = 0; i < spec->tensorInputs; ++i) {
      if (!inputs[i].value)
        return std::nullopt;
      operands.push_back(inputs[i].value);
    }
    next = spec->tensorInputs;
  }

  // The remaining arguments: constant inputs in order, then attributes.
  DictionaryAttr attrs = DictionaryAttr::get(context(), attributes);
  llvm::StringSet<> consumed;
  OperationState state(loc, "mindir." + base.str());
  state.addOperands(operands);
  for (const ArgSpec &arg : spec->args) {
    Attribute value;
    if (next < inputs.size()) {
      auto constant = inputs[next].value
                          ? inputs[next].value.getDefiningOp<ConstantOp>()
                          : ConstantOp();
      if (!constant)
        return std::nullopt;
      value = constant.getValue();
      folded.push_back(constant);
      ++next;
    } else if (!arg.alwaysInput) {
      value = attrs.get(arg.name);
      // BiasAdd's data_format is "format" in some files, and may be an enum.
      if (!value && arg.name == "data_format")
        value = attrs.get("format");
      if (value && arg.name == "data_format")
        if (auto number = dyn_cast<IntegerAttr>(value))
          value = builder.getStringAttr(number.getInt() == 1 ? "NHWC" : "NCHW");
    }
    if (!value)
      continue;
    std::optional<Attribute> property = convertArg(context(), arg, value);
    if (!property)
      return std::nullopt;
    state.addAttribute(arg.name, *property);
    consumed.insert(arg.name);
  }
  if (next != inputs.size())
    return std::nullopt;
  if (base == "BiasAdd")
    consumed.insert("format");

  for (NamedAttribute attribute : attributes)
    if (!consumed.contains(attribute.getName()))
      state.addAttribute(attribute.getName(), attribute.getValue());

  // Result types: from the file's abstract, else inferred.
  unsigned results = 1;
  if (base == "LayerNorm")
    results = 3;
  else if (base == "RmsNorm")
    results = 2;
  else if (base == "Split")
    if (auto count =
            dyn_cast_or_null<IntegerAttr>(state.attributes.get("output_num")))
      results = std::max<int64_t>(count.getInt(), 1);
  if (results == 1) {
    state.addTypes(abstract);
  } else if (auto tuple = dyn_cast<TupleType>(abstract);
             tuple && tuple.size() == results) {
    state.addTypes(tuple.getTypes());
  } else {
    state.addTypes(SmallVector<Type>(results, AnyType::get(context())));
  }

  Operation *op = createVerified(state);
  if (!op)
    return std::nullopt;
  foldedProducers.insert(folded.begin(), folded.end());
  if (results == 1)
    return ImportedValue{op->getResult(0), {}};
  ImportedValue imported;
  llvm::append_range(imported.elements, op->getResults());
  return imported;
}

FailureOr<ImportedValue>
GraphImporter::importPrimitive(const irpb::NodeProto &node, StringRef primitive,
                               SmallVector<NamedAttribute> attributes,
                               StringRef instanceName) {
  Location loc = locationOf(node);
  StringRef base = stripSignaturePrefix(primitive);
  Type abstract = module.definedNames.lookup(node.output(0));
  if (!abstract)
    abstract = AnyType::get(context());

  FailureOr<SmallVector<ImportedValue>> resolved = resolveInputs(node);
  if (failed(resolved))
    return failure();
  SmallVector<ImportedValue> &inputs = *resolved;

  // Graph plumbing.
  if (base == "TupleGetItem" && inputs.size() == 2)
    if (auto index = inputs[1].value.getDefiningOp<ConstantOp>())
      if (auto number = dyn_cast<IntegerAttr>(index.getValue())) {
        int64_t i = number.getInt();
        if (!inputs[0].elements.empty() && i >= 0 &&
            i < static_cast<int64_t>(inputs[0].elements.size())) {
          foldedProducers.insert(index);
          return ImportedValue{inputs[0].elements[i], {}};
        }
        OperationState state(loc, TupleGetItemOp::getOperationName());
        state.addOperands(materialize(inputs[0], loc));
        state.addAttribute("index", builder.getI64IntegerAttr(i));
        state.addTypes(abstract);
        if (Operation *op = createVerified(state)) {
          foldedProducers.insert(index);
          return ImportedValue{op->getResult(0), {}};
        }
      }
  if (base == "MakeTuple" || base == "Load" || base == "UpdateState" ||
      base == "Depend") {
    SmallVector<Value> operands;
    for (ImportedValue &input : inputs)
      operands.push_back(materialize(input, loc));
    OperationState state(loc, "mindir." + base.str());
    state.addOperands(operands);
    Type type = abstract;
    if (base == "MakeTuple")
      type = TupleType::get(context(), ValueRange(operands).getTypes());
    else if (!operands.empty() &&
             (base != "UpdateState" ||
              isa<UMonadType, IOMonadType>(operands[0].getType())))
      type = operands[0].getType();
    state.addTypes(type);
    if (!operands.empty())
      if (Operation *op = createVerified(state))
        return ImportedValue{op->getResult(0), {}};
  }

  if (std::optional<ImportedValue> dedicated =
          tryDedicated(node, base, inputs, attributes, abstract, loc)) {
    if (!instanceName.empty()) {
      Operation *op = dedicated->value ? dedicated->value.getDefiningOp()
                                       : dedicated->elements[0].getDefiningOp();
      op->setAttr(MindIRDialect::kInstanceNameAttr,
                  builder.getStringAttr(instanceName));
    }
    return *dedicated;
  }

  // Any other primitive, or a use the dedicated op does not accept.
  SmallVector<Value> operands;
  for (ImportedValue &input : inputs)
    operands.push_back(materialize(input, loc));
  OperationState state(loc, PrimitiveGenericOp::getOperationName());
  state.addOperands(operands);
  state.addAttribute("primitive", builder.getStringAttr(primitive));
  for (NamedAttribute attribute : attributes)
    if (attribute.getName() != "primitive")
      state.addAttribute(attribute.getName(), attribute.getValue());
  if (!instanceName.empty())
    state.addAttribute(MindIRDialect::kInstanceNameAttr,
                       builder.getStringAttr(instanceName));
  state.addTypes(abstract);
  Operation *op = builder.create(state);
  return ImportedValue{op->getResult(0), {}};
}

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

llvm::Error mindshard::parseModelProto(ArrayRef<uint8_t> bytes, StringRef path,
                                       const std::optional<DecryptKey> &key,
                                       irpb::ModelProto &model) {
  std::vector<uint8_t> plaintext;
  if (looksEncrypted(bytes)) {
    if (!key)
      return fileError(path, "is encrypted; give its key with "
                             "--decrypt-key-hex, --decrypt-key-file or "
                             "MINDSHARD_DECRYPT_KEY");
    llvm::Expected<std::vector<uint8_t>> decrypted = decrypt(path, bytes, *key);
    if (!decrypted)
      return decrypted.takeError();
    plaintext = std::move(*decrypted);
    bytes = plaintext;
  }
  if (bytes.size() > static_cast<size_t>(INT_MAX))
    return fileError(path, "is over 2 GiB, more than protobuf can parse; "
                           "MindSpore writes weights over 1 GiB to external "
                           "data files");
  google::protobuf::io::ArrayInputStream stream(bytes.data(),
                                                static_cast<int>(bytes.size()));
  google::protobuf::io::CodedInputStream coded(&stream);
  coded.SetTotalBytesLimit(INT_MAX);
  if (!model.ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage())
    return protobufError(path, bytes, "MindIR file (ModelProto)");
  if (!model.has_graph())
    return fileError(path, "is not a MindIR file: it has no graph");
  return llvm::Error::success();
}

OwningOpRef<ModuleOp>
mindshard::importMindIR(ArrayRef<uint8_t> bytes, StringRef path,
                        MLIRContext *context,
                        const MindIRImportOptions &options) {
  context->loadDialect<MindIRDialect, func::FuncDialect>();
  irpb::ModelProto model;
  if (llvm::Error error = parseModelProto(bytes, path, options.key, model)) {
    // The message names the file already.
    emitError(UnknownLoc::get(context)) << llvm::toString(std::move(error));
    return nullptr;
  }
  ModuleImporter importer(context, path, options);
  return importer.import(model);
}

OwningOpRef<ModuleOp>
mindshard::importMindIR(StringRef path, MLIRContext *context,
                        const MindIRImportOptions &options) {
  llvm::Expected<std::unique_ptr<MappedFile>> file = MappedFile::open(path);
  if (!file) {
    emitError(UnknownLoc::get(context)) << llvm::toString(file.takeError());
    return nullptr;
  }
  return importMindIR((*file)->bytes(), path, context, options);
}
