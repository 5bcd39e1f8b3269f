//! `Key`: an explicit Threefry key and the pure samplers drawn from it, as
//! `jax.random` functions are. The same key, shape and dtype always give the
//! same numbers, equal to JAX's. Every sampler is written in array operations
//! on the key, so it works on a concrete key (eagerly) and on a traced one
//! (inside `jit`, where the key is a Variable's value).

use super::bits::{fold_in, random_bits, split_keys, uniform_floats};
use super::erfinv::erfinv;
use super::prim::{
    argsort, bin, cast, cumsum, iota_i32, lit, lit_as, reshape, rows, slice1, sum_axis, take, un,
};
use crate::array::{Array, Repr};
use crate::ops::{Operand, array_of};
use heron_ir::{BinaryOp, DType, Error, Result, Scalar, UnaryOp, threefry};
use std::fmt;

/// `jax.random.split(key, n)` of a concrete key under the process's scheme.
fn split_concrete(key: [u32; 2], n: usize) -> Vec<[u32; 2]> {
    threefry::split_with(key, n, super::threefry_partitionable())
        .unwrap_or_else(|e| panic!("split: {e}"))
}

/// A Threefry-2x32 key: a u32 array of shape `[2]`, concrete or traced.
#[derive(Clone)]
pub struct Key {
    data: Array,
}

impl Key {
    /// The key `jax.random.PRNGKey(seed)` makes: `[seed >> 32, seed & 0xffffffff]`
    /// (a negative `i64` seed `s` is `s as u64`, as in JAX with 64-bit integers).
    pub fn new(seed: u64) -> Key {
        Key::from_data(threefry::key_from_seed(seed))
    }

    /// A key from its two words.
    pub fn from_data(data: [u32; 2]) -> Key {
        Key {
            data: Array::from_vec(data.to_vec(), &[2]),
        }
    }

