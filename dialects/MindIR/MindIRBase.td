//===- MindIRBase.td - the mindir dialect ------------------*- tablegen -*-===//
//
// Part of mindshard. The `mindir` dialect models a MindSpore network as a
// MindIR file holds it, plus what distributing it needs: layouts on
// parameters and values, op strategies, and collectives with their rank
// groups.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_DIALECT_MINDIR_MINDIRBASE_TD
#define MINDSHARD_DIALECT_MINDIR_MINDIRBASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def MindIR_Dialect : Dialect {
  let name = "mindir";
  let cppNamespace = "::mindshard::mindir";
  let summary = "MindSpore networks as MindIR files hold them, with layouts";
  let description = [{
    The `mindir` dialect is the in-memory form of a MindIR file. A network is
    a `func.func` over its inputs; its weights are module-level
    `mindir.parameter` symbols that the network reads with
    `mindir.get_parameter`. Ops are named after MindSpore's primitives
    (`mindir.MatMul`, `mindir.LayerNorm`, ...) and carry the primitive's
    attributes under MindSpore's names; any attribute that an op does not
    declare and whose name does not start with `mindir.` is a primitive
    attribute carried through unchanged. A primitive without a dedicated op
    is imported as `mindir.primitive`.

    Distribution is described in MindSpore's own terms: `#mindir.layout`
    (device matrix, tensor map, optimizer sharding, uneven splits, field,
    pipeline stage) on parameters and values, `#mindir.strategy` (the
    `shard()` strategy) on ops, and the collectives `mindir.AllReduce`,
    `mindir.AllGather`, `mindir.ReduceScatter` and `mindir.AlltoAll`, each
    naming its rank group.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
  let useDefaultAttributePrinterParser = 1;
  let useDefaultTypePrinterParser = 1;
  let hasOperationAttrVerify = 1;
  let extraClassDeclaration = [{
    /// Module attributes that record the MindIR file's header.
    static constexpr ::llvm::StringLiteral kProducerNameAttr =
        "mindir.producer_name";
    static constexpr ::llvm::StringLiteral kModelVersionAttr =
        "mindir.model_version";
    static constexpr ::llvm::StringLiteral kIrVersionAttr =
        "mindir.ir_version";
    static constexpr ::llvm::StringLiteral kMindIrVersionAttr =
        "mindir.mind_ir_version";
    /// The module attribute naming the network's top graph.
    static constexpr ::llvm::StringLiteral kMainGraphAttr = "mindir.main_graph";
    /// A function attribute with the graph's name as the file spells it.
    static constexpr ::llvm::StringLiteral kGraphNameAttr = "mindir.graph_name";
    /// An op, argument or result attribute with the value's layout.
    static constexpr ::llvm::StringLiteral kLayoutAttr = "mindir.layout";
    /// An argument attribute with the graph input's name in the file.
    static constexpr ::llvm::StringLiteral kNameAttr = "mindir.name";
    /// On an op of several results, the file's name of each result that
    /// another graph reads by name ("" for the others): the elements a
    /// TupleGetItem node took, which the importer folds.
    static constexpr ::llvm::StringLiteral kResultNamesAttr =
        "mindir.result_names";
    /// An op attribute with the primitive's instance name in the file.
    static constexpr ::llvm::StringLiteral kInstanceNameAttr =
        "mindir.instance_name";

    // What the sharding passes record.
    /// The number of devices a module is laid out for (i64, on the module).
    static constexpr ::llvm::StringLiteral kDevicesAttr = "mindir.devices";
    /// An op's chosen strategy, and where it came from ("attribute",
    /// "predict-strategy", "train-strategy" or "batch").
    static constexpr ::llvm::StringLiteral kStrategyAttr = "mindir.strategy";
    static constexpr ::llvm::StringLiteral kStrategySourceAttr =
        "mindir.strategy_source";
    /// The layouts an op needs of its operands.
    static constexpr ::llvm::StringLiteral kOperandLayoutsAttr =
        "mindir.operand_layouts";
    /// The program each device runs (array of symbols, on the module).
    static constexpr ::llvm::StringLiteral kDeviceProgramsAttr =
        "mindir.device_programs";
    /// A parameter's type and data before partitioning.
    static constexpr ::llvm::StringLiteral kGlobalTypeAttr =
        "mindir.global_type";
    static constexpr ::llvm::StringLiteral kGlobalValueAttr =
        "mindir.global_value";
    /// The training run: its pipeline stage count (i64) and its checkpoint
    /// files, indexed by training rank (array of strings), on the module.
    static constexpr ::llvm::StringLiteral kTrainStagesAttr =
        "mindir.train_stages";
    static constexpr ::llvm::StringLiteral kTrainCheckpointsAttr =
        "mindir.train_checkpoints";
    /// How each device's slice of a parameter is made (array of
    /// #mindir.slice, one per device), and optionally the slices' data
    /// (array of elements, one per device).
    static constexpr ::llvm::StringLiteral kSlicesAttr = "mindir.slices";
    static constexpr ::llvm::StringLiteral kSliceValuesAttr =
        "mindir.slice_values";
  }];
}

class MindIR_Op<string mnemonic, list<Trait> traits = []>
    : Op<MindIR_Dialect, mnemonic, traits>;

class MindIR_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<MindIR_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

class MindIR_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<MindIR_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

#endif // MINDSHARD_DIALECT_MINDIR_MINDIRBASE_TD
