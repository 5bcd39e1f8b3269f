//! Threefry-2x32, the counter-based generator behind heron's random numbers,
//! bit-compatible with `jax.random` under both settings of
//! `jax_threefry_partitionable`.
//!
//! A key is two `u32` words. With `jax_threefry_partitionable=True` (JAX's
//! default since 0.5), element `i` (row-major) of a draw of any shape
//! hashes the 64-bit counter `i` split into `[i >> 32, i & 0xffff_ffff]`
//! with the key, giving two words `(b1, b2)`: 32-bit draws are `b1 ^ b2`,
//! 64-bit draws are `(b1 << 32) | b2`. `split(key, n)` gives key `i` as the
//! pair `(b1, b2)` of counter `i`; `fold_in(key, d)` is the pair of counter `d`.
//!
//! The older scheme (`jax_threefry_partitionable=False`, JAX's default before
//! 0.5) hashes a run of counts `0..m` as JAX's `threefry_2x32` does: the counts
//! (padded with one `0` when `m` is odd) are cut into halves `x0` and `x1`,
//! the pairs `(x0[j], x1[j])` hashed to `(y0[j], y1[j])`, and the result is
//! `y0` followed by `y1` (the padding's word dropped). A 32-bit draw of `n`
//! words hashes `m = n` counts; a 64-bit draw hashes `m = 2n` and word `i`
//! is `(out[i] << 32) | out[n + i]`; `split(key, n)` hashes `m = 2n` and key
//! `j` is `(out[2j], out[2j + 1])`. `fold_in` is the same in both schemes.
//!
//! These are pure functions on plain values: the interpreter's
//! `Op::RandomBits` and constant folding call them.

use crate::{Buffer, DType, Error, Result, Shape};

/// The rotation distances of the even (`ROT[0]`) and odd (`ROT[1]`) groups of
/// four rounds.
const ROT: [[u32; 4]; 2] = [[13, 15, 26, 6], [17, 29, 16, 24]];

/// The key-schedule parity constant of Threefish/Threefry.
const PARITY: u32 = 0x1BD1_1BDA;

/// Applies the Threefry-2x32 block function (20 rounds) to the counter pair
/// `x` under `key`.
#[inline]
pub fn threefry2x32(key: [u32; 2], x: [u32; 2]) -> [u32; 2] {
    let ks = [key[0], key[1], key[0] ^ key[1] ^ PARITY];
    let mut x0 = x[0].wrapping_add(ks[0]);
    let mut x1 = x[1].wrapping_add(ks[1]);
    for group in 0..5u32 {
        for &r in &ROT[(group % 2) as usize] {
            x0 = x0.wrapping_add(x1);
            x1 = x1.rotate_left(r) ^ x0;
        }
        let g = group as usize;
        x0 = x0.wrapping_add(ks[(g + 1) % 3]);
        x1 = x1.wrapping_add(ks[(g + 2) % 3]).wrapping_add(group + 1);
    }
    [x0, x1]
}

/// `threefry2x32` of `N` counter pairs `(x0[j], x1[j])` at once, the same
/// words lane by lane: the lanes are independent, so the rounds of all run
/// interleaved (or as vector instructions) instead of one chain at a time.
#[inline]
pub fn threefry2x32_lanes<const N: usize>(
    key: [u32; 2],
    mut x0: [u32; N],
    mut x1: [u32; N],
) -> ([u32; N], [u32; N]) {
    let ks = [key[0], key[1], key[0] ^ key[1] ^ PARITY];
    for j in 0..N {
        x0[j] = x0[j].wrapping_add(ks[0]);
        x1[j] = x1[j].wrapping_add(ks[1]);
    }
    for group in 0..5u32 {
        for &r in &ROT[(group % 2) as usize] {
            for j in 0..N {
                x0[j] = x0[j].wrapping_add(x1[j]);
                x1[j] = x1[j].rotate_left(r) ^ x0[j];
            }
        }
        let g = group as usize;
        for j in 0..N {
            x0[j] = x0[j].wrapping_add(ks[(g + 1) % 3]);
            x1[j] = x1[j].wrapping_add(ks[(g + 2) % 3]).wrapping_add(group + 1);
        }
    }
    (x0, x1)
}

/// The two hashed words of the 64-bit counter `i`.
fn block(key: [u32; 2], i: u64) -> [u32; 2] {
    threefry2x32(key, [(i >> 32) as u32, i as u32])
}

