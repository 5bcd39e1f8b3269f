//! `Variable`: a shared, thread-safe, mutable array handle, with a kind
//! (`Variable`, `TrainVar`, `Parameter`, `RandomState` or a user's own).
//!
//! Outside `jit` a Variable holds a concrete value. Inside a trace, reading it
//! gives a traced node (a graph parameter bound to the variable) and `set`
//! records a write that the compiled function performs on every call.

use crate::array::{Array, Repr, or_panic};
use crate::ops::{Operand, SliceElem};
use crate::trace;
use heron_ir::{DType, Error, Result, Shape, Value};
use parking_lot::Mutex;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The identity of a Variable (unique in the process; clones share it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VarId(pub u64);

impl fmt::Display for VarId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "var#{}", self.0)
    }
}

/// What a Variable is for, as in BrainPy: collections filter on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VarKind {
    /// A plain state variable.
    Variable,
    /// A trainable variable.
    TrainVar,
    /// A parameter (not trained by default).
    Parameter,
    /// The key of a random generator.
    RandomState,
    /// A user-defined kind.
    Custom(&'static str),
}

impl VarKind {
    /// A user-defined kind with the given name.
    pub fn custom(name: &'static str) -> VarKind {
        VarKind::Custom(name)
    }
}

impl fmt::Display for VarKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VarKind::Variable => f.write_str("Variable"),
            VarKind::TrainVar => f.write_str("TrainVar"),
            VarKind::Parameter => f.write_str("Parameter"),
            VarKind::RandomState => f.write_str("RandomState"),
            VarKind::Custom(name) => f.write_str(name),
        }
    }
}

struct VarInner {
    id: VarId,
    kind: VarKind,
    value: Mutex<Value>,
}

/// A shared, thread-safe, mutable array handle. `clone()` gives another
/// handle to the same variable.
///
/// As in BrainPy, where a Variable is an array, every read-only `Array`
/// method is a method of `Variable` too, and every function taking arrays
/// takes `&Variable`: they read the value (inside `jit`, a traced read) and
/// give a plain `Array`. In place, `set`, `set_at`, `fill` and compound
/// assignment update the variable. It prints as BrainPy prints it, under
/// the name of its kind.
///
/// ```
/// use heron_core as hn;
/// use heron_core::{DType, Variable, s};
///
/// let v = Variable::new(hn::array(&[1.0f32, -2.0, 3.0, 0.5]));
/// assert_eq!(v.sum().item::<f32>(), 2.5);
/// assert_eq!(v.gt(0.0).to_vec::<bool>(), vec![true, false, true, true]);
/// assert_eq!(v.reshape(&[2, -1]).shape(), &[2, 2]);
/// assert_eq!(hn::sum(&v).item::<f32>(), 2.5);
/// assert_eq!((&v + 1.0).to_vec::<f32>(), vec![2.0, -1.0, 4.0, 1.5]);
/// v.set_at(s![0..2], 10.0);
/// assert_eq!(v.to_string(), "Variable([10. , 10. ,  3. ,  0.5], dtype=f32)");
/// v.fill(0.0);
/// assert_eq!(v.value().to_vec::<f32>(), vec![0.0; 4]);
/// ```
#[derive(Clone)]
pub struct Variable {
    inner: Arc<VarInner>,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl Variable {
    /// A new variable of kind `VarKind::Variable` holding `value`.
    /// Panics if `value` is traced (create Variables outside `jit`).
    pub fn new(value: Array) -> Variable {
        Variable::with_kind(value, VarKind::Variable)
    }

    /// A new variable of the given kind holding `value`.
    pub fn with_kind(value: Array, kind: VarKind) -> Variable {
        let value = match value.repr {
            Repr::Concrete(v) => v,
            Repr::Traced(_) => {
                panic!("Variable::new: the initial value must be concrete, not traced")
            }
        };
        Variable {
            inner: Arc::new(VarInner {
                id: VarId(NEXT_ID.fetch_add(1, Ordering::Relaxed)),
                kind,
                value: Mutex::new(value),
            }),
        }
    }

    /// The variable's identity.
    pub fn id(&self) -> VarId {
        self.inner.id
    }

    /// The variable's kind.
    pub fn kind(&self) -> VarKind {
        self.inner.kind
    }

    /// The current value (inside `jit`: a traced read).
    pub fn value(&self) -> Array {
        if trace::is_active() {
            return trace::read_var(self);
        }
        Array::from_value(self.inner.value.lock().clone())
    }

    /// The shape of the variable (fixed for its life).
    pub fn shape(&self) -> Shape {
        self.inner.value.lock().shape().clone()
    }

    /// The dtype of the variable (fixed for its life).
    pub fn dtype(&self) -> DType {
        self.inner.value.lock().dtype()
    }

    /// Replaces the value; panics if the shape or dtype differs.
    pub fn set(&self, value: impl Into<Array>) {
        self.try_set(value).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Replaces the value; an error if the shape or dtype differs.
    pub fn try_set(&self, value: impl Into<Array>) -> Result<()> {
        let value: Array = value.into();
        let (shape, dtype) = (self.shape(), self.dtype());
        if value.shape_ref() != &shape || value.dtype() != dtype {
            return Err(Error::Variable(format!(
                "set: {} holds {dtype}{shape}; cannot set it to {}{}",
                self.id(),
                value.dtype(),
                value.shape_ref()
            )));
        }
        if trace::is_active() {
            return trace::write_var(self, value);
        }
        match value.repr {
            Repr::Concrete(v) => {
                *self.inner.value.lock() = v;
                Ok(())
            }
            Repr::Traced(_) => Err(Error::Trace(
                "set: a traced value escaped its jit function".into(),
            )),
        }
    }

    /// Assigns `value` (an array or a scalar, broadcast to the selected region
    /// and cast to the variable's dtype) to the region `index` selects, as
    /// BrainPy's `v[0:2] = 10.`; the rest of the value is unchanged. Inside
    /// `jit` this records a write of the variable (a slice update, then
    /// `set`). Panics on a bad index or value, naming `set_at`.
    ///
    /// ```
    /// use heron_core as hn;
    /// use heron_core::{DType, Variable, s};
    ///
    /// let v = Variable::new(hn::zeros(&[4], DType::F32));
    /// v.set_at(s![0..2], 10.0);
    /// assert_eq!(v.value().to_vec::<f32>(), vec![10.0, 10.0, 0.0, 0.0]);
    /// v.set_at(s![-1], &hn::scalar(3.0f32));
    /// assert_eq!(v.value().to_vec::<f32>(), vec![10.0, 10.0, 0.0, 3.0]);
    /// ```
    pub fn set_at(&self, index: impl AsRef<[SliceElem]>, value: impl Operand) {
        or_panic(self.try_set_at(index, value))
    }

    /// `set_at` returning an error instead of panicking (the variable is
    /// then unchanged).
    pub fn try_set_at(&self, index: impl AsRef<[SliceElem]>, value: impl Operand) -> Result<()> {
        let mut updated = self.value();
        updated
            .try_set(index, value)
            .map_err(|e| rename_set(e, "set_at"))?;
        self.try_set(updated)
    }

    /// Sets every element to `value` (a scalar, or an array broadcast to the
    /// variable's shape; cast to its dtype), as BrainPy's `v.fill(x)`. Inside
    /// `jit` this records a write of the variable.
    ///
    /// ```
    /// use heron_core as hn;
    /// use heron_core::{DType, Variable, s};
    ///
    /// let v = Variable::new(hn::ones(&[2, 2], DType::I32));
    /// v.fill(7);
    /// assert_eq!(v.value().to_vec::<i32>(), vec![7; 4]);
    /// ```
    pub fn fill(&self, value: impl Operand) {
        or_panic(self.try_fill(value))
    }

    /// `fill` returning an error instead of panicking (the variable is then
    /// unchanged).
    pub fn try_fill(&self, value: impl Operand) -> Result<()> {
        let value = value.into_operand().to_array(self.dtype())?;
        let shape = self.shape();
        let filled = value
            .try_broadcast_to(&shape)
            .map_err(|_| Error::Broadcast {
                op: "fill".into(),
                lhs: value.shape_ref().clone(),
                rhs: shape,
            })?;
        self.try_set(filled)
    }

    /// Locks the variable's storage for the duration of a compiled call.
    pub(crate) fn lock(&self) -> parking_lot::MutexGuard<'_, Value> {
        self.inner.value.lock()
    }

    /// `lock`, or `None` at once when another thread holds the lock.
    pub(crate) fn try_lock(&self) -> Option<parking_lot::MutexGuard<'_, Value>> {
        self.inner.value.try_lock()
    }

