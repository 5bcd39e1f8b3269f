//! The closed set of operations a graph node can perform.
//!
//! Operands are the node's inputs (`Node::inputs`); the attributes of an op
//! (an axis, a target shape, a dtype) live in the `Op` value itself. The
//! meaning of every op is defined by `eval`; its shape and dtype rule by `infer`.

use crate::control::Body;
use crate::sparse::CsrMatrix;
use crate::{DType, Shape};
use smallvec::SmallVec;
use std::fmt;

/// Axes of an array, as a small list.
pub type Axes = SmallVec<[usize; 4]>;

cranelift_entity::entity_impl!(ConstId, "c");
/// A constant in a graph's constant table.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConstId(u32);

/// Element-wise operations of one operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `-x` (wrapping for integers).
    Neg,
    /// `|x|`.
    Abs,
    /// -1, 0 or 1 (NaN stays NaN).
    Sign,
    /// Square root (floats only).
    Sqrt,
    /// `1 / sqrt(x)` (floats only).
    Rsqrt,
    /// `e^x` (floats only).
    Exp,
    /// `2^x` (floats only).
    Exp2,
    /// `e^x - 1` (floats only).
    Expm1,
    /// Natural logarithm (floats only).
    Log,
    /// Base-2 logarithm (floats only).
    Log2,
    /// Base-10 logarithm (floats only).
    Log10,
    /// `ln(1 + x)` (floats only).
    Log1p,
    /// Sine (floats only).
    Sin,
    /// Cosine (floats only).
    Cos,
    /// Tangent (floats only).
    Tan,
    /// Hyperbolic tangent (floats only).
    Tanh,
    /// Hyperbolic sine (floats only).
    Sinh,
    /// Hyperbolic cosine (floats only).
    Cosh,
    /// Inverse sine (floats only).
    Arcsin,
    /// Inverse cosine (floats only).
    Arccos,
    /// Inverse tangent (floats only).
    Arctan,
    /// Inverse hyperbolic sine (floats only).
    Arcsinh,
    /// Inverse hyperbolic cosine (floats only; NaN below 1).
    Arccosh,
    /// Inverse hyperbolic tangent (floats only; ±inf at ±1, NaN beyond).
    Arctanh,
    /// The error function `2/sqrt(pi) ∫₀ˣ e^(-t²) dt` (floats only).
    Erf,
    /// `1 / (1 + e^-x)` (floats only).
    Sigmoid,
    /// Round toward -inf (identity on integers).
    Floor,
    /// Round toward +inf (identity on integers).
    Ceil,
    /// Round half to even, as NumPy (identity on integers).
    Round,
    /// Round toward zero (identity on integers).
    Trunc,
    /// `x * x`.
    Square,
    /// `1 / x` (floats only).
    Reciprocal,
    /// True where x is NaN (bool result; false for integers).
    IsNan,
    /// True where x is ±inf (bool result; false for integers).
    IsInf,
    /// True where x is neither NaN nor ±inf (bool result; true for integers).
    IsFinite,
    /// Logical not on bool, bitwise not on integers.
    Not,
}

/// Element-wise operations of two operands, with NumPy broadcasting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `a + b` (wrapping for integers).
    Add,
    /// `a - b` (wrapping for integers).
    Sub,
    /// `a * b` (wrapping for integers).
    Mul,
    /// Floats: IEEE division. Integers: floor division (`//`), `x // 0 == 0`.
    Div,
    /// NumPy's remainder: the sign follows the divisor; `x % 0` is 0 for
    /// integers and NaN for floats.
    Rem,
    /// `a ** b`; for integers a negative exponent gives 0 (except for bases ±1).
    Pow,
    /// Element-wise maximum, NaN-propagating (NumPy's `maximum`).
    Max,
    /// Element-wise minimum, NaN-propagating (NumPy's `minimum`).
    Min,
    /// `atan2(a, b)` (floats only).
    Atan2,
    /// `sqrt(a² + b²)` without undue overflow (floats only; `inf` when
    /// either is infinite, even if the other is NaN).
    Hypot,
    /// `log(e^a + e^b)` without overflow (floats only;
    /// `logaddexp(-inf, -inf) = -inf`).
    Logaddexp,
    /// Logical and on bool, bitwise on integers.
    And,
    /// Logical or on bool, bitwise on integers.
    Or,
    /// Logical xor on bool, bitwise on integers.
    Xor,
    /// `a == b` (bool result; NaN compares unequal).
    Eq,
    /// `a != b` (bool result; NaN compares unequal, so `NaN != NaN` is true).
    Ne,
    /// `a < b` (bool result).
    Lt,
    /// `a <= b` (bool result).
    Le,
    /// `a > b` (bool result).
    Gt,
    /// `a >= b` (bool result).
    Ge,
}

