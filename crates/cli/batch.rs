//! `engine run PROTOCOL --batch`: patients as JSON Lines on standard input, one plan
//! per line on standard output, in input order.
//!
//! The protocol is read and checked once. Lines are read in blocks of [`BLOCK`]; each
//! block is run on every core (one evaluator per thread, as `simulate` does) and
//! written in order before the next block is read, so memory stays bounded by a block
//! of lines and their plans however long the input is. Each line is a patient object of
//! the same shape as a patient YAML file (JSON is YAML), read with its own sources, so
//! nothing accumulates from line to line. A plan is the JSON `engine run --format json`
//! prints, on one line; a line that cannot be run gives `{"line": N, "error": {...}}`
//! with its diagnostics placed in that line, and the batch goes on.

use std::io::{BufRead, Read, Write};

use rehab_engine::model::Protocol;
use rehab_engine::{Evaluator, RunConfig};
use rehab_syntax::{Diagnostic, MAX_FILE_BYTES, codes};
use rehab_syntax::{SourceFile, Sources};
use serde_json::{Value, json};

/// Lines run together: enough to keep every core busy, few enough to bound memory.
pub const BLOCK: usize = 512;

/// What a batch did: lines read and lines that failed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub lines: usize,
    pub failed: usize,
}

/// Runs every line of `input` through `protocol` and writes one JSON line per input
/// line to `out`, in order. Blank lines are skipped (and not counted).
pub fn run_lines<R: BufRead, W: Write>(
    protocol: &Protocol,
    config: &RunConfig,
    input: &mut R,
    out: &mut W,
) -> std::io::Result<Tally> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut tally = Tally::default();
    let mut number = 0usize;
    loop {
        let mut block: Vec<(usize, Result<String, Diagnostic>)> = Vec::with_capacity(BLOCK);
        while block.len() < BLOCK {
            let Some(line) = next_line(input)? else {
                break;
            };
            number += 1;
            if matches!(&line, Ok(text) if text.trim().is_empty()) {
                continue;
            }
            block.push((number, line));
        }
        if block.is_empty() {
            return Ok(tally);
        }
        for result in run_block(protocol, config, &block, threads) {
            tally.lines += 1;
            if result.1 {
                tally.failed += 1;
            }
            out.write_all(result.0.as_bytes())?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
    }
}

/// Runs a block on `threads` threads, each taking every `threads`-th line, and gives the
/// output lines in input order, each with whether it failed.
fn run_block(
    protocol: &Protocol,
    config: &RunConfig,
    block: &[(usize, Result<String, Diagnostic>)],
    threads: usize,
) -> Vec<(String, bool)> {
    let threads = threads.clamp(1, block.len().max(1));
    let mut results: Vec<Option<(String, bool)>> = vec![None; block.len()];
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    let evaluator = protocol.scripts().evaluator();
                    block
                        .iter()
                        .enumerate()
                        .skip(t)
                        .step_by(threads)
                        .map(|(i, (number, line))| {
                            let out = match (&evaluator, line) {
                                (_, Err(d)) => Err(failure(*number, std::slice::from_ref(d), None)),
                                (Err(d), _) => Err(failure(*number, std::slice::from_ref(d), None)),
                                (Ok(ev), Ok(text)) => one(protocol, ev, config, *number, text),
                            };
                            (i, out)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for worker in workers {
            // A worker that panicked leaves its lines empty; they are reported below.
            if let Ok(done) = worker.join() {
                for (i, out) in done {
                    results[i] = Some(match out {
                        Ok(plan) => (plan, false),
                        Err(error) => (error, true),
                    });
                }
            }
        }
    });
    results
        .into_iter()
        .zip(block)
        .map(|(r, (number, _))| {
            r.unwrap_or_else(|| {
                let d = Diagnostic::error(codes::PHASE, "internal: the line was not run");
                (failure(*number, &[d], None), true)
            })
        })
        .collect()
}

/// One patient line: parsed, checked and run as `engine run --patient` would.
fn one(
    protocol: &Protocol,
    evaluator: &Evaluator<'_>,
    config: &RunConfig,
    number: usize,
    text: &str,
) -> Result<String, String> {
    let mut sources = Sources::new();
    let file = sources.add(SourceFile::new(format!("line {number}"), text));
    let doc = rehab_syntax::parse_patient(&sources, file)
        .map_err(|found| failure(number, &found, Some(&sources)))?;
    let (patient, found) = rehab_engine::check_patient(&sources, file, protocol, &doc);
    let patient = match patient {
        Some(p) if !found.iter().any(Diagnostic::is_error) => p,
        _ => return Err(failure(number, &found, Some(&sources))),
    };
    let plan = rehab_engine::run_using(evaluator, protocol, &patient, config, None)
        .map_err(|d| failure(number, &[d], Some(&sources)))?;
    serde_json::to_string(&plan).map_err(|e| {
        let d = Diagnostic::error(codes::PHASE, format!("cannot write the plan as JSON: {e}"));
        failure(number, &[d], None)
    })
}

/// `{"line": N, "error": {"diagnostics": [...]}}`, each diagnostic with its code,
/// message and place in the line.
fn failure(number: usize, found: &[Diagnostic], sources: Option<&Sources>) -> String {
    let empty = Sources::new();
    let sources = sources.unwrap_or(&empty);
    let diagnostics: Vec<Value> = found
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_json(sources))
        .collect();
    json!({ "line": number, "error": { "diagnostics": diagnostics } }).to_string()
}

/// The next line without its line ending, `None` at the end of the input. A line longer
/// than a patient file may be is an error for that line (E001), read past in bounded
/// pieces; a line that is not UTF-8 is an error too (E001).
fn next_line<R: BufRead>(input: &mut R) -> std::io::Result<Option<Result<String, Diagnostic>>> {
    let limit = MAX_FILE_BYTES as u64;
    let mut bytes = Vec::new();
    let read = Read::take(&mut *input, limit + 1).read_until(b'\n', &mut bytes)?;
    if read == 0 {
        return Ok(None);
    }
    if bytes.last() != Some(&b'\n') && bytes.len() as u64 > limit {
        // Skip the rest of the line without keeping it.
        let mut rest = Vec::new();
        loop {
            rest.clear();
            let n = Read::take(&mut *input, 64 * 1024).read_until(b'\n', &mut rest)?;
            if n == 0 || rest.last() == Some(&b'\n') {
                break;
            }
        }
        return Ok(Some(Err(Diagnostic::error(
            codes::YAML,
            format!("the line is longer than the limit of {MAX_FILE_BYTES} bytes"),
        ))));
    }
    while matches!(bytes.last(), Some(b'\n' | b'\r')) {
        bytes.pop();
    }
    Ok(Some(String::from_utf8(bytes).map_err(|_| {
        Diagnostic::error(codes::YAML, "the line is not UTF-8 text")
    })))
}