    /// A handle that does not keep the variable (nor its value) alive.
    pub(crate) fn downgrade(&self) -> WeakVariable {
        WeakVariable(Arc::downgrade(&self.inner))
    }
}

/// A handle to a Variable that does not keep it alive: what caches hold.
pub(crate) struct WeakVariable(std::sync::Weak<VarInner>);

impl WeakVariable {
    /// True while some `Variable` handle to the variable exists.
    pub(crate) fn is_alive(&self) -> bool {
        self.0.strong_count() > 0
    }
}

/// Renames the op of an error from an array's `set` to a Variable's `name`.
fn rename_set(e: Error, name: &str) -> Error {
    match e {
        Error::Invalid { op, msg } if op == "set" => Error::invalid(name, msg),
        Error::Broadcast { op, lhs, rhs } if op == "set" => Error::Broadcast {
            op: name.into(),
            lhs,
            rhs,
        },
        other => other,
    }
}

impl From<&Variable> for Array {
    fn from(v: &Variable) -> Array {
        v.value()
    }
}

impl From<&Array> for Array {
    fn from(a: &Array) -> Array {
        a.clone()
    }
}

impl fmt::Debug for Variable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({}, {:?})", self.kind(), self.id(), self.value())
    }
}

/// Creates Variables of kind `TrainVar`.
pub struct TrainVar;

impl TrainVar {
    /// A new trainable variable holding `value`.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(value: Array) -> Variable {
        Variable::with_kind(value, VarKind::TrainVar)
    }
}

/// Creates Variables of kind `Parameter`.
pub struct Parameter;

impl Parameter {
    /// A new parameter holding `value`.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(value: Array) -> Variable {
        Variable::with_kind(value, VarKind::Parameter)
    }
}
