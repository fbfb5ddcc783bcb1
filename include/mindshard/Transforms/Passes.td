//===- Passes.td - mindshard's sharding pipeline -----------*- tablegen -*-===//
//
// Part of mindshard. The passes that turn a single-device network into the
// programs of M devices: inline the graphs it calls, import the training
// strategy, infer the predict layout, partition.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_TRANSFORMS_PASSES_TD
#define MINDSHARD_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def InlineGraphs : Pass<"mindshard-inline-graphs", "::mlir::ModuleOp"> {
  let summary = "Inlines the graphs the main graph calls";
  let description = [{
    Replaces every `mindir.call` of the main graph with the body of the
    graph it calls, and so on through the graphs those call, so that the
    passes after it see one graph. MindSpore keeps a reused cell as a graph
    of its own (`lazy_inline`, cell reuse) and calls it once per layer; each
    call gets its own copy of the body, whose ops then read the layer's own
    parameters, so their strategies are found under the layer's parameter
    names. The copies' locations are call sites (the callee's op, called
    from the call), and ops that infer their result types infer them again
    from the call's arguments (a MindIR sub-graph often declares untyped
    inputs); a call of unknown result type takes the type the body gives,
    and so do its users. A value of an enclosing graph read by name
    (`mindir.free_variable`) is resolved along the call chain. Graphs that
    were inlined are erased unless a graph kept still names them.

    A call the pass cannot inline is an error on the call: a graph that
    calls itself, a graph that passes graphs as values (`mindir.apply`,
    `mindir.func_ref`), a free variable that no graph on the chain defines
    before the call or that reads a tuple, a result of known type that the
    callee's body does not give. So is a graph kept that reads a value of a graph
    inlined away.

    ```mlir
    // Before
    func.func @dense(%x: tensor<16x32xf32>, %w: tensor<32x32xf32>)
        -> tensor<16x32xf32> {
      %y = mindir.MatMul %x, %w : (tensor<16x32xf32>, tensor<32x32xf32>)
          -> tensor<16x32xf32>
      return %y : tensor<16x32xf32>
    }
    func.func @net(%x: tensor<16x32xf32>) -> tensor<16x32xf32> {
      %w = mindir.get_parameter @layer1.weight : tensor<32x32xf32>
      %y = mindir.call @dense(%x, %w) : (tensor<16x32xf32>,
          tensor<32x32xf32>) -> tensor<16x32xf32>
      return %y : tensor<16x32xf32>
    }
    // After --mindshard-inline-graphs: @dense is gone
    func.func @net(%x: tensor<16x32xf32>) -> tensor<16x32xf32> {
      %w = mindir.get_parameter @layer1.weight : tensor<32x32xf32>
      %y = mindir.MatMul %x, %w : (tensor<16x32xf32>, tensor<32x32xf32>)
          -> tensor<16x32xf32>
      return %y : tensor<16x32xf32>
    }
    ```
  }];
  let statistics = [
    Statistic<"numInlined", "inlined", "Calls replaced by the callee's body">,
    Statistic<"numErased", "erased", "Graphs no longer called, erased">,
  ];
}

def ImportTrainingStrategy
    : Pass<"mindshard-import-training-strategy", "::mlir::ModuleOp"> {
  let summary = "Attaches each parameter's training layout";
  let description = [{
    Reads a training strategy file (protobuf or JSON, pipeline-merged or
    one file per stage) and sets the `train_layout` of every
    `mindir.parameter` it names. Entries that are not network parameters
    (optimizer states such as `adam_m.*` or `moments.*`, `global_step`) are
    recognised and left aside. A parameter the strategy does not name is
    whole on every training rank, as MindSpore treats it; the pass says so
    with a warning.

    A layout that does not fit its parameter (a tensor map of another rank,
    a split that does not divide the dimension) is an error naming the file,
    the parameter and the shapes.

    Example:

    ```mlir
    // Before
    mindir.parameter @weight : tensor<96x16xf32>
    // After --mindshard-import-training-strategy=strategy=train_strategy.ckpt
    mindir.parameter @weight : tensor<96x16xf32> {train_layout =
        #mindir.layout<dev_matrix = [2, 1, 4], tensor_map = [1, 0]>}
    ```
  }];
  let options = [
    ListOption<"strategyFiles", "strategy", "std::string",
               "The training strategy file, or one file per pipeline stage "
               "in stage order">,
  ];
  let statistics = [
    Statistic<"numAttached", "attached", "Parameters given a layout">,
    Statistic<"numWhole", "whole", "Parameters the strategy does not name">,
    Statistic<"numOther", "left-aside",
              "Strategy entries that are not network parameters">,
  ];
}

