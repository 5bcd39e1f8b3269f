//! Facts about ops that several stages need, each written once, here: an
//! op's user-facing name and its name in printed graphs, its kind
//! (element-wise, movement, leaf, predicate, comparison, bitwise, can it
//! fail at run time), which element-wise ops are transcendental (computed
//! by polynomial approximations in compiled code, hence within a few ulp of
//! `eval` rather than bit-exact), and a reduction's combining op, identity,
//! result and accumulator types. The stages (inference, scheduling, lowering,
//! the interpreter, the differential tester) ask the op instead of keeping
//! lists of their own.
//!
//! Where the point of a fact is the complete list, its `match` names every
//! variant, so a new op does not compile until it is classified.

use crate::{ArgOp, BinaryOp, DType, Op, ReduceOp, Scalar, ScatterMode, UnaryOp};

impl Op {
    /// The op's name in error messages: the name of the public function
    /// that records it (`where`, `astype`, `set`, `reduce_sum`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Op::Param(_) => "param",
            Op::Const(_) => "const",
            Op::Unary(u) => u.name(),
            Op::Binary(b) => b.name(),
            Op::Select => "where",
            Op::Cast(_) => "astype",
            Op::BroadcastTo(_) => "broadcast_to",
            Op::Reshape(_) => "reshape",
            Op::Permute(_) => "transpose",
            Op::Slice(_) => "slice",
            Op::SetSlice(_) => "set",
            Op::Take { .. } => "take",
            Op::TakeAlongAxis { .. } => "take_along_axis",
            Op::Scatter { mode } => mode.name(),
            Op::SegmentSum { .. } => "segment_sum",
            Op::DynamicSlice { .. } => "dynamic_slice",
            Op::DynamicUpdateSlice => "dynamic_update_slice",
            Op::Concat { .. } => "concatenate",
            Op::Reduce { op, .. } => op.name(),
            Op::ArgReduce { op, .. } => op.name(),
            Op::Cumsum { .. } => "cumsum",
            Op::Sort { .. } => "sort",
            Op::Argsort { .. } => "argsort",
            Op::MatMul => "matmul",
            Op::CsrMatVec(_) => "csr_matvec",
            Op::CsrVecMat(_) => "csr_vecmat",
            Op::CsrEventVecMat(_) => "csr_event_vecmat",
            Op::RandomBits { .. } => "random_bits",
            Op::Loop { .. } => "loop",
            Op::While { .. } => "while_loop",
            Op::Cond { .. } => "cond",
            Op::Project(_) => "get",
        }
    }
}

impl UnaryOp {
    /// Every unary op, in declaration order: what tests and the differential
    /// generator iterate over.
    pub const ALL: [UnaryOp; 36] = {
        use UnaryOp::*;
        [
            Neg, Abs, Sign, Sqrt, Rsqrt, Exp, Exp2, Expm1, Log, Log2, Log10, Log1p, Sin, Cos, Tan,
            Tanh, Sinh, Cosh, Arcsin, Arccos, Arctan, Arcsinh, Arccosh, Arctanh, Erf, Sigmoid,
            Floor, Ceil, Round, Trunc, Square, Reciprocal, IsNan, IsInf, IsFinite, Not,
        ]
    };

    /// True for the transcendental functions: compiled code evaluates them
    /// inline by range reduction and a polynomial (`heron-codegen`'s
    /// `vmath`, which provides every one of them), within the ulp bounds of
    /// `crate::precision`, where `eval` calls the Rust standard library.
    pub fn is_transcendental(self) -> bool {
        use UnaryOp::*;
        match self {
            Exp | Exp2 | Expm1 | Log | Log2 | Log10 | Log1p | Sin | Cos | Tan | Tanh | Sinh
            | Cosh | Arcsin | Arccos | Arctan | Arcsinh | Arccosh | Arctanh | Sigmoid | Erf => true,
            Neg | Abs | Sign | Sqrt | Rsqrt | Floor | Ceil | Round | Trunc | Square
            | Reciprocal | IsNan | IsInf | IsFinite | Not => false,
        }
    }

