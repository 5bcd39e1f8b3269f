//! Host storage: 64-byte aligned, typed by a `DType`; and `Value`, a buffer with a shape.
//!
//! Large buffers are recycled: when a buffer of at least `pool::MIN_BYTES`
//! is dropped, its memory goes to a process-wide pool of size classes
//! (bounded in count and bytes), and the next allocation of that class takes
//! it back. A steady-state loop of calls producing arrays of one size thus
//! reuses memory that is already mapped instead of paying page faults on
//! fresh memory. Small buffers (up to 1 KiB) are recycled per thread
//! (`small`), sparing the aligned allocator's cost on every small result.
//! `Buffer::for_overwrite` skips zeroing for callers (compiled
//! code) that write every element before anything reads one.

use crate::{DType, Element, Error, Result, Scalar, Shape};
use std::sync::Arc;

/// One cache line: the unit a buffer is allocated in, so data starts 64-byte aligned.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([u8; 64]);

const LINE: usize = std::mem::size_of::<Line>();

mod small;

mod pool {
    //! The size-class pool of recycled buffer memory.

    use super::{LINE, Line};
    use std::sync::Mutex;

    /// Buffers smaller than this are left to the allocator.
    pub const MIN_BYTES: usize = 64 << 10;
    /// At most this many bytes are held in the pool.
    const MAX_BYTES: usize = 1 << 30;
    /// At most this many buffers are held per size class (a training step
    /// through time keeps a dozen temporaries of one size alive at once).
    const PER_CLASS: usize = 16;

    /// Free blocks by size class (a class is its length in lines).
    struct Pool {
        classes: Vec<(usize, Vec<Vec<Line>>)>,
        bytes: usize,
    }

    static POOL: Mutex<Pool> = Mutex::new(Pool {
        classes: Vec::new(),
        bytes: 0,
    });

    /// The class of a request for `lines` lines: `lines` rounded up to a
    /// quarter of its power of two (so at most a quarter is wasted).
    pub fn class(lines: usize) -> usize {
        if lines * LINE < MIN_BYTES {
            return lines;
        }
        let step = (1usize << lines.ilog2()) / 4;
        lines.div_ceil(step) * step
    }

    fn lock() -> std::sync::MutexGuard<'static, Pool> {
        POOL.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A recycled block of class `class`, if the pool holds one.
    pub fn take(class: usize) -> Option<Vec<Line>> {
        if class * LINE < MIN_BYTES {
            return super::small::take(class);
        }
        let mut pool = lock();
        let (_, free) = pool.classes.iter_mut().find(|(c, _)| *c == class)?;
        let block = free.pop()?;
        pool.bytes -= block.len() * LINE;
        Some(block)
    }

    /// Returns a block to the pool (or frees it when the pool is full).
    pub fn give(block: Vec<Line>) {
        let n = block.len();
        if n * LINE < MIN_BYTES {
            return super::small::give(block);
        }
        if class(n) != n {
            return;
        }
        let mut pool = lock();
        if pool.bytes + n * LINE > MAX_BYTES {
            return;
        }
        let at = match pool.classes.iter().position(|(c, _)| *c == n) {
            Some(i) => i,
            None => {
                pool.classes.push((n, Vec::new()));
                pool.classes.len() - 1
            }
        };
        if pool.classes[at].1.len() < PER_CLASS {
            pool.classes[at].1.push(block);
            pool.bytes += n * LINE;
        }
    }
}

/// A contiguous, 64-byte aligned block of elements of one dtype.
///
/// Bool elements are stored as one byte holding exactly 0 or 1, so the bytes
/// are always a valid `[bool]`. Safe code outside heron-ir writes elements
/// only through typed slices, never raw bytes:
///
/// ```compile_fail
/// let mut b = heron_ir::Buffer::zeroed(heron_ir::DType::Bool, 1);
/// b.bytes_mut()[0] = 2; // would make an invalid bool
/// ```
pub struct Buffer {
    dtype: DType,
    len: usize,
    /// At least `nbytes()` initialised bytes (a whole size class for large
    /// buffers, so the block can be recycled).
    lines: Vec<Line>,
}

