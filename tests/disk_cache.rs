//! The compile cache on disk across processes: a program run twice with the
//! same `HERON_CACHE_DIR` loads its machine code the second time and compiles
//! nothing, with identical results; damaged, misfiled, stale (another heron
//! build, version or CPU) or untrusted (symlinked) entries are reported once
//! with their kind, never executed, and rewritten; concurrent writers leave
//! no torn entry; a directory other users can write to is refused; the size
//! bound evicts.
//!
//! Each process is this test binary re-run on one test,
//! `program_matches_eager`, with `HERON_TEST_CHILD=1`: it runs the program,
//! checks it against eager evaluation and prints what it saw.

use heron as hn;
use heron::cache::{EntryRecord, Store};
use heron::prelude::*;
use heron::random::Key;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

const N: usize = 1031;
const CHILD: &str = "HERON_TEST_CHILD";

fn w1(x: &Array, y: &Array) -> Array {
    (x * 2.0 + y) * (x - 0.5) / (y + 1.0)
}

fn softmax(x: &Array) -> Array {
    let e = (x - x.max_axis(1).expand_dims(1)).exp();
    &e / e.sum_axis(1).expand_dims(1)
}

/// A LIF population: state in Variables, a static input current.
#[derive(Clone)]
struct Lif {
    v: Variable,
    t_last: Variable,
    input: Array,
}

impl Lif {
    fn new() -> Lif {
        Lif {
            v: Variable::new(Key::new(3).uniform(-70.0, -50.0, &[N])),
            t_last: Variable::new(hn::full(&[N], -1e7, DType::F32)),
            input: Key::new(4).normal(0.0, 1.0, &[N]) * 5.0 + 20.0,
        }
    }

    /// One Euler step at time `t`; returns the spikes.
    fn step(&self, t: &Array) -> Array {
        let v = self.v.value();
        let v = &v + (-(&v - -65.0) + &self.input) * 0.01;
        let spike = v.ge(-50.0);
        self.v.set(hn::where_(&spike, -68.0, &v));
        self.t_last.set(hn::where_(&spike, t, self.t_last.value()));
        spike
    }
}

/// What one function of the program produced.
struct Outcome {
    name: &'static str,
    values: Vec<Array>,
    stats: hn::CacheStats,
    from_disk: bool,
}

fn inputs() -> (Array, Array, Array) {
    (
        Key::new(1).uniform(0.0, 1.0, &[N]),
        Key::new(2).uniform(0.0, 1.0, &[N]),
        Key::new(5).normal(0.0, 3.0, &[8, 37]),
    )
}

/// The program, jitted: an element-wise chain, a LIF step called three
/// times, a LIF loop compiled as one `fori_loop`, and a softmax.
fn run_jitted() -> Vec<Outcome> {
    let (x, y, s) = inputs();
    let mut out = Vec::new();

    let f = hn::jit_named("w1", |(x, y): (Array, Array)| w1(&x, &y));
    let z = f.call((&x, &y));
    let stats = f.cache_stats();
    out.push(Outcome {
        name: "w1",
        values: vec![z],
        stats,
        from_disk: f.compile((&x, &y)).from_disk(),
    });

    let lif = Lif::new();
    let step = hn::jit_named("lif_step", {
        let lif = lif.clone();
        move |t: Array| lif.step(&t)
    });
    let spikes: Vec<Array> = (0..3)
        .map(|i| step.call(hn::scalar(i as f32 * 0.1)))
        .collect();
    let stats = step.cache_stats();
    let mut values = spikes;
    values.extend([lif.v.value(), lif.t_last.value()]);
    out.push(Outcome {
        name: "lif_step",
        values,
        stats,
        from_disk: step.compile(hn::scalar(0.0f32)).from_disk(),
    });

    let lif = Lif::new();
    let run = hn::jit_named("lif_loop", {
        let lif = lif.clone();
        move |()| {
            hn::fori_loop(0, 10, |i: Array| {
                lif.step(&(i.astype(DType::F32) * 0.1));
            })
        }
    });
    run.call(());
    let stats = run.cache_stats();
    out.push(Outcome {
        name: "lif_loop",
        values: vec![lif.v.value(), lif.t_last.value()],
        stats,
        from_disk: run.compile(()).from_disk(),
    });

    let g = hn::jit_named("softmax", |x: Array| softmax(&x));
    let p = g.call(&s);
    let stats = g.cache_stats();
    out.push(Outcome {
        name: "softmax",
        values: vec![p],
        stats,
        from_disk: g.compile(&s).from_disk(),
    });
    out
}