    /// True for ops defined on floats only (integer operands are cast to a
    /// float type by the array layer first).
    pub fn float_only(self) -> bool {
        use UnaryOp::*;
        self.is_transcendental() || matches!(self, Sqrt | Rsqrt | Reciprocal)
    }
}

impl BinaryOp {
    /// Every binary op, in declaration order.
    pub const ALL: [BinaryOp; 20] = {
        use BinaryOp::*;
        [
            Add, Sub, Mul, Div, Rem, Pow, Max, Min, Atan2, Hypot, Logaddexp, And, Or, Xor, Eq, Ne,
            Lt, Le, Gt, Ge,
        ]
    };

    /// True for the transcendental binary functions (`pow`, `atan2`,
    /// `hypot`, `logaddexp` on floats): as [`UnaryOp::is_transcendental`].
    pub fn is_transcendental(self) -> bool {
        use BinaryOp::*;
        match self {
            Pow | Atan2 | Hypot | Logaddexp => true,
            Add | Sub | Mul | Div | Rem | Max | Min | And | Or | Xor | Eq | Ne | Lt | Le | Gt
            | Ge => false,
        }
    }

    /// True for ops defined on floats only.
    pub fn float_only(self) -> bool {
        matches!(
            self,
            BinaryOp::Atan2 | BinaryOp::Hypot | BinaryOp::Logaddexp
        )
    }
}

impl ReduceOp {
    /// Every reduction, in declaration order: what tests iterate over.
    pub const ALL: [ReduceOp; 6] = [
        ReduceOp::Sum,
        ReduceOp::Prod,
        ReduceOp::Max,
        ReduceOp::Min,
        ReduceOp::Any,
        ReduceOp::All,
    ];

    /// The binary op that folds one more element into a partial result.
    /// For float max/min it decides everything but a tie of `±0`, which
    /// the reduction settles by the bits (see `ReduceOp::Max`).
    pub fn combine(self) -> BinaryOp {
        match self {
            ReduceOp::Sum => BinaryOp::Add,
            ReduceOp::Prod => BinaryOp::Mul,
            ReduceOp::Max => BinaryOp::Max,
            ReduceOp::Min => BinaryOp::Min,
            ReduceOp::Any => BinaryOp::Or,
            ReduceOp::All => BinaryOp::And,
        }
    }

    /// The dtype of the result of reducing elements of `input`: bool for
    /// `any`/`all`, i32 for a sum or product of bools, else `input`.
    pub fn result_dtype(self, input: DType) -> DType {
        match self {
            ReduceOp::Any | ReduceOp::All => DType::Bool,
            ReduceOp::Sum | ReduceOp::Prod if input.is_bool() => DType::I32,
            _ => input,
        }
    }

    /// The dtype compiled code accumulates a reduction of `input` elements
    /// in: **an f32 sum accumulates in f64** and is rounded to f32 once at
    /// the end (so are the partials of a split f32 sum and of a temporally
    /// fused f32 sum accumulator); every other reduction accumulates in its
    /// result dtype.
    pub fn accumulator_dtype(self, input: DType) -> DType {
        match self {
            ReduceOp::Sum if input == DType::F32 => DType::F64,
            _ => self.result_dtype(input),
        }
    }

