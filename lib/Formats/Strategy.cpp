//===- Strategy.cpp - MindSpore parallel strategy and group files ---------===//
//
// Part of mindshard.
//
//===----------------------------------------------------------------------===//

#include "mindshard/Formats/Strategy.h"

#include "mindshard/Formats/FileIO.h"
#include "mindshard/Formats/Wire.h"

#include "node_strategy.pb.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"

#include <map>

using namespace mindshard;

//===----------------------------------------------------------------------===//
// Lookups
//===----------------------------------------------------------------------===//

void StrategyFile::index() const {
  if (indexedLayouts == layouts.size() &&
      indexedStrategies == strategies.size())
    return;
  layoutIndex.clear();
  strategyIndex.clear();
  for (auto [position, layout] : llvm::enumerate(layouts))
    layoutIndex[layout.name].push_back(position);
  for (auto [position, strategy] : llvm::enumerate(strategies))
    strategyIndex.try_emplace(strategy.name, position);
  indexedLayouts = layouts.size();
  indexedStrategies = strategies.size();
}

llvm::SmallVector<const ParameterLayout *, 1>
StrategyFile::findLayouts(llvm::StringRef name) const {
  index();
  llvm::SmallVector<const ParameterLayout *, 1> found;
  auto it = layoutIndex.find(name);
  if (it != layoutIndex.end())
    for (size_t position : it->second)
      found.push_back(&layouts[position]);
  return found;
}

const ParameterLayout *StrategyFile::findLayout(llvm::StringRef name) const {
  llvm::SmallVector<const ParameterLayout *, 1> found = findLayouts(name);
  return found.empty() ? nullptr : found.front();
}

const OpStrategy *StrategyFile::findStrategy(llvm::StringRef key) const {
  index();
  auto it = strategyIndex.find(key);
  return it == strategyIndex.end() ? nullptr : &strategies[it->second];
}

int64_t StrategyFile::stageCount() const {
  int64_t stages = 1;
  for (const ParameterLayout &layout : layouts)
    stages = std::max(stages, layout.layout.stage + 1);
  return stages;
}

/// Splits "<stage>-<name>" into its parts; std::nullopt when `name` has no
/// stage prefix.
static std::optional<std::pair<int64_t, llvm::StringRef>>
splitStagePrefix(llvm::StringRef name) {
  auto [prefix, rest] = name.split('-');
  if (rest.empty() || prefix.empty() || !llvm::all_of(prefix, llvm::isDigit))
    return std::nullopt;
  int64_t stage;
  if (prefix.getAsInteger(10, stage))
    return std::nullopt;
  return std::pair(stage, rest);
}

/// Moves "<stage>-" prefixes into the layouts' stage.
static void takeStagePrefixes(StrategyFile &file) {
  bool allPrefixed =
      !file.layouts.empty() &&
      llvm::all_of(file.layouts, [](const ParameterLayout &layout) {
        return splitStagePrefix(layout.name).has_value();
      });
  if (!allPrefixed)
    return;
  file.pipelineMerged = true;
  for (ParameterLayout &layout : file.layouts) {
    auto [stage, name] = *splitStagePrefix(layout.name);
    layout.layout.stage = stage;
    layout.name = name.str();
  }
}

