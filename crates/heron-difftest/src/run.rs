//! Runs a `Program` through heron's public API: the same code runs eagerly
//! (the reference: every op through `eval`) and traced inside `jit`.
//!
//! Alongside each value the runner keeps its *class* under the precision
//! contract: `Exact` while every op on the way promises bit-exactness, the
//! op's `Tol` for the result of one approximate op on exact operands, and
//! `Loose` below that (later ops may amplify a few ulp without bound:
//! cancellation, comparisons, casts to integers). Classes depend on the
//! program alone, so both paths compute the same ones; the checker uses the
//! reference's, whose sums also know the absolute sums of their terms.

use crate::adapt::{at_least_1d, first, fit, slice_elems};
use crate::class::Class;
use crate::data::array;
use crate::program::{Program, Ref, Stmt};
use heron::ops::SliceElem;
use heron::random::RandomState;
use heron::{Array, DType, Variable};
use std::cell::{Cell, RefCell};

/// The state one path runs against: its Variables, random state and loop
/// counters (fresh for each path, from the same program).
pub struct Env {
    /// The program's Variables.
    pub vars: Vec<Variable>,
    /// The program's random state.
    pub rng: RandomState,
    /// One counter Variable per `while` statement, in program order.
    counters: Vec<Variable>,
}

impl Env {
    /// Fresh Variables holding the program's initial values.
    pub fn new(p: &Program) -> Env {
        Env {
            vars: p.vars.iter().map(|d| Variable::new(array(d))).collect(),
            rng: RandomState::new(p.seed),
            counters: (0..count_whiles(&p.body))
                .map(|_| Variable::new(heron::scalar(0i32)))
                .collect(),
        }
    }
}

fn count_whiles(body: &[Stmt]) -> usize {
    body.iter()
        .map(|s| match s {
            Stmt::While { body, .. } => 1 + count_whiles(body),
            Stmt::Fori { body, .. } | Stmt::For { body, .. } => count_whiles(body),
            Stmt::Cond { then, else_, .. } => count_whiles(then) + count_whiles(else_),
            _ => 0,
        })
        .sum()
}

/// The arguments of a program.
pub fn args(p: &Program) -> Vec<Array> {
    p.args.iter().map(array).collect()
}

/// Runs the program once on `args` against `env`: its results with their
/// classes. `var_class` holds the Variables' classes and is updated.
pub fn run(
    p: &Program,
    env: &Env,
    args: Vec<Array>,
    var_class: &mut Vec<Class>,
) -> Vec<(Array, Class)> {
    if var_class.len() != env.vars.len() {
        *var_class = vec![Class::Exact; env.vars.len()];
    }
    let runner = Runner {
        env,
        scope: RefCell::new(args.into_iter().map(|a| (a, Class::Exact)).collect()),
        var_class: RefCell::new(std::mem::take(var_class)),
        whiles: Cell::new(0),
    };
    runner.block(&p.body);
    let mut out: Vec<_> = p.results.iter().map(|&r| runner.get(r)).collect();
    out.push(runner.last());
    *var_class = runner.var_class.into_inner();
    out
}

/// Runs statements, holding the values in scope.
pub(crate) struct Runner<'a> {
    pub(crate) env: &'a Env,
    scope: RefCell<Vec<(Array, Class)>>,
    pub(crate) var_class: RefCell<Vec<Class>>,
    whiles: Cell<usize>,
}