/// Reductions over a set of axes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReduceOp {
    /// Sum (0 for empty); bool sums as i32.
    Sum,
    /// Product (1 for empty); bool multiplies as i32.
    Prod,
    /// Maximum, NaN-propagating; an error on an empty reduction. Floats
    /// fold by an order-independent rule: on a tie (`a == b`, neither NaN)
    /// the result is the bitwise AND of the two, so `+0` beats `-0`
    /// wherever it sits (IEEE 754-2019 `maximum` for zeros); compiled code
    /// gives the same bits whatever order it combines the elements in.
    /// Element-wise `BinaryOp::Max` keeps NumPy's rule (the second operand
    /// on a tie).
    Max,
    /// Minimum, NaN-propagating; an error on an empty reduction. Floats
    /// fold by the dual rule: on a tie the bitwise OR of the two, so `-0`
    /// beats `+0` wherever it sits.
    Min,
    /// True if any element is non-zero (bool result).
    Any,
    /// True if every element is non-zero (bool result).
    All,
}

/// Index-of-extremum reductions along one axis (i32 result; the first index
/// wins ties; the first NaN wins, as in NumPy).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArgOp {
    /// Index of the maximum.
    ArgMax,
    /// Index of the minimum.
    ArgMin,
}

/// How `Op::Scatter` combines a row of values with the row it targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScatterMode {
    /// `row + values` (wrapping for integers, `or` for bool); duplicate
    /// indices accumulate, in row-major order of the indices.
    Add,
    /// `values` replaces the row; of duplicate indices the last one in
    /// row-major order of the indices wins.
    Set,
}

/// One axis of a strided slice, normalised: element `i` of the result reads
/// element `start + i * step` of the operand, for `i < len`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AxisSlice {
    /// First element read.
    pub start: usize,
    /// Distance between elements read (non-zero; negative walks backwards).
    pub step: isize,
    /// Number of elements read.
    pub len: usize,
}

/// A strided slice over every axis of an operand (one `AxisSlice` per axis).
pub type SliceSpec = SmallVec<[AxisSlice; 4]>;

