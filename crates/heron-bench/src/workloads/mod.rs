//! The workloads W1–W8 of `BENCHMARKS.md` and W9 (a training step), one
//! module each (W4's softmax in its own), and the list `ALL` the CLI and the criterion benches walk.

pub mod softmax;
pub mod w1;
pub mod w2;
pub mod w3;
pub mod w4;
pub mod w5;
pub mod w6;
pub mod w7;
pub mod w8;
pub mod w9;

use crate::case::{Case, Error};
use crate::config::Config;
use crate::report::{Bandwidth, CaseReport};

/// A workload: its id, what it measures, and how to build its cases.
pub struct Workload {
    /// `W1` … `W7`.
    pub id: &'static str,
    /// One line on what it computes.
    pub title: &'static str,
    build: fn(&Config, &Bandwidth) -> Vec<Case<'static>>,
}

impl Workload {
    /// Builds the cases (inputs drawn, functions made; nothing timed).
    pub fn cases(&self, cfg: &Config, bw: &Bandwidth) -> Vec<Case<'static>> {
        (self.build)(cfg, bw)
    }

    /// Builds, checks and times every case; `progress` hears of each step.
    pub fn run(
        &self,
        cfg: &Config,
        bw: &Bandwidth,
        progress: &mut dyn FnMut(&str),
    ) -> Result<Vec<CaseReport>, Error> {
        progress(&format!("{}: preparing inputs", self.id));
        self.cases(cfg, bw)
            .into_iter()
            .map(|case| case.run(cfg, progress))
            .collect()
    }
}

/// Every workload, in order.
pub const ALL: [Workload; 9] = [
    Workload {
        id: "W1",
        title: "element-wise chain (fusion, memory bandwidth)",
        build: |cfg, bw| vec![w1::case(cfg, bw)],
    },
    Workload {
        id: "W2",
        title: "LIF population, 100 steps (Variables in place, per-call overhead)",
        build: w2::cases,
    },
    Workload {
        id: "W3",
        title: "Hodgkin–Huxley population, 100 steps (transcendental math)",
        build: |cfg, _| vec![w3::case(cfg)],
    },
    Workload {
        id: "W4",
        title: "4096×4096 reductions and row softmax",
        build: |cfg, _| {
            let m = w4::Matrix::new(cfg);
            vec![
                w4::sum_case(&m),
                w4::sum0_case(&m),
                w4::max1_case(&m),
                softmax::case(&m),
            ]
        },
    },
    Workload {
        id: "W5",
        title: "counter-based random numbers (uniform, normal)",
        build: |cfg, _| w5::cases(cfg),
    },
    Workload {
        id: "W6",
        title: "compile time (first call − cached call; cold and warm disk cache)",
        build: |cfg, _| w6::cases(cfg),
    },
    Workload {
        id: "W7",
        title: "dispatch overhead of a cached call",
        build: |cfg, _| vec![w7::case(cfg)],
    },
    Workload {
        id: "W8",
        title: "COBA E/I network, 1,000 ms (event-driven sparse propagation)",
        build: |cfg, _| w8::cases(cfg),
    },
    Workload {
        id: "W9",
        title: "MLP training step (gradients and Adam in one compiled function)",
        build: |cfg, _| vec![w9::case(cfg)],
    },
];

/// The workload with this id (`w1` or `W1`).
pub fn find(id: &str) -> Option<&'static Workload> {
    ALL.iter().find(|w| w.id.eq_ignore_ascii_case(id))
}
