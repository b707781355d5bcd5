//! docs/configuration.md's option tables, generated from the clap declarations, and the
//! tests that keep the document in step with them.
//!
//! Each group of options (one help heading) is a `###` section of the document between
//! `<!-- options: HEADING -->` and `<!-- options end -->`; everything outside those
//! markers is written by hand. When the declarations change, run
//! `CONFAB_BLESS=1 cargo test -p confab-server --lib config::docs` to rewrite the
//! marked sections.

use super::file::toml_key;
use super::tests::{config, file};
use super::{Cli, PASSWORD_MAX_CHARS};
use clap::{Arg, Command, CommandFactory as _};
use std::fmt::Write as _;

const DOC_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/configuration.md");
const START: &str = "<!-- options: ";
const START_CLOSE: &str = " -->";
const END: &str = "<!-- options end -->";

#[test]
fn option_tables_match_the_declarations() {
    let doc = std::fs::read_to_string(DOC_PATH).expect("read docs/configuration.md");
    let cmd = Cli::command();
    let serve = cmd.find_subcommand("serve").expect("serve command");
    let generated = regenerate(&doc, &sections(serve)).unwrap_or_else(|e| panic!("{e}"));
    if generated == doc {
        return;
    }
    if std::env::var_os("CONFAB_BLESS").is_some() {
        std::fs::write(DOC_PATH, &generated).expect("write docs/configuration.md");
        return;
    }
    panic!(
        "docs/configuration.md does not match the options declared in \
         crates/confab-server/src/config/ (- is the document, + the declarations):\n\n{}\n\
         To rewrite the marked sections from the declarations, run\n    \
         CONFAB_BLESS=1 cargo test -p confab-server --lib config::docs\n",
        line_diff(&doc, &generated)
    );
}

#[test]
fn example_file_in_the_docs_sets_the_defaults() {
    let doc = std::fs::read_to_string(DOC_PATH).expect("read docs/configuration.md");
    let example = doc
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/configuration.md has a ```toml example");
    let example = file(example);
    let from_file = config(&["--config", &example.path().to_string_lossy()]);
    assert_eq!(format!("{from_file:?}"), format!("{:?}", config(&[])));
}

#[test]
fn meanings_keep_limits_and_dependent_defaults() {
    let cmd = Cli::command();
    let serve = cmd.find_subcommand("serve").expect("serve command");
    let tables: String = sections(serve).into_iter().map(|(_, t)| t).collect();
    let row = |flag: &str| {
        tables
            .lines()
            .find(|line| line.starts_with(&format!("| `--{flag}")))
            .unwrap_or_else(|| panic!("no row for --{flag}"))
            .to_owned()
    };
    assert_eq!(
        row("password-min-length"),
        format!(
            "| `--password-min-length N` | `CONFAB_PASSWORD_MIN_LENGTH` | `password_min_length` \
             | `8` | Shortest password accepted, in characters. Between 8 and {PASSWORD_MAX_CHARS}. |"
        )
    );
    assert!(row("db-max-connections").contains("| `8` for SQLite, `16` for PostgreSQL |"));
    assert!(row("trust-forwarded-for").starts_with("| `--trust-forwarded-for [BOOL]` |"));
    assert!(row("config").contains("| (none) | (none) |"));
    assert!(row("log-format").ends_with(
        "Log format. `pretty`: Human-readable lines, for a terminal. \
         `json`: One JSON object per line, for log collectors. |"
    ));
}

/// One `(heading, markdown)` per help heading of `serve`'s options, in declaration
/// order.
fn sections(serve: &Command) -> Vec<(String, String)> {
    let mut sections: Vec<(String, String)> = Vec::new();
    for arg in serve.get_arguments().filter(|arg| arg.get_long().is_some()) {
        let heading = arg.get_help_heading().unwrap_or("Options");
        if sections.last().is_none_or(|(h, _)| h != heading) {
            sections.push((
                heading.to_owned(),
                format!(
                    "### {heading}\n\n\
                     | Flag | Environment variable | TOML key | Default | Meaning |\n\
                     |---|---|---|---|---|\n"
                ),
            ));
        }
        if let Some((_, table)) = sections.last_mut() {
            table.push_str(&row(arg));
        }
    }
    sections
}