/// An operation. See each variant for its operands (`inputs` of the node).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// Graph input number `index` (no operands). What it is bound to, an
    /// argument or a Variable, is told by `Graph::params`.
    Param(u32),
    /// A constant from the graph's constant table (no operands).
    Const(ConstId),
    /// An element-wise op of one operand.
    Unary(UnaryOp),
    /// An element-wise op of two operands, broadcast together.
    Binary(BinaryOp),
    /// `where(cond, a, b)`: operands cond (bool), a, b, broadcast together.
    Select,
    /// Converts the operand to a dtype with `astype` semantics.
    Cast(DType),
    /// Broadcasts the operand to a shape (NumPy rules).
    BroadcastTo(Shape),
    /// Same elements in row-major order, another shape of the same size.
    /// A reshape to the operand's own shape is recorded only by
    /// `stop_gradient` (the identity here, a zero gradient for `grad`).
    Reshape(Shape),
    /// Reorders the axes: axis `i` of the result is axis `perm[i]` of the operand.
    Permute(Axes),
    /// A strided slice (one `AxisSlice` per axis of the operand).
    Slice(SliceSpec),
    /// Operands `x, value`: a copy of `x` whose sliced region is replaced by
    /// `value` broadcast to the region's shape (cast to `x`'s dtype).
    SetSlice(SliceSpec),
    /// Operands `x, indices`: gathers along `axis`; the result's shape is
    /// `x.shape[..axis] + indices.shape + x.shape[axis+1..]`. Negative indices
    /// count from the end; out-of-range indices are an error in `eval`.
    Take {
        /// The axis gathered along.
        axis: usize,
    },
    /// Operands `x, indices` of the same rank, with the same extents except
    /// along `axis`: NumPy's `take_along_axis`. The result has the indices'
    /// shape; element `[.., j, ..]` (`j` on `axis`) is `x[.., indices[.., j,
    /// ..], ..]`. Negative indices count from the end; out-of-range indices
    /// are an error in `eval`.
    TakeAlongAxis {
        /// The axis gathered along.
        axis: usize,
    },
    /// Operands `x, indices, values`, `values` of `x`'s dtype and of shape
    /// `indices.shape + x.shape[1..]`: JAX's `x.at[indices].add(values)`
    /// (`Add`) or `.set(values)` (`Set`). The result starts as a copy of `x`;
    /// then, for each position `p` of `indices` in row-major order, row
    /// `indices[p]` of axis 0 is combined with row `p` of `values` (see
    /// `ScatterMode`). Negative indices count from the end; an index out of
    /// range is an error in `eval` (nothing is written).
    Scatter {
        /// How a row of values is combined with its target.
        mode: ScatterMode,
    },
    /// Operands `data, segment_ids`, the ids 1-d integers, one per row of
    /// `data` (axis 0): `jax.ops.segment_sum`. The result, of shape
    /// `[num_segments] + data.shape[1..]` and `data`'s dtype, starts at zero
    /// and adds row `p` of `data` to row `segment_ids[p]`, for each `p` in
    /// order (as `scatter_add`). An id outside `[0, num_segments)`, negative
    /// ones included, is an error in `eval`.
    SegmentSum {
        /// The number of segments (rows of the result).
        num_segments: usize,
    },
    /// Operands `x` then one 0-d integer start per axis of `x`: XLA's
    /// `DynamicSlice`. The result is the block of extents `sizes` (each at
    /// most `x`'s) whose first index on axis `d` is `start[d]` as JAX
    /// resolves it: plus `x.shape[d]` if negative, then clamped into
    /// `[0, x.shape[d] - sizes[d]]`, so it never fails.
    DynamicSlice {
        /// The block's extents.
        sizes: Shape,
    },
    /// Operands `x, update` (same dtype and rank, extents at most `x`'s) then
    /// one 0-d integer start per axis: XLA's `DynamicUpdateSlice`. A copy of
    /// `x` whose block at the starts (clamped as for `DynamicSlice`) holds
    /// `update`; it never fails.
    DynamicUpdateSlice,
    /// Joins its operands (same dtype, same shape but along `axis`) along `axis`.
    Concat {
        /// The axis joined along.
        axis: usize,
    },
    /// Reduces over `axes` (removed from the shape; all axes gives a 0-d result).
    Reduce {
        /// Which reduction.
        op: ReduceOp,
        /// The reduced axes, ascending, without repeats.
        axes: Axes,
    },
    /// Index of the extremum along `axis` (removed from the shape).
    ArgReduce {
        /// Which extremum.
        op: ArgOp,
        /// The reduced axis.
        axis: usize,
    },
    /// Cumulative sum along `axis` (same shape; bool and i32 accumulate as i32).
    Cumsum {
        /// The accumulated axis.
        axis: usize,
    },
    /// Sorts along `axis`, ascending, NaN last (stable).
    Sort {
        /// The sorted axis.
        axis: usize,
    },
    /// The indices (i32) that sort along `axis` (stable: ties keep their order).
    Argsort {
        /// The sorted axis.
        axis: usize,
    },
    /// Matrix product (NumPy's `matmul`): operands of rank 1 or more, a 1-d
    /// one a row (left) or a column (right) whose axis the result drops;
    /// the axes before the last two are batch axes, broadcast together.
    MatMul,
    /// Operand `x: f32[n_cols]`: the sparse product `A·x`, `f32[n_rows]`,
    /// of the static matrix `A` (summation order in `sparse::kernels`).
    CsrMatVec(CsrMatrix),
    /// Operand `x: f32[n_rows]`: the sparse product `xᵀ·A`, `f32[n_cols]`.
    CsrVecMat(CsrMatrix),
    /// Operand `s: bool[n_rows]`: `sᵀ·A` with `s` as 0/1, `f32[n_cols]`,
    /// visiting only the rows where `s` holds (event-driven propagation).
    CsrEventVecMat(CsrMatrix),
    /// Operand: a u32 key of shape `[2]`. Threefry-2x32 random bits of `shape`
    /// and `dtype` (U32, or I64 bits for 64-bit draws), as `jax.random.bits`
    /// with `jax_threefry_partitionable` set to `partitionable`.
    RandomBits {
        /// Shape of the result.
        shape: Shape,
        /// U32 for 32-bit words.
        dtype: DType,
        /// The counter scheme: JAX's `jax_threefry_partitionable=True` (its
        /// default) when true, the older scheme when false (see `threefry`).
        partitionable: bool,
    },
    /// A counted loop (`fori_loop`, `for_loop`): runs `body` `trip` times with
    /// index `start + t`; carried state, sliced operands and stacked
    /// results as described in `control`. Results are read with `Project`.
    Loop {
        /// The loop body.
        body: Body,
        /// The index of the first iteration.
        start: i64,
        /// The number of iterations.
        trip: u64,
        /// How many leading operands (and body outputs) are carried state.
        n_carry: u32,
        /// How many operands after the carried ones are sliced along axis 0.
        n_xs: u32,
    },
    /// A loop that runs `body` while `cond` holds on the carried state.
    While {
        /// The predicate, a `bool[]` of the carried state and captured values.
        cond: Body,
        /// The body: new carried state.
        body: Body,
        /// How many leading operands are carried state.
        n_carry: u32,
    },
    /// Runs `then` or `else_` on the captured operands, by the `bool[]` first operand.
    Cond {
        /// The branch taken when the predicate is true.
        then: Body,
        /// The branch taken when it is false.
        else_: Body,
    },
    /// Result `k` of the control node that is its only operand.
    Project(u32),
}

