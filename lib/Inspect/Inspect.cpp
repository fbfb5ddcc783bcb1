//===- Inspect.cpp - what is in a checkpoint, strategy or MindIR ----------===//
//
// Part of mindshard.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Inspect/Inspect.h"

#include "mindshard/Formats/Strategy.h"
#include "mindshard/Target/MindIR.h"

#include "MindIR/MindIR.h"
#include "mind_ir.pb.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

#include <map>

using namespace mindshard;
using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

/// `text` as JSON can hold it: the names in MindIR and group files are read
/// as bytes, and bytes that are not UTF-8 are shown as U+FFFD.
static std::string shown(llvm::StringRef text) {
  return llvm::json::isUTF8(text) ? text.str() : llvm::json::fixUTF8(text);
}

static Array toArray(llvm::ArrayRef<int64_t> values) {
  Array array;
  for (int64_t value : values)
    array.push_back(value);
  return array;
}

//===----------------------------------------------------------------------===//
// Reports
//===----------------------------------------------------------------------===//

llvm::Expected<Value>
mindshard::inspectCheckpoint(llvm::StringRef path,
                             const CheckpointReadOptions &options) {
  llvm::Expected<std::unique_ptr<Checkpoint>> checkpoint =
      Checkpoint::open(path, options);
  if (!checkpoint)
    return checkpoint.takeError();
  const Checkpoint &ckpt = **checkpoint;
  Array tensors;
  uint64_t total = 0;
  for (const TensorEntry &entry : ckpt.tensors()) {
    Object tensor{{"name", entry.name},
                  {"dtype", getCheckpointName(entry.dtype)},
                  {"shape", toArray(entry.shape)},
                  {"bytes", static_cast<int64_t>(entry.numBytes)},
                  {"records", static_cast<int64_t>(
                                  std::max<size_t>(entry.segments.size(), 1))}};
    if (entry.isMapTensor)
      tensor["map_tensor"] = true;
    tensors.push_back(std::move(tensor));
    total += entry.numBytes;
  }
  Object crc{{"present", ckpt.crc().has_value()},
             {"verified", ckpt.crcVerified()}};
  if (ckpt.crc())
    crc["value"] = static_cast<int64_t>(*ckpt.crc());
  Object report{
      {"kind", "checkpoint"},
      {"file", shown(path)},
      {"format",
       ckpt.format() == Checkpoint::Format::Ckpt ? "ckpt" : "safetensors"},
      {"file_bytes", static_cast<int64_t>(ckpt.fileSize())},
      {"tensor_bytes", static_cast<int64_t>(total)},
      {"encrypted", ckpt.isEncrypted()},
      {"crc", std::move(crc)},
      {"tensors", std::move(tensors)},
  };
  if (!ckpt.metadata().empty()) {
    Object metadata;
    for (const auto &[key, value] : ckpt.metadata())
      metadata[key] = value;
    report["metadata"] = std::move(metadata);
  }
  return Value(std::move(report));
}