/// `class` zeroed lines of fresh memory, or `None` when the allocator
/// cannot provide them. Large blocks are first marked for transparent huge
/// pages (where the system offers them on request), so zeroing faults them
/// in 2 MiB at a time rather than 4 KiB, and streaming kernels later walk
/// them with fewer TLB misses.
///
/// Blocks below the pool's size take the allocator's fast path, which, like
/// every small allocation in Rust, aborts when memory is exhausted; a
/// request the size of an array that may not fit is made fallibly.
fn fresh_lines(class: usize) -> Option<Vec<Line>> {
    if class * LINE < pool::MIN_BYTES {
        return Some(vec![Line([0; LINE]); class]);
    }
    let mut lines: Vec<Line> = Vec::new();
    lines.try_reserve_exact(class).ok()?;
    if class * LINE >= huge_pages::MIN_BYTES {
        huge_pages::advise(lines.as_mut_ptr() as *mut u8, class * LINE);
    }
    // SAFETY: the vector has capacity for `class` lines; writing zero bytes
    // over all of them initialises every one (a `Line` is plain bytes).
    unsafe {
        std::ptr::write_bytes(lines.as_mut_ptr(), 0, class);
        lines.set_len(class);
    }
    Some(lines)
}

mod huge_pages {
    //! Asking Linux for transparent huge pages on large buffers.

    /// Blocks from this size on are advised (a few huge pages at least).
    pub const MIN_BYTES: usize = 4 << 20;

    /// Advises the kernel to back the 2 MiB-aligned part of `[ptr, ptr +
    /// len)` with huge pages; a hint only, so failure is ignored.
    #[cfg(target_os = "linux")]
    pub fn advise(ptr: *mut u8, len: usize) {
        const HUGE: usize = 2 << 20;
        let start = (ptr as usize).next_multiple_of(HUGE);
        let end = (ptr as usize + len) / HUGE * HUGE;
        if start < end {
            // SAFETY: the range lies inside an allocation the caller owns;
            // `madvise` with `MADV_HUGEPAGE` changes no contents or
            // permissions, only how the pages are backed.
            unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE) };
        }
    }

    /// Other systems: nothing to advise.
    #[cfg(not(target_os = "linux"))]
    pub fn advise(_ptr: *mut u8, _len: usize) {}
}

impl Drop for Buffer {
    fn drop(&mut self) {
        pool::give(std::mem::take(&mut self.lines));
    }
}

impl Clone for Buffer {
    fn clone(&self) -> Buffer {
        let mut b = Buffer::for_overwrite(self.dtype, self.len);
        b.bytes_mut().copy_from_slice(self.bytes());
        b
    }
}

impl Buffer {
    /// Memory for `len` elements of `dtype`: a recycled block (`recycled`
    /// true, holding stale but initialised bytes) or fresh zeroed memory; an
    /// error when the bytes cannot be addressed or allocated.
    fn alloc(dtype: DType, len: usize) -> Result<(Buffer, bool)> {
        let bytes = len
            .checked_mul(dtype.size())
            .filter(|&b| b <= isize::MAX as usize)
            .ok_or_else(|| {
                Error::invalid(
                    "allocate",
                    format!("{len} elements of {dtype} are too many to address"),
                )
            })?;
        let class = pool::class(bytes.div_ceil(LINE));
        let (lines, recycled) = match pool::take(class) {
            Some(block) => (block, true),
            None => (
                fresh_lines(class).ok_or_else(|| {
                    Error::invalid(
                        "allocate",
                        format!("out of memory for {len} elements of {dtype} ({bytes} bytes)"),
                    )
                })?,
                false,
            ),
        };
        Ok((Buffer { dtype, len, lines }, recycled))
    }