fn list<T: fmt::Display>(items: &[T]) -> String {
    let parts: Vec<String> = items.iter().map(|x| x.to_string()).collect();
    if parts.len() == 1 {
        format!("({},)", parts[0])
    } else {
        format!("({})", parts.join(","))
    }
}

fn slice_text(spec: &[AxisSlice]) -> String {
    let parts: Vec<String> = spec
        .iter()
        .map(|s| format!("{}:{}:{}", s.start, s.len, s.step))
        .collect();
    format!("({})", parts.join(","))
}

impl fmt::Display for Op {
    /// The op as printed in graph text: a name and its attributes in brackets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Param(i) => write!(f, "param[{i}]"),
            Op::Const(c) => write!(f, "const[{c}]"),
            Op::Unary(u) => f.write_str(u.name()),
            Op::Binary(b) => f.write_str(b.name()),
            Op::Select => f.write_str("select"),
            Op::Cast(d) => write!(f, "convert[{d}]"),
            Op::BroadcastTo(s) => write!(f, "broadcast_to[shape={}]", list(s)),
            Op::Reshape(s) => write!(f, "reshape[shape={}]", list(s)),
            Op::Permute(p) => write!(f, "transpose[perm={}]", list(p)),
            Op::Slice(s) => write!(f, "slice[start:len:step={}]", slice_text(s)),
            Op::SetSlice(s) => write!(f, "set_slice[start:len:step={}]", slice_text(s)),
            Op::Take { axis } => write!(f, "take[axis={axis}]"),
            Op::TakeAlongAxis { axis } => write!(f, "take_along_axis[axis={axis}]"),
            Op::Scatter { mode } => f.write_str(mode.name()),
            Op::SegmentSum { num_segments } => {
                write!(f, "segment_sum[num_segments={num_segments}]")
            }
            Op::DynamicSlice { sizes } => write!(f, "dynamic_slice[sizes={}]", list(sizes)),
            Op::DynamicUpdateSlice => f.write_str("dynamic_update_slice"),
            Op::Concat { axis } => write!(f, "concatenate[axis={axis}]"),
            Op::Reduce { op, axes } => write!(f, "{}[axes={}]", op.name(), list(axes)),
            Op::ArgReduce { op, axis } => write!(f, "{}[axis={axis}]", op.name()),
            Op::Cumsum { axis } => write!(f, "cumsum[axis={axis}]"),
            Op::Sort { axis } => write!(f, "sort[axis={axis}]"),
            Op::Argsort { axis } => write!(f, "argsort[axis={axis}]"),
            Op::MatMul => f.write_str("matmul"),
            Op::CsrMatVec(m) => write!(f, "csr_matvec[{m}]"),
            Op::CsrVecMat(m) => write!(f, "csr_vecmat[{m}]"),
            Op::CsrEventVecMat(m) => write!(f, "csr_event_vecmat[{m}]"),
            Op::RandomBits {
                shape,
                dtype,
                partitionable,
            } => {
                write!(f, "random_bits[shape={},dtype={dtype}", list(shape))?;
                if !partitionable {
                    f.write_str(",partitionable=false")?;
                }
                f.write_str("]")
            }
            Op::Loop {
                start,
                trip,
                n_carry,
                n_xs,
                ..
            } => write!(
                f,
                "loop[start={start},trip={trip},carry={n_carry},xs={n_xs}]"
            ),
            Op::While { n_carry, .. } => write!(f, "while[carry={n_carry}]"),
            Op::Cond { .. } => f.write_str("cond"),
            Op::Project(k) => write!(f, "get[{k}]"),
        }
    }
}
