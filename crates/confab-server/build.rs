//! Builds the web client in `web/` so that `src/http/web.rs` can embed `web/dist`.
//!
//! Runs `npm ci` when `web/node_modules` is missing, then `npm run build` (Vite). It
//! runs again only when the web sources change. Without `npm`, or with
//! `CONFAB_SKIP_WEB_BUILD=1`, it only warns: the binary then serves the API without
//! the client (or with whatever `web/dist` already holds).

use std::path::Path;
use std::process::Command;

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
    if Command::new("npm").arg("--version").output().is_err() {
        println!(
            "cargo:warning=npm was not found: the web client is not built (install Node.js 20+ and npm)"
        );
        return;
    }
    if !web.join("node_modules").exists() {
        npm(&web, &["ci", "--no-audit", "--no-fund"]);
    }
    npm(&web, &["run", "build"]);
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