llvm::Expected<Value> mindshard::inspectStrategy(llvm::StringRef path,
                                                 const ShapeMap &shapes) {
  llvm::Expected<StrategyFile> file = readStrategyFile(path);
  if (!file)
    return file.takeError();
  Array layouts;
  for (const ParameterLayout &entry : file->layouts) {
    const TensorLayout &layout = entry.layout;
    Array map;
    for (const AxisList &axes : layout.tensorMap) {
      if (axes.empty())
        map.push_back(-1);
      else if (axes.size() == 1)
        map.push_back(axes.front());
      else
        map.push_back(toArray(axes));
    }
    Object item{{"name", entry.name},
                {"stage", layout.stage},
                {"dev_matrix", toArray(layout.devMatrix)},
                {"tensor_map", std::move(map)},
                {"splits", toArray(layout.splitCounts())},
                {"repeat", layout.repeatCount()}};
    if (layout.hasOptShard()) {
      item["opt_shard_size"] = layout.optShardSize;
      item["opt_shard_step"] = layout.optShardStep;
    }
    if (layout.field)
      item["field"] = layout.field;
    if (layout.hasUnevenSplit()) {
      item["param_split_shape"] = toArray(layout.splitShape);
      item["indices_offset"] = toArray(layout.indicesOffset);
    }
    llvm::SmallVector<int64_t, 4> shape(entry.tensorShape);
    auto it = shapes.find(entry.name);
    if (shape.empty() && it != shapes.end())
      shape = it->second;
    if (!shape.empty() || it != shapes.end()) {
      item["shape"] = toArray(shape);
      llvm::Expected<Box> slice = layout.slice(shape, 0);
      if (slice)
        item["slice_shape"] = toArray(slice->shape);
      else
        item["slice_error"] = llvm::toString(slice.takeError());
    }
    layouts.push_back(std::move(item));
  }
  Array strategies;
  for (const OpStrategy &strategy : file->strategies) {
    Array splits;
    for (const auto &input : strategy.splits)
      splits.push_back(toArray(input));
    strategies.push_back(Object{{"name", strategy.name},
                                {"stage", strategy.stage},
                                {"splits", std::move(splits)}});
  }
  return Value(Object{{"kind", "strategy"},
                      {"file", shown(path)},
                      {"current_stage", file->currentStage},
                      {"pipeline_merged", file->pipelineMerged},
                      {"stages", file->stageCount()},
                      {"layouts", std::move(layouts)},
                      {"strategies", std::move(strategies)}});
}

llvm::Expected<Value> mindshard::inspectGroups(llvm::StringRef path) {
  llvm::Expected<GroupFile> file = readGroupFile(path);
  if (!file)
    return file.takeError();
  Array groups;
  for (const CommunicationGroup &group : file->groups)
    groups.push_back(
        Object{{"name", shown(group.name)}, {"ranks", toArray(group.ranks)}});
  return Value(Object{{"kind", "groups"},
                      {"file", shown(path)},
                      {"groups", std::move(groups)},
                      {"restore_ranks", toArray(file->restoreRanks)}});
}

/// "tensor<128x96xf32>" for a type.
static std::string typeString(mlir::Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  type.print(os);
  return text;
}

/// Imports a MindIR file quietly, returning the first error as text.
static llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importQuietly(llvm::StringRef path, mlir::MLIRContext &context,
              const std::optional<DecryptKey> &key) {
  std::string message;
  mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &d) {
    if (message.empty())
      message = d.str();
    return mlir::success();
  });
  MindIRImportOptions options;
  options.importWeights = false;
  options.key = key;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      importMindIR(path, &context, options);
  if (!module)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
  return module;
}

