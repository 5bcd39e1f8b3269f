//! What a jitted function takes and returns: a single `Array`, a tuple of up
//! to six, a `Vec<Array>`, or `()`; and the borrowed forms `call` accepts.

use crate::Array;
use smallvec::SmallVec;

/// Flattened argument arrays (no allocation for up to six).
pub type ArgList = SmallVec<[Array; 6]>;

/// A type a jitted function can take or return: a fixed structure of arrays.
pub trait JitValue: Sized + 'static {
    /// The arrays in order.
    fn into_arrays(self) -> ArgList;
    /// Rebuilds the value from arrays in the same order (`arrays.len()` is what
    /// `into_arrays` gave for this structure).
    fn from_arrays(arrays: ArgList) -> Self;
}

impl JitValue for () {
    fn into_arrays(self) -> ArgList {
        ArgList::new()
    }
    fn from_arrays(_: ArgList) -> Self {}
}

impl JitValue for Array {
    fn into_arrays(self) -> ArgList {
        smallvec::smallvec![self]
    }
    fn from_arrays(arrays: ArgList) -> Self {
        arrays.into_iter().next().expect("one array")
    }
}

impl JitValue for Vec<Array> {
    fn into_arrays(self) -> ArgList {
        self.into_iter().collect()
    }
    fn from_arrays(arrays: ArgList) -> Self {
        arrays.into_vec()
    }
}

macro_rules! tuple_value {
    ($(($name:ident, $t:ty)),+) => {
        impl JitValue for ($($t,)+) {
            fn into_arrays(self) -> ArgList {
                let ($($name,)+) = self;
                smallvec::smallvec![$($name),+]
            }
            fn from_arrays(arrays: ArgList) -> Self {
                let mut it = arrays.into_iter();
                ($({
                    let $name: $t = it.next().expect("arity matches");
                    $name
                },)+)
            }
        }
    };
}

tuple_value!((a, Array));
tuple_value!((a, Array), (b, Array));
tuple_value!((a, Array), (b, Array), (c, Array));
tuple_value!((a, Array), (b, Array), (c, Array), (d, Array));
tuple_value!((a, Array), (b, Array), (c, Array), (d, Array), (e, Array));
tuple_value!(
    (a, Array),
    (b, Array),
    (c, Array),
    (d, Array),
    (e, Array),
    (f, Array)
);

/// What `Jit::call` accepts for arguments of type `A`: `A` itself, or the
/// same structure of references (`&Array`, `(&Array, &Array)`, `&[Array]`).
pub trait IntoArgs<A> {
    /// The argument arrays in order.
    fn into_arg_list(self) -> ArgList;

    /// Calls `f` on the argument arrays in order. The borrowed forms lend
    /// their arrays as they are (no clone, no list built), which is what a
    /// cached call takes.
    fn with_arg_slice<T>(self, f: impl FnOnce(&[Array]) -> T) -> T
    where
        Self: Sized,
    {
        f(&self.into_arg_list())
    }
}

impl<A: JitValue> IntoArgs<A> for A {
    fn into_arg_list(self) -> ArgList {
        self.into_arrays()
    }
}

impl IntoArgs<Array> for &Array {
    fn into_arg_list(self) -> ArgList {
        smallvec::smallvec![self.clone()]
    }
    fn with_arg_slice<T>(self, f: impl FnOnce(&[Array]) -> T) -> T {
        f(std::slice::from_ref(self))
    }
}

impl IntoArgs<Vec<Array>> for &[Array] {
    fn into_arg_list(self) -> ArgList {
        self.iter().cloned().collect()
    }
    fn with_arg_slice<T>(self, f: impl FnOnce(&[Array]) -> T) -> T {
        f(self)
    }
}

impl IntoArgs<Vec<Array>> for &Vec<Array> {
    fn into_arg_list(self) -> ArgList {
        self.iter().cloned().collect()
    }
    fn with_arg_slice<T>(self, f: impl FnOnce(&[Array]) -> T) -> T {
        f(self)
    }
}

macro_rules! tuple_refs {
    ($(($name:ident, $t:ty)),+) => {
        impl IntoArgs<($($t,)+)> for ($(&$t,)+) {
            fn into_arg_list(self) -> ArgList {
                let ($($name,)+) = self;
                smallvec::smallvec![$($name.clone()),+]
            }
        }
    };
}

tuple_refs!((a, Array));
tuple_refs!((a, Array), (b, Array));
tuple_refs!((a, Array), (b, Array), (c, Array));
tuple_refs!((a, Array), (b, Array), (c, Array), (d, Array));
tuple_refs!((a, Array), (b, Array), (c, Array), (d, Array), (e, Array));
tuple_refs!(
    (a, Array),
    (b, Array),
    (c, Array),
    (d, Array),
    (e, Array),
    (f, Array)
);
