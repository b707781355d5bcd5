//! The `--config` TOML file: the layer between the environment and the defaults.
//!
//! Its keys are the flag names with `_` for `-`. Each value is checked against the
//! kind of its option (string, integer or boolean, as TOML writes them) and then run
//! through the option's own clap value parser, so an error can name the key. Values for
//! settings that flags or the environment already set are checked too, then dropped;
//! the rest become `--flag=value` arguments.

use super::error::ConfigError;
use super::options::flag;
use clap::parser::ValueSource;
use clap::{Arg, ArgMatches, Command};
use std::any::TypeId;
use std::ffi::OsString;
use std::path::PathBuf;

/// The arguments that set what the `--config` file named in `matches` sets and the
/// command line and environment do not; none without a file.
pub(super) fn arguments(cmd: &Command, matches: &ArgMatches) -> Result<Vec<OsString>, ConfigError> {
    let Some(path) = matches.get_one::<PathBuf>("config") else {
        return Ok(Vec::new());
    };
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::ReadFile {
        path: path.clone(),
        source,
    })?;
    let table: toml::Table = text.parse().map_err(|source| ConfigError::ParseFile {
        path: path.clone(),
        source,
    })?;
    let mut args = Vec::new();
    for (key, value) in &table {
        let arg = option_for_key(cmd, key).ok_or_else(|| ConfigError::UnknownKey {
            path: path.clone(),
            key: key.clone(),
        })?;
        let bad_value = |message| ConfigError::BadValue {
            path: path.clone(),
            key: key.clone(),
            message,
        };
        let value = value_text(arg, value).map_err(bad_value)?;
        check(arg, &value).map_err(bad_value)?;
        if !is_set_above_file(matches, arg) {
            args.push(long_flag(arg, &value));
        }
    }
    Ok(args)
}

/// The option a TOML key sets, if any: the one whose flag name is the key with `-`
/// for `_`. The `--config` option itself has no key.
pub(super) fn option_for_key<'a>(cmd: &'a Command, key: &str) -> Option<&'a Arg> {
    cmd.get_arguments()
        .find(|arg| toml_key(arg).is_some_and(|k| k == key))
}

/// The TOML key of an option: its flag name with `_` for `-`. None for options that
/// are not settings: `--config`, and flags without a value such as `--help`.
pub(super) fn toml_key(arg: &Arg) -> Option<String> {
    let long = arg.get_long()?;
    let is_setting = arg.get_id() != "config" && arg.get_action().takes_values();
    is_setting.then(|| long.replace('-', "_"))
}

fn is_set_above_file(matches: &ArgMatches, arg: &Arg) -> bool {
    matches!(
        matches.value_source(arg.get_id().as_str()),
        Some(ValueSource::CommandLine | ValueSource::EnvVariable)
    )
}

/// A TOML value as the text of a flag value, if it has the kind the option takes:
/// integers for numbers, booleans for booleans, strings for everything else.
fn value_text(arg: &Arg, value: &toml::Value) -> Result<String, String> {
    let parses_to = arg.get_value_parser().type_id();
    let integer = [
        TypeId::of::<u32>(),
        TypeId::of::<u64>(),
        TypeId::of::<usize>(),
    ];
    let (expected, text) = if parses_to == TypeId::of::<bool>() {
        ("a boolean", value.as_bool().map(|b| b.to_string()))
    } else if integer.iter().any(|ty| parses_to == *ty) {
        ("an integer", value.as_integer().map(|n| n.to_string()))
    } else {
        ("a string", value.as_str().map(str::to_owned))
    };
    text.ok_or_else(|| format!("expected {expected}, found {}", value.type_str()))
}

/// Runs `value` through `arg`'s value parser and returns clap's complaint, if any.
fn check(arg: &Arg, value: &str) -> Result<(), String> {
    let probe = Command::new("confab")
        .no_binary_name(true)
        .disable_help_flag(true)
        .arg(arg.clone());
    match probe.try_get_matches_from([long_flag(arg, value)]) {
        Ok(_) => Ok(()),
        Err(e) => Err(clap_message(&e)),
    }
}

/// clap's error message on one line, without its `error: ` prefix.
fn clap_message(error: &clap::Error) -> String {
    let text = error.to_string();
    let text = text.trim().strip_prefix("error: ").unwrap_or(text.trim());
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn long_flag(arg: &Arg, value: &str) -> OsString {
    flag(arg.get_long().unwrap_or_default(), value)
}