def InferPredictLayout
    : Pass<"mindshard-infer-predict-layout", "::mlir::ModuleOp"> {
  let summary = "Gives every op a strategy and every value a layout on M devices";
  let description = [{
    What MindSpore's `infer_predict_layout` computes, for `devices` (M)
    devices in one stage. Each op's strategy comes from, in order: its own
    `in_strategy` attribute; the predict strategy file's entry
    `<Prim>_<first parameter name>`; the training strategy file's entry of
    that name, when it fits M devices; else MindSpore's batch-parallel
    default (dimension 0 of the data inputs split over gcd(dimension 0, M)
    devices, weights whole). The op's device matrix and tensor maps follow
    MindSpore's rules for the op (see docs/passes.md); when a strategy uses
    fewer than M devices, the repeated devices form the last axis of the
    device matrix.

    The pass records on each op the chosen strategy (`mindir.strategy`) and
    where it came from (`mindir.strategy_source`), and on each result its
    layout (`mindir.layout`). A parameter takes the layout its first user
    needs (`predict_layout`). Graph inputs are whole on every device
    (MindSpore's full-batch mode). Where a consumer needs another layout
    than its producer gives, a `mindir.redistribute` op records the change
    for the partitioner; outputs are redistributed to whole unless
    `keep-outputs-sharded` is set.

    An invalid strategy (a split count product that does not divide M, a
    split that does not divide its dimension, a tuple of the wrong length)
    is an error on the op with the numbers that disagree.
  }];
  let options = [
    Option<"devices", "devices", "int64_t", "0",
           "The number of devices to serve on (M)">,
    Option<"predictStrategyFile", "predict-strategy", "std::string", "",
           "A strategy file whose op strategies come before the training "
           "strategy's">,
    ListOption<"trainStrategyFiles", "train-strategy", "std::string",
               "The training strategy file(s), for op strategies keyed "
               "<Prim>_<parameter>">,
    Option<"strategyOutput", "strategy-out", "std::string", "",
           "Write the predict strategy here (ParallelStrategyMap; JSON when "
           "the name ends in .json)">,
    Option<"keepOutputsSharded", "keep-outputs-sharded", "bool", "false",
           "Leave graph outputs in their layout instead of gathering them">,
  ];
  let statistics = [
    Statistic<"numRedistributions", "redistributions",
              "Values redistributed between producer and consumer">,
  ];
}

def Partition : Pass<"mindshard-partition", "::mlir::ModuleOp"> {
  let summary = "Rewrites the network into the program each device runs";
  let description = [{
    From a module annotated by `mindshard-infer-predict-layout`, builds for
    every device its program: local shapes everywhere, the collectives
    MindSpore inserts (AllReduce for partial sums, AllGather with the Split
    and Concat that gathering a non-leading dimension needs, StridedSlice
    where a consumer needs a slice, AlltoAll where a split moves to another
    dimension, the masking and AllReduce of a row-split embedding), each
    collective naming its rank group as MindSpore names it. Devices whose
    programs are the same share one function; the module's
    `mindir.device_programs` lists the function of each device. Parameters
    take their local types and keep their global type in
    `mindir.global_type`. With `group-file`, the groups are written as a
    ParallelGroupMap.
  }];
  let options = [
    Option<"groupFile", "group-file", "std::string", "",
           "Write the communication groups here (ParallelGroupMap)">,
    Option<"allowAllToAll", "alltoall", "bool", "true",
           "Move a split between dimensions with AlltoAll (MindSpore does "
           "so with enable_alltoall; otherwise AllGather then slice)">,
    Option<"worldGroup", "world-group", "std::string", "\"hccl_world_group\"",
           "The name of the group of all devices">,
  ];
  let statistics = [
    Statistic<"numPrograms", "programs", "Distinct device programs">,
    Statistic<"numCollectives", "collectives",
              "Collectives in the programs, all devices together">,
  ];
}

def AttachSlices : Pass<"mindshard-attach-slices", "::mlir::ModuleOp"> {
  let summary = "Plans each device's parameter slices from the training "
                "checkpoints";
  let description = [{
    For every parameter of a partitioned module and every device, plans
    which pieces of which training ranks' slices tile the device's slice,
    and records the plan as `mindir.slices` (one `#mindir.slice` per
    device); the module records the checkpoint files by training rank in
    `mindir.train_checkpoints`. Training ranks are grouped into the
    strategy's pipeline stages in rank order; a parameter is read from the
    ranks of its stage. Optimizer sharding, uneven splits and `field` are
    taken into account. A slice that several ranks hold (replicas) is read
    from a rank whose checkpoint holds it: checkpoints saved with
    MindSpore's `remove_redundancy` keep it on one replica only, and a
    replica's file may be missing.

    Before anything is recorded the plan is checked: the training slices
    tile the tensor, every device's pieces tile its slice, and every
    checkpoint that a piece reads holds the parameter with the slice shape
    the strategy implies (an error names the parameter, the rank, the file
    and both shapes).

    With `embed-data`, each device's slice data is attached too
    (`mindir.slice_values`), for small networks and tests; the export reads
    the checkpoints itself otherwise.

    ```mlir
    mindir.parameter @w : tensor<16x64xf32> {
      mindir.global_type = tensor<64x64xf32>,
      mindir.slices = [#mindir.slice<rank = 0, shape = [16, 64], pieces = [
          #mindir.piece<rank = 0, slice = [64, 32], from = [0, 0],
                        to = [0, 0], shape = [16, 32]>,
          #mindir.piece<rank = 1, slice = [64, 32], from = [0, 0],
                        to = [0, 32], shape = [16, 32]>]>, ...]}
    ```
  }];
  let options = [
    ListOption<"checkpoints", "checkpoints", "std::string",
               "The training checkpoints, in rank order">,
    Option<"embedData", "embed-data", "bool", "false",
           "Attach each device's slice data as well as its plan">,
  ];
  let statistics = [
    Statistic<"numPlanned", "planned", "Parameters planned">,
    Statistic<"numPieces", "pieces", "Pieces, all devices together">,
  ];
}

#endif // MINDSHARD_TRANSFORMS_PASSES_TD
