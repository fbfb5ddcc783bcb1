//===- MindIRExport.cpp - the mindir dialect as MindIR files --------------===//
//
// Part of mindshard. Writes what MindSpore 2.x writes and its loader checks:
// producer_name and model_version set, primitives in ModelProto.primitives
// referenced as `REF::<Prim>:<id>`, values as Constant nodes, a "shape"
// abstract on every node, nodes in topological order, one output per graph
// (a MakeTuple for several), parameters named "<graph>:<name>".
//
// Parameter bytes are streamed: the model is serialized without them, and
// each parameter's raw_data (or its external data file) is written straight
// from its source, so a full copy of the weights is never held in memory.
//
//===----------------------------------------------------------------------===//

#include "MindIRCommon.h"

#include "mindshard/Formats/FileIO.h"
#include "mindshard/Formats/Wire.h"
#include "mindshard/Target/MindIR.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

#include <map>

using namespace mlir;
using namespace mindshard;
using namespace mindshard::mindir;
using namespace mindshard::mindir_format;

ParameterDataSource::~ParameterDataSource() = default;

namespace {

/// MindSpore's defaults for the init arguments of the dedicated ops, written
/// when an op leaves them unset.
Attribute defaultArg(Builder &b, StringRef op, StringRef arg) {
  if (arg == "transpose_a" || arg == "transpose_b" || arg == "keep_dims")
    return b.getBoolAttr(false);
  if (arg == "begin_norm_axis" || arg == "begin_params_axis" ||
      arg == "output_num")
    return b.getI64IntegerAttr(1);
  if (arg == "epsilon")
    return b.getF32FloatAttr(op == "RmsNorm" ? 1e-6f : 1e-7f);
  if (arg == "data_format")
    return b.getStringAttr("NCHW");
  if (arg == "axis" && op == "Softmax")
    return b.getDenseI64ArrayAttr({-1});
  return b.getI64IntegerAttr(0);
}

/// Extra attributes MindSpore's communication primitives carry.
void addCollectiveDefaults(Operation *op,
                           SmallVectorImpl<NamedAttribute> &attrs) {
  Builder b(op->getContext());
  auto add = [&](StringRef name, Attribute value) {
    if (!llvm::any_of(attrs,
                      [&](NamedAttribute a) { return a.getName() == name; }))
      attrs.emplace_back(b.getStringAttr(name), value);
  };
  auto ranks = op->getAttrOfType<DenseI64ArrayAttr>("group_ranks");
  std::string label;
  llvm::raw_string_ostream os(label);
  llvm::interleave(ranks.asArrayRef(), os, "-");
  add("group_ranks", b.getStringAttr(label));
  if (isa<AllGatherOp, ReduceScatterOp>(op))
    add("rank_size", b.getI64IntegerAttr(ranks.size()));
  if (!isa<AlltoAllOp>(op))
    add("fusion", b.getI64IntegerAttr(0));
  if (isa<AllReduceOp>(op))
    add("index", b.getI64IntegerAttr(0));
  if (isa<AllGatherOp>(op))
    add("mean_flag", b.getBoolAttr(false));
  add("no_eliminate", b.getBoolAttr(true));
}

/// One parameter as the file holds it.
struct ExportedParameter {
  ParameterOp op;
  std::string name;
  uint64_t bytes = 0;
  /// The parameter's TensorProto without data.
  TensorProto header;
};

/// The model's bytes apart from its parameters, serialized once: the model's
/// fields without the graph, and the graph's fields without parameters.
struct SerializedModel {
  std::string modelFields;
  std::string graphFields;
};

SerializedModel serialize(irpb::ModelProto model) {
  SerializedModel serialized;
  serialized.graphFields = model.graph().SerializeAsString();
  model.clear_graph();
  serialized.modelFields = model.SerializeAsString();
  return serialized;
}

class Exporter {
public:
  Exporter(ModuleOp module, const MindIRExportOptions &options)
      : module(module), options(options), b(module.getContext()) {}

