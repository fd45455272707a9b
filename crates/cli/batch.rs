//! `engine run PROTOCOL --batch`: patients as JSON Lines on standard input, one plan
//! per line on standard output, in input order.
//!
//! The protocol is read and checked once. Lines are read in blocks of [`BLOCK`]; each
//! block is run on every core (one evaluator per thread, as `simulate` does) and
//! written in order before the next block is read, so memory stays bounded by a block
//! of lines and their plans however long the input is. Each line is a patient object of
//! the same shape as a patient YAML file (JSON is YAML), read with its own sources, so
//! nothing accumulates from line to line (the engine's [`batch`] path, which the Python
//! package shares). A plan is the JSON `engine run --format json`
//! prints, on one line; a line that cannot be run gives `{"line": N, "error": {...}}`
//! with its diagnostics placed in that line, and the batch goes on.

use std::io::{BufRead, Read, Write};
use std::sync::{Mutex, PoisonError};

use rehab_engine::RunConfig;
use rehab_engine::batch::{self, PatientText};
use rehab_engine::model::Protocol;
use rehab_syntax::{Diagnostic, MAX_FILE_BYTES, Sources, codes};
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
    let threads = batch::threads();
    let mut tally = Tally::default();
    let mut number = 0usize;
    // The buffers the plans are written into, used again block after block: a plan is
    // tens of kilobytes, and fresh buffers would cost the allocator and the kernel.
    let spare = Mutex::new(Vec::new());
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
        for (mut line, failed) in run_block(protocol, config, block, threads, &spare) {
            tally.lines += 1;
            if failed {
                tally.failed += 1;
            }
            out.write_all(&line)?;
            line.clear();
            spare
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(line);
        }
        out.flush()?;
    }
}

/// Runs a block on `threads` threads with the engine's batch path and gives the output
/// lines in input order, each with its line ending and whether it failed.
fn run_block(
    protocol: &Protocol,
    config: &RunConfig,
    block: Vec<(usize, Result<String, Diagnostic>)>,
    threads: usize,
    spare: &Mutex<Vec<Vec<u8>>>,
) -> Vec<(Vec<u8>, bool)> {
    let numbers: Vec<usize> = block.iter().map(|(number, _)| *number).collect();
    let patients: Vec<PatientText> = block
        .into_iter()
        .map(|(number, text)| (format!("line {number}"), text))
        .collect();
    batch::run_all(protocol, config, &patients, threads, |i, result| {
        let number = numbers[i];
        let plan = result.and_then(|plan| {
            let mut line = spare
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop()
                .unwrap_or_default();
            rehab_engine::json::to_line(&plan, &mut line).map_err(|e| {
                let d =
                    Diagnostic::error(codes::PHASE, format!("cannot write the plan as JSON: {e}"));
                batch::failure(&[d], &Sources::new())
            })?;
            Ok(line)
        });
        match plan {
            Ok(mut line) => {
                line.push(b'\n');
                (line, false)
            }
            Err(diagnostics) => (failure(number, diagnostics), true),
        }
    })
}

/// `{"line": N, "error": {"diagnostics": [...]}}` and its line ending, each diagnostic
/// with its code, message and place in the line.
fn failure(number: usize, diagnostics: Vec<Value>) -> Vec<u8> {
    let mut line = json!({ "line": number, "error": { "diagnostics": diagnostics } })
        .to_string()
        .into_bytes();
    line.push(b'\n');
    line
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
