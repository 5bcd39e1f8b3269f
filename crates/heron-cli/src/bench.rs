//! `heron bench [WORKLOAD…] [--json] [--reps N] [--quick] [--peers]`: runs
//! the workloads of `heron-bench`, each variant checked against the
//! reference before it is timed, and prints a table of medians and ratios (or
//! JSON); with `--peers`, then runs the Python peers on the same workloads and
//! prints their medians beside heron's.

mod peers;

use clap::Args;
use heron_bench::{CaseReport, Config, Kind, Report, Workload};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Options of `heron bench`.
#[derive(Args)]
pub struct BenchArgs {
    /// Workloads to run (W1 … W9, any case); all when none is given.
    workloads: Vec<String>,
    /// Print the report as JSON on stdout instead of tables.
    #[arg(long)]
    json: bool,
    /// Timed repetitions per variant (the median is reported; at least 5 by
    /// the reporting rules, default 7, or 5 with --quick).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    reps: Option<u32>,
    /// Smaller problem sizes (about a sixteenth of the work) for a fast look.
    #[arg(long)]
    quick: bool,
    /// Then run the Python peers (benches/peers/run_all.py: NumPy, JAX,
    /// Numba; for W8 BrainPy and Brian2 with the Pythons of
    /// $HERON_PEER_PYTHON_BRAINPY and $HERON_PEER_PYTHON_BRIAN2) on the same
    /// workloads and print their medians beside heron's, with ratios;
    /// skipped with a message when Python or a package is missing.
    #[arg(long)]
    peers: bool,
    /// The Python the peers run with (default: $HERON_PEERS_PYTHON, else python3).
    #[arg(long, value_name = "PATH", requires = "peers")]
    python: Option<PathBuf>,
    /// Seconds the peers may take before they are stopped.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 1800,
        requires = "peers"
    )]
    peers_timeout: u64,
}

