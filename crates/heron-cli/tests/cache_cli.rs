//! `heron cache` on a cache written by this test program: listing, showing
//! by key prefix, totals after disk hits, verifying and removing damaged
//! entries (and only those: stale and untrusted ones are reported and
//! kept), clearing, and the exit codes and messages of bad usage.

use assert_cmd::Command;
use heron as hn;
use heron::cache::Store;
use heron::prelude::*;
use std::path::Path;
use std::sync::Mutex;

/// The cache directory is process-wide: tests that write one take turns.
static WRITING: Mutex<()> = Mutex::new(());

/// Runs two jitted functions with the cache in `dir` (fresh `Jit`s, so each
/// either compiles and writes its entry or loads it from disk); returns how
/// many were loaded from disk.
fn run_program(dir: &Path) -> u64 {
    let _turn = WRITING.lock().unwrap_or_else(|e| e.into_inner());
    hn::cache::set_dir(dir).unwrap();
    let double = hn::jit_named("double", |x: Array| &x * 2.0 + 1.0);
    let x = hn::arange(0.0, 16.0, 1.0);
    let y = double.call(&x);
    assert_eq!(y.to_vec::<f32>()[3], 7.0);
    let v = Variable::new(hn::zeros(&[16], DType::F32));
    let step = hn::jit_named("lif_step", {
        let v = v.clone();
        move |i: Array| {
            v.set(&v.value() * 0.9 + &i);
            v.value().ge(1.0)
        }
    });
    let spikes = step.call(hn::full(&[16], 0.6, DType::F32));
    assert_eq!(spikes.to_vec::<bool>(), vec![false; 16]);
    hn::cache::disable();
    double.cache_stats().disk_loads + step.cache_stats().disk_loads
}

/// A private directory holding the two entries.
fn written_cache() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    run_program(dir.path());
    dir
}

fn heron() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_heron"));
    cmd.env_remove("HERON_CACHE_DIR");
    cmd
}

fn cache(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = heron();
    cmd.arg("cache").args(args).arg("--dir").arg(dir);
    cmd
}

fn stdout(cmd: &mut Command, code: i32) -> String {
    let out = cmd.assert().code(code).get_output().clone();
    String::from_utf8(out.stdout).unwrap()
}

fn stderr(cmd: &mut Command, code: i32) -> String {
    let out = cmd.assert().code(code).get_output().clone();
    String::from_utf8(out.stderr).unwrap()
}

fn key_of(dir: &Path, name: &str) -> String {
    let store = Store::open(dir).unwrap();
    store
        .keys()
        .unwrap()
        .into_iter()
        .find(|k| store.read(k).unwrap().unwrap().name == name)
        .unwrap()
}