    /// The value an accumulator of dtype `acc` starts from: 0, 1, the
    /// smallest or largest value of `acc` (±inf for floats), false or true.
    pub fn identity(self, acc: DType) -> Scalar {
        let extreme = |largest: bool| match acc {
            DType::Bool => Scalar::Bool(largest),
            DType::I32 => Scalar::I32(if largest { i32::MAX } else { i32::MIN }),
            DType::I64 => Scalar::I64(if largest { i64::MAX } else { i64::MIN }),
            DType::U32 => Scalar::U32(if largest { u32::MAX } else { 0 }),
            DType::F32 => Scalar::F32(if largest {
                f32::INFINITY
            } else {
                f32::NEG_INFINITY
            }),
            DType::F64 => Scalar::F64(if largest {
                f64::INFINITY
            } else {
                f64::NEG_INFINITY
            }),
        };
        match self {
            ReduceOp::Sum | ReduceOp::Any => Scalar::zero(acc),
            ReduceOp::Prod | ReduceOp::All => Scalar::one(acc),
            ReduceOp::Max => extreme(false),
            ReduceOp::Min => extreme(true),
        }
    }
}

impl Op {
    /// True for ops that compute each output element from the operand elements
    /// at the same (broadcast) index: the ops that fuse into one loop freely.
    pub fn is_elementwise(&self) -> bool {
        matches!(
            self,
            Op::Unary(_) | Op::Binary(_) | Op::Select | Op::Cast(_)
        )
    }

    /// True for ops that only move or repeat elements (their index maps are affine).
    pub fn is_movement(&self) -> bool {
        matches!(
            self,
            Op::BroadcastTo(_) | Op::Reshape(_) | Op::Permute(_) | Op::Slice(_)
        )
    }

    /// True for graph leaves (no operands).
    pub fn is_leaf(&self) -> bool {
        matches!(self, Op::Param(_) | Op::Const(_))
    }

    /// True for ops whose evaluation can fail on the data it is given, once
    /// `infer` has accepted the operands' types: `take`, `take_along_axis`,
    /// `scatter` and `segment_sum` (an index out of range), and a control op any of whose sub-graphs, at any depth, holds
    /// such an op. Every other op computes a result for any operand values
    /// of the types `infer` accepts (zero-size `max`/`argmax` and the like
    /// are rejected by `infer`, when the graph is built). Ops that can fail
    /// run on the host through `eval_op`, never inside a native kernel,
    /// which has no way to report an error.
    pub fn can_fail_at_run_time(&self) -> bool {
        let any = |g: &crate::Graph| g.nodes.values().any(|n| n.op.can_fail_at_run_time());
        match self {
            Op::Take { .. }
            | Op::TakeAlongAxis { .. }
            | Op::Scatter { .. }
            | Op::SegmentSum { .. } => true,
            Op::Loop { body, .. } => any(body),
            Op::While { cond, body, .. } => any(cond) || any(body),
            Op::Cond { then, else_ } => any(then) || any(else_),
            _ => false,
        }
    }
}

impl UnaryOp {
    /// The op's name in printed graphs.
    pub fn name(self) -> &'static str {
        use UnaryOp::*;
        match self {
            Neg => "neg",
            Abs => "abs",
            Sign => "sign",
            Sqrt => "sqrt",
            Rsqrt => "rsqrt",
            Exp => "exp",
            Exp2 => "exp2",
            Expm1 => "expm1",
            Log => "log",
            Log2 => "log2",
            Log10 => "log10",
            Log1p => "log1p",
            Sin => "sin",
            Cos => "cos",
            Tan => "tan",
            Tanh => "tanh",
            Sinh => "sinh",
            Cosh => "cosh",
            Arcsin => "arcsin",
            Arccos => "arccos",
            Arctan => "arctan",
            Arcsinh => "arcsinh",
            Arccosh => "arccosh",
            Arctanh => "arctanh",
            Erf => "erf",
            Sigmoid => "sigmoid",
            Floor => "floor",
            Ceil => "ceil",
            Round => "round",
            Trunc => "trunc",
            Square => "square",
            Reciprocal => "reciprocal",
            IsNan => "isnan",
            IsInf => "isinf",
            IsFinite => "isfinite",
            Not => "not",
        }
    }

    /// True for ops whose result is bool whatever the operand's dtype.
    pub fn is_predicate(self) -> bool {
        matches!(self, UnaryOp::IsNan | UnaryOp::IsInf | UnaryOp::IsFinite)
    }
}