fn row(arg: &Arg) -> String {
    let long = arg.get_long().unwrap_or_default();
    let value_name = arg
        .get_value_names()
        .and_then(|names| names.first())
        .map_or(String::new(), |name| {
            let optional = arg.get_num_args().is_some_and(|n| n.min_values() == 0);
            if optional {
                format!(" [{name}]")
            } else {
                format!(" {name}")
            }
        });
    let env = arg
        .get_env()
        .map_or("(none)".to_owned(), |env| code(&env.to_string_lossy()));
    let key = toml_key(arg).map_or("(none)".to_owned(), |key| code(&key));
    let help = arg
        .get_long_help()
        .or(arg.get_help())
        .map(ToString::to_string)
        .unwrap_or_default();
    let (help, written_default) = take_default(&help);
    let default = match arg.get_default_values() {
        values if !values.is_empty() && !arg.is_hide_default_value_set() => values
            .iter()
            .map(|v| code(&v.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(", "),
        _ => written_default.unwrap_or("(none)").to_owned(),
    };
    let mut meaning: Vec<String> = help.split("\n\n").filter_map(sentence).collect();
    for value in arg.get_possible_values() {
        if let Some(help) = value.get_help().and_then(|h| sentence(&h.to_string())) {
            meaning.push(format!("{}: {help}", code(value.get_name())));
        }
    }
    let cells = [
        code(&format!("--{long}{value_name}")),
        env,
        key,
        default,
        meaning.join(" "),
    ];
    let mut row = String::from("|");
    for cell in cells {
        let _ = write!(row, " {} |", cell.replace('|', "\\|"));
    }
    row.push('\n');
    row
}

/// Splits a hand-written `[default: ...]` (for defaults clap cannot compute) off a help
/// text.
fn take_default(help: &str) -> (String, Option<&str>) {
    let Some((before, rest)) = help.split_once("[default: ") else {
        return (help.to_owned(), None);
    };
    let Some((default, after)) = rest.split_once(']') else {
        return (help.to_owned(), None);
    };
    (format!("{}{after}", before.trim_end()), Some(default))
}

/// One paragraph of help as a sentence on one line, with the full stop clap drops from
/// the first line of help.
fn sentence(paragraph: &str) -> Option<String> {
    let mut text = paragraph.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return None;
    }
    if !text.ends_with(['.', '!', '?']) {
        text.push('.');
    }
    Some(text)
}

fn code(text: &str) -> String {
    format!("`{text}`")
}

/// `doc` with each marked section replaced by its generated table. Markers count only
/// as whole lines, so the page can mention them in its prose.
fn regenerate(doc: &str, sections: &[(String, String)]) -> Result<String, String> {
    let mut out = String::new();
    let mut marked: Vec<&str> = Vec::new();
    let mut lines = doc.split_inclusive('\n');
    while let Some(line) = lines.next() {
        out.push_str(line);
        let Some(name) = line
            .trim_end()
            .strip_prefix(START)
            .and_then(|rest| rest.strip_suffix(START_CLOSE))
        else {
            continue;
        };
        let (_, table) = sections.iter().find(|(h, _)| h == name).ok_or_else(|| {
            format!("docs/configuration.md marks a section `{name}`, but no option has that help heading")
        })?;
        if marked.contains(&name) {
            return Err(format!("docs/configuration.md marks `{name}` twice"));
        }
        marked.push(name);
        let end = lines
            .find(|line| line.trim_end() == END)
            .ok_or_else(|| format!("the section `{name}` has no `{END}` line"))?;
        out.push_str(table);
        out.push_str(end);
    }
    match sections.iter().find(|(h, _)| !marked.contains(&h.as_str())) {
        Some((heading, _)) => Err(format!(
            "docs/configuration.md has no section for the options headed `{heading}`: \
             add the lines `{START}{heading}{START_CLOSE}` and `{END}` where its table belongs"
        )),
        None => Ok(out),
    }
}

/// The lines that differ between `old` and `new`, in hunks headed by their line number
/// in `old`.
fn line_diff(old: &str, new: &str) -> String {
    let old: Vec<&str> = old.lines().collect();
    let new: Vec<&str> = new.lines().collect();
    // common[i][j]: length of the longest common subsequence of old[i..] and new[j..].
    let mut common = vec![vec![0usize; new.len() + 1]; old.len() + 1];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            common[i][j] = if old[i] == new[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out, mut in_hunk) = (0, 0, String::new(), false);
    while i < old.len() || j < new.len() {
        if i < old.len() && j < new.len() && old[i] == new[j] {
            (i, j, in_hunk) = (i + 1, j + 1, false);
            continue;
        }
        if !in_hunk {
            let _ = writeln!(out, "@@ line {}", i + 1);
            in_hunk = true;
        }
        if j == new.len() || (i < old.len() && common[i + 1][j] >= common[i][j + 1]) {
            let _ = writeln!(out, "- {}", old[i]);
            i += 1;
        } else {
            let _ = writeln!(out, "+ {}", new[j]);
            j += 1;
        }
    }
    out
}

#[test]
fn line_diff_shows_changed_lines_with_their_place() {
    assert_eq!(
        line_diff("a\nb\nc\nd\n", "a\nB\nc\nd\ne\n"),
        "@@ line 2\n- b\n+ B\n@@ line 5\n+ e\n"
    );
    assert_eq!(line_diff("same\n", "same\n"), "");
}

#[test]
fn regenerate_replaces_only_marked_lines() {
    let sections = [("A".to_owned(), "new table\n".to_owned())];
    let doc =
        "intro `<!-- options: B -->`\n<!-- options: A -->\nold\n<!-- options end -->\nafter\n";
    assert_eq!(
        regenerate(doc, &sections).as_deref(),
        Ok(
            "intro `<!-- options: B -->`\n<!-- options: A -->\nnew table\n<!-- options end -->\nafter\n"
        )
    );
    let unknown = "<!-- options: B -->\n<!-- options end -->\n";
    assert!(regenerate(unknown, &sections).unwrap_err().contains("`B`"));
    assert!(
        regenerate("no markers\n", &sections)
            .unwrap_err()
            .contains("`A`")
    );
    let unclosed = "<!-- options: A -->\nold\n";
    assert!(
        regenerate(unclosed, &sections)
            .unwrap_err()
            .contains("no `<!-- options end -->`")
    );
}
