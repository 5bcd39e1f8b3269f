//! `heron bench --peers`: runs the Python peer script
//! (`benches/peers/run_all.py`: NumPy, JAX, Numba; for W8 BrainPy and
//! Brian2, whose rows carry the E and I rates they produced) on the workloads just
//! measured, when a Python with its packages is present, and puts the peers'
//! medians beside heron's in one table, with ratios to heron's median from
//! the same run. A missing Python or package is reported and skipped; it
//! never fails the bench.

use heron_bench::{CaseReport, Kind, Report};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The packages the peer script uses: NumPy is needed; without JAX or Numba
/// their rows are left out (and without JAX the script draws its inputs with
/// NumPy: other numbers from the same distributions).
pub const PACKAGES: [&str; 3] = ["numpy", "jax", "numba"];

/// How to run the peers.
pub struct Setup {
    /// The Python interpreter.
    pub python: PathBuf,
    /// The peer script.
    pub script: PathBuf,
    /// Workload ids to run (W1 … W7).
    pub workloads: Vec<String>,
    /// Pass `--quick`.
    pub quick: bool,
    /// Pass `--reps N`.
    pub reps: Option<u32>,
    /// The peers are stopped after this long.
    pub timeout: Duration,
}

/// The peer script's JSON document, and the parts of it shown here.
#[derive(Debug)]
pub struct PeerReport {
    /// The document as printed by the script.
    pub json: serde_json::Value,
    /// One entry per case.
    pub cases: Vec<PeerCase>,
}

/// One peer case (`W2`, `W4.softmax`, `W6.W2 (fori_loop)`).
#[derive(Debug)]
pub struct PeerCase {
    /// The case id.
    pub id: String,
    /// Each peer's name and median in seconds.
    pub rows: Vec<(String, f64)>,
}

impl PeerReport {
    /// Reads the script's output: `{"versions": …, "cases": [{"id": …,
    /// "rows": [{"variant": …, "median_s": …}, …]}, …]}`.
    pub fn parse(text: &str) -> Result<PeerReport, String> {
        let json: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("cannot read the peers' JSON: {e}"))?;
        let bad = |what: &str| format!("the peers' JSON has no {what}");
        let mut cases = Vec::new();
        for c in json["cases"].as_array().ok_or_else(|| bad("cases"))? {
            let id = c["id"].as_str().ok_or_else(|| bad("case id"))?.to_string();
            let mut rows = Vec::new();
            for r in c["rows"].as_array().ok_or_else(|| bad("rows"))? {
                let name = r["variant"].as_str().ok_or_else(|| bad("variant"))?;
                let median = r["median_s"].as_f64().ok_or_else(|| bad("median_s"))?;
                rows.push((name.to_string(), median));
            }
            cases.push(PeerCase { id, rows });
        }
        Ok(PeerReport { json, cases })
    }
}

/// The default script: `benches/peers/run_all.py` of the source tree heron
/// was built from, else of the current directory.
pub fn default_script() -> PathBuf {
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../benches/peers/run_all.py");
    if built.is_file() {
        built.canonicalize().unwrap_or(built)
    } else {
        PathBuf::from("benches/peers/run_all.py")
    }
}

