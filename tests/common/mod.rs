//! Helpers shared by the tests that run the real `engine` binary.
#![allow(dead_code)] // each test binary uses some of these helpers

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the engine from the workspace root, so paths in output are stable.
pub fn engine(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_engine"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the engine binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("stderr is UTF-8")
}

/// `path` relative to the workspace root, as the engine prints it.
pub fn relative(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// A folder of one test's own under the system's temp folder, named after the test and
/// this process so that parallel tests and runs never share one; removed when dropped.
#[derive(Debug)]
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("engine-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        Scratch(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `name` in the folder and gives its path as the command line takes it.
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> String {
        let file = self.0.join(name);
        std::fs::write(&file, bytes).expect("write a scratch file");
        file.display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
