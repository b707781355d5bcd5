//! Tests of the configuration layers: precedence, the TOML file, dependent defaults and
//! validation. The docs check is in `docs.rs`.

use super::file::{option_for_key, toml_key};
use super::*;
use clap::CommandFactory as _;
use std::io::Write as _;
use std::time::Duration;

/// `confab serve ARGS`, resolved.
pub(super) fn load(args: &[&str]) -> Result<Config, ConfigError> {
    let argv = ["confab", "serve"].iter().chain(args).copied();
    let Command::Serve(serve) = Cli::load(argv)?.command;
    Ok(serve.settings)
}

pub(super) fn config(args: &[&str]) -> Config {
    load(args).unwrap_or_else(|e| panic!("confab serve {}: {e}", args.join(" ")))
}

fn error(args: &[&str]) -> ConfigError {
    match load(args) {
        Ok(config) => panic!("confab serve {} was accepted: {config:?}", args.join(" ")),
        Err(e) => e,
    }
}

/// A TOML file holding `text`, deleted when dropped.
pub(super) fn file(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("temporary file");
    file.write_all(text.as_bytes())
        .expect("write temporary file");
    file
}

fn path(file: &tempfile::NamedTempFile) -> String {
    file.path().to_string_lossy().into_owned()
}

/// A file that sets one duration, one number and one boolean away from their defaults.
const FILE_LAYER: &str =
    "access_token_ttl = \"5m\"\nevent_batch_max = 5\ntrust_forwarded_for = true\n";

fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
}

#[test]
fn defaults_are_the_documented_ones() {
    let config = config(&[]);
    assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(
        config.database_url,
        "sqlite://./confab-data/confab.db?mode=rwc"
    );
    assert_eq!(config.access_token_ttl, Duration::from_secs(900));
    assert_eq!(
        config.refresh_token_ttl,
        Duration::from_secs(30 * 24 * 3600)
    );
    assert_eq!(config.password.memory_kib, 19456);
    assert_eq!(config.throttle.account_free_failures, 5);
    assert_eq!(config.ws.ping_interval, Duration::from_secs(20));
    assert_eq!(config.rooms.max_members, 10_000);
    assert_eq!(config.event_batch_max, 256);
    assert!(!config.trust_forwarded_for);
    assert_eq!(config.log_format, LogFormat::Pretty);
    assert_eq!(config.sqlite_synchronous, SqliteSynchronous::Full);
    assert_eq!(config.token_secret, None);
}

#[test]
fn the_file_beats_defaults_and_flags_beat_the_file() {
    let layer = file(&format!(
        "{FILE_LAYER}listen = \"127.0.0.1:9000\"\nmax_body_bytes = 4096\nmax_message_bytes = 1024\n"
    ));
    let from_file = config(&["--config", &path(&layer)]);
    assert_eq!(from_file.access_token_ttl, Duration::from_secs(300));
    assert_eq!(from_file.event_batch_max, 5);
    assert!(from_file.trust_forwarded_for);
    assert_eq!(from_file.listen.to_string(), "127.0.0.1:9000");
    assert_eq!(from_file.max_body_bytes, 4096);

    let from_flags = config(&[
        "--config",
        &path(&layer),
        "--listen",
        "127.0.0.1:9100",
        "--access-token-ttl",
        "3m",
        "--event-batch-max",
        "3",
        "--trust-forwarded-for=false",
    ]);
    assert_eq!(from_flags.listen.to_string(), "127.0.0.1:9100");
    assert_eq!(from_flags.access_token_ttl, Duration::from_secs(180));
    assert_eq!(from_flags.event_batch_max, 3);
    assert!(!from_flags.trust_forwarded_for);
    assert_eq!(from_flags.max_body_bytes, 4096, "untouched by flags");
}

/// Set in the child process of [`the_environment_sits_between_flags_and_the_file`].
const CHILD: &str = "CONFAB_CONFIG_TESTS_CHILD";
const SECRET: &str = "an environment secret of at least 32 bytes";