/// The same program evaluated eagerly.
fn run_eager() -> Vec<Vec<Array>> {
    let (x, y, s) = inputs();
    let lif = Lif::new();
    let mut steps: Vec<Array> = (0..3)
        .map(|i| lif.step(&hn::scalar(i as f32 * 0.1)))
        .collect();
    steps.extend([lif.v.value(), lif.t_last.value()]);
    let looped = Lif::new();
    for i in 0..10 {
        looped.step(&hn::scalar(i as f32 * 0.1));
    }
    vec![
        vec![w1(&x, &y)],
        steps,
        vec![looped.v.value(), looped.t_last.value()],
        vec![softmax(&s)],
    ]
}

fn as_f64(a: &Array) -> Vec<f64> {
    a.astype(DType::F64).to_vec::<f64>()
}

#[test]
fn program_matches_eager() {
    let jitted = run_jitted();
    let eager = run_eager();
    for (o, want) in jitted.iter().zip(&eager) {
        assert_eq!(o.values.len(), want.len(), "{}", o.name);
        for (got, want) in o.values.iter().zip(want) {
            assert_eq!(got.shape(), want.shape(), "{}", o.name);
            for (i, (g, w)) in as_f64(got).iter().zip(as_f64(want)).enumerate() {
                assert!(
                    (g - w).abs() <= 1e-4 * (1.0 + w.abs()),
                    "{} [{i}]: {g} vs {w}",
                    o.name
                );
            }
        }
    }
    if std::env::var_os(CHILD).is_some() {
        for o in &jitted {
            // A digest of every result's bits (`DefaultHasher::new` is
            // deterministic: the same bits give the same digest in any process).
            let mut h = std::hash::DefaultHasher::new();
            for v in &o.values {
                for x in as_f64(v) {
                    std::hash::Hash::hash(&x.to_bits(), &mut h);
                }
            }
            println!(
                "\nHERON-CHILD {} {} {} {} {:016x}",
                o.name,
                o.stats.misses,
                o.stats.disk_loads,
                o.from_disk,
                std::hash::Hasher::finish(&h)
            );
        }
    }
}

/// What a child process reported about one function.
#[derive(Debug, PartialEq)]
struct Seen {
    misses: u64,
    disk_loads: u64,
    from_disk: bool,
    bits: String,
}

/// A finished child process.
struct Run {
    seen: BTreeMap<String, Seen>,
    stderr: String,
}