/// Checks every layout on its own; the error names the parameter.
static llvm::Error verifyLayouts(llvm::StringRef path,
                                 const StrategyFile &file) {
  for (const ParameterLayout &layout : file.layouts) {
    if (llvm::Error error = layout.layout.verify())
      return fileError(path, "parameter '" + layout.name +
                                 "': " + llvm::toString(std::move(error)));
    if (!layout.tensorShape.empty())
      if (llvm::Error error = layout.layout.verifyShape(layout.tensorShape))
        return fileError(path, "parameter '" + layout.name +
                                   "': " + llvm::toString(std::move(error)));
  }
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Protobuf
//===----------------------------------------------------------------------===//

llvm::Error mindshard::protobufError(llvm::StringRef path,
                                     llvm::ArrayRef<uint8_t> bytes,
                                     llvm::StringRef messageName) {
  wire::Reader reader(path, bytes, 0);
  while (!reader.atEnd()) {
    llvm::Expected<wire::Key> key = reader.readKey();
    if (!key)
      return key.takeError();
    if (llvm::Error error = reader.skip(key->type))
      return error;
  }
  return fileError(path, "is not a valid " + messageName +
                             " (a nested field does not parse)");
}

/// The tensor map of a ParallelLayouts: one flat entry, or one entry per
/// dimension (MindSpore's layout API), with an empty entry appended when the
/// tensor has one dimension.
static llvm::SmallVector<AxisList, 4>
readTensorMap(const stratpb::ParallelLayouts &layouts) {
  llvm::SmallVector<AxisList, 4> map;
  auto entryOf = [](int32_t axis) {
    AxisList entry;
    if (axis != -1)
      entry.push_back(axis);
    return entry;
  };
  if (layouts.tensor_map_size() == 1) {
    for (int32_t axis : layouts.tensor_map(0).dim())
      map.push_back(entryOf(axis));
    return map;
  }
  int count = layouts.tensor_map_size();
  if (count == 2 && layouts.tensor_map(1).dim_size() == 0)
    count = 1;
  for (int dim = 0; dim < count; ++dim) {
    AxisList entry;
    for (int32_t axis : layouts.tensor_map(dim).dim())
      if (axis != -1)
        entry.push_back(axis);
    map.push_back(entry);
  }
  return map;
}

/// An error naming the first op or parameter of `file` whose name is not
/// UTF-8 text: MindSpore writes Python strings, and JSON holds only text.
static llvm::Error checkNamesAreText(llvm::StringRef path,
                                     const StrategyFile &file,
                                     llvm::StringRef problem) {
  auto check = [&](llvm::StringRef what, llvm::StringRef name) -> llvm::Error {
    if (llvm::json::isUTF8(name))
      return llvm::Error::success();
    return fileError(path, what + " '" + llvm::json::fixUTF8(name) +
                               "' has a name that is not UTF-8 text" + problem);
  };
  for (const OpStrategy &strategy : file.strategies)
    if (llvm::Error error = check("op strategy", strategy.name))
      return error;
  for (const ParameterLayout &layout : file.layouts)
    if (llvm::Error error = check("parameter", layout.name))
      return error;
  return llvm::Error::success();
}

llvm::Expected<StrategyFile>
mindshard::parseStrategyProto(llvm::StringRef path,
                              llvm::ArrayRef<uint8_t> bytes) {
  stratpb::ParallelStrategyMap message;
  if (bytes.size() > INT32_MAX ||
      !message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return protobufError(path, bytes, "strategy file (ParallelStrategyMap)");

  StrategyFile file;
  file.currentStage = message.current_stage();
  for (const stratpb::ParallelStrategyItem &item :
       message.parallel_strategy_item()) {
    OpStrategy &strategy = file.strategies.emplace_back();
    strategy.name = item.node_name();
    strategy.stage = item.parallel_strategys().stage();
    for (const stratpb::ParallelStrategy &input :
         item.parallel_strategys().parallel_strategy())
      strategy.splits.emplace_back(input.dim().begin(), input.dim().end());
  }
  for (const stratpb::ParallelLayoutItem &item :
       message.parallel_layout_item()) {
    ParameterLayout &entry = file.layouts.emplace_back();
    entry.name = item.param_name();
    const stratpb::ParallelLayouts &layouts = item.parallel_layouts();
    if (layouts.dev_matrix_size() > 0)
      entry.layout.devMatrix.assign(layouts.dev_matrix(0).dim().begin(),
                                    layouts.dev_matrix(0).dim().end());
    entry.layout.tensorMap = readTensorMap(layouts);
    if (layouts.param_split_shape_size() > 0)
      entry.layout.splitShape.assign(layouts.param_split_shape(0).dim().begin(),
                                     layouts.param_split_shape(0).dim().end());
    if (layouts.indices_offset_size() > 0)
      entry.layout.indicesOffset.assign(layouts.indices_offset(0).dim().begin(),
                                        layouts.indices_offset(0).dim().end());
    entry.layout.field = layouts.field();
    entry.hasOptShardFields = layouts.has_opt_weight_shard_size();
    entry.layout.optShardSize = layouts.opt_weight_shard_size();
    entry.layout.optShardStep = layouts.opt_weight_shard_step();
  }
  if (llvm::Error error = checkNamesAreText(path, file, ""))
    return std::move(error);
  takeStagePrefixes(file);
  if (llvm::Error error = verifyLayouts(path, file))
    return std::move(error);
  return file;
}

/// The name a layout is written under.
static std::string writtenName(const ParameterLayout &layout,
                               bool pipelineMerged) {
  if (pipelineMerged || layout.layout.stage != 0)
    return llvm::formatv("{0}-{1}", layout.layout.stage, layout.name).str();
  return layout.name;
}

/// Layouts sorted by name, then stage.
static std::vector<const ParameterLayout *>
sortedLayouts(const StrategyFile &file) {
  std::vector<const ParameterLayout *> sorted;
  for (const ParameterLayout &layout : file.layouts)
    sorted.push_back(&layout);
  llvm::sort(sorted, [](const ParameterLayout *a, const ParameterLayout *b) {
    return std::tie(a->name, a->layout.stage) <
           std::tie(b->name, b->layout.stage);
  });
  return sorted;
}

std::string mindshard::serializeStrategyProto(const StrategyFile &file) {
  stratpb::ParallelStrategyMap message;
  message.set_current_stage(file.currentStage);
  for (const OpStrategy &strategy : file.strategies) {
    stratpb::ParallelStrategyItem *item = message.add_parallel_strategy_item();
    item->set_node_name(strategy.name);
    stratpb::ParallelStrategys *strategys = item->mutable_parallel_strategys();
    strategys->set_stage(strategy.stage);
    for (const auto &input : strategy.splits) {
      stratpb::ParallelStrategy *dims = strategys->add_parallel_strategy();
      for (int64_t count : input)
        dims->add_dim(static_cast<uint32_t>(count));
    }
  }
  for (const ParameterLayout *entry : sortedLayouts(file)) {
    stratpb::ParallelLayoutItem *item = message.add_parallel_layout_item();
    item->set_param_name(writtenName(*entry, file.pipelineMerged));
    stratpb::ParallelLayouts *layouts = item->mutable_parallel_layouts();
    const TensorLayout &layout = entry->layout;
    stratpb::DevMatrix *dev = layouts->add_dev_matrix();
    for (int64_t extent : layout.devMatrix)
      dev->add_dim(static_cast<uint32_t>(extent));
    if (layout.isFlat()) {
      stratpb::TensorMap *map = layouts->add_tensor_map();
      for (int64_t axis : layout.flatTensorMap())
        map->add_dim(static_cast<int32_t>(axis));
    } else {
      for (const AxisList &entryAxes : layout.tensorMap) {
        stratpb::TensorMap *map = layouts->add_tensor_map();
        if (entryAxes.empty())
          map->add_dim(-1);
        for (int64_t axis : entryAxes)
          map->add_dim(static_cast<int32_t>(axis));
      }
      if (layout.tensorMap.size() == 1)
        layouts->add_tensor_map();
    }
    stratpb::ParamSplitShape *split = layouts->add_param_split_shape();
    for (int64_t extent : layout.splitShape)
      split->add_dim(extent);
    stratpb::IndicesOffset *offsets = layouts->add_indices_offset();
    for (int64_t offset : layout.indicesOffset)
      offsets->add_dim(offset);
    layouts->set_field(static_cast<int32_t>(layout.field));
    layouts->set_opt_weight_shard_step(
        static_cast<int32_t>(layout.optShardStep));
    layouts->set_opt_weight_shard_size(
        static_cast<int32_t>(layout.optShardSize));
  }
  return message.SerializeAsString();
}

//===----------------------------------------------------------------------===//
// JSON
//===----------------------------------------------------------------------===//

/// Reads a list of integers, or reports `what` as malformed.
static llvm::Error readIntegers(llvm::StringRef path, const llvm::Twine &what,
                                const llvm::json::Value *value,
                                llvm::SmallVectorImpl<int64_t> &out) {
  const llvm::json::Array *array = value ? value->getAsArray() : nullptr;
  if (!array)
    return fileError(path, what + " is not a list of integers");
  for (const llvm::json::Value &item : *array) {
    std::optional<int64_t> number = item.getAsInteger();
    if (!number)
      return fileError(path, what + " is not a list of integers");
    out.push_back(*number);
  }
  return llvm::Error::success();
}

llvm::Expected<StrategyFile>
mindshard::parseStrategyJson(llvm::StringRef path, llvm::StringRef text) {
  llvm::Expected<llvm::json::Value> json = llvm::json::parse(text);
  if (!json)
    return fileError(path, "is not JSON: " + llvm::toString(json.takeError()));
  const llvm::json::Object *root = json->getAsObject();
  if (!root)
    return fileError(path, "is not a JSON object");

  StrategyFile file;
  if (std::optional<int64_t> stage = root->getInteger("current_stage"))
    file.currentStage = static_cast<uint32_t>(*stage);

  if (const llvm::json::Object *items =
          root->getObject("parallel_strategy_item")) {
    for (const auto &[key, value] : *items) {
      OpStrategy &strategy = file.strategies.emplace_back();
      strategy.name = key.str();
      const llvm::json::Object *item = value.getAsObject();
      if (!item)
        return fileError(path,
                         "strategy '" + strategy.name + "' is not an object");
      strategy.stage = item->getInteger("stage").value_or(0);
      const llvm::json::Array *inputs = item->getArray("parallel_strategy");
      if (!inputs)
        return fileError(path, "strategy '" + strategy.name +
                                   "' has no parallel_strategy list");
      for (const llvm::json::Value &input : *inputs)
        if (llvm::Error error =
                readIntegers(path, "strategy '" + strategy.name + "'", &input,
                             strategy.splits.emplace_back()))
          return std::move(error);
    }
    llvm::sort(file.strategies, [](const OpStrategy &a, const OpStrategy &b) {
      return a.name < b.name;
    });
  }

  if (const llvm::json::Object *items =
          root->getObject("parallel_layout_item")) {
    for (const auto &[key, value] : *items) {
      ParameterLayout &entry = file.layouts.emplace_back();
      entry.name = key.str();
      std::string what = "parameter '" + entry.name + "'";
      const llvm::json::Object *item = value.getAsObject();
      if (!item)
        return fileError(path, what + " is not an object");
      if (llvm::Error error =
              readIntegers(path, what + " dev_matrix", item->get("dev_matrix"),
                           entry.layout.devMatrix))
        return std::move(error);
      const llvm::json::Array *map = item->getArray("tensor_map");
      if (!map)
        return fileError(path, what + " has no tensor_map");
      for (const llvm::json::Value &dim : *map) {
        AxisList &axes = entry.layout.tensorMap.emplace_back();
        if (std::optional<int64_t> axis = dim.getAsInteger()) {
          if (*axis != -1)
            axes.push_back(*axis);
          continue;
        }
        llvm::SmallVector<int64_t, 2> nested;
        if (llvm::Error error =
                readIntegers(path, what + " tensor_map", &dim, nested))
          return std::move(error);
        for (int64_t axis : nested)
          if (axis != -1)
            axes.push_back(axis);
      }
      if (item->get("tensor_shape"))
        if (llvm::Error error =
                readIntegers(path, what + " tensor_shape",
                             item->get("tensor_shape"), entry.tensorShape))
          return std::move(error);
      if (item->get("param_split_shape"))
        if (llvm::Error error = readIntegers(path, what + " param_split_shape",
                                             item->get("param_split_shape"),
                                             entry.layout.splitShape))
          return std::move(error);
      if (item->get("indices_offset"))
        if (llvm::Error error = readIntegers(path, what + " indices_offset",
                                             item->get("indices_offset"),
                                             entry.layout.indicesOffset))
          return std::move(error);
      entry.layout.field = item->getInteger("field").value_or(0);
      entry.hasOptShardFields =
          item->getInteger("opt_weight_shard_size").has_value();
      entry.layout.optShardSize =
          item->getInteger("opt_weight_shard_size").value_or(0);
      entry.layout.optShardStep =
          item->getInteger("opt_weight_shard_step").value_or(0);
    }
  }
  takeStagePrefixes(file);
  if (llvm::Error error = verifyLayouts(path, file))
    return std::move(error);
  return file;
}

static llvm::json::Array toJson(llvm::ArrayRef<int64_t> values) {
  llvm::json::Array array;
  for (int64_t value : values)
    array.push_back(value);
  return array;
}

std::string mindshard::serializeStrategyJson(const StrategyFile &file) {
  llvm::json::Object strategies;
  for (const OpStrategy &strategy : file.strategies) {
    llvm::json::Array inputs;
    for (const auto &input : strategy.splits)
      inputs.push_back(toJson(input));
    strategies[strategy.name] = llvm::json::Object{
        {"stage", strategy.stage}, {"parallel_strategy", std::move(inputs)}};
  }
  llvm::json::Object layouts;
  for (const ParameterLayout *entry : sortedLayouts(file)) {
    const TensorLayout &layout = entry->layout;
    llvm::json::Array map;
    for (const AxisList &axes : layout.tensorMap) {
      if (layout.isFlat())
        map.push_back(axes.empty() ? -1 : axes.front());
      else
        map.push_back(axes.empty() ? toJson({-1}) : toJson(axes));
    }
    llvm::json::Object item{
        {"dev_matrix", toJson(layout.devMatrix)},
        {"tensor_map", std::move(map)},
        {"field", layout.field},
        {"opt_weight_shard_step", layout.optShardStep},
        {"opt_weight_shard_size", layout.optShardSize},
    };
    if (!entry->tensorShape.empty())
      item["tensor_shape"] = toJson(entry->tensorShape);
    if (!layout.splitShape.empty()) {
      item["param_split_shape"] = toJson(layout.splitShape);
      item["indices_offset"] = toJson(layout.indicesOffset);
    }
    layouts[writtenName(*entry, file.pipelineMerged)] = std::move(item);
  }
  llvm::json::Object root{
      {"current_stage", file.currentStage},
      {"parallel_strategy_item", std::move(strategies)},
      {"parallel_layout_item", std::move(layouts)},
  };
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
  return text;
}

//===----------------------------------------------------------------------===//
// Files
//===----------------------------------------------------------------------===//

static bool isJsonPath(llvm::StringRef path) {
  return llvm::sys::path::extension(path).equals_insensitive(".json");
}

llvm::Expected<StrategyFile> mindshard::readStrategyFile(llvm::StringRef path) {
  llvm::Expected<std::unique_ptr<MappedFile>> file = MappedFile::open(path);
  if (!file)
    return file.takeError();
  llvm::ArrayRef<uint8_t> bytes = (*file)->bytes();
  if (isJsonPath(path))
    return parseStrategyJson(
        path, llvm::StringRef(reinterpret_cast<const char *>(bytes.data()),
                              bytes.size()));
  return parseStrategyProto(path, bytes);
}

static llvm::Error writeWhole(llvm::StringRef path, llvm::StringRef bytes) {
  llvm::Expected<std::unique_ptr<AtomicOutputFile>> output =
      AtomicOutputFile::create(path);
  if (!output)
    return output.takeError();
  if (llvm::Error error = (*output)->write(bytes))
    return error;
  return (*output)->commit();
}

llvm::Error mindshard::writeStrategyFile(llvm::StringRef path,
                                         const StrategyFile &file) {
  if (isJsonPath(path))
    if (llvm::Error error = checkNamesAreText(
            path, file, "; write the strategy as protobuf instead"))
      return error;
  return writeWhole(path, isJsonPath(path) ? serializeStrategyJson(file)
                                           : serializeStrategyProto(file));
}

StrategyFile
mindshard::mergePipelineStrategies(llvm::ArrayRef<StrategyFile> stages) {
  StrategyFile merged;
  merged.currentStage = 1;
  merged.pipelineMerged = true;
  for (auto [stage, file] : llvm::enumerate(stages)) {
    for (const OpStrategy &strategy : file.strategies) {
      merged.strategies.push_back(strategy);
      merged.strategies.back().stage = stage;
    }
    for (const ParameterLayout &layout : file.layouts) {
      merged.layouts.push_back(layout);
      merged.layouts.back().layout.stage = stage;
    }
  }
  return merged;
}

//===----------------------------------------------------------------------===//
// Group files and names
//===----------------------------------------------------------------------===//

llvm::Expected<GroupFile> mindshard::readGroupFile(llvm::StringRef path) {
  llvm::Expected<std::unique_ptr<MappedFile>> file = MappedFile::open(path);
  if (!file)
    return file.takeError();
  llvm::ArrayRef<uint8_t> bytes = (*file)->bytes();
  stratpb::ParallelGroupMap message;
  if (bytes.size() > INT32_MAX ||
      !message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return protobufError(path, bytes, "group file (ParallelGroupMap)");
  GroupFile groups;
  for (const stratpb::ParallelGroupItem &item : message.parallel_group_item()) {
    CommunicationGroup &group = groups.groups.emplace_back();
    group.name = item.group_name();
    group.ranks.assign(item.parallel_group_ranks().dim().begin(),
                       item.parallel_group_ranks().dim().end());
  }
  groups.restoreRanks.assign(message.ckpt_restore_rank_list().dim().begin(),
                             message.ckpt_restore_rank_list().dim().end());
  return groups;
}

llvm::Error mindshard::writeGroupFile(llvm::StringRef path,
                                      const GroupFile &groups) {
  stratpb::ParallelGroupMap message;
  for (const CommunicationGroup &group : groups.groups) {
    stratpb::ParallelGroupItem *item = message.add_parallel_group_item();
    item->set_group_name(group.name);
    for (int64_t rank : group.ranks)
      item->mutable_parallel_group_ranks()->add_dim(
          static_cast<uint32_t>(rank));
  }
  stratpb::ParallelGroupRanks *restore =
      message.mutable_ckpt_restore_rank_list();
  for (int64_t rank : groups.restoreRanks)
    restore->add_dim(static_cast<uint32_t>(rank));
  return writeWhole(path, message.SerializeAsString());
}

/// libstdc++'s std::hash<std::string> on 64-bit targets (a MurmurHash2-64
/// variant with seed 0xc70f6907), written out so that group names do not
/// depend on the standard library mindshard is built with.
static uint64_t libstdcxxStringHash(llvm::StringRef text) {
  const uint64_t mul = 0xc6a4a7935bd1e995ull;
  auto shiftMix = [](uint64_t v) { return v ^ (v >> 47); };
  const uint8_t *bytes = reinterpret_cast<const uint8_t *>(text.data());
  size_t length = text.size();
  uint64_t hash = 0xc70f6907ull ^ (length * mul);
  size_t aligned = length & ~size_t(7);
  for (size_t i = 0; i < aligned; i += 8) {
    uint64_t word = 0;
    for (int b = 7; b >= 0; --b)
      word = word << 8 | bytes[i + b];
    hash ^= shiftMix(word * mul) * mul;
    hash *= mul;
  }
  if (length & 7) {
    uint64_t tail = 0;
    for (size_t b = length; b > aligned; --b)
      tail = tail << 8 | bytes[b - 1];
    hash ^= tail;
    hash *= mul;
  }
  hash = shiftMix(hash) * mul;
  return shiftMix(hash);
}

std::string mindshard::communicationGroupName(llvm::ArrayRef<int64_t> ranks,
                                              int64_t worldSize,
                                              llvm::StringRef worldGroup) {
  if (static_cast<int64_t>(ranks.size()) == worldSize)
    return worldGroup.str();
  llvm::SmallVector<int64_t, 8> sorted(ranks);
  llvm::sort(sorted);
  std::string joined;
  llvm::raw_string_ostream os(joined);
  llvm::interleave(sorted, os, "-");
  return llvm::formatv("{0}-{1}", sorted.size(), libstdcxxStringHash(joined))
      .str();
}