#[test]
fn ls_lists_one_row_per_entry() {
    let dir = written_cache();
    let out = stdout(&mut cache(dir.path(), &["ls"]), 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    for col in [
        "KEY",
        "NAME",
        "SIGNATURE",
        "KERNELS",
        "CODE",
        "COMPILE",
        "HITS",
        "LAST USED",
    ] {
        assert!(lines[0].contains(col), "{out}");
    }
    let double = key_of(dir.path(), "double");
    let row = lines.iter().find(|l| l.contains(" double ")).expect(&out);
    assert!(row.starts_with(&double[..12]), "{out}");
    assert!(
        row.contains("(f32[16])") && row.contains("just now"),
        "{out}"
    );
    assert!(lines.iter().any(|l| l.contains(" lif_step ")), "{out}");

    let json: serde_json::Value =
        serde_json::from_str(&stdout(&mut cache(dir.path(), &["ls", "--json"]), 0)).unwrap();
    let list = json.as_array().unwrap();
    assert_eq!(list.len(), 2);
    let entry = list.iter().find(|e| e["name"] == "double").unwrap();
    assert_eq!(entry["key"], double.as_str());
    assert_eq!(entry["signature"], serde_json::json!(["f32[16]"]));
    assert_eq!(entry["hits"], 0);
    assert_eq!(entry["misses"], 1);
    assert!(entry["code_size"].as_u64().unwrap() > 0);
    assert_eq!(entry["loadable"], true);
}

#[test]
fn show_finds_an_entry_by_a_key_prefix() {
    let dir = written_cache();
    let key = key_of(dir.path(), "lif_step");
    let prefix = &key[..6];
    let out = stdout(&mut cache(dir.path(), &["show", prefix]), 0);
    assert!(out.contains(&key) && out.contains("lif_step"), "{out}");
    assert!(
        out.contains("(f32[16])") && out.contains("loadable"),
        "{out}"
    );
    let ir = stdout(&mut cache(dir.path(), &["show", prefix, "--ir"]), 0);
    assert!(ir.starts_with("{ lambda ") && ir.contains("@var0"), "{ir}");
    let opt = stdout(&mut cache(dir.path(), &["show", prefix, "--optimized"]), 0);
    assert!(
        opt.contains("buffers:") && opt.contains("k0 loop[16]"),
        "{opt}"
    );
    let clif = stdout(&mut cache(dir.path(), &["show", prefix, "--clif"]), 0);
    assert!(
        clif.contains("; kernel k0") && clif.contains("function"),
        "{clif}"
    );

    let err = stderr(&mut cache(dir.path(), &["show", "ffffffffffff"]), 2);
    assert!(err.contains("no entry with key ffffffffffff"), "{err}");
    cache(dir.path(), &["show", prefix, "--ir", "--clif"])
        .assert()
        .code(2);
}

#[test]
fn stats_count_hits_and_the_time_saved() {
    let dir = written_cache();
    let out = stdout(&mut cache(dir.path(), &["stats"]), 0);
    assert!(
        out.contains("entries  2") && out.contains("misses  2"),
        "{out}"
    );
    assert!(out.contains("hits  0"), "{out}");
    assert_eq!(run_program(dir.path()), 2, "the second run loads both");
    assert_eq!(run_program(dir.path()), 2);
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&mut cache(dir.path(), &["stats", "--json"]), 0)).unwrap();
    assert_eq!(json["entries"], 2);
    assert_eq!(json["hits"], 4);
    assert_eq!(json["misses"], 2);
    assert_eq!(json["corrupt"], 0);
    assert!(json["bytes"].as_u64().unwrap() > json["code_bytes"].as_u64().unwrap());
    assert!(json["compile_ms"].as_f64().unwrap() > 0.0);
    let out = stdout(&mut cache(dir.path(), &["stats"]), 0);
    assert!(out.contains("time saved"), "{out}");
}

#[test]
fn verify_reports_and_removes_damaged_entries() {
    let dir = written_cache();
    let out = stdout(&mut cache(dir.path(), &["verify"]), 0);
    assert!(out.contains("2 entries checked: 2 ok"), "{out}");
    let key = key_of(dir.path(), "double");
    let path = Store::open(dir.path()).unwrap().entry_path(&key);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 100]).unwrap();

    let out = stdout(&mut cache(dir.path(), &["ls"]), 1);
    assert!(
        out.contains(&format!("{}  corrupt: truncated", &key[..12])),
        "{out}"
    );
    let out = stdout(&mut cache(dir.path(), &["verify"]), 1);
    assert!(
        out.contains(&format!("{}  removed: truncated", &key[..12])),
        "{out}"
    );
    assert!(out.contains("1 damaged and removed"), "{out}");
    assert!(!path.exists());
    let out = stdout(&mut cache(dir.path(), &["verify"]), 0);
    assert!(out.contains("1 entries checked: 1 ok"), "{out}");
}

#[cfg(unix)]
#[test]
fn verify_reports_foreign_entries_instead_of_deleting() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = written_cache();
    let store = Store::open(dir.path()).unwrap();
    let shared = store.entry_path(&key_of(dir.path(), "double"));
    let foreign = store.entry_path(&key_of(dir.path(), "lif_step"));
    // Damaged as well: only its owner may decide to delete it.
    let bytes = std::fs::read(&shared).unwrap();
    std::fs::write(&shared, &bytes[..bytes.len() - 100]).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o666)).unwrap();
    // Another user's entry (only root can make one).
    let root = std::fs::metadata(&foreign).unwrap().uid() == 0;
    if root {
        std::os::unix::fs::chown(&foreign, Some(65534), None).unwrap();
    }
    let out = stdout(&mut cache(dir.path(), &["verify"]), 1);
    assert!(
        out.contains("not trusted, left in place: writable by other users (mode 0666)"),
        "{out}"
    );
    assert!(shared.exists() && foreign.exists(), "{out}");
    if root {
        assert!(
            out.contains("not trusted, left in place: owned by uid 65534, not by uid 0"),
            "{out}"
        );
        assert!(
            out.contains("2 not trusted and left in place, 0 damaged"),
            "{out}"
        );
    } else {
        assert!(
            out.contains("1 not trusted and left in place, 0 damaged"),
            "{out}"
        );
    }
    let out = stdout(&mut cache(dir.path(), &["ls"]), 1);
    assert!(
        out.contains("not trusted: writable by other users"),
        "{out}"
    );
}

