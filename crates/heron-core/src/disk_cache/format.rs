//! The file format of one cache entry, and its integrity check.
//!
//! An entry file is one header line, then a JSON body:
//!
//! ```text
//! heron-cache 2 <build fingerprint> <body length> <blake3 of the fingerprint and body, hex>\n
//! {"key": "...", "heron_version": "...", ..., "image": {...}}
//! ```
//!
//! `decode` checks the magic, the format version, the length (a truncated
//! file) and the checksum before it parses anything, so a damaged entry is
//! never trusted, let alone executed. The build fingerprint (`BUILD`) names
//! the heron build that wrote the entry; an entry of another build, like one
//! of another file format, is *stale*: intact, but never loaded by this
//! heron. What the body says (its key, the options, the CPU it was made
//! for) is checked by the store.

use heron_codegen::CodeImage;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The first word of every entry file.
pub const MAGIC: &str = "heron-cache";

/// The version of this file format.
pub const FORMAT: u32 = 2;

/// The version of heron that writes entries.
pub const HERON_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The fingerprint of this heron build (64 hex digits): a hash of the
/// sources of heron-ir, heron-codegen and heron-core, the Cranelift versions
/// locked and the Rust compiler, computed by heron-core's build script. Code
/// written by a build with another fingerprint is never loaded: the helper
/// tables and frame layouts it was generated against may have changed.
pub const BUILD: &str = env!("HERON_BUILD_FINGERPRINT");

/// Everything stored about one compiled function specialisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryRecord {
    /// The key (hex), also the file's name.
    pub key: String,
    /// The build fingerprint of the heron that compiled it (`BUILD`); it is
    /// stored in the header line, not in the body.
    #[serde(skip)]
    pub build: String,
    /// The heron version that compiled it.
    pub heron_version: String,
    /// The compile options it was compiled with (`CodeOptions::to_text`).
    pub options: String,
    /// The target it was compiled for (`heron_codegen::target_description`).
    pub target: String,
    /// The jitted function's name.
    pub name: String,
    /// The argument types, as `f32[3,4]`.
    pub signature: Vec<String>,
    /// The traced graph, as text.
    pub ir: String,
    /// The optimised graph, as text.
    pub optimized: String,
    /// Bytes of machine code.
    pub code_size: usize,
    /// Number of native kernels.
    pub kernels: usize,
    /// Time Cranelift took to compile it, in nanoseconds.
    pub compile_nanos: u64,
    /// When it was written, in milliseconds since the Unix epoch.
    pub created_ms: u64,
    /// The machine code, the plan text and the Cranelift IR.
    pub image: CodeImage,
}

impl EntryRecord {
    /// The first 12 hex digits of the key.
    pub fn short_key(&self) -> &str {
        short_key(&self.key)
    }

    /// The optimised graph followed by its fused plan.
    pub fn optimized_text(&self) -> String {
        format!("{}\n{}", self.optimized, self.image.plan_text)
    }
}

/// The first 12 hex digits of a key (or of a build fingerprint).
pub fn short_key(key: &str) -> &str {
    &key[..key.len().min(12)]
}

/// Why an entry file cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unusable {
    /// Damaged, misfiled or inconsistent: its contents cannot be trusted.
    Corrupt(String),
    /// Intact, but made by another heron build, in another file format or
    /// for another CPU: this heron never loads it.
    Stale(String),
    /// A symbolic link or special file, not the current user's own, or
    /// writable by other users: never read as code.
    Untrusted(String),
}

impl Unusable {
    /// `corrupt`, `stale` or `not trusted`, as reports say it.
    pub fn kind(&self) -> &'static str {
        match self {
            Unusable::Corrupt(_) => "corrupt",
            Unusable::Stale(_) => "stale",
            Unusable::Untrusted(_) => "not trusted",
        }
    }

    /// What is wrong, in words.
    pub fn reason(&self) -> &str {
        match self {
            Unusable::Corrupt(why) | Unusable::Stale(why) | Unusable::Untrusted(why) => why,
        }
    }
}

impl fmt::Display for Unusable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