llvm::Expected<Value>
mindshard::inspectMindIR(llvm::StringRef path,
                         const std::optional<DecryptKey> &key) {
  mlir::MLIRContext context;
  llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>> imported =
      importQuietly(path, context, key);
  if (!imported)
    return imported.takeError();
  mlir::ModuleOp module = **imported;

  Object report{{"kind", "mindir"}, {"file", shown(path)}};
  for (llvm::StringRef name : {mindir::MindIRDialect::kProducerNameAttr,
                               mindir::MindIRDialect::kModelVersionAttr,
                               mindir::MindIRDialect::kIrVersionAttr})
    if (auto value = module->getAttrOfType<mlir::StringAttr>(name))
      report[name.drop_front(7)] = shown(value.getValue());
  if (auto version = module->getAttrOfType<mlir::IntegerAttr>(
          mindir::MindIRDialect::kMindIrVersionAttr))
    report["mind_ir_version"] = version.getInt();

  auto mainName = module->getAttrOfType<mlir::FlatSymbolRefAttr>(
      mindir::MindIRDialect::kMainGraphAttr);
  Array graphs;
  for (mlir::func::FuncOp func : module.getOps<mlir::func::FuncOp>()) {
    Array inputs, outputs;
    for (auto [index, type] : llvm::enumerate(func.getArgumentTypes())) {
      auto name = func.getArgAttrOfType<mlir::StringAttr>(
          index, mindir::MindIRDialect::kNameAttr);
      inputs.push_back(Object{{"name", name ? shown(name.getValue()) : ""},
                              {"type", typeString(type)}});
    }
    for (mlir::Type type : func.getResultTypes())
      outputs.push_back(typeString(type));
    std::map<std::string, int64_t> ops;
    int64_t count = 0;
    func.walk([&](mlir::Operation *op) {
      if (!llvm::isa_and_nonnull<mindir::MindIRDialect>(op->getDialect()) ||
          llvm::isa<mindir::GetParameterOp>(op))
        return;
      ++ops[shown(mindir::getPrimitiveName(op))];
      ++count;
    });
    Object opCounts;
    for (const auto &[name, number] : ops)
      opCounts[name] = number;
    graphs.push_back(
        Object{{"name", shown(func.getSymName())},
               {"main", mainName && mainName.getValue() == func.getSymName()},
               {"inputs", std::move(inputs)},
               {"outputs", std::move(outputs)},
               {"ops", std::move(opCounts)},
               {"op_count", count}});
  }
  report["graphs"] = std::move(graphs);

  Array parameters;
  int64_t totalBytes = 0;
  for (mindir::ParameterOp parameter : module.getOps<mindir::ParameterOp>()) {
    Object item{{"name", shown(parameter.getSymName())},
                {"type", typeString(parameter.getType())}};
    if (auto tensor =
            llvm::dyn_cast<mlir::RankedTensorType>(parameter.getType()))
      if (tensor.hasStaticShape()) {
        std::optional<DType> dtype = getDType(tensor.getElementType());
        int64_t bytes = dtype ? byteSize(*dtype, tensor.getNumElements()) : 0;
        item["bytes"] = bytes;
        totalBytes += bytes;
      }
    parameters.push_back(std::move(item));
  }
  report["parameters"] = std::move(parameters);
  report["parameter_bytes"] = totalBytes;
  return Value(std::move(report));
}

/// Replaces tensor data by a note of its size, so that text stays short.
static void elideData(irpb::TensorProto &tensor) {
  if (tensor.has_raw_data()) {
    tensor.set_doc_string(
        llvm::formatv("raw_data: {0} bytes", tensor.raw_data().size()).str());
    tensor.clear_raw_data();
  }
}

static void elideData(irpb::AttributeProto &attribute) {
  for (irpb::TensorProto &tensor : *attribute.mutable_tensors())
    elideData(tensor);
  if (attribute.has_t())
    elideData(*attribute.mutable_t());
  for (irpb::AttributeProto &value : *attribute.mutable_values())
    elideData(value);
}

static void elideData(irpb::GraphProto &graph) {
  for (irpb::TensorProto &parameter : *graph.mutable_parameter())
    elideData(parameter);
  for (irpb::NodeProto &node : *graph.mutable_node())
    for (irpb::AttributeProto &attribute : *node.mutable_attribute())
      elideData(attribute);
}

llvm::Error mindshard::printMindIRProto(llvm::StringRef path,
                                        const std::optional<DecryptKey> &key,
                                        llvm::raw_ostream &os) {
  llvm::Expected<std::unique_ptr<MappedFile>> file = MappedFile::open(path);
  if (!file)
    return file.takeError();
  irpb::ModelProto model;
  if (llvm::Error error = parseModelProto((*file)->bytes(), path, key, model))
    return error;
  elideData(*model.mutable_graph());
  for (irpb::GraphProto &function : *model.mutable_functions())
    elideData(function);
  os << model.DebugString();
  return llvm::Error::success();
}