#[test]
fn ls_and_verify_show_entries_of_another_build_as_stale() {
    let dir = written_cache();
    let store = Store::open(dir.path()).unwrap();
    let key = key_of(dir.path(), "double");
    let path = store.entry_path(&key);
    let mut record = hn::cache::decode(&std::fs::read(&path).unwrap()).unwrap();
    record.build = "0".repeat(64);
    // SAFETY: an entry of another build is never loaded, so its code is
    // never executed.
    std::fs::write(&path, unsafe { hn::cache::encode(&record) }).unwrap();
    // An entry in the file format of an older heron.
    let old = store.entry_path(&"e".repeat(64));
    std::fs::write(&old, "heron-cache 1 2 abcd\n{}").unwrap();

    let out = stdout(&mut cache(dir.path(), &["ls"]), 0);
    let row = out.lines().find(|l| l.contains(" double ")).expect(&out);
    assert!(
        row.contains("double (stale: written by another heron build (000000000000), this is "),
        "{out}"
    );
    assert!(
        out.contains("eeeeeeeeeeee  stale: file format 1, this heron reads 2"),
        "{out}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&mut cache(dir.path(), &["ls", "--json"]), 0)).unwrap();
    let entry = json
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "double")
        .unwrap();
    assert_eq!(entry["loadable"], false);
    assert_eq!(entry["status"], "stale");
    let out = stdout(&mut cache(dir.path(), &["show", &key[..8]]), 0);
    assert!(
        out.contains("stale: written by another heron build"),
        "{out}"
    );

    let out = stdout(&mut cache(dir.path(), &["verify"]), 0);
    assert!(
        out.contains(&format!(
            "{}  stale, kept: written by another heron build",
            &key[..12]
        )),
        "{out}"
    );
    assert!(out.contains("3 entries checked: 1 ok, 2 stale"), "{out}");
    assert!(path.exists() && old.exists());
    let out = stdout(&mut cache(dir.path(), &["stats"]), 0);
    assert!(out.contains("stale  2"), "{out}");
}

#[test]
fn clear_removes_every_entry() {
    let dir = written_cache();
    let out = stdout(&mut cache(dir.path(), &["clear"]), 0);
    assert!(out.starts_with("removed 2 entries ("), "{out}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    let out = stdout(&mut cache(dir.path(), &["ls"]), 0);
    assert!(out.contains("(no entries in "), "{out}");
}

#[test]
fn the_directory_comes_from_the_environment() {
    let dir = written_cache();
    let out = stdout(
        heron()
            .args(["cache", "ls"])
            .env("HERON_CACHE_DIR", dir.path()),
        0,
    );
    assert_eq!(out.lines().count(), 3, "{out}");
}

#[test]
fn bad_usage_and_missing_directories_exit_with_2() {
    let err = stderr(heron().args(["cache", "ls"]), 2);
    assert!(
        err.contains("no cache directory: pass --dir DIR or set HERON_CACHE_DIR"),
        "{err}"
    );
    let missing = std::env::temp_dir().join("heron-cache-test-does-not-exist");
    let err = stderr(&mut cache(&missing, &["stats"]), 2);
    assert!(err.contains("cannot open cache directory"), "{err}");
    let file = tempfile::NamedTempFile::new().unwrap();
    let err = stderr(&mut cache(file.path(), &["ls"]), 2);
    assert!(err.contains("is not a directory"), "{err}");
    let err = stderr(heron().args(["cache", "frobnicate"]), 2);
    assert!(err.contains("unrecognized subcommand"), "{err}");
}