/// The key `jax.random.PRNGKey(seed)` gives (with 64-bit integers enabled):
/// the high and low words of the seed. A negative `i64` seed `s` is `s as u64`.
pub fn key_from_seed(seed: u64) -> [u32; 2] {
    [(seed >> 32) as u32, seed as u32]
}

/// `n` new keys derived from `key`, as `jax.random.split(key, n)`.
pub fn split(key: [u32; 2], n: usize) -> Vec<[u32; 2]> {
    (0..n as u64).map(|i| block(key, i)).collect()
}

/// A new key derived from `key` and `data`, as `jax.random.fold_in(key, data)`.
pub fn fold_in(key: [u32; 2], data: u32) -> [u32; 2] {
    threefry2x32(key, [0, data])
}

/// Random bits of `shape`, as `jax.random.bits(key, shape, dtype)`: `U32`
/// gives 32-bit words; `I64` gives the 64-bit words of a `uint64` draw, with
/// the same bit pattern. Panics on any other dtype.
pub fn random_bits(key: [u32; 2], shape: &Shape, dtype: DType) -> Buffer {
    let n = shape.size();
    match dtype {
        DType::U32 => {
            let mut buf = Buffer::zeroed(DType::U32, n);
            for (i, out) in buf.as_mut_slice::<u32>().iter_mut().enumerate() {
                let [b1, b2] = block(key, i as u64);
                *out = b1 ^ b2;
            }
            buf
        }
        DType::I64 => {
            let mut buf = Buffer::zeroed(DType::I64, n);
            for (i, out) in buf.as_mut_slice::<i64>().iter_mut().enumerate() {
                let [b1, b2] = block(key, i as u64);
                *out = (((b1 as u64) << 32) | b2 as u64) as i64;
            }
            buf
        }
        other => panic!("random_bits: bits are drawn as u32 or i64, not {other}"),
    }
}

/// JAX's `threefry_2x32(key, iota(m))` (the older scheme's hash of the counts
/// `0..m`): the counts, padded with a `0` to an even length, are cut into
/// halves `x0`, `x1`; the result is the first words of the hashed pairs
/// followed by the second words, cut back to `m`. Needs `m < 2^32 - 1`
/// (JAX hashes longer runs in blocks of fresh keys; heron does not).
fn hash_counts(key: [u32; 2], m: usize) -> Result<Vec<u32>> {
    if m >= u32::MAX as usize {
        return Err(Error::invalid(
            "random_bits",
            format!("the older Threefry scheme draws fewer than 2^32 - 1 words at once, not {m}"),
        ));
    }
    let half = m.div_ceil(2);
    let mut out = vec![0u32; 2 * half];
    for j in 0..half {
        let x1 = if half + j < m { (half + j) as u32 } else { 0 };
        let [y0, y1] = threefry2x32(key, [j as u32, x1]);
        out[j] = y0;
        out[half + j] = y1;
    }
    out.truncate(m);
    Ok(out)
}

/// `n` new keys derived from `key`, as `jax.random.split(key, n)` with
/// `jax_threefry_partitionable=False`. An error when `2n >= 2^32 - 1`.
pub fn split_original(key: [u32; 2], n: usize) -> Result<Vec<[u32; 2]>> {
    let out = hash_counts(key, n.saturating_mul(2))?;
    Ok(out.chunks_exact(2).map(|w| [w[0], w[1]]).collect())
}

/// `n` new keys derived from `key` under the given scheme (`split` when
/// `partitionable`, `split_original` otherwise).
pub fn split_with(key: [u32; 2], n: usize, partitionable: bool) -> Result<Vec<[u32; 2]>> {
    if partitionable {
        Ok(split(key, n))
    } else {
        split_original(key, n)
    }
}