/// Which of `PACKAGES` `python` lacks, or why it cannot be asked.
pub fn missing_packages(python: &Path) -> Result<Vec<String>, String> {
    let code = format!(
        "import importlib.util\nfor m in {PACKAGES:?}:\n    print(m, importlib.util.find_spec(m) is not None)"
    );
    let out = Command::new(python)
        .args(["-c", &code])
        .stderr(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", python.display()))?;
    if !out.status.success() {
        return Err(format!("`{}` failed ({})", python.display(), out.status));
    }
    Ok(parse_probe(&String::from_utf8_lossy(&out.stdout)))
}

/// The packages a probe's output (`name True|False` per line) reports missing.
fn parse_probe(text: &str) -> Vec<String> {
    PACKAGES
        .iter()
        .filter(|p| !text.lines().any(|l| l.trim() == format!("{p} True")))
        .map(|p| p.to_string())
        .collect()
}

/// Runs the peer script; `Err` says why there are no peer figures.
pub fn run(setup: &Setup) -> Result<PeerReport, String> {
    if !setup.script.is_file() {
        return Err(format!(
            "the peer script {} is not there",
            setup.script.display()
        ));
    }
    let missing = missing_packages(&setup.python)?;
    let needed: Vec<&String> = missing.iter().filter(|m| *m == "numpy").collect();
    if !needed.is_empty() {
        return Err(format!(
            "`{}` lacks {} (pip install -r benches/peers/requirements.txt)",
            setup.python.display(),
            join(&needed)
        ));
    }
    if !missing.is_empty() {
        eprintln!(
            "heron bench --peers: `{}` lacks {}: those peers are left out \
             (pip install -r benches/peers/requirements.txt)",
            setup.python.display(),
            join(&missing.iter().collect::<Vec<_>>())
        );
    }
    let mut cmd = Command::new(&setup.python);
    cmd.arg(&setup.script).args(&setup.workloads);
    if setup.quick {
        cmd.arg("--quick");
    }
    if let Some(reps) = setup.reps {
        cmd.args(["--reps", &reps.max(1).to_string()]);
    }
    let text = run_bounded(cmd, setup.timeout)?;
    PeerReport::parse(&text)
}

fn join(names: &[&String]) -> String {
    names
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs `cmd` (stderr shown, stdout captured), killing it after `timeout`.
fn run_bounded(mut cmd: Command, timeout: Duration) -> Result<String, String> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start the peers: {e}"))?;
    let mut stdout = child.stdout.take().ok_or("no pipe to the peers")?;
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        stdout.read_to_string(&mut s).map(|_| s)
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() >= timeout => {
                // Kills the child this function started, by its handle.
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "the peers took longer than {} s and were stopped",
                    timeout.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => return Err(format!("waiting for the peers: {e}")),
        }
    };
    let text = reader
        .join()
        .map_err(|_| "the peers' output reader panicked".to_string())?
        .map_err(|e| format!("reading the peers' output: {e}"))?;
    if !status.success() {
        return Err(format!("the peer script failed ({status})"));
    }
    Ok(text)
}

/// The peer case shown beside heron case `id`: the same id, or the same
/// workload (`W2` beside `W2.loop` and `W2.step`; `W6.W2 (fori_loop)`
/// beside `W6.W2`).
fn peer_case<'a>(id: &str, peers: &'a PeerReport) -> Option<&'a PeerCase> {
    let head = |s: &'a str| s.split_whitespace().next().unwrap_or(s);
    peers
        .cases
        .iter()
        .find(|c| c.id == id)
        .or_else(|| peers.cases.iter().find(|c| head(&c.id) == id))
        .or_else(|| {
            let workload = id.split('.').next().unwrap_or(id);
            peers.cases.iter().find(|c| c.id == workload)
        })
}

/// The heron row the others are divided by: the first `heron jit` row, else
/// the case's reference.
fn base_row(case: &CaseReport) -> Option<&heron_bench::Row> {
    case.rows
        .iter()
        .find(|r| r.kind == Kind::HeronJit)
        .or_else(|| case.rows.first())
}