fn command(dir: Option<&Path>, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "program_matches_eager",
        "--exact",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(CHILD, "1")
    .env_remove("HERON_CACHE_DIR")
    .env_remove("HERON_CACHE_MAX_MB")
    .env_remove("HERON_LOG_COMPILES")
    .env_remove("HERON_DISABLE_JIT")
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    if let Some(dir) = dir {
        cmd.env("HERON_CACHE_DIR", dir);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

fn finish(out: Output) -> Run {
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");
    let mut seen = BTreeMap::new();
    for line in stdout.lines() {
        let Some(at) = line.find("HERON-CHILD ") else {
            continue;
        };
        let rest = &line[at + "HERON-CHILD ".len()..];
        let f: Vec<&str> = rest.split(' ').collect();
        seen.insert(
            f[0].to_string(),
            Seen {
                misses: f[1].parse().unwrap(),
                disk_loads: f[2].parse().unwrap(),
                from_disk: f[3].parse().unwrap(),
                bits: f[4].to_string(),
            },
        );
    }
    assert_eq!(seen.len(), 4, "child printed:\n{stdout}\n{stderr}");
    Run { seen, stderr }
}

fn run_child(dir: Option<&Path>, env: &[(&str, &str)]) -> Run {
    finish(command(dir, env).output().unwrap())
}

fn private_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    set_mode(dir.path(), 0o700);
    dir
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The key of the entry of function `name`.
fn key_of(store: &Store, name: &str) -> String {
    store
        .keys()
        .unwrap()
        .into_iter()
        .find(|k| store.read(k).unwrap().is_some_and(|r| r.name == name))
        .unwrap_or_else(|| panic!("no entry for {name}"))
}

fn assert_all(run: &Run, misses: u64, disk_loads: u64) {
    for (name, s) in &run.seen {
        assert_eq!((s.misses, s.disk_loads), (misses, disk_loads), "{name}");
        assert_eq!(s.from_disk, disk_loads > 0, "{name}");
    }
}

fn assert_same_results(a: &Run, b: &Run) {
    for (name, s) in &a.seen {
        assert_eq!(s.bits, b.seen[name].bits, "{name}: results differ");
    }
}

#[test]
fn a_second_process_loads_from_disk_and_compiles_nothing() {
    let dir = private_dir();
    let first = run_child(Some(dir.path()), &[]);
    assert_all(&first, 1, 0);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.keys().unwrap().len(), 4);

    let second = run_child(Some(dir.path()), &[("HERON_LOG_COMPILES", "1")]);
    assert_all(&second, 1, 1);
    assert_same_results(&first, &second);
    assert!(
        second.stderr.contains(&format!(
            "heron: loaded w1 for (f32[{N}], f32[{N}]) from disk in "
        )),
        "{}",
        second.stderr
    );
    assert!(
        !second.stderr.contains("heron: compiled"),
        "{}",
        second.stderr
    );
    for key in store.keys().unwrap() {
        let usage = store.usage(&key);
        assert_eq!((usage.hits, usage.misses), (1, 1), "{key}");
        assert!(usage.load_nanos > 0);
    }
    // A process without the cache compiles, and agrees.
    let plain = run_child(None, &[]);
    assert_all(&plain, 1, 0);
    assert_same_results(&first, &plain);
}

/// Runs the program, damages the entry of `victim` with `damage`, and
/// checks the next run reports it once as `kind` (`corrupt`, `stale`, `not
/// trusted`) for `reason`, recompiles it (with the same results) and
/// rewrites it so that a third run loads it.
fn check_damage(victim: &str, damage: impl FnOnce(&Store, &str), kind: &str, reason: &str) {
    let dir = private_dir();
    let first = run_child(Some(dir.path()), &[]);
    let store = Store::open(dir.path()).unwrap();
    let key = key_of(&store, victim);
    damage(&store, &key);
    let second = run_child(Some(dir.path()), &[]);
    let message = format!(
        "heron: cache entry {} is {kind} ({reason}",
        heron::cache::short_key(&key)
    );
    assert_eq!(
        second.stderr.matches(&message).count(),
        1,
        "{}",
        second.stderr
    );
    assert!(
        second.stderr.contains("); recompiling"),
        "{}",
        second.stderr
    );
    assert_eq!(
        second.stderr.matches("; recompiling").count(),
        1,
        "{}",
        second.stderr
    );
    for (name, s) in &second.seen {
        let loads = u64::from(name != victim);
        assert_eq!((s.misses, s.disk_loads), (1, loads), "{name}");
    }
    assert_same_results(&first, &second);
    assert!(store.read(&key).unwrap().is_some(), "rewritten");
    let third = run_child(Some(dir.path()), &[]);
    assert_all(&third, 1, 1);
    assert!(!third.stderr.contains("recompiling"), "{}", third.stderr);
    assert_same_results(&first, &third);
}

/// Rewrites entry `key` after `edit`, with a valid checksum.
fn rewrite(store: &Store, key: &str, edit: impl FnOnce(&mut EntryRecord)) {
    let path = store.entry_path(key);
    let mut record = heron::cache::decode(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut record);
    // SAFETY: every edit these tests make leaves an entry that cannot load
    // (another build, version, CPU or plan): its code is never executed.
    std::fs::write(&path, unsafe { heron::cache::encode(&record) }).unwrap();
}

#[test]
fn a_flipped_byte_is_a_miss() {
    check_damage(
        "w1",
        |store, key| {
            let path = store.entry_path(key);
            let mut bytes = std::fs::read(&path).unwrap();
            // A byte inside the machine code's hex digits.
            let at = String::from_utf8_lossy(&bytes)
                .find("\"bytes\":\"")
                .unwrap()
                + 20;
            bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
            std::fs::write(&path, bytes).unwrap();
        },
        "corrupt",
        "checksum mismatch",
    );
}

#[test]
fn a_truncated_entry_is_a_miss() {
    check_damage(
        "lif_step",
        |store, key| {
            let path = store.entry_path(key);
            let bytes = std::fs::read(&path).unwrap();
            std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        },
        "corrupt",
        "truncated: ",
    );
}

#[test]
fn an_entry_of_another_version_is_a_miss() {
    check_damage(
        "lif_loop",
        |store, key| rewrite(store, key, |r| r.heron_version = "0.0.1".into()),
        "stale",
        "written by heron 0.0.1",
    );
}

#[test]
fn stale_entry_from_another_build_is_a_miss() {
    check_damage(
        "lif_step",
        |store, key| rewrite(store, key, |r| r.build = "0".repeat(64)),
        "stale",
        &format!(
            "written by another heron build (000000000000), this is {}",
            &heron::cache::BUILD[..12]
        ),
    );
}

#[test]
fn a_symlinked_entry_is_never_loaded() {
    let elsewhere = tempfile::tempdir().unwrap();
    check_damage(
        "w1",
        |store, key| {
            let moved = elsewhere.path().join("w1.hrc");
            std::fs::rename(store.entry_path(key), &moved).unwrap();
            std::os::unix::fs::symlink(&moved, store.entry_path(key)).unwrap();
        },
        "not trusted",
        "a symbolic link",
    );
}

#[test]
fn an_entry_for_another_cpu_is_a_miss() {
    check_damage(
        "softmax",
        |store, key| {
            rewrite(store, key, |r| {
                r.target = "riscv64gc-unknown-linux-gnu".into();
                r.image.target = r.target.clone();
            })
        },
        "stale",
        "compiled for another CPU",
    );
}

#[test]
fn an_entry_filed_under_another_key_is_a_miss() {
    check_damage(
        "w1",
        |store, key| {
            let other = key_of(store, "softmax");
            std::fs::copy(store.entry_path(&other), store.entry_path(key)).unwrap();
        },
        "corrupt",
        "it holds the entry of key ",
    );
}

#[test]
fn an_entry_whose_plan_differs_is_a_miss() {
    check_damage(
        "softmax",
        |store, key| rewrite(store, key, |r| r.image.plan_text.push_str("k9 loop")),
        "corrupt",
        "cache: code image does not match: the fused plan differs",
    );
}

#[test]
fn concurrent_writers_leave_whole_entries() {
    let dir = private_dir();
    let children: Vec<Child> = (0..3)
        .map(|_| command(Some(dir.path()), &[]).spawn().unwrap())
        .collect();
    let runs: Vec<Run> = children
        .into_iter()
        .map(|c| finish(c.wait_with_output().unwrap()))
        .collect();
    for run in &runs[1..] {
        assert_same_results(&runs[0], run);
        assert!(!run.stderr.contains("corrupt"), "{}", run.stderr);
    }
    let store = Store::open(dir.path()).unwrap();
    let keys = store.keys().unwrap();
    assert_eq!(keys.len(), 4);
    for key in &keys {
        assert!(store.read(key).unwrap().is_some(), "{key}");
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let after = run_child(Some(dir.path()), &[]);
    assert_all(&after, 1, 1);
    assert_same_results(&runs[0], &after);
}

#[test]
fn a_directory_others_can_write_is_refused() {
    let dir = private_dir();
    set_mode(dir.path(), 0o777);
    let run = run_child(Some(dir.path()), &[]);
    assert_all(&run, 1, 0);
    assert_eq!(
        run.stderr.matches("refusing cache directory").count(),
        1,
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("writable by other users (mode 0777)"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    let err = heron::cache::set_dir(dir.path()).unwrap_err();
    assert!(
        err.to_string().contains("refusing cache directory"),
        "{err}"
    );
}

#[test]
fn the_size_bound_evicts_least_recently_used_entries() {
    let dir = private_dir();
    let run = run_child(Some(dir.path()), &[("HERON_CACHE_MAX_MB", "0.001")]);
    assert_all(&run, 1, 0);
    let store = Store::open(dir.path()).unwrap();
    let keys = store.keys().unwrap();
    assert_eq!(keys.len(), 1, "only the entry just written stays");
    assert_eq!(store.read(&keys[0]).unwrap().unwrap().name, "softmax");
}