/// Random bits of `shape`, as `jax.random.bits(key, shape, dtype)` with
/// `jax_threefry_partitionable=False`: `U32` words, or the `I64` bit
/// patterns of 64-bit words. An error on any other dtype or a draw of
/// `2^32 - 1` or more hashed words.
pub fn random_bits_original(key: [u32; 2], shape: &Shape, dtype: DType) -> Result<Buffer> {
    let n = shape.size();
    match dtype {
        DType::U32 => Ok(Buffer::from_slice(&hash_counts(key, n)?)),
        DType::I64 => {
            let out = hash_counts(key, n.saturating_mul(2))?;
            let (hi, lo) = out.split_at(n);
            let words: Vec<i64> = hi
                .iter()
                .zip(lo)
                .map(|(&h, &l)| (((h as u64) << 32) | l as u64) as i64)
                .collect();
            Ok(Buffer::from_slice(&words))
        }
        other => Err(Error::dtype("random_bits", other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_match_the_scalar_block() {
        let key = [0x1234_5678, 0x9abc_def0];
        let x0: [u32; 8] = std::array::from_fn(|j| j as u32 * 7);
        let x1: [u32; 8] = std::array::from_fn(|j| u32::MAX - j as u32);
        let (y0, y1) = threefry2x32_lanes(key, x0, x1);
        for j in 0..8 {
            assert_eq!(threefry2x32(key, [x0[j], x1[j]]), [y0[j], y1[j]]);
        }
    }

    #[test]
    fn matches_the_threefry_known_answer_vectors() {
        // Known-answer tests of Salmon et al., "Parallel random numbers: as
        // easy as 1, 2, 3" (Random123), 20 rounds.
        assert_eq!(threefry2x32([0, 0], [0, 0]), [0x6b200159, 0x99ba4efe]);
        assert_eq!(
            threefry2x32([u32::MAX, u32::MAX], [u32::MAX, u32::MAX]),
            [0x1cb996fc, 0xbb002be7]
        );
        assert_eq!(
            threefry2x32([0x13198a2e, 0x03707344], [0x243f6a88, 0x85a308d3]),
            [0xc4923a9c, 0x483df7a0]
        );
    }

    #[test]
    fn seeds_split_and_fold_like_jax() {
        assert_eq!(key_from_seed(1234), [0, 1234]);
        assert_eq!(key_from_seed((1 << 32) + 5), [1, 5]);
        assert_eq!(key_from_seed(-1i64 as u64), [u32::MAX, u32::MAX]);
        let key = key_from_seed(0);
        let keys = split(key, 3);
        assert_eq!(keys[2], fold_in(key, 2));
        assert_eq!(keys[0], threefry2x32(key, [0, 0]));
    }

    #[test]
    fn bits_combine_the_two_words() {
        let key = key_from_seed(7);
        let shape = Shape::new(&[2, 3]);
        let u = random_bits(key, &shape, DType::U32);
        let w = random_bits(key, &shape, DType::I64);
        for i in 0..6 {
            let [b1, b2] = threefry2x32(key, [0, i as u32]);
            assert_eq!(u.as_slice::<u32>()[i], b1 ^ b2);
            assert_eq!(
                w.as_slice::<i64>()[i] as u64,
                ((b1 as u64) << 32) | b2 as u64
            );
        }
        let scalar = random_bits(key, &Shape::scalar(), DType::U32);
        assert_eq!(scalar.as_slice::<u32>(), &u.as_slice::<u32>()[..1]);
    }

    #[test]
    fn the_older_scheme_hashes_halves_of_the_counts() {
        let key = key_from_seed(1234);
        // Odd count: 5 words hash the pairs (0, 3), (1, 4), (2, pad 0).
        let u = random_bits_original(key, &Shape::new(&[5]), DType::U32).unwrap();
        let pairs = [[0, 3], [1, 4], [2, 0]].map(|x| threefry2x32(key, x));
        let want = [
            pairs[0][0],
            pairs[1][0],
            pairs[2][0],
            pairs[0][1],
            pairs[1][1],
        ];
        assert_eq!(u.as_slice::<u32>(), &want);
        // 64-bit words: 2n counts, word i from the pair (i, n + i).
        let w = random_bits_original(key, &Shape::new(&[2]), DType::I64).unwrap();
        for i in 0..2u32 {
            let [hi, lo] = threefry2x32(key, [i, 2 + i]);
            assert_eq!(
                w.as_slice::<i64>()[i as usize] as u64,
                ((hi as u64) << 32) | lo as u64
            );
        }
        // split(key, 2): the four counts give y0 = (a0, a1), y1 = (b0, b1).
        let [a, b] = [[0, 2], [1, 3]].map(|x| threefry2x32(key, x));
        assert_eq!(
            split_original(key, 2).unwrap(),
            vec![[a[0], b[0]], [a[1], b[1]]]
        );
        assert!(
            random_bits_original(key, &Shape::new(&[0]), DType::U32)
                .unwrap()
                .is_empty()
        );
        let huge = random_bits_original(key, &Shape::new(&[1 << 31]), DType::I64);
        assert!(huge.unwrap_err().to_string().contains("random_bits"));
    }
}
