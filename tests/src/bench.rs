//! What the bench examples (`tests/examples/*_bench.rs`) share: their knobs from the
//! environment and the report they print and write.

use std::io::Write;

/// The number in the environment variable `name`, or `default`.
pub fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Lines printed and written to a file (`$BENCH_OUT/<part>.txt`).
pub struct Report {
    pub file: std::fs::File,
}

impl Report {
    pub fn say(&mut self, line: &str) {
        println!("{line}");
        let _ = writeln!(self.file, "{line}");
    }
}