llvm::Expected<ShapeMap>
mindshard::readShapes(llvm::StringRef path,
                      const std::optional<DecryptKey> &key) {
  ShapeMap shapes;
  llvm::StringRef extension = llvm::sys::path::extension(path);
  if (extension == ".mindir") {
    mlir::MLIRContext context;
    llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>> module =
        importQuietly(path, context, key);
    if (!module)
      return module.takeError();
    for (mindir::ParameterOp parameter :
         (**module).getOps<mindir::ParameterOp>())
      if (auto tensor =
              llvm::dyn_cast<mlir::RankedTensorType>(parameter.getType()))
        shapes[parameter.getSymName()] =
            llvm::SmallVector<int64_t, 4>(tensor.getShape());
    return shapes;
  }
  CheckpointReadOptions options;
  options.key = key;
  llvm::Expected<std::unique_ptr<Checkpoint>> checkpoint =
      Checkpoint::open(path, options);
  if (!checkpoint)
    return checkpoint.takeError();
  for (const TensorEntry &entry : (*checkpoint)->tensors())
    shapes[entry.name] = entry.shape;
  return shapes;
}

//===----------------------------------------------------------------------===//
// Tables
//===----------------------------------------------------------------------===//

namespace {
/// Columns of text, padded to their widest cell.
class Table {
public:
  explicit Table(std::vector<std::string> header) { rows.push_back(header); }
  void add(std::vector<std::string> row) { rows.push_back(std::move(row)); }
  void print(llvm::raw_ostream &os) const {
    std::vector<size_t> widths;
    for (const auto &row : rows)
      for (auto [i, cell] : llvm::enumerate(row)) {
        if (widths.size() <= i)
          widths.push_back(0);
        widths[i] = std::max(widths[i], cell.size());
      }
    for (const auto &row : rows) {
      std::string line;
      for (auto [i, cell] : llvm::enumerate(row)) {
        line += cell;
        if (i + 1 < row.size())
          line += std::string(widths[i] - cell.size() + 2, ' ');
      }
      os << llvm::StringRef(line).rtrim() << "\n";
    }
  }

private:
  std::vector<std::vector<std::string>> rows;
};

std::string text(const Value *value) {
  if (!value)
    return "";
  if (std::optional<llvm::StringRef> s = value->getAsString())
    return s->str();
  std::string out;
  llvm::raw_string_ostream os(out);
  os << *value;
  return out;
}

std::string shapeText(const Value *value) {
  std::string out = text(value);
  std::replace(out.begin(), out.end(), ',', 'x');
  if (out == "[]")
    return "scalar";
  return out.size() >= 2 ? out.substr(1, out.size() - 2) : out;
}

std::string humanBytes(int64_t bytes) {
  const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = bytes;
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  if (unit == 0)
    return llvm::formatv("{0} B", bytes).str();
  return llvm::formatv("{0:f1} {1}", value, units[unit]).str();
}
} // namespace