  LogicalResult build();
  LogicalResult write(llvm::raw_ostream &os);
  /// Writes the files, parameter data from `source` (null: from the IR).
  /// Safe to call from several threads once build() has run.
  llvm::Expected<MindIRExportResult>
  writeFiles(StringRef path, ParameterDataSource *source) const;

private:
  InFlightDiagnostic error(Operation *op) {
    return op ? op->emitError() : module.emitError();
  }
  LogicalResult exportGraph(func::FuncOp func, irpb::GraphProto &graph);
  std::string primitiveRef(StringRef opType,
                           ArrayRef<NamedAttribute> attributes,
                           StringRef instanceName);
  LogicalResult collectParameters();
  /// The parameters with the byte size of their data from `source`, and
  /// the total.
  std::pair<std::vector<ExportedParameter>, uint64_t>
  sizeParameters(ParameterDataSource *source) const;
  /// Streams one parameter's bytes.
  llvm::Error
  writeData(ParameterDataSource *source, const ExportedParameter &parameter,
            llvm::function_ref<llvm::Error(ArrayRef<uint8_t>)> sink) const;

  ModuleOp module;
  MindIRExportOptions options;
  Builder b;
  bool promoteInitArgs = false;
  irpb::ModelProto model;
  /// The model serialized without parameters, once built.
  SerializedModel serialized;
  func::FuncOp mainGraph;
  std::map<std::string, std::string> primitiveKeys;
  unsigned nextPrimitive = 0;
  std::vector<ExportedParameter> parameters;
};

} // namespace

//===----------------------------------------------------------------------===//
// Model
//===----------------------------------------------------------------------===//

std::string Exporter::primitiveRef(StringRef opType,
                                   ArrayRef<NamedAttribute> attributes,
                                   StringRef instanceName) {
  irpb::PrimitiveProto primitive;
  primitive.set_op_type(opType.str());
  if (!instanceName.empty())
    primitive.set_instance_name(instanceName.str());
  for (NamedAttribute attribute : attributes) {
    irpb::AttributeProto proto;
    proto.set_name(attribute.getName().str());
    if (!encodeValue(attribute.getValue(), proto))
      continue;
    *primitive.add_attribute() = std::move(proto);
  }
  // Equal primitives are written once, as MindSpore does.
  std::string key = primitive.SerializeAsString();
  auto [it, inserted] = primitiveKeys.try_emplace(key, "");
  if (inserted) {
    it->second = llvm::formatv("{0}:{1}", opType, nextPrimitive++).str();
    primitive.set_name(it->second);
    *model.add_primitives() = std::move(primitive);
  }
  return "REF::" + it->second;
}

LogicalResult Exporter::collectParameters() {
  for (ParameterOp op : module.getOps<ParameterOp>()) {
    ExportedParameter &parameter = parameters.emplace_back();
    parameter.op = op;
    parameter.name = op.getSymName().str();
    auto type = dyn_cast<RankedTensorType>(op.getType());
    if (!type || !type.hasStaticShape()) {
      error(op) << "a parameter must have a static tensor type to be "
                   "written, got "
                << op.getType();
      return failure();
    }
    TensorProto &header = parameter.header;
    header.set_name((mainGraph.getSymName() + ":" + parameter.name).str());
    for (int64_t dim : type.getShape())
      header.add_dims(dim);
    std::optional<int> dataType = getDataType(type.getElementType());
    if (!dataType) {
      error(op) << "element type " << type.getElementType()
                << " has no MindIR data type";
      return failure();
    }
    header.set_data_type(*dataType);

    if (std::optional<ElementsAttr> value = op.getValue())
      if (!isa<DenseElementsAttr, DenseResourceElementsAttr>(*value)) {
        error(op) << "the parameter's value cannot be written";
        return failure();
      }
  }
  return success();
}

std::pair<std::vector<ExportedParameter>, uint64_t>
Exporter::sizeParameters(ParameterDataSource *source) const {
  std::vector<ExportedParameter> sized = parameters;
  uint64_t totalBytes = 0;
  for (ExportedParameter &parameter : sized) {
    ParameterOp op = parameter.op;
    auto type = cast<RankedTensorType>(op.getType());
    if (source && source->provides(parameter.name)) {
      parameter.bytes = source->byteSize(parameter.name);
    } else if (op.getValue()) {
      unsigned bits = type.getElementType().isInteger(1)
                          ? 8
                          : type.getElementType().getIntOrFloatBitWidth();
      parameter.bytes = (type.getNumElements() * bits + 7) / 8;
    } else {
      // No data: MindSpore leaves such a parameter uninitialised.
      parameter.bytes = 0;
    }
    totalBytes += parameter.bytes;
  }
  return {std::move(sized), totalBytes};
}

