//! What the benchmark can see of the server process: its pid and resident memory,
//! read from `/proc` (Linux only). When the pid is neither given nor found, the
//! reports say the memory is unknown rather than guess.

use std::fs;

/// The server processes of a run: one per node (none when unknown). Their CPU time
/// and memory are summed: the cluster's cost of the work.
#[derive(Clone, Debug, Default)]
pub struct Servers {
    pub pids: Vec<u32>,
}

impl Servers {
    /// CPU seconds used so far by every node; `None` if any pid is unknown or gone.
    pub fn cpu_seconds(&self) -> Option<f64> {
        self.sum(cpu_seconds)
    }

    /// Resident memory of every node, in KiB; `None` if any pid is unknown or gone.
    pub fn rss_kib(&self) -> Option<u64> {
        self.sum(rss_kib)
    }

    fn sum<T: std::iter::Sum<T>>(&self, read: impl Fn(u32) -> Option<T>) -> Option<T> {
        if self.pids.is_empty() {
            return None;
        }
        self.pids.iter().map(|&pid| read(pid)).sum()
    }
}

/// The server's resident set size in KiB (`VmRSS` of `/proc/<pid>/status`).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// CPU time (user + system) a process has used so far, in seconds, from
/// `/proc/<pid>/stat`. Assumes the kernel's usual 100 clock ticks per second.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; the fields after it do not.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// The pid of the process listening on TCP `port` on this machine, found by matching
/// the listening socket's inode in `/proc/net/tcp{,6}` against `/proc/*/fd`. Needs
/// permission to read the other process's file descriptors (same user, or root).
pub fn find_listener(port: u16) -> Option<u32> {
    let inodes = listening_inodes(port);
    if inodes.is_empty() {
        return None;
    }
    let targets: Vec<String> = inodes.iter().map(|i| format!("socket:[{i}]")).collect();
    for entry in fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == std::process::id() {
            continue;
        }
        let Ok(fds) = fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            if let Ok(link) = fs::read_link(fd.path())
                && targets.iter().any(|t| link.as_os_str() == t.as_str())
            {
                return Some(pid);
            }
        }
    }
    None
}

/// Inodes of sockets in state LISTEN (`0A`) on `port`.
fn listening_inodes(port: u16) -> Vec<u64> {
    let port_hex = format!(":{port:04X}");
    let mut inodes = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() > 9
                && fields[1].ends_with(&port_hex)
                && fields[3] == "0A"
                && let Ok(inode) = fields[9].parse()
            {
                inodes.push(inode);
            }
        }
    }
    inodes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_memory_is_readable() {
        assert!(rss_kib(std::process::id()).is_some_and(|kib| kib > 0));
    }

    #[test]
    fn own_cpu_time_is_readable() {
        assert!(cpu_seconds(std::process::id()).is_some_and(|s| s >= 0.0));
    }

    #[test]
    fn a_listening_socket_is_found() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        // Our own pid is skipped on purpose (the bench never measures itself), so
        // only the inode lookup can be checked here.
        assert!(!listening_inodes(port).is_empty());
        assert_eq!(find_listener(port), None);
    }
}
