//! Helpers shared by the tests that run the real `engine` binary.
#![allow(dead_code)] // each test binary uses some of these helpers

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

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

/// The SHA-256 `engine check` prints for a protocol that checks.
pub fn protocol_sha256(protocol: &str) -> String {
    let o = engine(&["check", protocol]);
    let out = stdout(&o);
    let hash = out
        .trim_end()
        .rsplit_once(", sha256 ")
        .map(|(_, h)| h.to_string())
        .unwrap_or_else(|| panic!("no sha256 in {out}"));
    assert!(
        hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
        "{hash}"
    );
    hash
}

/// `text` with the shipped protocol's SHA-256 replaced by `<protocol sha256>`, once it
/// is known to be there. The digest changes with any byte of the protocol, a comment
/// included; snapshots of shipped protocols pin what their plans say, while the digest
/// itself is pinned by the fixtures' snapshots and the provenance tests.
pub fn without_protocol_hash(text: &str, protocol: &str) -> String {
    let hash = protocol_sha256(protocol);
    assert!(
        text.contains(&hash),
        "the plan does not name the protocol's SHA-256"
    );
    text.replace(&hash, "<protocol sha256>")
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

/// How long any one command may take before a hostile-input test calls it a hang: a
/// watchdog, not a measure of speed. Every hostile input is stopped by a counted limit
/// within about a second even in a debug build on a busy machine (the figures are in
/// docs/performance.md), so no outcome depends on it; it only turns a regression that
/// hangs into a failure instead of a stalled CI run.
pub const HANG: Duration = Duration::from_secs(300);

/// What a guarded run of the engine gave, and how long it took (reported, not judged).
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub took: Duration,
}

/// Runs the engine from the workspace root with a hang guard: a run past [`HANG`] is
/// killed and the test fails.
pub fn guarded(args: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_engine"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the engine starts");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let reader_out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let reader_err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > HANG {
            let _ = child.kill();
            panic!("engine {args:?} ran for more than {HANG:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let took = started.elapsed();
    let stdout = String::from_utf8_lossy(&reader_out.join().expect("stdout")).to_string();
    let stderr = String::from_utf8_lossy(&reader_err.join().expect("stderr")).to_string();
    Run {
        code: status.code(),
        stdout,
        stderr,
        took,
    }
}

/// The command failed cleanly with `code` and the message names `words`; no panic, and
/// the output stays readable.
pub fn refused(run: &Run, code: &str, words: &str) {
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("[{code}]")),
        "expected {code}: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains(words),
        "expected {words:?}: {}",
        run.stderr
    );
    assert!(
        run.stdout.len() < 4096,
        "a refused file printed {} bytes",
        run.stdout.len()
    );
    assert!(
        run.stderr.lines().all(|l| l.chars().count() <= 200),
        "an overlong line in: {}",
        &run.stderr[..run.stderr.len().min(2000)]
    );
}

/// Whether the tests run on CI (`CI=true`), where a missing outside client is a failure.
pub fn on_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// The python of the virtual environment `target/<venv>` that holds a test's outside
/// clients (calendar readers, FHIR validators), created with the pinned `requirements`
/// (a path from the workspace root) when it is missing outside CI. On CI a missing
/// environment is a failure: `.ci/run` creates it, and a test that quietly skipped would
/// check nothing. Environments are created one at a time.
pub fn client_python(venv: &str, requirements: &str) -> PathBuf {
    static CREATING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = CREATING.lock().unwrap_or_else(|e| e.into_inner());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let venv = root.join("target").join(venv);
    let python = venv.join("bin/python");
    if python.exists() {
        return python;
    }
    assert!(
        !on_ci(),
        "{} is missing: .ci/run creates it (python3 -m venv {}, then pip install -r {requirements})",
        venv.display(),
        venv.display()
    );
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .expect("python3 runs");
    assert!(made.success(), "python3 -m venv {} failed", venv.display());
    let installed = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "-r"])
        .arg(root.join(requirements))
        .status()
        .expect("pip runs");
    if !installed.success() {
        let _ = std::fs::remove_dir_all(&venv);
        panic!("pip could not install {requirements}");
    }
    python
}