    /// A key from a u32 array of shape `[2]` (concrete or traced); panics otherwise.
    pub fn from_array(data: Array) -> Key {
        Key::try_from_array(data).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `from_array` returning an error instead of panicking.
    pub fn try_from_array(data: Array) -> Result<Key> {
        if data.dtype() != DType::U32 || data.shape() != [2] {
            return Err(Error::invalid(
                "Key::from_array",
                format!("a key is u32[2], not {}{:?}", data.dtype(), data.shape()),
            ));
        }
        Ok(Key { data })
    }

    /// The key as a `u32[2]` array.
    pub fn array(&self) -> &Array {
        &self.data
    }

    /// The key as a `u32[2]` array, by value.
    pub fn into_array(self) -> Array {
        self.data
    }

    /// The two words of a concrete key; panics on a traced key.
    pub fn data(&self) -> [u32; 2] {
        self.concrete().unwrap_or_else(|| {
            panic!("Key::data: the key is traced; its words are known only when the function runs")
        })
    }

    fn concrete(&self) -> Option<[u32; 2]> {
        match &self.data.repr {
            Repr::Concrete(v) => {
                let w = v.as_slice::<u32>();
                Some([w[0], w[1]])
            }
            Repr::Traced(_) => None,
        }
    }

    /// Two new keys, as `jax.random.split(key)`.
    pub fn split(&self) -> [Key; 2] {
        let mut keys = self.split_n(2).into_iter();
        let first = keys.next().expect("split_n(2) gives two keys");
        let second = keys.next().expect("split_n(2) gives two keys");
        [first, second]
    }

    /// `n` new keys, as `jax.random.split(key, n)`.
    pub fn split_n(&self, n: usize) -> Vec<Key> {
        match self.concrete() {
            Some(key) => split_concrete(key, n)
                .into_iter()
                .map(Key::from_data)
                .collect(),
            None => {
                let all = split_keys(&self.data, n);
                (0..n)
                    .map(|i| Key::from_array(reshape(&rows(&all, i, 1), &[2])))
                    .collect()
            }
        }
    }

    /// `n` new keys as one `u32[n, 2]` array, as `jax.random.split(key, n)`.
    pub fn split_array(&self, n: usize) -> Array {
        match self.concrete() {
            Some(key) => {
                let words: Vec<u32> = split_concrete(key, n).into_iter().flatten().collect();
                Array::from_vec(words, &[n, 2])
            }
            None => split_keys(&self.data, n),
        }
    }

    /// A new key from this key and `data`, as `jax.random.fold_in(key, data)`.
    /// On a traced key this draws `data + 1` words, so keep `data` small inside `jit`.
    pub fn fold_in(&self, data: u32) -> Key {
        match self.concrete() {
            Some(key) => Key::from_data(threefry::fold_in(key, data)),
            None => Key::from_array(fold_in(&self.data, data)),
        }
    }

    /// Uniform u32 words of `shape`, as `jax.random.bits(key, shape)`.
    pub fn bits(&self, shape: &[usize]) -> Array {
        random_bits(&self.data, shape, DType::U32)
    }

    /// Random words of `shape`: `U32`, or `I64` holding the bit patterns of the
    /// `uint64` words `jax.random.bits(key, shape, jnp.uint64)` gives.
    pub fn bits_as(&self, shape: &[usize], dtype: DType) -> Array {
        assert!(
            matches!(dtype, DType::U32 | DType::I64),
            "bits: dtype must be u32 or i64, not {dtype}"
        );
        random_bits(&self.data, shape, dtype)
    }

    /// f32 samples uniform on `[lo, hi)`, as `jax.random.uniform(key, shape, minval=lo, maxval=hi)`.
    pub fn uniform(&self, lo: f64, hi: f64, shape: &[usize]) -> Array {
        self.uniform_as(lo, hi, shape, DType::F32)
    }

    /// Samples uniform on `[lo, hi)` of a float `dtype` (F32 or F64).
    pub fn uniform_as(&self, lo: f64, hi: f64, shape: &[usize], dtype: DType) -> Array {
        assert!(
            dtype.is_float(),
            "uniform: dtype must be f32 or f64, not {dtype}"
        );
        uniform_floats(&self.data, shape, dtype, lo, hi)
    }

    /// f32 samples uniform on `[0, 1)`.
    pub fn rand(&self, shape: &[usize]) -> Array {
        self.uniform(0.0, 1.0, shape)
    }

    /// f32 samples uniform on `[0, 1)` (NumPy's `random`, same as `rand`).
    pub fn random(&self, shape: &[usize]) -> Array {
        self.rand(shape)
    }

    /// f32 samples of a normal distribution, `mean + std * z` with `z` from
    /// `jax.random.normal(key, shape)`.
    pub fn normal(&self, mean: f64, std: f64, shape: &[usize]) -> Array {
        self.normal_as(mean, std, shape, DType::F32)
    }

    /// Normal samples of a float `dtype`, as `normal`.
    pub fn normal_as(&self, mean: f64, std: f64, shape: &[usize], dtype: DType) -> Array {
        assert!(
            dtype.is_float(),
            "normal: dtype must be f32 or f64, not {dtype}"
        );
        let z = self.standard_normal(shape, dtype);
        let z = if std == 1.0 {
            z
        } else {
            bin(BinaryOp::Mul, &z, &lit_as(std, dtype))
        };
        if mean == 0.0 {
            z
        } else {
            bin(BinaryOp::Add, &z, &lit_as(mean, dtype))
        }
    }

    /// `sqrt(2) * erfinv(u)`, `u` uniform on `(-1, 1)`: JAX's standard normal.
    fn standard_normal(&self, shape: &[usize], dtype: DType) -> Array {
        let lo = match dtype {
            DType::F32 => (-1.0f32).next_up() as f64,
            _ => (-1.0f64).next_up(),
        };
        let u = self.uniform_as(lo, 1.0, shape, dtype);
        bin(
            BinaryOp::Mul,
            &lit_as(std::f64::consts::SQRT_2, dtype),
            &erfinv(&u),
        )
    }

    /// i32 samples uniform on `lo..hi`, as `jax.random.randint(key, shape, lo, hi)`
    /// (bounds clipped to the i32 range; `hi <= lo` gives `lo`).
    pub fn randint(&self, lo: i64, hi: i64, shape: &[usize]) -> Array {
        self.randint_as(lo, hi, shape, DType::I32)
    }

    /// Integer samples uniform on `lo..hi` of `dtype` (I32 or U32), as `randint`.
    pub fn randint_as(&self, lo: i64, hi: i64, shape: &[usize], dtype: DType) -> Array {
        let (min, max) = match dtype {
            DType::I32 => (i32::MIN as i64, i32::MAX as i64),
            DType::U32 => (0, u32::MAX as i64),
            other => panic!("randint: dtype must be i32 or u32, not {other}"),
        };
        let hi_out_of_range = hi > max;
        let (lo, hi) = (lo.clamp(min, max), hi.clamp(min, max));
        // As JAX: the span as u32, 1 for an empty range, one more when `hi`
        // lies beyond the dtype (wrapping to 0 for the full 2^32 range).
        let mut span = (hi as u32).wrapping_sub(lo as u32);
        if hi <= lo {
            span = 1;
        } else if hi_out_of_range {
            span = span.wrapping_add(1);
        }
        let [k1, k2] = self.split();
        let higher = k1.bits(shape);
        let lower = k2.bits(shape);
        // (higher · 2^32 + lower) mod span, without 64-bit words.
        let offset = if span == 0 {
            lower
        } else {
            let multiplier = ((1u32 << 16) % span).wrapping_mul((1u32 << 16) % span) % span;
            let s = lit(span);
            let hi_part = bin(
                BinaryOp::Mul,
                &bin(BinaryOp::Rem, &higher, &s),
                &lit(multiplier),
            );
            let sum = bin(BinaryOp::Add, &hi_part, &bin(BinaryOp::Rem, &lower, &s));
            bin(BinaryOp::Rem, &sum, &s)
        };
        let lo = Array::from_value(heron_ir::Value::scalar(Scalar::I64(lo).cast(dtype)));
        bin(BinaryOp::Add, &lo, &cast(&offset, dtype))
    }

    /// Bool samples that are true with probability `p`, as `jax.random.bernoulli(key, p, shape)`.
    pub fn bernoulli(&self, p: f64, shape: &[usize]) -> Array {
        bin(BinaryOp::Lt, &self.rand(shape), &lit(p as f32))
    }

    /// A random permutation of `0..n` (i32), as `jax.random.permutation(key, n)`.
    pub fn permutation(&self, n: usize) -> Array {
        // JAX sorts by fresh 32-bit words for enough rounds that collisions
        // are unlikely to matter: ceil(3 ln n / ln(2^32 - 1)).
        let rounds = (3.0 * (n.max(1) as f64).ln() / (u32::MAX as f64).ln()).ceil() as usize;
        let mut x = iota_i32(n);
        let mut key = self.clone();
        for _ in 0..rounds {
            let [next, sub] = key.split();
            let order = argsort(&sub.bits(&[n]), 0);
            x = take(&x, &order, 0);
            key = next;
        }
        x
    }

    /// `a` with its rows (axis 0) in random order, as `jax.random.permutation(key, a)`.
    pub fn shuffle(&self, a: impl Operand) -> Array {
        let a = &array_of(a);
        assert!(
            a.ndim() >= 1,
            "shuffle: expects an array of at least one axis, not a 0-d array"
        );
        take(a, &self.permutation(a.shape()[0]), 0)
    }

    /// i32 indices into `0..n` of `shape`, as `jax.random.choice(key, n, shape, replace, p)`:
    /// with or without replacement, uniform or with probabilities `p` (a float array of `[n]`).
    pub fn choice(&self, n: usize, shape: &[usize], replace: bool, p: Option<&Array>) -> Array {
        let draws: usize = shape.iter().product();
        if draws == 0 {
            return Array::from_vec(Vec::<i32>::new(), shape);
        }
        assert!(
            n > 0,
            "choice: cannot draw {draws} samples from an empty population"
        );
        assert!(
            replace || draws <= n,
            "choice: cannot take {draws} samples from a population of {n} without replacement"
        );
        let Some(p) = p else {
            if replace {
                return self.randint(0, n as i64, shape);
            }
            return reshape(&slice1(&self.permutation(n), 0, draws), shape);
        };
        assert!(
            p.shape() == [n],
            "choice: p must have shape [{n}], not {:?}",
            p.shape()
        );
        let p = cast(p, p.dtype().to_float());
        let dtype = p.dtype();
        if replace {
            // Inverse CDF: the number of cumulative weights below r.
            let cdf = cumsum(&p, 0);
            let total = reshape(&slice1(&cdf, n - 1, 1), &[]);
            let u = self.uniform_as(0.0, 1.0, shape, dtype);
            let r = bin(
                BinaryOp::Mul,
                &total,
                &bin(BinaryOp::Sub, &lit_as(1.0, dtype), &u),
            );
            let mut wide = shape.to_vec();
            wide.push(1);
            let below = bin(BinaryOp::Lt, &cdf, &reshape(&r, &wide));
            cast(&sum_axis(&below, shape.len()), DType::I32)
        } else {
            // Gumbel top-k: the k largest of gumbel + log p.
            let g = bin(
                BinaryOp::Add,
                &self.gumbel_as(&[n], dtype),
                &un(UnaryOp::Log, &p),
            );
            let order = argsort(&un(UnaryOp::Neg, &g), 0);
            reshape(&slice1(&order, 0, draws), shape)
        }
    }

    /// Samples of `shape` taken from the rows (axis 0) of `a`, as
    /// `jax.random.choice(key, a, shape, replace, p)`; the result has shape
    /// `shape + a.shape[1..]`.
    pub fn choice_from(
        &self,
        a: impl Operand,
        shape: &[usize],
        replace: bool,
        p: Option<&Array>,
    ) -> Array {
        let a = &array_of(a);
        assert!(
            a.ndim() >= 1,
            "choice: expects an array of at least one axis, not a 0-d array"
        );
        let idx = self.choice(a.shape()[0], shape, replace, p);
        take(a, &idx, 0)
    }

    /// f32 samples of the standard Gumbel distribution, as
    /// `jax.random.gumbel(key, shape)`: `-log(-log(u))`, `u` uniform on `[tiny, 1)`.
    pub fn gumbel(&self, shape: &[usize]) -> Array {
        self.gumbel_as(shape, DType::F32)
    }

    fn gumbel_as(&self, shape: &[usize], dtype: DType) -> Array {
        let tiny = match dtype {
            DType::F32 => f32::MIN_POSITIVE as f64,
            _ => f64::MIN_POSITIVE,
        };
        let u = self.uniform_as(tiny, 1.0, shape, dtype);
        let inner = un(UnaryOp::Neg, &un(UnaryOp::Log, &u));
        un(UnaryOp::Neg, &un(UnaryOp::Log, &inner))
    }

    /// f32 samples of the standard normal truncated to `(lower, upper)`, as
    /// `jax.random.truncated_normal(key, lower, upper, shape)`.
    pub fn truncated_normal(&self, lower: f64, upper: f64, shape: &[usize]) -> Array {
        let sqrt2 = std::f32::consts::SQRT_2;
        let (lower, upper) = (lower as f32, upper as f32);
        let a = libm::erff(lower / sqrt2);
        let b = libm::erff(upper / sqrt2);
        let u = self.uniform(a as f64, b as f64, shape);
        let out = bin(BinaryOp::Mul, &lit(sqrt2), &erfinv(&u));
        let out = bin(BinaryOp::Max, &out, &lit(lower.next_up()));
        bin(BinaryOp::Min, &out, &lit(upper.next_down()))
    }

    /// f32 samples of the standard exponential distribution, as
    /// `jax.random.exponential(key, shape)`: `-log1p(-u)`.
    pub fn exponential(&self, shape: &[usize]) -> Array {
        let u = self.rand(shape);
        un(UnaryOp::Neg, &un(UnaryOp::Log1p, &un(UnaryOp::Neg, &u)))
    }
}

impl From<[u32; 2]> for Key {
    fn from(data: [u32; 2]) -> Key {
        Key::from_data(data)
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.concrete() {
            Some([a, b]) => write!(f, "Key([{a}, {b}])"),
            None => f.write_str("Key(traced)"),
        }
    }
}
