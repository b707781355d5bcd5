//! The result of one scenario, printed as a human table or as JSON (`--json`).
//!
//! Every report carries what is needed to reproduce and compare it: the scenario's
//! configuration, the git commit the benchmark was built from, the machine's core
//! count and, when known, the server's pid. Values are kept in insertion order so
//! the table reads top to bottom as the scenario ran.

use serde_json::{Map, Value, json};
use std::fmt::Write as _;

/// One scenario's configuration, measurements and caveats.
#[derive(Debug, Default)]
pub struct Report {
    scenario: String,
    config: Vec<(String, Value)>,
    results: Vec<(String, Value)>,
    notes: Vec<String>,
}

impl Report {
    /// An empty report for `scenario`.
    pub fn new(scenario: &str) -> Self {
        Self {
            scenario: scenario.to_owned(),
            ..Self::default()
        }
    }

    /// Records a configuration value (what was asked for).
    pub fn config(&mut self, key: &str, value: impl Into<Value>) -> &mut Self {
        self.config.push((key.to_owned(), value.into()));
        self
    }

    /// Records a measurement (what happened).
    pub fn result(&mut self, key: &str, value: impl Into<Value>) -> &mut Self {
        self.results.push((key.to_owned(), value.into()));
        self
    }

    /// Adds a sentence that qualifies the figures (what limits them, what is unknown).
    pub fn note(&mut self, note: impl Into<String>) -> &mut Self {
        self.notes.push(note.into());
        self
    }

    /// The report as one JSON object.
    pub fn to_json(&self) -> Value {
        let object = |pairs: &[(String, Value)]| {
            Value::Object(pairs.iter().cloned().collect::<Map<String, Value>>())
        };
        json!({
            "scenario": self.scenario,
            "git_commit": git_commit(),
            "cores": cores(),
            "config": object(&self.config),
            "results": object(&self.results),
            "notes": self.notes,
        })
    }

    /// The report as an aligned two-column table.
    pub fn to_table(&self) -> String {
        let mut rows: Vec<(String, String)> = vec![
            ("scenario".into(), self.scenario.clone()),
            ("git commit".into(), git_commit().to_owned()),
            ("cores".into(), cores().to_string()),
        ];
        let show = |v: &Value| match v {
            Value::String(s) => s.clone(),
            Value::Null => "unknown".to_owned(),
            other => other.to_string(),
        };
        rows.extend(
            self.config
                .iter()
                .map(|(k, v)| (format!("config.{k}"), show(v))),
        );
        rows.extend(self.results.iter().map(|(k, v)| (k.clone(), show(v))));
        let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        let mut out = String::new();
        for (key, value) in rows {
            let _ = writeln!(out, "{key:<width$}  {value}");
        }
        for note in &self.notes {
            let _ = writeln!(out, "note: {note}");
        }
        out
    }
}

/// The commit the benchmark was built from, or "unknown".
pub fn git_commit() -> &'static str {
    env!("CONFAB_BENCH_GIT_COMMIT")
}

/// Logical CPU cores of this machine (load generator and server share them).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_table_hold_the_same_facts() {
        let mut report = Report::new("demo");
        report
            .config("rate", 10)
            .result("p99_ms", 1.5)
            .result("rss_kib", Value::Null)
            .note("limited by the CPU");
        let json = report.to_json();
        assert_eq!(json["scenario"], "demo");
        assert_eq!(json["config"]["rate"], 10);
        assert_eq!(json["results"]["p99_ms"], 1.5);
        assert!(json["git_commit"].is_string());
        assert!(json["cores"].as_u64().is_some_and(|c| c >= 1));
        let table = report.to_table();
        assert!(table.contains("config.rate"));
        assert!(table.contains("rss_kib"));
        assert!(table.contains("unknown"));
        assert!(table.contains("note: limited by the CPU"));
    }
}