#[test]
fn the_environment_sits_between_flags_and_the_file() {
    if std::env::var_os(CHILD).is_none() {
        return rerun_with_env(
            "the_environment_sits_between_flags_and_the_file",
            &[
                ("CONFAB_ACCESS_TOKEN_TTL", "7m"),
                ("CONFAB_EVENT_BATCH_MAX", "7"),
                ("CONFAB_TRUST_FORWARDED_FOR", "false"),
                ("CONFAB_TOKEN_SECRET", SECRET),
            ],
        );
    }
    let layer = file(FILE_LAYER);
    let from_env = config(&["--config", &path(&layer)]);
    assert_eq!(from_env.access_token_ttl, Duration::from_secs(420));
    assert_eq!(from_env.event_batch_max, 7);
    assert!(!from_env.trust_forwarded_for);
    assert_eq!(from_env.token_secret.as_deref(), Some(SECRET));

    let from_flags = config(&[
        "--config",
        &path(&layer),
        "--access-token-ttl",
        "3m",
        "--event-batch-max",
        "3",
        "--trust-forwarded-for",
    ]);
    assert_eq!(from_flags.access_token_ttl, Duration::from_secs(180));
    assert_eq!(from_flags.event_batch_max, 3);
    assert!(from_flags.trust_forwarded_for);

    let mut cmd = Cli::command();
    let serve = cmd.find_subcommand_mut("serve").expect("serve command");
    let help = serve.render_long_help().to_string();
    assert!(help.contains("[env: CONFAB_EVENT_BATCH_MAX=7]"), "{help}");
    assert!(help.contains("[env: CONFAB_TOKEN_SECRET]"), "{help}");
    assert!(!help.contains(SECRET), "{help}");
}