/// Why an intact entry cannot be loaded by this process (another heron
/// build or version, another CPU), if it cannot.
pub fn stale(record: &EntryRecord) -> Option<String> {
    if record.build != BUILD {
        return Some(format!(
            "written by another heron build ({}), this is {}",
            short_key(&record.build),
            short_key(BUILD)
        ));
    }
    if record.heron_version != HERON_VERSION {
        return Some(format!(
            "written by heron {}, this is heron {HERON_VERSION}",
            record.heron_version
        ));
    }
    if record.target != heron_codegen::target_description() || record.image.target != record.target
    {
        return Some("compiled for another CPU".into());
    }
    None
}

/// The checksum of an entry: BLAKE3 of the build fingerprint and the body.
fn checksum(build: &str, body: &[u8]) -> blake3::Hash {
    let mut h = blake3::Hasher::new();
    h.update(build.as_bytes());
    h.update(b"\n");
    h.update(body);
    h.finalize()
}

/// The bytes of an entry file for `record` (stamped with `record.build`).
///
/// # Safety
/// The bytes are machine code that a later heron process executes when
/// they are placed in a cache directory under `record.key`: `record.image`
/// must hold what `heron_codegen` compiled for `record.optimized` with
/// `record.options` on this target, or the entry must be one that can never
/// load (another build, version, CPU or plan), as tests forge. Safe code
/// cannot call it:
///
/// ```compile_fail,E0133
/// fn forge(record: &heron_core::disk_cache::EntryRecord) -> Vec<u8> {
///     heron_core::disk_cache::encode(record)
/// }
/// ```
pub unsafe fn encode(record: &EntryRecord) -> Vec<u8> {
    let body = serde_json::to_vec(record).expect("entry records serialise");
    let hash = checksum(&record.build, &body);
    let mut out = format!(
        "{MAGIC} {FORMAT} {} {} {}\n",
        record.build,
        body.len(),
        hash.to_hex()
    )
    .into_bytes();
    out.extend_from_slice(&body);
    out
}

/// Parses and checks an entry file. An intact entry of another build is
/// returned (`stale` says so); one whose body this heron cannot parse is
/// `Unusable::Stale` when another build wrote it, `Unusable::Corrupt` when
/// this one did.
pub fn decode(bytes: &[u8]) -> Result<EntryRecord, Unusable> {
    let bad = |m: String| Err(Unusable::Corrupt(m));
    let Some(end) = bytes.iter().take(256).position(|&b| b == b'\n') else {
        return bad("no header line".into());
    };
    let header = String::from_utf8_lossy(&bytes[..end]);
    let body = &bytes[end + 1..];
    let fields: Vec<&str> = header.split(' ').collect();
    if fields.first() != Some(&MAGIC) {
        return bad("not a heron cache entry".into());
    }
    match fields.get(1) {
        Some(format) if *format == FORMAT.to_string() => {}
        Some(format) if format.parse::<u32>().is_ok() => {
            return Err(Unusable::Stale(format!(
                "file format {format}, this heron reads {FORMAT}"
            )));
        }
        _ => return bad(format!("malformed header {header:?}")),
    }
    let [_, _, build, len, hash] = fields[..] else {
        return bad(format!("malformed header {header:?}"));
    };
    let Ok(len) = len.parse::<usize>() else {
        return bad(format!("malformed length {len:?}"));
    };
    if body.len() < len {
        return bad(format!("truncated: {} of {len} bytes", body.len()));
    }
    if body.len() > len {
        return bad(format!("{} bytes where {len} were written", body.len()));
    }
    if checksum(build, body).to_hex().as_str() != hash {
        return bad("checksum mismatch".into());
    }
    match serde_json::from_slice::<EntryRecord>(body) {
        Ok(mut record) => {
            record.build = build.to_string();
            Ok(record)
        }
        Err(_) if build != BUILD => Err(Unusable::Stale(format!(
            "written by another heron build ({})",
            short_key(build)
        ))),
        Err(e) => bad(format!("unreadable body: {e}")),
    }
}