llvm::Error Exporter::writeData(
    ParameterDataSource *source, const ExportedParameter &parameter,
    llvm::function_ref<llvm::Error(ArrayRef<uint8_t>)> sink) const {
  if (source && source->provides(parameter.name))
    return source->write(parameter.name, sink);
  std::optional<ElementsAttr> value =
      const_cast<ParameterOp &>(parameter.op).getValue();
  if (!value)
    return llvm::Error::success();
  irpb::AttributeProto proto;
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(*value)) {
    if (AsmResourceBlob *blob = resource.getRawHandle().getBlob()) {
      ArrayRef<char> data = blob->getData();
      return sink(ArrayRef<uint8_t>(
          reinterpret_cast<const uint8_t *>(data.data()), data.size()));
    }
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "parameter '" + parameter.name +
                                       "' refers to a missing resource blob");
  }
  if (!encodeValue(*value, proto) || proto.tensors_size() != 1)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "parameter '" + parameter.name +
                                       "' has a value that cannot be written");
  const std::string &raw = proto.tensors(0).raw_data();
  return sink(ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(raw.data()),
                                raw.size()));
}

LogicalResult Exporter::build() {
  auto mainName =
      module->getAttrOfType<FlatSymbolRefAttr>(MindIRDialect::kMainGraphAttr);
  if (mainName)
    mainGraph = module.lookupSymbol<func::FuncOp>(mainName);
  if (!mainGraph) {
    auto funcs = module.getOps<func::FuncOp>();
    if (funcs.empty()) {
      error(nullptr) << "the module has no graph to export";
      return failure();
    }
    mainGraph = *funcs.begin();
  }

  // The header: the module's own when it came from a file, else the target
  // version's; an explicit target version wins.
  auto stringAttr = [&](StringRef name) -> std::optional<std::string> {
    if (auto value = module->getAttrOfType<StringAttr>(name))
      return value.str();
    return std::nullopt;
  };
  StringRef target = options.targetVersion;
  bool explicitTarget = !target.empty();
  if (target.empty())
    target = "2.2";
  model.set_producer_name(
      stringAttr(MindIRDialect::kProducerNameAttr).value_or("MindSpore"));
  std::string version = (target + ".0").str();
  if (!explicitTarget)
    version = stringAttr(MindIRDialect::kModelVersionAttr).value_or(version);
  model.set_model_version(version);
  model.set_ir_version(
      stringAttr(MindIRDialect::kIrVersionAttr).value_or("0.1.1"));
  model.set_little_endian(true);
  // MindIR version 2 (MindSpore 2.3 on) passes init arguments as inputs.
  int64_t major = 0, minor = 0;
  StringRef rest = StringRef(version);
  rest.consumeInteger(10, major);
  rest.consume_front(".");
  rest.consumeInteger(10, minor);
  int64_t mindIrVersion = (major > 2 || (major == 2 && minor >= 3)) ? 2 : 1;
  auto moduleVersion =
      module->getAttrOfType<IntegerAttr>(MindIRDialect::kMindIrVersionAttr);
  if (!explicitTarget && moduleVersion)
    mindIrVersion = moduleVersion.getInt();
  if (explicitTarget || moduleVersion)
    model.set_mind_ir_version(mindIrVersion);
  promoteInitArgs = mindIrVersion >= 2;

  if (failed(collectParameters()))
    return failure();
  if (failed(exportGraph(mainGraph, *model.mutable_graph())))
    return failure();
  for (func::FuncOp func : module.getOps<func::FuncOp>())
    if (func != mainGraph)
      if (failed(exportGraph(func, *model.add_functions())))
        return failure();
  serialized = serialize(model);
  return success();
}

//===----------------------------------------------------------------------===//
// Graphs
//===----------------------------------------------------------------------===//

