//! The read-only methods of `Array`, defined once for two receivers: each
//! method written inside [`array_methods!`] becomes an inherent method of
//! `Array` and a method of `Variable` with the same name, signature and
//! documentation, which applies it to the variable's value, as BrainPy's
//! Variables (array subclasses) do. Inside `jit` that value is a traced read,
//! exactly like `v.value()`, and the result is a plain `Array`.
//!
//! Methods that change the array (`set`, compound assignment) and the
//! accessors a Variable already has (`shape`, `dtype`, `value`) stay outside:
//! a Variable's in-place forms are `set`, `set_at` and `fill`.

/// Defines read-only array methods (see the module documentation). Accepts
/// `pub fn` items taking `&self`, with at most one type parameter (`self`
/// is matched as a token of the input, so the bodies may use it).
macro_rules! array_methods {
    ($(
        $(#[$attr:meta])*
        pub fn $name:ident $(<$t:ident : $bound:path>)? (&$this:ident $(, $arg:ident : $ty:ty)* $(,)?)
            -> $ret:ty $body:block
    )*) => {
        impl $crate::array::Array {
            $(
                $(#[$attr])*
                pub fn $name $(<$t: $bound>)? (&$this $(, $arg: $ty)*) -> $ret $body
            )*
        }

        impl $crate::variable::Variable {
            $(
                $(#[$attr])*
                ///
                /// On a Variable: applied to its value (a traced read inside `jit`).
                pub fn $name $(<$t: $bound>)? (&$this $(, $arg: $ty)*) -> $ret {
                    $this.value().$name $(::<$t>)? ($($arg),*)
                }
            )*
        }
    };
}

pub(crate) use array_methods;
