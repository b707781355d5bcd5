//! Builds the web client in `web/` so that `src/http/web.rs` can embed `web/dist`.
//!
//! Runs `npm ci` when `web/node_modules` is missing, then `npm run build` (Vite). It
//! runs again only when the web sources change. It needs Node.js 20.19 or later with
//! npm, and fails the build with an explanation when they are missing or too old: a
//! server that quietly lacks its client is worse than a clear error. Building without
//! the client is a deliberate choice: `CONFAB_SKIP_WEB_BUILD=1` skips this step (the
//! binary then embeds whatever `web/dist` already holds, or nothing, and says so when
//! it starts).

use std::path::Path;
use std::process::Command;

/// The oldest Node.js the web client's build tools (Vite) run on.
const NODE_MIN: (u32, u32) = (20, 19);

fn main() {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web");
    for input in [
        "src",
        "public",
        "index.html",
        "package.json",
        "package-lock.json",
        "vite.config.ts",
        "tsconfig.json",
    ] {
        println!("cargo:rerun-if-changed={}", web.join(input).display());
    }
    println!("cargo:rerun-if-env-changed=CONFAB_SKIP_WEB_BUILD");

    if std::env::var_os("CONFAB_SKIP_WEB_BUILD").is_some_and(|v| v != "0") {
        println!("cargo:warning=CONFAB_SKIP_WEB_BUILD is set: the web client is not rebuilt");
        return;
    }
    if !web.join("package.json").exists() {
        return;
    }
    check_node();
    if !web.join("node_modules").exists() {
        npm(&web, &["ci", "--no-audit", "--no-fund"]);
    }
    npm(&web, &["run", "build"]);
}

/// Fails the build unless Node.js 20.19+ and npm are there.
fn check_node() {
    let node = version_of("node");
    let npm = version_of("npm");
    let recent = node
        .as_deref()
        .and_then(parse_version)
        .is_some_and(|version| version >= NODE_MIN);
    if recent && npm.is_some() {
        return;
    }
    let found = |tool: &str, version: Option<String>| {
        format!(
            "{tool} {}",
            version.unwrap_or_else(|| "not found".to_owned())
        )
    };
    panic!(
        "\n\nThe web client (web/) cannot be built: it needs Node.js {}.{} or later with npm \
         (found: {}, {}).\n\
         Install them (https://nodejs.org/ or your package manager), then build again.\n\
         To build a server without the web client on purpose, set CONFAB_SKIP_WEB_BUILD=1.\n\n",
        NODE_MIN.0,
        NODE_MIN.1,
        found("node", node),
        found("npm", npm),
    );
}

/// `TOOL --version`, trimmed, if the tool runs.
fn version_of(tool: &str) -> Option<String> {
    let output = Command::new(tool).arg("--version").output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// `v20.19.2` (or `20.19.2`) as `(20, 19)`.
fn parse_version(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.trim_start_matches('v').split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// Runs npm in `web/` and fails the build if it fails: a binary with a broken or
/// stale client is worse than a clear error.
fn npm(web: &Path, args: &[&str]) {
    // npm's output goes to stderr: a build script's stdout is for cargo directives.
    let status = Command::new("npm")
        .args(args)
        .current_dir(web)
        .stdout(std::process::Stdio::from(std::io::stderr()))
        .status();
    match status {
        Ok(status) if status.success() => {}
        Ok(status) => panic!(
            "`npm {}` in {} failed ({status}); set CONFAB_SKIP_WEB_BUILD=1 to build without the web client",
            args.join(" "),
            web.display()
        ),
        Err(error) => panic!("could not run `npm {}`: {error}", args.join(" ")),
    }
}