LogicalResult Exporter::exportGraph(func::FuncOp func,
                                    irpb::GraphProto &graph) {
  std::string graphName = func.getSymName().str();
  graph.set_name(graphName);
  llvm::DenseMap<Value, std::string> names;
  unsigned nextNode = 1;
  auto freshName = [&](StringRef kind) {
    unsigned id = nextNode++;
    return llvm::formatv("{0}:{1}_{2}:{2}", graphName, kind, id).str();
  };

  Block &entry = func.getBody().front();
  for (BlockArgument arg : entry.getArguments()) {
    auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                  MindIRDialect::kNameAttr);
    std::string text =
        name ? name.str()
             : llvm::formatv("{0}:input_{1}", graphName, arg.getArgNumber())
                   .str();
    names[arg] = text;
    irpb::ValueInfoProto *input = graph.add_input();
    input->set_name(text);
    Type type = arg.getType();
    if (auto tensor = dyn_cast<TensorType>(type)) {
      irpb::AttributeProto abstract;
      setAbstract(tensor, abstract);
      *input->add_tensor() = abstract.tensors(0);
    } else if (isa<UMonadType>(type)) {
      input->set_denotation("UMonadType");
    } else if (isa<IOMonadType>(type)) {
      input->set_denotation("IOMonadType");
    }
  }

  auto addConstant = [&](Attribute value, Type type,
                         StringAttr kept = {}) -> std::string {
    irpb::NodeProto *node = graph.add_node();
    std::string name = kept ? kept.str() : freshName("ValueNode");
    node->set_name(name);
    node->add_output(name);
    node->set_op_type("Constant");
    irpb::AttributeProto *attribute = node->add_attribute();
    attribute->set_name("value");
    if (isa<UnitAttr>(value) && isa<UMonadType>(type))
      attribute->set_type(AttributeProto::UMONAD);
    else if (isa<UnitAttr>(value) && isa<IOMonadType>(type))
      attribute->set_type(AttributeProto::IOMONAD);
    else if (!encodeValue(value, *attribute))
      return "";
    return name;
  };
  // `kept` is the name of a node that other graphs refer to.
  auto addNode = [&](Operation *op, StringRef opType,
                     ArrayRef<std::string> inputs, Type abstract,
                     StringAttr kept = {}) {
    irpb::NodeProto *node = graph.add_node();
    std::string name = kept ? kept.str() : freshName("CNode");
    node->set_name(name);
    node->add_output(name);
    node->set_op_type(opType.str());
    for (const std::string &input : inputs)
      node->add_input(input);
    if (auto loc = dyn_cast<NameLoc>(op->getLoc()))
      node->set_domain(loc.getName().str());
    irpb::AttributeProto *shape = node->add_attribute();
    shape->set_name("shape");
    setAbstract(abstract, *shape);
    return name;
  };
  auto tupleItem = [&](Operation *op, const std::string &tuple, Type type,
                       int64_t index, StringAttr kept = {}) {
    std::string indexName =
        addConstant(b.getI64IntegerAttr(index), b.getI64Type());
    std::string ref = primitiveRef("TupleGetItem", {}, "");
    return addNode(op, ref, {tuple, indexName}, type, kept);
  };
  auto nameOf = [&](Value value) -> std::string { return names.lookup(value); };
  auto keptName = [](Operation *op) {
    return op->getAttrOfType<StringAttr>(MindIRDialect::kNameAttr);
  };

  for (Operation &operation : entry) {
    Operation *op = &operation;
    auto operandNames = [&]() {
      SmallVector<std::string> inputs;
      for (Value operand : op->getOperands())
        inputs.push_back(nameOf(operand));
      return inputs;
    };
    // Primitive attributes: everything that is not mindshard's own.
    auto primitiveAttrs = [&](llvm::StringSet<> &skip) {
      SmallVector<NamedAttribute> attrs;
      for (NamedAttribute attribute : op->getDiscardableAttrs())
        if (isPrimitiveAttributeName(attribute.getName()) &&
            !skip.contains(attribute.getName()))
          attrs.push_back(attribute);
      if (auto strategy = op->getAttrOfType<StrategyAttr>("in_strategy"))
        attrs.emplace_back(b.getStringAttr("in_strategy"), strategy);
      return attrs;
    };
    auto instanceName = [&]() -> StringRef {
      if (auto name =
              op->getAttrOfType<StringAttr>(MindIRDialect::kInstanceNameAttr))
        return name.getValue();
      return "";
    };

    if (auto constant = dyn_cast<ConstantOp>(op)) {
      std::string name =
          addConstant(constant.getValue(), constant.getType(),
                      op->getAttrOfType<StringAttr>(MindIRDialect::kNameAttr));
      if (name.empty())
        return error(op) << "the value cannot be written as MindIR";
      names[constant] = name;
      continue;
    }
    if (auto read = dyn_cast<GetParameterOp>(op)) {
      names[read] = (mainGraph.getSymName() + ":" + read.getName()).str();
      continue;
    }
    if (auto captured = dyn_cast<FreeVariableOp>(op)) {
      names[captured] = captured.getName().str();
      continue;
    }
    if (auto ref = dyn_cast<FuncRefOp>(op)) {
      names[ref] = ref.getGraph().str();
      continue;
    }
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      std::string output;
      if (ret.getNumOperands() == 1) {
        output = nameOf(ret.getOperand(0));
      } else {
        Type tuple =
            TupleType::get(op->getContext(), TypeRange(ret.getOperandTypes()));
        output = addNode(op, primitiveRef("MakeTuple", {}, ""), operandNames(),
                         tuple);
      }
      irpb::ValueInfoProto *info = graph.add_output();
      info->set_name(output);
      if (ret.getNumOperands() == 1)
        if (auto tensor = dyn_cast<TensorType>(ret.getOperand(0).getType())) {
          irpb::AttributeProto abstract;
          setAbstract(tensor, abstract);
          *info->add_tensor() = abstract.tensors(0);
        }
      continue;
    }
    if (auto call = dyn_cast<CallOp>(op)) {
      if (call.getNumResults() != 1)
        return error(op) << "a graph call must have one result to be written";
      names[call.getResult(0)] =
          addNode(op, ("REF::" + call.getCallee()).str(), operandNames(),
                  call.getResult(0).getType(), keptName(op));
      continue;
    }
    if (auto apply = dyn_cast<ApplyOp>(op)) {
      if (apply.getNumResults() != 1)
        return error(op) << "a closure call must have one result";
      SmallVector<std::string> inputs;
      for (Value arg : apply.getArgs())
        inputs.push_back(nameOf(arg));
      names[apply.getResult(0)] =
          addNode(op, "REF::" + nameOf(apply.getCallee()), inputs,
                  apply.getResult(0).getType(), keptName(op));
      continue;
    }
    if (auto generic = dyn_cast<PrimitiveGenericOp>(op)) {
      if (generic.getNumResults() > 1)
        return error(op) << "a generic primitive must have at most one "
                            "result to be written";
      StringRef primitive = generic.getPrimitive();
      std::string opType;
      llvm::StringSet<> skip;
      if (primitive.starts_with("MetaFuncGraph::") ||
          primitive.starts_with("ClassType::"))
        opType = ("REF::" + primitive).str();
      else
        opType = primitiveRef(primitive, primitiveAttrs(skip), instanceName());
      Type type = generic.getNumResults() ? generic.getResult(0).getType()
                                          : Type(AnyType::get(b.getContext()));
      std::string name =
          addNode(op, opType, operandNames(), type, keptName(op));
      if (generic.getNumResults())
        names[generic.getResult(0)] = name;
      continue;
    }
    if (auto getItem = dyn_cast<TupleGetItemOp>(op)) {
      names[getItem] =
          tupleItem(op, nameOf(getItem.getTuple()), getItem.getType(),
                    getItem.getIndex(), keptName(op));
      continue;
    }
    if (isa<MakeTupleOp, LoadOp, UpdateStateOp, DependOp>(op)) {
      llvm::StringSet<> skip;
      names[op->getResult(0)] =
          addNode(op,
                  primitiveRef(getPrimitiveName(op), primitiveAttrs(skip),
                               instanceName()),
                  operandNames(), op->getResult(0).getType(), keptName(op));
      continue;
    }
    if (isa<AllReduceOp, AllGatherOp, ReduceScatterOp, AlltoAllOp>(op)) {
      llvm::StringSet<> skip;
      SmallVector<NamedAttribute> attrs = primitiveAttrs(skip);
      for (StringRef name :
           {"group", "op", "split_count", "split_dim", "concat_dim"})
        if (Attribute value = op->getInherentAttr(name).value_or(nullptr))
          attrs.emplace_back(b.getStringAttr(name), value);
      addCollectiveDefaults(op, attrs);
      names[op->getResult(0)] =
          addNode(op, primitiveRef(getPrimitiveName(op), attrs, instanceName()),
                  {nameOf(op->getOperand(0))}, op->getResult(0).getType(),
                  keptName(op));
      continue;
    }

    // A dedicated primitive.
    StringRef primitive = getPrimitiveName(op);
    const OpSpec *spec = lookupOpSpec(primitive);
    if (!spec)
      return error(op) << "has no MindIR form";
    SmallVector<std::string> inputs;
    if (spec->tensorInputs < 0) {
      // Concat takes its tensors as one tuple.
      Type tuple =
          TupleType::get(op->getContext(), TypeRange(op->getOperandTypes()));
      inputs.push_back(addNode(op, primitiveRef("MakeTuple", {}, ""),
                               operandNames(), tuple));
    } else {
      inputs = operandNames();
    }
    llvm::StringSet<> skip;
    SmallVector<NamedAttribute> attrs;
    for (const ArgSpec &arg : spec->args) {
      skip.insert(arg.name);
      Attribute property = op->getInherentAttr(arg.name).value_or(nullptr);
      if (!property)
        property = defaultArg(b, primitive, arg.name);
      Attribute value = encodeArg(op->getContext(), arg, property);
      if (arg.alwaysInput || promoteInitArgs) {
        // MindIR version 2 passes Cast's dtype as a TypeId number.
        if (promoteInitArgs && arg.kind == ArgKind::Type)
          if (auto type = dyn_cast<TypeAttr>(value))
            if (std::optional<DType> dtype = getDType(type.getValue()))
              if (std::optional<int64_t> id = getTypeId(*dtype))
                value = b.getI64IntegerAttr(*id);
        std::string constant =
            addConstant(value, AnyType::get(op->getContext()));
        if (constant.empty())
          return error(op) << "argument '" << arg.name << "' cannot be written";
        inputs.push_back(constant);
        continue;
      }
      attrs.emplace_back(b.getStringAttr(arg.name), value);
    }
    for (NamedAttribute attribute : primitiveAttrs(skip))
      attrs.push_back(attribute);
    std::string ref = primitiveRef(primitive, attrs, instanceName());
    if (op->getNumResults() == 1) {
      names[op->getResult(0)] =
          addNode(op, ref, inputs, op->getResult(0).getType(), keptName(op));
      continue;
    }
    // Several results: one node yielding a tuple, one TupleGetItem a use.
    Type tuple =
        TupleType::get(op->getContext(), TypeRange(op->getResultTypes()));
    std::string node = addNode(op, ref, inputs, tuple, keptName(op));
    for (OpResult result : op->getResults()) {
      // A named element is read by another graph: it is written even when
      // this graph does not use it.
      StringAttr kept = getValueName(result);
      if (!result.use_empty() || kept)
        names[result] = tupleItem(op, node, result.getType(),
                                  result.getResultNumber(), kept);
    }
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Serialization
//===----------------------------------------------------------------------===//

