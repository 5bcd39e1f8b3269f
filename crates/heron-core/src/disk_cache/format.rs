//! The file format of one cache entry, and its integrity check.
//!
//! An entry file is one header line, then a JSON body:
//!
//! ```text
//! heron-cache 1 <body length> <blake3 of the body, hex>\n
//! {"key": "...", "heron_version": "...", ..., "image": {...}}
//! ```
//!
//! `decode` checks the magic, the format version, the length (a truncated
//! file) and the checksum before it parses anything, so a damaged entry is
//! never trusted, let alone executed. What the body says (its key, the heron
//! version and CPU it was made for) is checked by the store.

use heron_codegen::CodeImage;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The first word of every entry file.
pub const MAGIC: &str = "heron-cache";

/// The version of this file format.
pub const FORMAT: u32 = 1;

/// The version of heron that writes entries: code written by another
/// version is never loaded.
pub const HERON_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Everything stored about one compiled function specialisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryRecord {
    /// The key (hex), also the file's name.
    pub key: String,
    /// The heron version that compiled it.
    pub heron_version: String,
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

/// The first 12 hex digits of a key.
pub fn short_key(key: &str) -> &str {
    &key[..key.len().min(12)]
}

/// Why an entry file cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Corrupt(pub String);

impl fmt::Display for Corrupt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The bytes of an entry file.
pub fn encode(record: &EntryRecord) -> Vec<u8> {
    let body = serde_json::to_vec(record).expect("entry records serialise");
    let hash = blake3::hash(&body);
    let mut out = format!("{MAGIC} {FORMAT} {} {}\n", body.len(), hash.to_hex()).into_bytes();
    out.extend_from_slice(&body);
    out
}

/// Parses and checks an entry file.
pub fn decode(bytes: &[u8]) -> Result<EntryRecord, Corrupt> {
    let bad = |m: String| Err(Corrupt(m));
    let Some(end) = bytes.iter().take(256).position(|&b| b == b'\n') else {
        return bad("no header line".into());
    };
    let header = String::from_utf8_lossy(&bytes[..end]);
    let body = &bytes[end + 1..];
    let fields: Vec<&str> = header.split(' ').collect();
    let [magic, format, len, hash] = fields[..] else {
        return bad(format!("malformed header {header:?}"));
    };
    if magic != MAGIC {
        return bad("not a heron cache entry".into());
    }
    if format != FORMAT.to_string() {
        return bad(format!("file format {format}, this heron reads {FORMAT}"));
    }
    let Ok(len) = len.parse::<usize>() else {
        return bad(format!("malformed length {len:?}"));
    };
    if body.len() < len {
        return bad(format!("truncated: {} of {len} bytes", body.len()));
    }
    if body.len() > len {
        return bad(format!("{} bytes where {len} were written", body.len()));
    }
    if blake3::hash(body).to_hex().as_str() != hash {
        return bad("checksum mismatch".into());
    }
    serde_json::from_slice(body).or_else(|e| bad(format!("unreadable body: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> EntryRecord {
        EntryRecord {
            key: "ab".repeat(32),
            heron_version: HERON_VERSION.into(),
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

    #[test]
    fn round_trips() {
        let r = record();
        assert_eq!(decode(&encode(&r)), Ok(r));
    }

    #[test]
    fn every_damage_is_named() {
        let bytes = encode(&record());
        let reason = |b: &[u8]| decode(b).unwrap_err().0;
        assert!(reason(&bytes[..bytes.len() - 3]).starts_with("truncated"));
        let mut flipped = bytes.clone();
        let last = flipped.len() - 10;
        flipped[last] ^= 0x20;
        assert_eq!(reason(&flipped), "checksum mismatch");
        assert_eq!(reason(b"garbage"), "no header line");
        assert_eq!(reason(b"ELF 1 2 3\n{}"), "not a heron cache entry");
        let mut longer = bytes.clone();
        longer.push(b' ');
        assert!(reason(&longer).contains("were written"));
        let v2 = String::from_utf8(bytes)
            .unwrap()
            .replacen("heron-cache 1", "heron-cache 2", 1);
        assert!(reason(v2.as_bytes()).starts_with("file format 2"));
    }
}
