//! Records the git commit the benchmark was built from, so every report names the code
//! it measured. Outside a git checkout (or without git) the commit is "unknown".

use std::process::Command;

fn main() {
    let commit = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=CONFAB_BENCH_GIT_COMMIT={commit}");
    // Rebuild when HEAD moves (a commit or a checkout), not on every build. The
    // reflog of HEAD grows with every commit, checkout and reset, even when the
    // branch's ref file is rewritten in place or packed.
    for path in [
        "../../.git/HEAD",
        "../../.git/logs/HEAD",
        "../../.git/refs/heads",
    ] {
        if std::path::Path::new(path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}