/// Writes the model with the parameters' data inline, streaming the data.
static llvm::Error
writeModel(const SerializedModel &model,
           std::vector<ExportedParameter> &parameters,
           llvm::function_ref<llvm::Error(ArrayRef<uint8_t>)> out,
           llvm::function_ref<
               llvm::Error(const ExportedParameter &,
                           llvm::function_ref<llvm::Error(ArrayRef<uint8_t>)>)>
               data,
           bool inlineData) {
  // The graph is written as its fields without parameters, then one
  // parameter field each; protobuf accepts fields in any order.
  const std::string &graphHead = model.graphFields;
  std::vector<std::string> headers;
  uint64_t graphSize = graphHead.size();
  for (const ExportedParameter &parameter : parameters) {
    std::string header = parameter.header.SerializeAsString();
    uint64_t tensorSize = header.size();
    if (inlineData)
      tensorSize += wire::lengthDelimitedSize(9, parameter.bytes);
    graphSize += wire::lengthDelimitedSize(3, tensorSize);
    headers.push_back(std::move(header));
  }
  std::string head = model.modelFields;
  wire::appendLengthPrefix(head, 7, graphSize);
  head += graphHead;

  auto emit = [&](const std::string &bytes) {
    return out(ArrayRef<uint8_t>(
        reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size()));
  };
  if (llvm::Error error = emit(head))
    return error;
  for (auto [parameter, header] : llvm::zip_equal(parameters, headers)) {
    uint64_t tensorSize = header.size();
    if (inlineData)
      tensorSize += wire::lengthDelimitedSize(9, parameter.bytes);
    std::string prefix;
    wire::appendLengthPrefix(prefix, 3, tensorSize);
    prefix += header;
    if (inlineData)
      wire::appendLengthPrefix(prefix, 9, parameter.bytes);
    if (llvm::Error error = emit(prefix))
      return error;
    if (!inlineData)
      continue;
    uint64_t written = 0;
    // A structured binding cannot be captured in C++17.
    const ExportedParameter &sized = parameter;
    if (llvm::Error error = data(parameter, [&](ArrayRef<uint8_t> bytes) {
          written += bytes.size();
          if (written > sized.bytes)
            return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                           "parameter '" + sized.name +
                                               "' has more bytes than "
                                               "its type holds");
          return out(bytes);
        }))
      return error;
    if (written != parameter.bytes)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          llvm::formatv("parameter '{0}' got {1} bytes, expected {2}",
                        parameter.name, written, parameter.bytes));
  }
  return llvm::Error::success();
}

