//! The first sync: `jobmirror sync SOURCE` as its own process (the released
//! binary, exactly as cron would run it) into a fresh file, timed, with the peak
//! RSS of that process.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_jobmirror");

pub struct Measured {
    pub wall: Duration,
    pub peak_rss_kib: i64,
}

/// The peak resident set of a live process (`VmHWM`, KiB). Read from /proc
/// rather than from `wait4`'s rusage: a child spawned by this (large) process
/// would report this process's resident set from before its `exec`.
fn peak_rss_kib(pid: u32) -> Option<i64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `jobmirror --config CONFIG sync SOURCE` to completion, sampling its
/// peak RSS every 10 ms.
pub fn sync(config: &Path, source: &str) -> Measured {
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .arg("--config")
        .arg(config)
        .args(["sync", source])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn jobmirror sync");
    let mut peak = 0;
    let status = loop {
        if let Some(kib) = peak_rss_kib(child.id()) {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(status.success(), "jobmirror sync {source} failed");
    Measured {
        wall: started.elapsed(),
        peak_rss_kib: peak,
    }
}
