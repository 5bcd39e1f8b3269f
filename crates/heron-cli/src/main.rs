//! The `heron` command: subcommands over heron's compile cache and its
//! benchmark harness. Exit codes: 0 success, 1 a failed run (a wrong result),
//! 2 bad usage.

mod bench;
mod cache;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// heron: a JIT tracing compiler for NumPy-like array code.
#[derive(Parser)]
#[command(name = "heron", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the benchmark workloads: heron vs eager vs hand-written loops.
    Bench(bench::BenchArgs),
    /// Inspect and maintain the compile cache on disk.
    Cache(cache::CacheArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Bench(args) => bench::main(args),
        Command::Cache(args) => cache::main(args),
    }
}