/// Runs `heron bench`.
pub fn main(args: BenchArgs) -> ExitCode {
    let workloads = match select(&args.workloads) {
        Ok(w) => w,
        Err(unknown) => {
            let ids: Vec<&str> = heron_bench::ALL.iter().map(|w| w.id).collect();
            eprintln!(
                "heron bench: unknown workload `{unknown}`; choose from {}",
                ids.join(", ")
            );
            return ExitCode::from(2);
        }
    };
    let mut cfg = if args.quick {
        Config::quick()
    } else {
        Config::full()
    };
    if let Some(reps) = args.reps {
        cfg.reps = reps as usize;
    }
    let bar = progress_bar(workloads.len());
    let result = run(&workloads, &cfg, &bar);
    bar.finish_and_clear();
    match result {
        Ok(report) => {
            let peers = args.peers.then(|| run_peers(&args, &report));
            if args.json {
                let json = match &peers {
                    None => serde_json::to_value(&report),
                    Some(p) => serde_json::to_value(&report).map(|heron| {
                        serde_json::json!({
                            "heron": heron,
                            "peers": p.as_ref().ok().map(|p| &p.json),
                            "peers_skipped": p.as_ref().err(),
                        })
                    }),
                };
                match json.and_then(|j| serde_json::to_string_pretty(&j)) {
                    Ok(text) => println!("{text}"),
                    Err(e) => {
                        eprintln!("heron bench: cannot write JSON: {e}");
                        return ExitCode::FAILURE;
                    }
                }
            } else {
                print!("{}", render(&report));
                match &peers {
                    Some(Ok(p)) => print!("{}", peers::render(&report, p)),
                    Some(Err(why)) => println!("\npeers skipped: {why}"),
                    None => {}
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("heron bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the peer script on the workloads `report` measured; `Err` says why
/// there are no peer figures (never a failure of the bench).
fn run_peers(args: &BenchArgs, report: &Report) -> Result<peers::PeerReport, String> {
    let python = args
        .python
        .clone()
        .or_else(|| std::env::var_os("HERON_PEERS_PYTHON").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("python3"));
    let mut workloads: Vec<String> = Vec::new();
    for case in &report.cases {
        let w = case.id.split('.').next().unwrap_or(&case.id).to_string();
        if !workloads.contains(&w) {
            workloads.push(w);
        }
    }
    eprintln!(
        "heron bench --peers: running {} with `{}` on {}",
        peers::default_script().display(),
        python.display(),
        workloads.join(" ")
    );
    peers::run(&peers::Setup {
        python,
        script: peers::default_script(),
        workloads,
        quick: args.quick,
        reps: args.reps,
        timeout: Duration::from_secs(args.peers_timeout),
    })
}

/// Measures the bandwidth and runs the workloads, advancing `bar` per workload.
fn run(
    workloads: &[&Workload],
    cfg: &Config,
    bar: &ProgressBar,
) -> Result<Report, heron_bench::Error> {
    bar.set_message("triad bandwidth");
    let bandwidth = heron_bench::stream::measure(cfg);
    let mut cases = Vec::new();
    for w in workloads {
        cases.extend(w.run(cfg, &bandwidth, &mut |msg| bar.set_message(msg.to_string()))?);
        bar.inc(1);
    }
    Ok(Report::new(*cfg, bandwidth, cases))
}

/// The workloads named, in the order given (all when none), or the first unknown name.
fn select(names: &[String]) -> Result<Vec<&'static Workload>, String> {
    if names.is_empty() {
        return Ok(heron_bench::ALL.iter().collect());
    }
    names
        .iter()
        .map(|n| heron_bench::find(n).ok_or_else(|| n.clone()))
        .collect()
}

fn progress_bar(len: usize) -> ProgressBar {
    let bar = ProgressBar::new(len as u64);
    let style =
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// The report as text tables, one per case.
fn render(report: &Report) -> String {
    let mut out = String::new();
    let bw = &report.bandwidth;
    out.push_str(&format!(
        "triad bandwidth: {:.1} GB/s on 1 thread, {:.1} GB/s on 2 threads ({} MB moved per triad)\n",
        bw.one_thread / 1e9,
        bw.two_threads / 1e9,
        bw.bytes / 1_000_000
    ));
    out.push_str(&format!(
        "sizes: {:?}; {} timed repetitions after {} warm-up; ratio = median / reference median\n",
        report.config.size, report.config.reps, report.config.warmup
    ));
    for case in &report.cases {
        out.push('\n');
        out.push_str(&render_case(case));
    }
    for note in &report.notes {
        out.push_str(&format!("\nnote: {note}\n"));
    }
    out
}

fn render_case(case: &CaseReport) -> String {
    let mut out = format!("{}  {}  [{}]\n", case.id, case.title, case.size);
    let width = case
        .rows
        .iter()
        .map(|r| r.variant.len())
        .max()
        .unwrap_or(0)
        .max(12)
        + 2;
    out.push_str(&format!(
        "  {:<width$} {:>12} {:>12} {:>8}\n",
        "variant", "median", "min", "ratio"
    ));
    for row in &case.rows {
        let marker = if row.variant == case.reference {
            " (ref)"
        } else {
            ""
        };
        let measured = !matches!(row.kind, Kind::Bound | Kind::Derived);
        out.push_str(&format!(
            "  {:<width$} {:>12} {:>12} {:>8}{}{}\n",
            row.variant,
            duration(row.timing.median_s),
            if measured {
                duration(row.timing.min_s)
            } else {
                "-".into()
            },
            format!("{:.2}", row.ratio),
            marker,
            row.note
                .as_ref()
                .filter(|_| !measured)
                .map(|n| format!("  ({n})"))
                .unwrap_or_default(),
        ));
    }
    for note in &case.notes {
        out.push_str(&format!("  note: {note}\n"));
    }
    out
}

/// Seconds in the unit that reads best.
fn duration(s: f64) -> String {
    let a = s.abs();
    if a >= 1.0 {
        format!("{s:.3} s")
    } else if a >= 1e-3 {
        format!("{:.3} ms", s * 1e3)
    } else if a >= 1e-6 {
        format!("{:.3} µs", s * 1e6)
    } else {
        format!("{:.1} ns", s * 1e9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_pick_their_unit() {
        assert_eq!(duration(1.5), "1.500 s");
        assert_eq!(duration(0.0123), "12.300 ms");
        assert_eq!(duration(4.2e-6), "4.200 µs");
        assert_eq!(duration(3.5e-8), "35.0 ns");
    }

    #[test]
    fn selects_workloads_by_id() {
        let w = select(&["w2".into(), "W1".into()]).unwrap();
        assert_eq!(w.iter().map(|w| w.id).collect::<Vec<_>>(), ["W2", "W1"]);
        assert_eq!(select(&[]).unwrap().len(), heron_bench::ALL.len());
        assert_eq!(select(&["W10".into()]).err(), Some("W10".to_string()));
    }

    #[test]
    fn renders_a_tiny_report() {
        let cfg = Config::tiny();
        let w7 = heron_bench::find("W7").unwrap();
        let report = heron_bench::run(&[w7], &cfg, &mut |_| {}).unwrap();
        let text = render(&report);
        assert!(
            text.contains("W7") && text.contains("heron jit") && text.contains("(ref)"),
            "{text}"
        );
    }
}
