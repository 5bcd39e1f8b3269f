//! The printed form of a plan (`KernelPlan::to_text`, see the module
//! documentation of `plan`): stable, and what snapshot tests compare.

use super::{BufId, Expr, Kernel, KernelPlan, RowGroup, Step, StoreValue};
use crate::Shape;
use std::fmt;

impl KernelPlan {
    /// The plan as text (see the module documentation).
    pub fn to_text(&self) -> String {
        self.to_string()
    }

    /// `rows k0..k3 [4096] in blocks of 1; per block: t1 t2`.
    fn write_row_group(&self, f: &mut fmt::Formatter<'_>, g: &RowGroup) -> fmt::Result {
        let name = |s: usize| match &self.steps[s] {
            Step::Kernel(k) => k.name.clone(),
            _ => format!("step{s}"),
        };
        let scratch: Vec<String> = g.scratch.iter().map(|&b| self.buf_name(b)).collect();
        writeln!(
            f,
            "rows {}..{} [{}] in blocks of {}; per block: {}",
            name(g.steps.start),
            name(g.steps.end - 1),
            g.rows,
            g.block_rows,
            if scratch.is_empty() {
                "-".to_string()
            } else {
                scratch.join(" ")
            }
        )
    }

    fn write_kernel(&self, f: &mut fmt::Formatter<'_>, k: &Kernel) -> fmt::Result {
        let nodes: Vec<String> = k.nodes.iter().map(|n| n.to_string()).collect();
        let kind = match &k.reduce {
            Some(r) => {
                let axes: Vec<String> = r.axes.iter().map(|a| a.to_string()).collect();
                format!("{}[axes=({})]", r.op.name(), axes.join(","))
            }
            None => "loop".to_string(),
        };
        writeln!(
            f,
            "{} {kind}{} fuses {}",
            k.name,
            dims(&k.shape),
            nodes.join(" ")
        )?;
        for (i, instr) in k.body.iter().enumerate() {
            write!(f, "  %{i}:{} = ", instr.dtype)?;
            match &instr.expr {
                Expr::Load { buf, map } => writeln!(f, "load {}[{map}]", self.buf_name(*buf))?,
                Expr::Imm(s) => writeln!(f, "imm {s}")?,
                Expr::Unary(op, a) => writeln!(f, "{} %{a}", op.name())?,
                Expr::Binary(op, a, b) => writeln!(f, "{} %{a} %{b}", op.name())?,
                Expr::Select(c, a, b) => writeln!(f, "select %{c} %{a} %{b}")?,
                Expr::Cast(d, a) => writeln!(f, "convert[{d}] %{a}")?,
                Expr::ThreefryBits { key, index } => {
                    writeln!(f, "threefry_bits {} [{index}]", self.buf_name(*key))?
                }
                Expr::Gather(g) => {
                    let how = match g.mode {
                        super::IndexMode::Wrap => "wrap".to_string(),
                        super::IndexMode::Clamp { dim } => format!("clamp[dim={dim}]"),
                    };
                    writeln!(
                        f,
                        "gather {}[{} + {}*{how}({}[{}], {})]",
                        self.buf_name(g.buf),
                        g.base,
                        g.stride,
                        self.buf_name(g.index),
                        g.at,
                        g.len
                    )?
                }
            }
        }
        if let Some(r) = &k.reduce {
            writeln!(f, "  acc:{} = {} %{}", r.dtype, r.op.name(), r.value)?;
        }
        for s in &k.stores {
            let value = match s.value {
                StoreValue::Expr(i) => format!("%{i}"),
                StoreValue::Reduced => "acc".to_string(),
            };
            writeln!(f, "  store {}[{}] <- {value}", self.buf_name(s.buf), s.map)?;
        }
        Ok(())
    }
}

fn dims(shape: &Shape) -> String {
    let d: Vec<String> = shape.iter().map(|x| x.to_string()).collect();
    format!("[{}]", d.join(","))
}

impl fmt::Display for KernelPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bufs: Vec<String> = (0..self.buffers.len())
            .map(|i| {
                let b = &self.buffers[i];
                format!(
                    "{}:{}{}",
                    self.buf_name(BufId(i as u32)),
                    b.dtype,
                    dims(&b.shape)
                )
            })
            .collect();
        writeln!(f, "buffers: {}", bufs.join(" "))?;
        let mut hosts = 0;
        for (s, step) in self.steps.iter().enumerate() {
            if let Some(g) = self.row_groups.iter().find(|g| g.steps.start == s) {
                self.write_row_group(f, g)?;
            }
            match step {
                Step::Kernel(k) => self.write_kernel(f, k)?,
                Step::Control(c) => {
                    let ins: Vec<String> = c.inputs.iter().map(|&b| self.buf_name(b)).collect();
                    let outs: Vec<String> = c.outputs.iter().map(|&b| self.buf_name(b)).collect();
                    writeln!(
                        f,
                        "control ({}) <- {} {} (node {})",
                        outs.join(" "),
                        c.op,
                        ins.join(" "),
                        c.node
                    )?;
                    if let Some(t) = &c.temporal {
                        writeln!(f, "  {}", crate::schedule::temporal::describe(c.node, t))?;
                    }
                }
                Step::Host(h) => {
                    let ins: Vec<String> = h.inputs.iter().map(|&b| self.buf_name(b)).collect();
                    writeln!(
                        f,
                        "h{hosts} host {} <- {} {} (node {})",
                        self.buf_name(h.output),
                        h.op,
                        ins.join(" "),
                        h.node
                    )?;
                    hosts += 1;
                }
                Step::Check(c) => writeln!(
                    f,
                    "check {} in [-{len}, {len}) for {} (node {})",
                    self.buf_name(c.index),
                    c.op,
                    c.node,
                    len = c.len
                )?,
                Step::Copy { src, dst } => {
                    writeln!(f, "copy {} <- {}", self.buf_name(*dst), self.buf_name(*src))?
                }
            }
        }
        let pairs: Vec<String> = self
            .aliasable
            .iter()
            .map(|(o, p)| format!("o{o}=p{p}"))
            .collect();
        write!(
            f,
            "aliasable: {}",
            if pairs.is_empty() {
                "-".to_string()
            } else {
                pairs.join(" ")
            }
        )
    }
}
