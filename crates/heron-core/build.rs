//! Computes heron's build fingerprint (`HERON_BUILD_FINGERPRINT`, read by
//! `disk_cache::format::BUILD`): a BLAKE3 hash of everything that decides
//! the code heron generates and the contract that code runs under — the
//! sources and manifests of heron-ir, heron-codegen and heron-core, the
//! versions of Cranelift (and the crates it generates code with) locked in
//! `Cargo.lock`, and the Rust compiler. A disk-cache entry made by a build
//! with another fingerprint is never loaded.
//!
//! Every input is listed with `cargo:rerun-if-changed` (directories are
//! scanned whole by Cargo), so an incremental build recomputes the
//! fingerprint exactly when one of them changes. An input that is missing
//! (heron-core built outside its workspace, where only its own sources and
//! version are at hand) is hashed as missing.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The crates beside heron-core whose sources and manifests make up the
/// fingerprint (with heron-core's own).
const CRATES: [&str; 2] = ["heron-ir", "heron-codegen"];

/// `Cargo.lock` packages that generate or place machine code: their
/// versions and checksums are part of the fingerprint.
fn is_codegen_package(name: &str) -> bool {
    name.starts_with("cranelift-") || name.starts_with("wasmtime-") || name == "regalloc2"
}

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by Cargo"));
    let crates = manifest.parent().expect("heron-core lives in crates/");
    let root = crates.parent().expect("crates/ lives in the workspace");
    let mut h = blake3::Hasher::new();
    field(&mut h, b"heron-build-fingerprint 1");
    field(
        &mut h,
        std::env::var("CARGO_PKG_VERSION")
            .unwrap_or_default()
            .as_bytes(),
    );
    for dir in CRATES
        .map(|name| crates.join(name))
        .iter()
        .chain([&manifest])
    {
        hash_tree(&mut h, dir, &dir.join("src"));
        hash_file(&mut h, dir, &dir.join("Cargo.toml"));
    }
    hash_file(&mut h, &manifest, &manifest.join("build.rs"));
    let lock = root.join("Cargo.lock");
    rerun_if_changed(&lock);
    match fs::read_to_string(&lock) {
        Ok(text) => {
            field(&mut h, b"Cargo.lock");
            for package in text.split("[[package]]") {
                let name = package
                    .lines()
                    .find_map(|l| l.strip_prefix("name = "))
                    .map(|n| n.trim_matches('"'));
                if name.is_some_and(is_codegen_package) {
                    field(&mut h, package.trim().as_bytes());
                }
            }
        }
        Err(_) => field(&mut h, b"missing Cargo.lock"),
    }
    field(&mut h, rustc_version().as_bytes());
    println!(
        "cargo:rustc-env=HERON_BUILD_FINGERPRINT={}",
        h.finalize().to_hex()
    );
}

/// Feeds one length-prefixed field, so field boundaries cannot be confused.
fn field(h: &mut blake3::Hasher, bytes: &[u8]) {
    h.update(&(bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

fn rerun_if_changed(path: &Path) {
    println!("cargo:rerun-if-changed={}", path.display());
}

/// `path` relative to `base`, with `/` separators (the same on every host).
fn relative(base: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

/// Feeds the name (relative to `base`) and contents of one file.
fn hash_file(h: &mut blake3::Hasher, base: &Path, path: &Path) {
    rerun_if_changed(path);
    let name = format!("{}/{}", base_name(base), relative(base, path));
    match fs::read(path) {
        Ok(bytes) => {
            field(h, name.as_bytes());
            field(h, &bytes);
        }
        Err(_) => field(h, format!("missing {name}").as_bytes()),
    }
}

/// The last component of `base` (the crate's folder name).
fn base_name(base: &Path) -> String {
    base.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

/// Feeds every file under `dir` (hidden files aside), in sorted order.
fn hash_tree(h: &mut blake3::Hasher, base: &Path, dir: &Path) {
    rerun_if_changed(dir);
    let mut files = Vec::new();
    collect(dir, &mut files);
    files.sort();
    if files.is_empty() {
        field(
            h,
            format!("missing {}/{}", base_name(base), relative(base, dir)).as_bytes(),
        );
    }
    for file in files {
        hash_file(h, base, &file);
    }
}

/// Appends the files under `dir`, recursively.
fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => collect(&path, out),
            Ok(t) if t.is_file() => out.push(path),
            _ => {}
        }
    }
}

/// `rustc -vV` of the compiler building heron (its helpers and frame
/// layouts are part of the contract generated code runs under).
fn rustc_version() -> String {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    Command::new(rustc)
        .arg("-vV")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map_or_else(
            || "unknown rustc".to_string(),
            |o| String::from_utf8_lossy(&o.stdout).into_owned(),
        )
}