    /// A buffer of `len` zero elements (false, 0, 0.0). Panics when the
    /// memory cannot be had (see [`Buffer::try_zeroed`]).
    pub fn zeroed(dtype: DType, len: usize) -> Buffer {
        Buffer::try_zeroed(dtype, len).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `zeroed`, returning an error when the size cannot be addressed or the
    /// allocation fails.
    pub fn try_zeroed(dtype: DType, len: usize) -> Result<Buffer> {
        let (mut b, recycled) = Buffer::alloc(dtype, len)?;
        if recycled {
            b.bytes_mut().fill(0);
        }
        Ok(b)
    }

    /// A buffer of `len` elements whose values are unspecified (but valid:
    /// bools are 0 or 1), for a caller that overwrites every element before
    /// reading any. Reuses recycled memory without clearing it. Panics when
    /// the memory cannot be had.
    pub fn for_overwrite(dtype: DType, len: usize) -> Buffer {
        Buffer::try_for_overwrite(dtype, len).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `for_overwrite`, returning an error when the size cannot be addressed
    /// or the allocation fails.
    pub fn try_for_overwrite(dtype: DType, len: usize) -> Result<Buffer> {
        let (mut b, recycled) = Buffer::alloc(dtype, len)?;
        if recycled && dtype == DType::Bool {
            b.bytes_mut().fill(0);
        }
        Ok(b)
    }

    /// A buffer holding a copy of `data`.
    pub fn from_slice<T: Element>(data: &[T]) -> Buffer {
        let mut buf = Buffer::zeroed(T::DTYPE, data.len());
        buf.as_mut_slice::<T>().copy_from_slice(data);
        buf
    }

    /// A buffer of `len` copies of `value` (cast to `dtype`). Panics when
    /// the memory cannot be had.
    pub fn filled(dtype: DType, len: usize, value: Scalar) -> Buffer {
        Buffer::try_filled(dtype, len, value).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `filled`, returning an error when the size cannot be addressed or the
    /// allocation fails.
    pub fn try_filled(dtype: DType, len: usize, value: Scalar) -> Result<Buffer> {
        let mut buf = Buffer::try_for_overwrite(dtype, len)?;
        buf.fill(value);
        Ok(buf)
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the buffer holds no element.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Size of the data in bytes.
    pub fn nbytes(&self) -> usize {
        self.len * self.dtype.size()
    }

    /// The bytes of the data.
    pub fn bytes(&self) -> &[u8] {
        let ptr = self.lines.as_ptr() as *const u8;
        // SAFETY: `lines` owns at least `nbytes()` initialised bytes (zeroed at
        // allocation, or written since), and a dangling-but-aligned pointer is
        // valid for length 0.
        unsafe { std::slice::from_raw_parts(ptr, self.nbytes()) }
    }

    /// The mutable bytes of the data. Crate-private: a caller writing a Bool
    /// buffer must write 0 or 1, which safe code outside cannot be trusted to
    /// do (they use the typed `as_mut_slice`).
    pub(crate) fn bytes_mut(&mut self) -> &mut [u8] {
        let n = self.nbytes();
        let ptr = self.lines.as_mut_ptr() as *mut u8;
        // SAFETY: as in `bytes`, and `&mut self` gives exclusive access.
        unsafe { std::slice::from_raw_parts_mut(ptr, n) }
    }

    /// The elements as a typed slice. Panics when `T` does not match the dtype.
    pub fn as_slice<T: Element>(&self) -> &[T] {
        self.check::<T>();
        let ptr = self.lines.as_ptr() as *const T;
        // SAFETY: the dtype matches `T`, the data is 64-byte aligned (enough for
        // every element type), initialised, and holds `len` elements; bool
        // buffers only ever hold 0 or 1.
        unsafe { std::slice::from_raw_parts(ptr, self.len) }
    }

    /// The elements as a mutable typed slice. Panics when `T` does not match the dtype.
    pub fn as_mut_slice<T: Element>(&mut self) -> &mut [T] {
        self.check::<T>();
        let ptr = self.lines.as_mut_ptr() as *mut T;
        // SAFETY: as in `as_slice`; `&mut self` gives exclusive access, and a
        // `&mut [bool]` can only store valid bools.
        unsafe { std::slice::from_raw_parts_mut(ptr, self.len) }
    }

    /// A raw pointer to the first element, for compiled code.
    pub fn as_ptr(&self) -> *const u8 {
        self.lines.as_ptr() as *const u8
    }

    /// A raw mutable pointer to the first element, for compiled code.
    pub fn as_mut_ptr(&mut self) -> *mut u8 {
        self.lines.as_mut_ptr() as *mut u8
    }

    /// The element at `index` as a `Scalar`.
    pub fn get(&self, index: usize) -> Scalar {
        match self.dtype {
            DType::Bool => Scalar::Bool(self.as_slice::<bool>()[index]),
            DType::I32 => Scalar::I32(self.as_slice::<i32>()[index]),
            DType::I64 => Scalar::I64(self.as_slice::<i64>()[index]),
            DType::U32 => Scalar::U32(self.as_slice::<u32>()[index]),
            DType::F32 => Scalar::F32(self.as_slice::<f32>()[index]),
            DType::F64 => Scalar::F64(self.as_slice::<f64>()[index]),
        }
    }

    /// Sets the element at `index` (the value is cast to the buffer's dtype).
    pub fn set(&mut self, index: usize, value: Scalar) {
        match value.cast(self.dtype) {
            Scalar::Bool(x) => self.as_mut_slice::<bool>()[index] = x,
            Scalar::I32(x) => self.as_mut_slice::<i32>()[index] = x,
            Scalar::I64(x) => self.as_mut_slice::<i64>()[index] = x,
            Scalar::U32(x) => self.as_mut_slice::<u32>()[index] = x,
            Scalar::F32(x) => self.as_mut_slice::<f32>()[index] = x,
            Scalar::F64(x) => self.as_mut_slice::<f64>()[index] = x,
        }
    }

    /// Sets every element to `value` (cast to the buffer's dtype).
    pub fn fill(&mut self, value: Scalar) {
        match value.cast(self.dtype) {
            Scalar::Bool(x) => self.as_mut_slice::<bool>().fill(x),
            Scalar::I32(x) => self.as_mut_slice::<i32>().fill(x),
            Scalar::I64(x) => self.as_mut_slice::<i64>().fill(x),
            Scalar::U32(x) => self.as_mut_slice::<u32>().fill(x),
            Scalar::F32(x) => self.as_mut_slice::<f32>().fill(x),
            Scalar::F64(x) => self.as_mut_slice::<f64>().fill(x),
        }
    }

    fn check<T: Element>(&self) {
        assert!(
            T::DTYPE == self.dtype,
            "buffer holds {} elements, not {}",
            self.dtype,
            T::DTYPE
        );
    }
}

impl std::fmt::Debug for Buffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Buffer<{}>[{}]", self.dtype, self.len)
    }
}

/// A concrete array value: a shared buffer and the shape it is viewed with
/// (row-major, contiguous).
///
/// **Invariant** (compiled code relies on it): `buf.len() == shape.size()`.
/// The fields are private so that only the checked constructors establish
/// it, and only the checked mutators change it:
///
/// ```compile_fail
/// use heron_ir::{Buffer, DType, Shape, Value};
/// // A shape of 4 over a buffer of 1 element cannot be written down.
/// let v = Value { shape: Shape::new(&[4]), buf: std::sync::Arc::new(Buffer::zeroed(DType::F32, 1)) };
/// ```
///
/// ```
/// use heron_ir::{Buffer, DType, Shape, Value};
/// let short = std::sync::Arc::new(Buffer::zeroed(DType::F32, 1));
/// assert!(Value::try_from_shared(Shape::new(&[4]), short).is_err());
/// ```
#[derive(Clone, Debug)]
pub struct Value {
    /// The extents.
    pub(crate) shape: Shape,
    /// The elements, shared; copy-on-write through `Arc::make_mut`.
    pub(crate) buf: Arc<Buffer>,
}

/// The panic of a value whose buffer does not fit its shape.
#[cold]
#[inline(never)]
fn mismatch(shape: &Shape, buf: &Buffer) -> ! {
    panic!("value: shape {shape} does not fit {} elements", buf.len())
}

impl Value {
    /// Wraps a buffer; panics when its length does not match the shape.
    pub fn new(shape: Shape, buf: Buffer) -> Value {
        Value::from_shared(shape, Arc::new(buf))
    }

    /// Wraps a shared buffer; panics when its length does not match the shape.
    #[inline]
    pub fn from_shared(shape: Shape, buf: Arc<Buffer>) -> Value {
        if shape.checked_size() != Some(buf.len()) {
            mismatch(&shape, &buf);
        }
        Value { shape, buf }
    }

    /// Wraps a shared buffer, or an error when its length does not match
    /// the shape (see [`Value::from_shared`]).
    pub fn try_from_shared(shape: Shape, buf: Arc<Buffer>) -> Result<Value> {
        if shape.checked_size() != Some(buf.len()) {
            return Err(Error::invalid(
                "value",
                format!("shape {shape} does not fit {} elements", buf.len()),
            ));
        }
        Ok(Value { shape, buf })
    }

    /// The same elements viewed with another shape of the same size;
    /// panics when the sizes differ.
    pub fn reshaped(&self, shape: Shape) -> Value {
        Value::from_shared(shape, self.buf.clone())
    }

    /// The shape and the shared buffer.
    pub fn into_parts(self) -> (Shape, Arc<Buffer>) {
        (self.shape, self.buf)
    }

    /// A value from a typed vector.
    pub fn from_slice<T: Element>(shape: Shape, data: &[T]) -> Value {
        Value::new(shape, Buffer::from_slice(data))
    }

    /// A 0-d value.
    pub fn scalar(s: Scalar) -> Value {
        Value::new(Shape::scalar(), Buffer::filled(s.dtype(), 1, s))
    }

    /// A value of `shape` filled with `value` cast to `dtype`. Panics when
    /// the array is too large (see [`Value::try_full`]).
    pub fn full(shape: Shape, dtype: DType, value: Scalar) -> Value {
        Value::try_full("full", shape, dtype, value).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `full`, returning an error naming `op` and the shape when the array
    /// is too large to address or its memory cannot be had.
    pub fn try_full(op: &str, shape: Shape, dtype: DType, value: Scalar) -> Result<Value> {
        let n = shape.try_len(op, dtype)?;
        let buf = Buffer::try_filled(dtype, n, value)
            .map_err(|e| Error::invalid(op, format!("shape {shape}: {e}")))?;
        Ok(Value::new(shape, buf))
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.buf.dtype()
    }

    /// The extents.
    pub fn shape(&self) -> &Shape {
        &self.shape
    }

    /// The shared buffer holding the elements.
    pub fn buf(&self) -> &Arc<Buffer> {
        &self.buf
    }

    /// The elements as a typed slice.
    pub fn as_slice<T: Element>(&self) -> &[T] {
        self.buf.as_slice()
    }

    /// The buffer, if no other value shares it (for an update in place).
    pub fn unique_buf_mut(&mut self) -> Option<&mut Buffer> {
        Arc::get_mut(&mut self.buf)
    }

    /// The buffer, copied first if it is shared.
    pub fn make_mut(&mut self) -> &mut Buffer {
        Arc::make_mut(&mut self.buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_aligned_and_typed() {
        let b = Buffer::from_slice(&[1.0f32, 2.0, 3.0]);
        assert_eq!(b.as_ptr() as usize % 64, 0);
        assert_eq!(b.as_slice::<f32>(), &[1.0, 2.0, 3.0]);
        assert_eq!(b.get(1), Scalar::F32(2.0));
        let e = Buffer::zeroed(DType::F64, 0);
        assert!(e.as_slice::<f64>().is_empty());
    }

    #[test]
    fn large_buffers_are_recycled_and_zeroed_on_request() {
        let n = 300_000;
        let mut a = Buffer::for_overwrite(DType::F32, n);
        a.as_mut_slice::<f32>().fill(7.0);
        let ptr = a.as_ptr();
        drop(a);
        // The block comes back for the next buffer of its class, unzeroed.
        let b = Buffer::for_overwrite(DType::F32, n - 1000);
        assert_eq!(b.as_ptr(), ptr);
        assert_eq!(b.as_slice::<f32>()[0], 7.0);
        drop(b);
        // `zeroed` clears it; a bool buffer over it holds valid bools.
        let z = Buffer::zeroed(DType::F32, n);
        assert_eq!(z.as_ptr(), ptr);
        assert!(z.as_slice::<f32>().iter().all(|&x| x == 0.0));
        drop(z);
        let mut a = Buffer::for_overwrite(DType::F32, n);
        a.as_mut_slice::<f32>().fill(7.0);
        drop(a);
        let b = Buffer::for_overwrite(DType::Bool, 4 * n);
        assert!(b.as_slice::<bool>().iter().all(|&x| !x));
        let copy = b.clone();
        assert_eq!(copy.bytes(), b.bytes());
    }

    #[test]
    fn fresh_huge_page_buffers_are_zeroed_whole() {
        // Larger than `huge_pages::MIN_BYTES` and not a class the pool
        // holds from other tests: fresh memory, advised for huge pages.
        let len = (huge_pages::MIN_BYTES * 3 + 12_345) / 4;
        let b = Buffer::zeroed(DType::F32, len);
        assert_eq!(b.as_ptr() as usize % LINE, 0);
        assert!(b.as_slice::<f32>().iter().all(|&x| x.to_bits() == 0));
        assert!(b.lines.iter().all(|l| l.0 == [0; LINE]), "the padding too");
    }

    #[test]
    fn size_classes_waste_at_most_a_quarter() {
        for lines in [
            1usize,
            100,
            1024,
            1025,
            1500,
            4096,
            5000,
            1 << 20,
            (1 << 20) + 1,
        ] {
            let c = pool::class(lines);
            assert!(
                c >= lines && c * 4 <= lines * 5 + 4 * (1 << 10),
                "{lines} -> {c}"
            );
            assert_eq!(pool::class(c), c, "classes are fixed points");
        }
    }

    #[test]
    #[should_panic(expected = "buffer holds f32 elements, not i32")]
    fn wrong_type_panics() {
        Buffer::from_slice(&[1.0f32]).as_slice::<i32>();
    }
}