/// Runs test `name` of this module in a child process of this test binary with `vars`
/// set (and [`CHILD`], so it knows), and fails if it does not pass there. Changing
/// this process's environment would race the tests running on other threads.
fn rerun_with_env(name: &str, vars: &[(&str, &str)]) {
    let module = module_path!().split_once("::").map_or("", |(_, path)| path);
    let output = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .arg(format!("{module}::{name}"))
        .args(["--exact", "--nocapture"])
        .env(CHILD, "1")
        .envs(vars.iter().copied())
        .output()
        .expect("run the test binary");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{name} with {vars:?}:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn unknown_file_keys_are_errors_naming_the_key() {
    for key in ["listne", "config", "max-body-bytes", "help"] {
        let layer = file(&format!("{key} = \"x\"\n"));
        match error(&["--config", &path(&layer)]) {
            ConfigError::UnknownKey { key: named, .. } => assert_eq!(named, key),
            other => panic!("{key}: {other}"),
        }
    }
}

#[test]
fn bad_file_values_are_errors_naming_the_key() {
    let cases = [
        (
            "access_token_ttl = \"soon\"",
            "access_token_ttl",
            "expected number",
        ),
        (
            "access_token_ttl = \"0s\"",
            "access_token_ttl",
            "at least 1s",
        ),
        (
            "max_body_bytes = \"4096\"",
            "max_body_bytes",
            "expected an integer",
        ),
        ("event_batch_max = 0", "event_batch_max", "at least 1"),
        ("event_batch_max = -1", "event_batch_max", "invalid digit"),
        (
            "trust_forwarded_for = \"yes\"",
            "trust_forwarded_for",
            "expected a boolean",
        ),
        (
            "log_format = \"loud\"",
            "log_format",
            "possible values: pretty, json",
        ),
        ("listen = 8080", "listen", "expected a string"),
    ];
    for (text, key, reason) in cases {
        let layer = file(text);
        match error(&["--config", &path(&layer)]) {
            ConfigError::BadValue {
                key: named,
                message,
                ..
            } => {
                assert_eq!(named, key, "{text}");
                assert!(message.contains(reason), "{text}: {message}");
            }
            other => panic!("{text}: {other}"),
        }
    }
    // A flag for the same setting does not hide a mistake in the file.
    let layer = file("event_batch_max = 0");
    assert!(matches!(
        error(&["--config", &path(&layer), "--event-batch-max", "3"]),
        ConfigError::BadValue { .. }
    ));
}

#[test]
fn unreadable_or_malformed_files_are_errors() {
    let missing = ["--config", "/nonexistent/confab.toml"];
    assert!(matches!(error(&missing), ConfigError::ReadFile { .. }));
    let layer = file("listen = [1");
    assert!(matches!(
        error(&["--config", &path(&layer)]),
        ConfigError::ParseFile { .. }
    ));
}

#[test]
fn out_of_range_values_are_errors() {
    for args in [
        ["--password-min-length", "4"],
        ["--password-min-length", "257"],
        ["--event-batch-max", "0"],
        ["--ws-buffer-bytes", "100"],
        ["--max-room-members", "1"],
        ["--argon2-memory-kib", "8191"],
        ["--typing-timeout", "999ms"],
        ["--ws-ping-interval", "0s"],
        ["--db-max-connections", "0"],
        ["--password-hash-concurrency", "0"],
    ] {
        assert!(matches!(error(&args), ConfigError::Cli(_)), "{args:?}");
    }
    assert_eq!(config(&["--event-batch-max", "1"]).event_batch_max, 1);
    assert_eq!(
        config(&["--password-min-length", "256"]).password.min_chars,
        256
    );
}

#[test]
fn rules_between_settings_are_checked() {
    for (args, message) in [
        (
            &["--token-secret", "short"][..],
            "--token-secret must be at least 32 bytes long",
        ),
        (
            &["--database-url", "mysql://x"],
            "--database-url must start with",
        ),
        (
            &["--refresh-token-ttl", "15m"],
            "--refresh-token-ttl must be longer",
        ),
        (
            &["--max-message-bytes", "21846"],
            "--max-body-bytes must be at least three times",
        ),
        (
            &["--ws-idle-timeout", "20s"],
            "--ws-idle-timeout must be longer",
        ),
        (
            &["--signin-backoff-base", "16m"],
            "--signin-backoff-base must be at most",
        ),
        (
            &["--tls-cert", "c.pem"],
            "--tls-cert and --tls-key go together",
        ),
        (
            &["--tls-key", "k.pem"],
            "--tls-cert and --tls-key go together",
        ),
        (
            &["--http-redirect-listen", "127.0.0.1:80"],
            "--http-redirect-listen needs TLS",
        ),
        (
            &[
                "--tls-cert",
                "c.pem",
                "--tls-key",
                "k.pem",
                "--listen",
                "0.0.0.0:443",
                "--http-redirect-listen",
                "0.0.0.0:443",
            ],
            "--http-redirect-listen must differ from --listen",
        ),
        (
            &["--acme-domain", "chat.example.org", "--tls-cert", "c.pem"],
            "--acme-domain and --tls-cert/--tls-key exclude each other",
        ),
        (
            &["--acme-email", "ops@example.org"],
            "--acme-email and --acme-ca-root need --acme-domain",
        ),
        (
            &["--acme-domain", "*.example.org"],
            "--acme-domain takes DNS names",
        ),
        (
            &["--acme-domain", "https://chat.example.org/"],
            "--acme-domain takes DNS names",
        ),
        (
            &["--acme-domain", "a.example.org,,b.example.org"],
            "--acme-domain takes DNS names",
        ),
        (
            &["--acme-domain", "a.example.org", "--acme-email", "ops"],
            "--acme-email must be one email address",
        ),
        (
            &[
                "--acme-domain",
                "a.example.org",
                "--acme-directory",
                "http://ca/dir",
            ],
            "--acme-directory must be an https:// URL",
        ),
        (
            &[
                "--acme-domain",
                "a.example.org",
                "--acme-challenge",
                "http-01",
            ],
            "--acme-challenge http-01 needs --http-redirect-listen",
        ),
    ] {
        match error(args) {
            ConfigError::Invalid(text) => assert!(text.starts_with(message), "{text}"),
            other => panic!("{args:?}: {other}"),
        }
    }
    let edge = config(&["--max-message-bytes", "21845", "--ws-idle-timeout", "21s"]);
    assert_eq!(edge.rooms.max_message_bytes, 21845);
}

#[test]
fn acme_domains_repeat_or_are_comma_separated_and_turn_tls_on() {
    let repeated = config(&[
        "--acme-domain",
        "a.example.org",
        "--acme-domain",
        "b.example.org",
    ]);
    let listed = config(&["--acme-domain", "a.example.org,b.example.org"]);
    assert_eq!(
        repeated.tls.acme_domains,
        ["a.example.org", "b.example.org"]
    );
    assert_eq!(listed.tls.acme_domains, repeated.tls.acme_domains);
    assert!(listed.tls.enabled() && listed.tls.acme());
    assert_eq!(listed.tls.acme_challenge, AcmeChallenge::TlsAlpn01);
    assert_eq!(
        listed.tls.acme_directory,
        "https://acme-v02.api.letsencrypt.org/directory"
    );
    let http01 = config(&[
        "--acme-domain",
        "a.example.org",
        "--acme-challenge",
        "http-01",
        "--http-redirect-listen",
        "0.0.0.0:80",
    ]);
    assert_eq!(http01.tls.acme_challenge, AcmeChallenge::Http01);
    let from_file = file("acme_domain = \"a.example.org,b.example.org\"\n");
    let from_file = config(&["--config", &path(&from_file)]);
    assert_eq!(from_file.tls.acme_domains, repeated.tls.acme_domains);
    assert!(!config(&[]).tls.enabled());
}

#[test]
fn boolean_flag_needs_no_value() {
    assert!(config(&["--trust-forwarded-for"]).trust_forwarded_for);
    assert!(!config(&["--trust-forwarded-for=false"]).trust_forwarded_for);
    assert!(matches!(
        error(&["--trust-forwarded-for=yes"]),
        ConfigError::Cli(_)
    ));
}

#[test]
fn dependent_defaults_follow_the_settings_they_depend_on() {
    let sqlite = config(&["--data-dir", "/srv/confab"]);
    assert_eq!(
        sqlite.database_url,
        "sqlite:///srv/confab/confab.db?mode=rwc"
    );
    assert_eq!(sqlite.db_max_connections, 8);
    assert_eq!(sqlite.password.concurrency, cores());

    let layer = file("data_dir = \"/var/lib/confab\"\n");
    let from_file = config(&["--config", &path(&layer)]);
    assert_eq!(
        from_file.database_url,
        "sqlite:///var/lib/confab/confab.db?mode=rwc"
    );

    let postgres = config(&["--database-url", "postgres://confab@127.0.0.1/confab"]);
    assert_eq!(postgres.db_max_connections, 16);
    let layer = file("database_url = \"postgresql://confab@db/confab\"\n");
    assert_eq!(config(&["--config", &path(&layer)]).db_max_connections, 16);

    let set = config(&[
        "--database-url",
        "postgres://confab@127.0.0.1/confab",
        "--db-max-connections",
        "3",
        "--password-hash-concurrency",
        "5",
    ]);
    assert_eq!(set.db_max_connections, 3);
    assert_eq!(set.password.concurrency, 5);
}

#[test]
fn env_vars_and_toml_keys_follow_the_flag_names() {
    let cmd = Cli::command();
    let serve = cmd.find_subcommand("serve").expect("serve command");
    let mut settings = 0;
    for arg in serve.get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        let env = arg.get_env().map(|env| env.to_string_lossy().into_owned());
        let expected = format!("CONFAB_{}", long.to_uppercase().replace('-', "_"));
        assert_eq!(env.as_deref(), Some(expected.as_str()), "--{long}");
        if long == "config" {
            assert_eq!(toml_key(arg), None);
            continue;
        }
        let key = long.replace('-', "_");
        assert_eq!(toml_key(arg).as_deref(), Some(key.as_str()), "--{long}");
        let found = option_for_key(serve, &key).map(|a| a.get_id().clone());
        assert_eq!(found.as_ref(), Some(arg.get_id()), "{key}");
        if long.contains('-') {
            assert!(option_for_key(serve, long).is_none(), "{long}");
        }
        settings += 1;
    }
    assert_eq!(settings, 114);
}
