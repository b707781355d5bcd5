//! Finding the `confab` binary to run: `$CONFAB_BIN`, else the one in the build
//! profile directory of the running executable (a test in `<target>/<profile>/deps`,
//! or `confab-testkit` in `<target>/<profile>`), built first if it is missing.

use crate::Error;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

/// The `confab` binary: `$CONFAB_BIN` if set, else `confab` in the running
/// executable's build profile directory, which is built with `cargo build` first if
/// it is missing (it is present whenever the whole workspace was built, as in CI).
pub fn confab_binary() -> Result<PathBuf, Error> {
    // Held while building, so the tests of one process run cargo at most once.
    static FOUND: Mutex<Option<PathBuf>> = Mutex::new(None);
    let mut found = FOUND
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(path) = found.as_ref() {
        return Ok(path.clone());
    }
    let path = locate()?;
    *found = Some(path.clone());
    Ok(path)
}

fn locate() -> Result<PathBuf, Error> {
    if let Some(path) = std::env::var_os("CONFAB_BIN") {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(Error::Binary {
                path,
                reason: "CONFAB_BIN names no file".to_owned(),
            })
        };
    }
    let exe = std::env::current_exe().map_err(|e| Error::Binary {
        path: PathBuf::from("confab"),
        reason: format!("the running executable's path is unknown: {e}"),
    })?;
    let profile_dir = profile_dir(&exe);
    let binary = profile_dir.join("confab");
    if !binary.is_file() {
        build(profile_dir).map_err(|reason| Error::Binary {
            path: binary.clone(),
            reason,
        })?;
    }
    if binary.is_file() {
        Ok(binary)
    } else {
        Err(Error::Binary {
            path: binary,
            reason: "cargo build did not put it there".to_owned(),
        })
    }
}

/// `<target>/<profile>` for an executable in it or in its `deps` directory.
fn profile_dir(exe: &Path) -> &Path {
    let dir = exe.parent().unwrap_or(Path::new("."));
    if dir.file_name().is_some_and(|name| name == "deps") {
        dir.parent().unwrap_or(dir)
    } else {
        dir
    }
}

/// Builds `confab` into `profile_dir` with the profile that directory belongs to.
fn build(profile_dir: &Path) -> Result<(), String> {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    let profile = match profile_dir.file_name().and_then(|name| name.to_str()) {
        Some("debug") => "dev",
        Some(name) => name,
        None => return Err("it is in no build profile directory".to_owned()),
    };
    let target_dir = profile_dir.parent().unwrap_or(profile_dir);
    let status = Command::new(cargo)
        .args(["build", "-p", "confab-server", "--bin", "confab"])
        .arg("--manifest-path")
        .arg(manifest)
        .args(["--profile", profile])
        .arg("--target-dir")
        .arg(target_dir)
        // Our stdout may be a protocol (confab-testkit serve prints one JSON line).
        .stdout(Stdio::from(std::io::stderr()))
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo build failed ({status})"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profile_directory_holds_tests_deps_and_binaries() {
        assert_eq!(
            profile_dir(Path::new("/t/debug/deps/accounts-0a1b")),
            Path::new("/t/debug")
        );
        assert_eq!(
            profile_dir(Path::new("/t/release/confab-testkit")),
            Path::new("/t/release")
        );
    }
}