impl BinaryOp {
    /// The op's name in printed graphs.
    pub fn name(self) -> &'static str {
        use BinaryOp::*;
        match self {
            Add => "add",
            Sub => "sub",
            Mul => "mul",
            Div => "div",
            Rem => "rem",
            Pow => "pow",
            Max => "max",
            Min => "min",
            Atan2 => "atan2",
            Hypot => "hypot",
            Logaddexp => "logaddexp",
            And => "and",
            Or => "or",
            Xor => "xor",
            Eq => "eq",
            Ne => "ne",
            Lt => "lt",
            Le => "le",
            Gt => "gt",
            Ge => "ge",
        }
    }

    /// True for comparisons (bool result).
    pub fn is_comparison(self) -> bool {
        use BinaryOp::*;
        matches!(self, Eq | Ne | Lt | Le | Gt | Ge)
    }

    /// True for logical/bitwise ops (bool or integer operands).
    pub fn is_bitwise(self) -> bool {
        matches!(self, BinaryOp::And | BinaryOp::Or | BinaryOp::Xor)
    }
}

impl ReduceOp {
    /// The op's name in printed graphs.
    pub fn name(self) -> &'static str {
        match self {
            ReduceOp::Sum => "reduce_sum",
            ReduceOp::Prod => "reduce_prod",
            ReduceOp::Max => "reduce_max",
            ReduceOp::Min => "reduce_min",
            ReduceOp::Any => "reduce_any",
            ReduceOp::All => "reduce_all",
        }
    }
}

impl ScatterMode {
    /// The op's name in printed graphs and messages.
    pub fn name(self) -> &'static str {
        match self {
            ScatterMode::Add => "scatter_add",
            ScatterMode::Set => "scatter_set",
        }
    }
}

impl ArgOp {
    /// The op's name in printed graphs.
    pub fn name(self) -> &'static str {
        match self {
            ArgOp::ArgMax => "argmax",
            ArgOp::ArgMin => "argmin",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_are_neutral_for_their_combining_op() {
        use crate::eval::eval_op;
        use crate::{Shape, Value};
        for op in ReduceOp::ALL {
            for dtype in [DType::I32, DType::U32, DType::F32, DType::F64] {
                let acc = op.accumulator_dtype(dtype);
                let three = if acc.is_bool() {
                    Scalar::Bool(true)
                } else {
                    Scalar::I32(3).cast(acc)
                };
                let x = Value::scalar(three);
                let id = Value::scalar(op.identity(acc));
                let y =
                    eval_op(&Op::Binary(op.combine()), &[&id, &x], &Shape::new(&[]), acc).unwrap();
                assert_eq!(y.buf().get(0), x.buf().get(0), "{} on {dtype}", op.name());
            }
        }
        assert_eq!(ReduceOp::Sum.accumulator_dtype(DType::F32), DType::F64);
        assert_eq!(ReduceOp::Sum.accumulator_dtype(DType::Bool), DType::I32);
        assert_eq!(ReduceOp::Max.accumulator_dtype(DType::F32), DType::F32);
    }

    #[test]
    fn the_lists_hold_every_op_once() {
        let names = |n: Vec<&str>| n.iter().collect::<std::collections::HashSet<_>>().len();
        assert_eq!(
            names(UnaryOp::ALL.map(UnaryOp::name).to_vec()),
            UnaryOp::ALL.len()
        );
        assert_eq!(
            names(BinaryOp::ALL.map(BinaryOp::name).to_vec()),
            BinaryOp::ALL.len()
        );
    }

    #[test]
    fn names_are_the_public_function_names() {
        assert_eq!(Op::Select.name(), "where");
        assert_eq!(Op::Cast(DType::F32).name(), "astype");
        assert_eq!(Op::Unary(UnaryOp::Log1p).name(), "log1p");
    }
}