LogicalResult Exporter::write(llvm::raw_ostream &os) {
  ParameterDataSource *source = options.dataSource;
  auto [sized, totalBytes] = sizeParameters(source);
  llvm::Error error = writeModel(
      serialized, sized,
      [&](ArrayRef<uint8_t> bytes) {
        os.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
        return llvm::Error::success();
      },
      [&](const ExportedParameter &parameter,
          llvm::function_ref<llvm::Error(ArrayRef<uint8_t>)> sink) {
        return writeData(source, parameter, sink);
      },
      /*inlineData=*/true);
  if (error) {
    module.emitError() << llvm::toString(std::move(error));
    return failure();
  }
  return success();
}

llvm::Expected<MindIRExportResult>
Exporter::writeFiles(StringRef path, ParameterDataSource *source) const {
  auto [parameters, totalBytes] = sizeParameters(source);
  MindIRExportResult result;
  result.parameterBytes = totalBytes;
  auto fail = [](llvm::Error error) -> llvm::Expected<MindIRExportResult> {
    return std::move(error);
  };

  SmallString<256> stem(path);
  llvm::sys::path::replace_extension(stem, "");
  bool external = totalBytes > options.externalDataThreshold;
  result.externalData = external;

  std::unique_ptr<AtomicOutputFile> dataFile;
  if (external) {
    // <stem>_variables/data_0: a 64-byte header (byte 0 = 1: little-endian),
    // then each parameter padded to 64 bytes.
    std::string folder = (stem + "_variables").str();
    if (std::error_code ec = llvm::sys::fs::create_directories(folder))
      return fail(fileError(folder, "cannot create: " + ec.message()));
    std::string dataPath = folder + "/data_0";
    AtomicOutputFile::Options fileOptions;
    fileOptions.direct = options.directWrites;
    fileOptions.expectedBytes = totalBytes;
    llvm::Expected<std::unique_ptr<AtomicOutputFile>> opened =
        AtomicOutputFile::create(dataPath, fileOptions);
    if (!opened)
      return fail(opened.takeError());
    dataFile = std::move(*opened);
    if (options.sha256)
      dataFile->computeSha256();
    uint8_t header[64] = {1};
    if (llvm::Error error = dataFile->write(header))
      return fail(std::move(error));
    std::string location =
        (llvm::sys::path::filename(stem) + "_variables/data_0").str();
    static const uint8_t padding[64] = {};
    for (ExportedParameter &parameter : parameters) {
      if (parameter.bytes == 0)
        continue;
      TensorProto::ExternalDataProto *data =
          parameter.header.mutable_external_data();
      data->set_location(location);
      data->set_offset(dataFile->size());
      data->set_length(parameter.bytes);
      if (llvm::Error error =
              writeData(source, parameter, [&](ArrayRef<uint8_t> b) {
                return dataFile->write(b);
              }))
        return fail(std::move(error));
      uint64_t pad = (64 - parameter.bytes % 64) % 64;
      if (llvm::Error error = dataFile->write(ArrayRef<uint8_t>(padding, pad)))
        return fail(std::move(error));
    }
  }

  std::string graphPath =
      external ? (stem + "_graph.mindir").str() : path.str();
  // The graph file holds the weights unless they went outside.
  AtomicOutputFile::Options graphOptions;
  graphOptions.direct = options.directWrites && !external;
  graphOptions.expectedBytes = totalBytes;
  llvm::Expected<std::unique_ptr<AtomicOutputFile>> graphFile =
      AtomicOutputFile::create(graphPath, graphOptions);
  if (!graphFile)
    return fail(graphFile.takeError());
  if (options.sha256)
    (*graphFile)->computeSha256();
  if (llvm::Error error = writeModel(
          serialized, parameters,
          [&](ArrayRef<uint8_t> bytes) { return (*graphFile)->write(bytes); },
          [&](const ExportedParameter &parameter,
              llvm::function_ref<llvm::Error(ArrayRef<uint8_t>)> sink) {
            return writeData(source, parameter, sink);
          },
          /*inlineData=*/!external))
    return fail(std::move(error));

  // The data first: a graph file never refers to data that is not there.
  if (dataFile) {
    if (llvm::Error error = dataFile->commit(options.sync))
      return fail(std::move(error));
  }
  if (llvm::Error error = (*graphFile)->commit(options.sync))
    return fail(std::move(error));
  result.files.push_back(graphPath);
  result.sizes.push_back((*graphFile)->size());
  result.crc32c.push_back((*graphFile)->crc32c());
  result.sha256.push_back((*graphFile)->sha256().str());
  if (dataFile) {
    result.files.push_back(dataFile->path().str());
    result.sizes.push_back(dataFile->size());
    result.crc32c.push_back(dataFile->crc32c());
    result.sha256.push_back(dataFile->sha256().str());
  }
  return result;
}

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

