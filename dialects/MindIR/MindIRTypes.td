//===- MindIRTypes.td - mindir types -----------------------*- tablegen -*-===//
//
// Part of mindshard. Tensors, tuples and scalars use MLIR's builtin types;
// these are the MindIR value kinds that have no builtin counterpart.
//
//===----------------------------------------------------------------------===//

#ifndef MINDSHARD_DIALECT_MINDIR_MINDIRTYPES_TD
#define MINDSHARD_DIALECT_MINDIR_MINDIRTYPES_TD

include "MindIR/MindIRBase.td"

def MindIR_UMonadType : MindIR_Type<"UMonad", "u_monad"> {
  let summary = "MindSpore's universal monad, ordering parameter accesses";
  let description = [{
    MindSpore threads a `U` monad through `Load` and `UpdateState` to order
    reads and writes of parameters. Inference networks carry it without
    meaning; mindshard keeps it so files round-trip.
  }];
}

def MindIR_IOMonadType : MindIR_Type<"IOMonad", "io_monad"> {
  let summary = "MindSpore's IO monad, ordering side effects such as printing";
}

def MindIR_AnyType : MindIR_Type<"Any", "any"> {
  let summary = "a value whose kind the file does not state";
  let description = [{
    The type of a MindIR value that is not a tensor, tuple, scalar or monad,
    or whose abstract the file omits: graph inputs without a shape, closures,
    strings, type objects.
  }];
}

def MindIR_Monad : AnyTypeOf<[MindIR_UMonadType, MindIR_IOMonadType]>;

#endif // MINDSHARD_DIALECT_MINDIR_MINDIRTYPES_TD