impl Runner<'_> {
    pub(crate) fn get(&self, r: Ref) -> (Array, Class) {
        let scope = self.scope.borrow();
        scope[scope.len() - 1 - r as usize % scope.len()].clone()
    }

    fn push(&self, v: (Array, Class)) {
        self.scope.borrow_mut().push(v);
    }

    fn last(&self) -> (Array, Class) {
        self.scope
            .borrow()
            .last()
            .cloned()
            .expect("a program has an argument")
    }

    pub(crate) fn var(&self, r: Ref) -> Option<(usize, &Variable)> {
        let vars = &self.env.vars;
        (!vars.is_empty()).then(|| {
            let k = r as usize % vars.len();
            (k, &vars[k])
        })
    }

    fn block(&self, body: &[Stmt]) {
        for s in body {
            self.stmt(s);
        }
    }

    /// Runs `body` in a nested scope starting with `first`; returns the last value.
    fn scoped(&self, first: Option<(Array, Class)>, body: &[Stmt]) -> (Array, Class) {
        let keep = self.scope.borrow().len();
        if let Some(v) = first {
            self.push(v);
        }
        self.block(body);
        let last = self.last();
        self.scope.borrow_mut().truncate(keep);
        last
    }

    /// After a loop: a Variable the body writes carries the body's error
    /// from step to step, so unless all it writes stays exact it is loose.
    fn after_loop(&self, body: &[Stmt]) -> bool {
        let mut written = Vec::new();
        writes(body, self.env.vars.len(), &mut written);
        let mut classes = self.var_class.borrow_mut();
        let exact = written.iter().all(|&k| classes[k].is_exact());
        if !exact {
            for &k in &written {
                classes[k] = Class::Loose;
            }
        }
        exact
    }

    fn stmt(&self, s: &Stmt) {
        match s {
            Stmt::Let(e) => {
                let v = self.expr(e);
                self.push(v);
            }
            Stmt::Set { var, value } => {
                if let Some((k, v)) = self.var(*var) {
                    let (x, c) = self.get(*value);
                    let (x, c) = fit(&x, c, &v.shape(), v.dtype());
                    v.set(x);
                    self.var_class.borrow_mut()[k] = c;
                }
            }
            Stmt::SetSlice { var, value, slice } => {
                if let Some((k, v)) = self.var(*var) {
                    let mut cur = v.value();
                    let elems = slice_elems(slice, cur.shape());
                    let region = cur.slice(&elems);
                    let (x, c) = self.get(*value);
                    let (x, _) = fit(&x, c.clone(), region.shape(), cur.dtype());
                    cur.set(&elems, &x);
                    v.set(cur);
                    let mut classes = self.var_class.borrow_mut();
                    classes[k] = classes[k].join(&c);
                }
            }
            Stmt::Fori { start, trip, body } => {
                let start = i32::from(*start);
                heron::fori_loop(start, start + i32::from(*trip), |i| {
                    self.scoped(Some((i, Class::Exact)), body);
                });
                self.after_loop(body);
            }
            Stmt::For { xs, body } => {
                let (x, xs_class) = self.get(*xs);
                let row_class = xs_class.join(&Class::Exact);
                let x = at_least_1d(&x);
                // Few rows: each is one step of the reference's loop.
                let x = if x.shape()[0] == 0 {
                    fit(&x, Class::Exact, &[1], x.dtype()).0
                } else if x.shape()[0] > 9 {
                    x.slice([SliceElem::from(0..9)])
                } else {
                    x
                };
                let mut class = Class::Exact;
                let ys = heron::for_loop(&x, |row: Array| {
                    let (y, c) = self.scoped(Some((row, row_class.clone())), body);
                    class = c;
                    y
                });
                let exact = self.after_loop(body) && class.is_exact();
                self.push((ys, if exact { Class::Exact } else { Class::Loose }));
            }
            Stmt::While { trip, body } => {
                let k = self.whiles.get();
                self.whiles.set(k + 1);
                let counter = &self.env.counters[k];
                counter.set(heron::scalar(0i32));
                let n = i32::from(*trip);
                heron::while_loop(
                    || counter.value().lt(n),
                    || {
                        counter.set(&counter.value() + 1);
                        self.scoped(None, body);
                    },
                );
                self.after_loop(body);
            }
            Stmt::Cond {
                pred,
                like,
                then,
                else_,
            } => {
                let (p, pred_class) = self.get(*pred);
                let p = first(&p).astype(DType::Bool);
                let like = self.get(*like).0;
                let (shape, dtype) = (like.shape().to_vec(), like.dtype());
                let before = self.var_class.borrow().clone();
                let then_classes = RefCell::new(Vec::new());
                let classes = RefCell::new((Class::Exact, Class::Exact));
                let y = heron::cond(
                    &p,
                    || {
                        let (y, c) = self.scoped(None, then);
                        let (y, c) = fit(&y, c, &shape, dtype);
                        classes.borrow_mut().0 = c;
                        *then_classes.borrow_mut() = self.var_class.borrow().clone();
                        y
                    },
                    || {
                        *self.var_class.borrow_mut() = before.clone();
                        let (y, c) = self.scoped(None, else_);
                        let (y, c) = fit(&y, c, &shape, dtype);
                        classes.borrow_mut().1 = c;
                        y
                    },
                );
                let then_classes = then_classes.into_inner();
                if then_classes.len() == before.len() {
                    let mut now = self.var_class.borrow_mut();
                    for (c, t) in now.iter_mut().zip(&then_classes) {
                        *c = c.join(t);
                    }
                }
                let (a, b) = classes.into_inner();
                if pred_class.is_exact() {
                    self.push((y, a.join(&b)));
                } else {
                    // An approximate predicate may take the other branch.
                    let mut written = Vec::new();
                    writes(then, self.env.vars.len(), &mut written);
                    writes(else_, self.env.vars.len(), &mut written);
                    let mut classes = self.var_class.borrow_mut();
                    for k in written {
                        classes[k] = Class::Loose;
                    }
                    drop(classes);
                    self.push((y, Class::Loose));
                }
            }
        }
    }
}

/// Collects the Variables `body` writes (indices modulo `n`).
fn writes(body: &[Stmt], n: usize, out: &mut Vec<usize>) {
    for s in body {
        match s {
            Stmt::Set { var, .. } | Stmt::SetSlice { var, .. } if n > 0 => {
                out.push(*var as usize % n)
            }
            Stmt::Fori { body, .. } | Stmt::For { body, .. } | Stmt::While { body, .. } => {
                writes(body, n, out)
            }
            Stmt::Cond { then, else_, .. } => {
                writes(then, n, out);
                writes(else_, n, out);
            }
            _ => {}
        }
    }
}
