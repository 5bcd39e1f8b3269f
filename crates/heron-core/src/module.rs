//! Collecting variables: the `Module` trait (anything that owns Variables)
//! and `Collector`, an ordered list of named Variables with BrainPy's
//! filters (`subset` by kind, `unique` by identity) and nested names such as
//! `"lif.V"`.

use crate::variable::{VarKind, Variable};
use heron_ir::{Error, Result};
use rustc_hash::FxHashSet;

/// Anything that owns Variables: a neuron group, a network, an optimiser.
pub trait Module {
    /// The module's variables, named; nested modules prefix their names
    /// (`"lif.V"`), see [`Collector::insert_module`].
    fn vars(&self) -> Collector;
}

/// An ordered collection of named Variables. Names are unique; one Variable
/// may appear under several names (use [`unique`](Collector::unique) to drop
/// the repeats).
#[derive(Clone, Default)]
pub struct Collector {
    entries: Vec<(String, Variable)>,
}

impl Collector {
    /// An empty collector.
    pub fn new() -> Collector {
        Collector::default()
    }

    /// Adds `var` under `name`. Panics if `name` is already bound to another
    /// variable (binding it again to the same variable does nothing).
    pub fn insert(&mut self, name: impl Into<String>, var: &Variable) {
        self.try_insert(name, var).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `insert` returning an error instead of panicking.
    pub fn try_insert(&mut self, name: impl Into<String>, var: &Variable) -> Result<()> {
        let name = name.into();
        match self.get(&name) {
            Some(old) if old.id() == var.id() => Ok(()),
            Some(old) => Err(Error::Variable(format!(
                "collector: name {name:?} is already bound to {}, cannot bind it to {}",
                old.id(),
                var.id()
            ))),
            None => {
                self.entries.push((name, var.clone()));
                Ok(())
            }
        }
    }

    /// Adds every variable of `other` with its name prefixed by `prefix.`.
    pub fn extend_prefixed(&mut self, prefix: &str, other: Collector) {
        for (name, var) in other.entries {
            self.insert(format!("{prefix}.{name}"), &var);
        }
    }

    /// Adds the variables of a nested module under `prefix` (`"lif"` gives `"lif.V"`).
    pub fn insert_module(&mut self, prefix: &str, module: &dyn Module) {
        self.extend_prefixed(prefix, module.vars());
    }

    /// The variables of the given kind, in order.
    pub fn subset(&self, kind: VarKind) -> Collector {
        self.filter(|_, v| v.kind() == kind)
    }

    /// The entries for which `keep(name, var)` holds, in order.
    pub fn filter(&self, mut keep: impl FnMut(&str, &Variable) -> bool) -> Collector {
        Collector {
            entries: self
                .entries
                .iter()
                .filter(|(n, v)| keep(n, v))
                .cloned()
                .collect(),
        }
    }

    /// Each variable once (by identity), under the first name it appears with.
    pub fn unique(&self) -> Collector {
        let mut seen = FxHashSet::default();
        self.filter(|_, v| seen.insert(v.id()))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there is no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The variable named `name`.
    pub fn get(&self, name: &str) -> Option<&Variable> {
        self.entries.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// True when an entry is named `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The entries in order, as `(name, variable)`.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &Variable)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v))
    }

    /// The names in order.
    pub fn names(&self) -> impl ExactSizeIterator<Item = &str> {
        self.entries.iter().map(|(n, _)| n.as_str())
    }

    /// The variables in order.
    pub fn variables(&self) -> impl ExactSizeIterator<Item = &Variable> {
        self.entries.iter().map(|(_, v)| v)
    }
}

impl Module for Collector {
    fn vars(&self) -> Collector {
        self.clone()
    }
}

impl std::fmt::Debug for Collector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().map(|(n, v)| (n, (v.kind(), v.id()))))
            .finish()
    }
}

impl<N: Into<String>> FromIterator<(N, Variable)> for Collector {
    fn from_iter<I: IntoIterator<Item = (N, Variable)>>(iter: I) -> Collector {
        let mut c = Collector::new();
        c.extend(iter);
        c
    }
}

impl<N: Into<String>> Extend<(N, Variable)> for Collector {
    fn extend<I: IntoIterator<Item = (N, Variable)>>(&mut self, iter: I) {
        for (name, var) in iter {
            self.insert(name, &var);
        }
    }
}

impl IntoIterator for Collector {
    type Item = (String, Variable);
    type IntoIter = std::vec::IntoIter<(String, Variable)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a> IntoIterator for &'a Collector {
    type Item = (&'a str, &'a Variable);
    type IntoIter = Box<dyn Iterator<Item = (&'a str, &'a Variable)> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::creation::zeros;
    use crate::variable::{TrainVar, VarKind};
    use heron_ir::DType;

    struct Lif {
        v: Variable,
        w: Variable,
    }

    impl Module for Lif {
        fn vars(&self) -> Collector {
            [("V", self.v.clone()), ("w", self.w.clone())]
                .into_iter()
                .collect()
        }
    }

    struct Net {
        lif: Lif,
        shared: Variable,
    }

    impl Module for Net {
        fn vars(&self) -> Collector {
            let mut c = Collector::new();
            c.insert_module("lif", &self.lif);
            c.insert("w_alias", &self.lif.w);
            c.insert("shared", &self.shared);
            c
        }
    }

    #[test]
    fn nested_names_subsets_and_unique() {
        let net = Net {
            lif: Lif {
                v: Variable::new(zeros(&[3], DType::F32)),
                w: TrainVar::new(zeros(&[3], DType::F32)),
            },
            shared: Variable::new(zeros(&[1], DType::I32)),
        };
        let all = net.vars();
        let names: Vec<&str> = all.names().collect();
        assert_eq!(names, ["lif.V", "lif.w", "w_alias", "shared"]);
        assert_eq!(all.get("lif.V").unwrap().id(), net.lif.v.id());
        assert!(all.get("V").is_none());
        let train = all.subset(VarKind::TrainVar);
        assert_eq!(train.names().collect::<Vec<_>>(), ["lif.w", "w_alias"]);
        let unique = all.unique();
        assert_eq!(
            unique.names().collect::<Vec<_>>(),
            ["lif.V", "lif.w", "shared"]
        );
        assert_eq!(unique.len(), 3);
        assert!(Collector::new().is_empty());
    }

    #[test]
    fn a_name_binds_one_variable() {
        let a = Variable::new(zeros(&[1], DType::F32));
        let b = Variable::new(zeros(&[1], DType::F32));
        let mut c = Collector::new();
        c.insert("a", &a);
        c.insert("a", &a.clone());
        assert_eq!(c.len(), 1);
        let err = c.try_insert("a", &b).unwrap_err();
        assert!(
            err.to_string().contains("name \"a\" is already bound"),
            "{err}"
        );
    }
}