/// An entry of this build for the target Cranelift compiles for, with no
/// code and empty texts: the starting point of the tests' entries.
#[cfg(test)]
pub(crate) fn empty_record(key: String) -> EntryRecord {
    EntryRecord {
        key,
        build: BUILD.into(),
        heron_version: HERON_VERSION.into(),
        options: String::new(),
        target: heron_codegen::target_description().into(),
        name: "f".into(),
        signature: vec![],
        ir: String::new(),
        optimized: String::new(),
        code_size: 0,
        kernels: 0,
        compile_nanos: 0,
        created_ms: 0,
        image: CodeImage {
            target: heron_codegen::target_description().into(),
            plan_text: String::new(),
            clif: String::new(),
            functions: vec![],
            controls: vec![],
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> EntryRecord {
        EntryRecord {
            key: "ab".repeat(32),
            build: BUILD.into(),
            heron_version: HERON_VERSION.into(),
            options: "fast_math=off".into(),
            target: "x86_64".into(),
            name: "f".into(),
            signature: vec!["f32[3]".into()],
            ir: "{ lambda a:f32[3]. let  in (a) }".into(),
            optimized: "{ lambda a:f32[3]. let  in (a) }".into(),
            code_size: 4,
            kernels: 1,
            compile_nanos: 1000,
            created_ms: 5,
            image: CodeImage {
                target: "x86_64".into(),
                plan_text: "k0".into(),
                clif: "function".into(),
                functions: vec![heron_codegen::FunctionCode {
                    name: "k0".into(),
                    alignment: 16,
                    bytes: vec![0xc3, 0x90, 0x90, 0x90],
                }],
                controls: vec![],
            },
        }
    }

    /// `encode` for these tests.
    fn bytes_of(r: &EntryRecord) -> Vec<u8> {
        // SAFETY: the bytes are only decoded, never written to a cache
        // directory or executed.
        unsafe { encode(r) }
    }

    #[test]
    fn round_trips() {
        let r = record();
        assert_eq!(decode(&bytes_of(&r)), Ok(r));
    }

    #[test]
    fn the_header_names_the_build() {
        let text = String::from_utf8(bytes_of(&record())).unwrap();
        assert!(
            text.starts_with(&format!("heron-cache 2 {BUILD} ")),
            "{text}"
        );
        assert_eq!(BUILD.len(), 64);
        assert!(
            !text.lines().nth(1).unwrap().contains(BUILD),
            "not in the body"
        );
    }

    #[test]
    fn stale_entry_from_another_build_is_a_miss() {
        let mut other = record();
        other.build = "0f".repeat(32);
        let decoded = decode(&bytes_of(&other)).unwrap();
        assert_eq!(decoded.build, other.build);
        let why = stale(&decoded).unwrap();
        assert_eq!(
            why,
            format!(
                "written by another heron build (0f0f0f0f0f0f), this is {}",
                &BUILD[..12]
            )
        );
        // A body this build cannot parse: stale when another build wrote it,
        // corrupt when this one did.
        let unparseable = |build: &str| {
            let body = b"{\"key\": 1}";
            let mut bytes = format!(
                "heron-cache 2 {build} {} {}\n",
                body.len(),
                checksum(build, body).to_hex()
            )
            .into_bytes();
            bytes.extend_from_slice(body);
            decode(&bytes).unwrap_err()
        };
        assert_eq!(unparseable(&other.build).kind(), "stale");
        assert_eq!(unparseable(BUILD).kind(), "corrupt");
        // Swapping the header's fingerprint breaks the checksum.
        let forged = String::from_utf8(bytes_of(&other))
            .unwrap()
            .replacen(&other.build, BUILD, 1);
        assert_eq!(
            decode(forged.as_bytes()),
            Err(Unusable::Corrupt("checksum mismatch".into()))
        );
    }

    #[test]
    fn every_damage_is_named() {
        let bytes = bytes_of(&record());
        let reason = |b: &[u8]| decode(b).unwrap_err();
        let corrupt = |b: &[u8]| {
            let e = reason(b);
            assert_eq!(e.kind(), "corrupt", "{e}");
            e.reason().to_string()
        };
        assert!(corrupt(&bytes[..bytes.len() - 3]).starts_with("truncated"));
        let mut flipped = bytes.clone();
        let last = flipped.len() - 10;
        flipped[last] ^= 0x20;
        assert_eq!(corrupt(&flipped), "checksum mismatch");
        assert_eq!(corrupt(b"garbage"), "no header line");
        assert_eq!(corrupt(b"ELF 1 2 3\n{}"), "not a heron cache entry");
        assert!(corrupt(b"heron-cache 2 x 3\n{}").starts_with("malformed header"));
        let mut longer = bytes.clone();
        longer.push(b' ');
        assert!(corrupt(&longer).contains("were written"));
        let v1 = b"heron-cache 1 2 abcd\n{}";
        assert_eq!(
            reason(v1),
            Unusable::Stale("file format 1, this heron reads 2".into())
        );
    }
}