/// heron's rows and the peers' in one table per case, each median divided
/// by heron jit's (above 1: slower than heron).
pub fn render(report: &Report, peers: &PeerReport) -> String {
    let mut out = String::from(
        "\nheron and the peers side by side (vs heron = median / heron jit's median; above 1: slower than heron)\n",
    );
    if !peers.json["versions"].is_null() {
        out.push_str(&format!("peers: {}\n", peers.json["versions"]));
    }
    if let Some(inputs) = peers.json["inputs"].as_str() {
        out.push_str(&format!("peers' inputs: {inputs}\n"));
    }
    for case in &report.cases {
        let (Some(peer), Some(base)) = (peer_case(&case.id, peers), base_row(case)) else {
            continue;
        };
        let base_s = base.timing.median_s;
        let mut rows: Vec<(String, f64)> = case
            .rows
            .iter()
            .filter(|r| {
                r.variant == case.reference
                    || matches!(
                        r.kind,
                        Kind::HeronJit | Kind::Rayon | Kind::Ceiling | Kind::Derived
                    )
            })
            .map(|r| (format!("heron: {}", r.variant), r.timing.median_s))
            .collect();
        rows.extend(
            peer.rows
                .iter()
                .map(|(name, s)| (format!("peer {}: {name}", peer.id), *s)),
        );
        let width = rows
            .iter()
            .map(|(n, _)| n.chars().count())
            .max()
            .unwrap_or(0)
            + 2;
        out.push_str(&format!("\n{}  [{}]\n", case.id, case.size));
        out.push_str(&format!(
            "  {:<width$} {:>12} {:>9}\n",
            "variant", "median", "vs heron"
        ));
        for (name, s) in rows {
            out.push_str(&format!(
                "  {name:<width$} {:>12} {:>9.2}\n",
                super::duration(s),
                s / base_s
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peers() -> PeerReport {
        PeerReport::parse(
            r#"{"versions": {"jax": "0.10"}, "cases": [
                {"id": "W2", "reference": "numpy", "rows": [
                    {"variant": "numpy", "median_s": 0.5, "min_s": 0.4, "reps": 5, "ratio": 1.0},
                    {"variant": "jax fori_loop", "median_s": 0.05, "min_s": 0.04, "reps": 5, "ratio": 0.1}]},
                {"id": "W6.W2 (fori_loop)", "rows": [{"variant": "jax compile", "median_s": 0.2}]},
                {"id": "W7", "rows": [{"variant": "jax jit", "median_s": 1e-5}]}]}"#,
        )
        .unwrap()
    }

    #[test]
    fn peer_cases_match_by_id_workload_or_first_word() {
        let p = peers();
        assert_eq!(peer_case("W7", &p).unwrap().id, "W7");
        assert_eq!(peer_case("W2.loop", &p).unwrap().id, "W2");
        assert_eq!(peer_case("W6.W2", &p).unwrap().id, "W6.W2 (fori_loop)");
        assert!(peer_case("W4.sum", &p).is_none());
    }

    #[test]
    fn w8_peer_cases_match_each_scale() {
        let p = PeerReport::parse(
            r#"{"cases": [
                {"id": "W8.scale1", "rows": [{"variant": "brian2 cython runtime (E 20.0 Hz, I 21.7 Hz)", "median_s": 0.7}]},
                {"id": "W8.scale10", "rows": [{"variant": "brainpy for_loop (jit) (E 21.0 Hz, I 21.2 Hz)", "median_s": 4.0}]}]}"#,
        )
        .unwrap();
        assert_eq!(peer_case("W8.scale1", &p).unwrap().rows[0].1, 0.7);
        assert_eq!(peer_case("W8.scale10", &p).unwrap().rows[0].1, 4.0);
        assert!(peer_case("W8.scale100", &p).is_none());
    }

    #[test]
    fn the_probe_reports_missing_packages() {
        assert_eq!(parse_probe("numpy True\njax False\nnumba True\n"), ["jax"]);
        assert_eq!(parse_probe(""), ["numpy", "jax", "numba"]);
        assert!(parse_probe("numpy True\njax True\nnumba True").is_empty());
    }

    #[test]
    fn a_missing_python_is_an_error_not_a_panic() {
        let err = missing_packages(Path::new("/nonexistent/python3")).unwrap_err();
        assert!(err.contains("cannot run"), "{err}");
    }

    #[test]
    fn malformed_peer_output_is_an_error() {
        let err = PeerReport::parse(r#"{"cases": [{"id": "W1"}]}"#).unwrap_err();
        assert!(err.contains("rows"), "{err}");
        assert!(PeerReport::parse("W1 ...").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_peer_run_past_its_time_is_stopped() {
        let mut cmd = Command::new("sleep");
        cmd.arg("30");
        let start = Instant::now();
        let err = run_bounded(cmd, Duration::from_millis(300)).unwrap_err();
        assert!(err.contains("longer than"), "{err}");
        assert!(start.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn renders_heron_and_peers_in_one_table() {
        let cfg = heron_bench::Config::tiny();
        let w7 = heron_bench::find("W7").unwrap();
        let report = heron_bench::run(&[w7], &cfg, &mut |_| {}).unwrap();
        let text = render(&report, &peers());
        assert!(text.contains("heron: heron jit"), "{text}");
        assert!(text.contains("peer W7: jax jit"), "{text}");
        let heron_line = text
            .lines()
            .find(|l| l.contains("heron: heron jit"))
            .unwrap();
        assert!(heron_line.trim_end().ends_with("1.00"), "{text}");
    }
}