LogicalResult mindshard::exportMindIR(ModuleOp module, llvm::raw_ostream &os,
                                      const MindIRExportOptions &options) {
  Exporter exporter(module, options);
  if (failed(exporter.build()))
    return failure();
  return exporter.write(os);
}

struct MindIRWriter::Impl {
  Impl(ModuleOp module, const MindIRExportOptions &options)
      : exporter(module, options) {}
  Exporter exporter;
};

MindIRWriter::MindIRWriter() = default;
MindIRWriter::~MindIRWriter() = default;

FailureOr<std::unique_ptr<MindIRWriter>>
MindIRWriter::create(ModuleOp module, const MindIRExportOptions &options) {
  std::unique_ptr<MindIRWriter> writer(new MindIRWriter());
  writer->impl = std::make_unique<Impl>(module, options);
  if (failed(writer->impl->exporter.build()))
    return failure();
  return writer;
}

llvm::Expected<MindIRExportResult>
MindIRWriter::write(StringRef path, ParameterDataSource *data) const {
  return impl->exporter.writeFiles(path, data);
}

FailureOr<MindIRExportResult>
mindshard::exportMindIR(ModuleOp module, StringRef path,
                        const MindIRExportOptions &options) {
  Exporter exporter(module, options);
  if (failed(exporter.build()))
    return failure();
  llvm::Expected<MindIRExportResult> result =
      exporter.writeFiles(path, options.dataSource);
  if (!result) {
    module.emitError() << llvm::toString(result.takeError());
    return failure();
  }
  return std::move(*result);
}
