//! The set of scenarios available to the app, parsed once.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::sim::scenario::topology::{Scenario, TopologyError, parse_scenario};

/// Parsed scenarios by name.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    scenarios: BTreeMap<String, Arc<Scenario>>,
}

/// File stem of a path (`content/topologies/checkout.toml` → `checkout`).
fn stem(path: &str) -> &str {
    let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
    file.strip_suffix(".toml").unwrap_or(file)
}

impl Catalog {
    /// Parses `(path, text)` pairs. Each scenario's `name` must equal its
    /// file name without `.toml`, and names must be unique. All errors of
    /// all files are returned together.
    pub fn from_files(
        files: Vec<(String, String)>,
    ) -> Result<Catalog, Vec<(String, TopologyError)>> {
        let mut errors = Vec::new();
        let mut scenarios: BTreeMap<String, Arc<Scenario>> = BTreeMap::new();
        for (path, text) in files {
            match parse_scenario(&text) {
                Ok(sc) => {
                    if sc.name != stem(&path) {
                        let line = text
                            .lines()
                            .position(|l| l.trim_start().starts_with("name"))
                            .map_or(1, |i| i + 1);
                        errors.push((
                            path.clone(),
                            TopologyError {
                                line,
                                message: format!(
                                    "scenario name `{}` must match the file name `{}.toml`",
                                    sc.name,
                                    stem(&path)
                                ),
                            },
                        ));
                    } else if scenarios.contains_key(&sc.name) {
                        errors.push((
                            path.clone(),
                            TopologyError {
                                line: 1,
                                message: format!("duplicate scenario `{}`", sc.name),
                            },
                        ));
                    } else {
                        scenarios.insert(sc.name.clone(), Arc::new(sc));
                    }
                }
                Err(es) => errors.extend(es.into_iter().map(|e| (path.clone(), e))),
            }
        }
        if errors.is_empty() {
            Ok(Catalog { scenarios })
        } else {
            Err(errors)
        }
    }

    /// A scenario by name.
    pub fn get(&self, name: &str) -> Option<&Arc<Scenario>> {
        self.scenarios.get(name)
    }

    /// Scenario names, sorted.
    pub fn names(&self) -> Vec<&str> {
        self.scenarios.keys().map(String::as_str).collect()
    }

    /// All scenarios, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Scenario>> {
        self.scenarios.values()
    }

    /// Number of scenarios.
    pub fn len(&self) -> usize {
        self.scenarios.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.scenarios.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::testutil::FILES;

    fn files() -> Vec<(String, String)> {
        FILES
            .iter()
            .map(|(n, t)| (format!("content/topologies/{n}.toml"), t.to_string()))
            .collect()
    }

    #[test]
    fn all_bundled_scenarios_load() {
        let c = Catalog::from_files(files()).expect("valid");
        let mut want: Vec<&str> = FILES.iter().map(|(n, _)| *n).collect();
        want.sort_unstable();
        assert_eq!(c.names(), want);
        assert_eq!(c.len(), FILES.len());
        assert!(c.get("checkout").is_some());
        assert!(c.get("nope").is_none());
    }

    #[test]
    fn name_must_match_file_and_errors_carry_paths() {
        let mut f = files();
        f[0].0 = "content/topologies/renamed.toml".into();
        f.push(("content/topologies/broken.toml".into(), "name = 3".into()));
        let errs = Catalog::from_files(f).unwrap_err();
        assert_eq!(errs.len(), 2);
        assert_eq!(errs[0].0, "content/topologies/renamed.toml");
        assert_eq!(errs[0].1.line, 1);
        assert!(errs[0].1.message.contains("must match the file name"));
        assert_eq!(errs[1].0, "content/topologies/broken.toml");
        let dup = vec![files()[0].clone(), files()[0].clone()];
        assert!(Catalog::from_files(dup).is_err());
    }
}