void mindshard::printReport(const Value &report, llvm::raw_ostream &os) {
  const Object &object = *report.getAsObject();
  llvm::StringRef kind = *object.getString("kind");

  if (kind == "checkpoint") {
    const Object &crc = *object.getObject("crc");
    os << llvm::formatv("{0}: .{1} checkpoint, {2} tensors, {3} of tensor "
                        "data{4}{5}\n",
                        *object.getString("file"), *object.getString("format"),
                        object.getArray("tensors")->size(),
                        humanBytes(*object.getInteger("tensor_bytes")),
                        *object.getBoolean("encrypted") ? ", encrypted" : "",
                        *crc.getBoolean("present")
                            ? (*crc.getBoolean("verified")
                                   ? ", CRC verified"
                                   : ", CRC present (not checked)")
                            : "");
    Table table({"name", "dtype", "shape", "bytes", "records"});
    for (const Value &tensor : *object.getArray("tensors")) {
      const Object &t = *tensor.getAsObject();
      table.add({text(t.get("name")), text(t.get("dtype")),
                 shapeText(t.get("shape")), text(t.get("bytes")),
                 text(t.get("records"))});
    }
    table.print(os);
    return;
  }

  if (kind == "strategy") {
    os << llvm::formatv(
        "{0}: strategy, {1} layouts, {2} op strategies, {3} "
        "stage(s){4}\n",
        *object.getString("file"), object.getArray("layouts")->size(),
        object.getArray("strategies")->size(), *object.getInteger("stages"),
        *object.getBoolean("pipeline_merged") ? " (pipeline-merged)" : "");
    Table table({"parameter", "stage", "dev_matrix", "tensor_map", "splits",
                 "opt_shard", "shape", "slice"});
    for (const Value &layout : *object.getArray("layouts")) {
      const Object &l = *layout.getAsObject();
      std::string opt;
      if (l.get("opt_shard_size"))
        opt =
            text(l.get("opt_shard_size")) + "/" + text(l.get("opt_shard_step"));
      table.add({text(l.get("name")), text(l.get("stage")),
                 text(l.get("dev_matrix")), text(l.get("tensor_map")),
                 text(l.get("splits")), opt, shapeText(l.get("shape")),
                 l.get("slice_error") ? "error: " + text(l.get("slice_error"))
                                      : shapeText(l.get("slice_shape"))});
    }
    table.print(os);
    if (!object.getArray("strategies")->empty()) {
      os << "\n";
      Table strategies({"op", "stage", "strategy"});
      for (const Value &strategy : *object.getArray("strategies")) {
        const Object &s = *strategy.getAsObject();
        strategies.add(
            {text(s.get("name")), text(s.get("stage")), text(s.get("splits"))});
      }
      strategies.print(os);
    }
    return;
  }

  if (kind == "groups") {
    os << llvm::formatv("{0}: {1} communication groups\n",
                        *object.getString("file"),
                        object.getArray("groups")->size());
    Table table({"group", "ranks"});
    for (const Value &group : *object.getArray("groups")) {
      const Object &g = *group.getAsObject();
      table.add({text(g.get("name")), text(g.get("ranks"))});
    }
    table.print(os);
    os << "restore ranks: " << text(object.get("restore_ranks")) << "\n";
    return;
  }

  // mindir
  os << llvm::formatv("{0}: MindIR from {1} {2}", *object.getString("file"),
                      text(object.get("producer_name")),
                      text(object.get("model_version")));
  if (object.get("mind_ir_version"))
    os << ", mind_ir_version " << text(object.get("mind_ir_version"));
  os << llvm::formatv(", {0} parameters ({1})\n",
                      object.getArray("parameters")->size(),
                      humanBytes(*object.getInteger("parameter_bytes")));
  for (const Value &graph : *object.getArray("graphs")) {
    const Object &g = *graph.getAsObject();
    os << "\ngraph " << text(g.get("name"))
       << (*g.getBoolean("main") ? " (main)" : "") << ": "
       << text(g.get("op_count")) << " ops\n";
    for (const Value &input : *g.getArray("inputs")) {
      const Object &i = *input.getAsObject();
      os << "  input  " << text(i.get("name")) << " : " << text(i.get("type"))
         << "\n";
    }
    for (const Value &output : *g.getArray("outputs"))
      os << "  output " << text(&output) << "\n";
    std::map<std::string, std::string> sorted;
    for (const auto &[name, count] : *g.getObject("ops"))
      sorted[name.str()] = text(&count);
    std::string ops;
    for (const auto &[name, count] : sorted)
      ops += (ops.empty() ? "" : ", ") + name + " " + count;
    if (!ops.empty())
      os << "  ops    " << ops << "\n";
  }
  if (!object.getArray("parameters")->empty()) {
    os << "\n";
    Table table({"parameter", "type", "bytes"});
    for (const Value &parameter : *object.getArray("parameters")) {
      const Object &p = *parameter.getAsObject();
      table.add(
          {text(p.get("name")), text(p.get("type")), text(p.get("bytes"))});
    }
    table.print(os);
  }
}
