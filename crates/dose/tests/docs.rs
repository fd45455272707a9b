//! Keeps `docs/dose-notation.md` in step with the grammar: its examples must behave as the page says.
//!
//! * every line of a ```` ```dose ```` block parses with `Dose::parse`, and its canonical
//!   text parses back to the same value;
//! * every line of a ```` ```dose-invalid ```` block fails;
//! * the same for ```` ```amount ```` and ```` ```amount-invalid ```` with `Amount::parse`;
//! * every ```` ```dose-error ```` block is a dose line followed by the exact rendering of
//!   its error (`DoseError::render`).
//!
//! Blank lines and lines starting with `#` inside these blocks are skipped.

use rehab_dose::{Amount, Dose};

const DOC: &str = include_str!("../../../docs/dose-notation.md");

/// (info string, lines) for every fenced block of the document.
fn blocks() -> Vec<(String, Vec<String>)> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, Vec<String>)> = None;
    for line in DOC.lines() {
        match current.take() {
            None => {
                if let Some(info) = line.strip_prefix("```") {
                    current = Some((info.trim().to_owned(), Vec::new()));
                }
            }
            Some((info, mut lines)) => {
                if line.trim_start().starts_with("```") {
                    blocks.push((info, lines));
                } else {
                    lines.push(line.to_owned());
                    current = Some((info, lines));
                }
            }
        }
    }
    assert!(current.is_none(), "a fenced block is not closed");
    blocks
}

/// The example lines of every block with this info string.
fn examples(kind: &str) -> Vec<String> {
    blocks()
        .into_iter()
        .filter(|(info, _)| info == kind)
        .flat_map(|(_, lines)| lines)
        .filter(|line| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
        .collect()
}

#[test]
fn dose_examples_parse_and_round_trip() {
    let examples = examples("dose");
    assert!(
        examples.len() >= 30,
        "only {} dose examples",
        examples.len()
    );
    for example in examples {
        let dose = Dose::parse(&example)
            .unwrap_or_else(|error| panic!("docs example fails:\n{}", error.render(&example)));
        assert_eq!(Dose::parse(&dose.to_string()), Ok(dose), "{example}");
    }
}

#[test]
fn invalid_dose_examples_fail() {
    let examples = examples("dose-invalid");
    assert!(
        examples.len() >= 20,
        "only {} invalid examples",
        examples.len()
    );
    for example in examples {
        if let Ok(dose) = Dose::parse(&example) {
            panic!("docs example {example:?} should fail but reads as {dose}");
        }
    }
}

#[test]
fn amount_examples_parse_and_round_trip() {
    let examples = examples("amount");
    assert!(examples.len() >= 6);
    for example in examples {
        let amount = Amount::parse(&example)
            .unwrap_or_else(|error| panic!("docs example fails:\n{}", error.render(&example)));
        assert_eq!(Amount::parse(&amount.to_string()), Ok(amount), "{example}");
    }
}

#[test]
fn invalid_amount_examples_fail() {
    let examples = examples("amount-invalid");
    assert!(!examples.is_empty());
    for example in examples {
        if let Ok(amount) = Amount::parse(&example) {
            panic!("docs example {example:?} should fail but reads as {amount}");
        }
    }
}

#[test]
fn rendered_errors_match_the_parser() {
    let blocks: Vec<Vec<String>> = blocks()
        .into_iter()
        .filter(|(info, _)| info == "dose-error")
        .map(|(_, lines)| lines)
        .collect();
    assert!(blocks.len() >= 8, "only {} error examples", blocks.len());
    for lines in blocks {
        let [input, shown] = lines.as_slice() else {
            panic!("a dose-error block has two lines, the dose and its error: {lines:?}");
        };
        let error = match Dose::parse(input) {
            Ok(dose) => panic!("docs error example {input:?} reads as {dose}"),
            Err(error) => error,
        };
        assert_eq!(
            error.render(input),
            format!("{input}\n{shown}"),
            "the page shows a different error for {input:?}"
        );
    }
}

#[test]
fn the_empty_dose_is_an_error() {
    // The one invalid example a fenced block cannot hold.
    assert!(Dose::parse("").is_err());
    assert!(Dose::parse("   ").is_err());
    assert!(Amount::parse("").is_err());
}
