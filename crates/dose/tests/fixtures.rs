//! Snapshot tests over the fixture files in `tests/fixtures/dose` at the workspace root.
//!
//! Each fixture is two lines: `# what this tests`, then the text to parse (see the
//! README beside the fixtures). Valid ones snapshot the canonical text and an outline
//! of the typed value; invalid ones snapshot the rendered error.

use std::fmt::Write as _;
use std::path::Path;

use rehab_dose::{Activity, Amount, Dimension, Dose, DoseError, Item, Load, Range, Repeat};

const FIXTURES: &str = "../../../tests/fixtures/dose";

/// The comment and the text of a fixture file, checking its format.
fn read_fixture(path: &Path) -> (String, String) {
    let content = std::fs::read_to_string(path).unwrap();
    let mut lines = content.split('\n');
    let comment = lines.next().unwrap_or_default();
    let text = lines.next().unwrap_or_default().trim_end_matches('\r');
    assert!(
        comment.starts_with("# ") && comment.len() > 2,
        "{}: line 1 must be a comment `# what this tests`",
        path.display()
    );
    assert!(
        lines.all(|line| line.trim().is_empty()),
        "{}: only two lines are allowed",
        path.display()
    );
    (comment.to_owned(), text.to_owned())
}

fn range_text(range: &Range) -> String {
    format!("{range:?}")
}

fn amount_text(amount: &Amount) -> String {
    format!("{} {:?}", range_text(&amount.range), amount.unit)
}

fn item_outline(out: &mut String, item: &Item) {
    let activity = match &item.activity {
        Activity::Exercise(name) => format!("Exercise {name:?}"),
        known => format!("{known:?}"),
    };
    writeln!(out, "    item: {activity}").unwrap();
    match &item.load {
        None => {}
        Some(Load::Amount(amount)) => {
            writeln!(out, "      load: amount {}", amount_text(amount)).unwrap();
        }
        Some(Load::Sets { sets, each }) => {
            writeln!(
                out,
                "      load: sets {} x each {}",
                amount_text(sets),
                amount_text(each)
            )
            .unwrap();
        }
    }
    if !item.intensity.is_empty() {
        writeln!(out, "      intensity: {:?}", item.intensity).unwrap();
    }
    if let Some(effort) = &item.effort {
        writeln!(out, "      effort: rpe {} to {}", effort.lo, effort.hi).unwrap();
    }
}

/// An indented outline of the typed value.
fn outline(dose: &Dose) -> String {
    let mut out = String::new();
    match dose {
        Dose::Off => out.push_str("Off\n"),
        Dose::Session(segments) => {
            out.push_str("Session\n");
            for segment in segments {
                out.push_str("  Segment\n");
                for item in &segment.items {
                    item_outline(&mut out, item);
                }
                match &segment.repeat {
                    None => {}
                    Some(Repeat::ToTotal(total)) => {
                        writeln!(out, "    repeat: to total {}", amount_text(total)).unwrap();
                    }
                    Some(Repeat::Times(times)) => {
                        writeln!(out, "    repeat: {times} times").unwrap();
                    }
                }
            }
        }
    }
    out
}

/// Milliseconds as minutes or seconds, for reading.
fn duration(ms: u64) -> String {
    if ms.is_multiple_of(60_000) {
        format!("{}min", ms / 60_000)
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

fn bounds(value: Option<(u64, u64)>, dose: &Dose) -> String {
    let to_a_distance = dose.segments().iter().any(|segment| {
        matches!(&segment.repeat, Some(Repeat::ToTotal(total)) if total.dimension() == Dimension::Distance)
    });
    match value {
        None if to_a_distance => "unknown (repeated to a distance)".to_owned(),
        None => "unknown (no time amounts)".to_owned(),
        Some((lo, hi)) if lo == hi => duration(lo),
        Some((lo, hi)) => format!("{} to {}", duration(lo), duration(hi)),
    }
}

fn error_text(comment: &str, input: &str, error: &DoseError) -> String {
    format!(
        "{comment}\nerror at bytes {}..{}:\n{}\n",
        error.start,
        error.end,
        error.render(input)
    )
}

#[test]
fn valid_doses() {
    insta::glob!(FIXTURES, "valid/*.dose", |path| {
        let (comment, input) = read_fixture(path);
        let dose = Dose::parse(&input)
            .unwrap_or_else(|error| panic!("{}:\n{}", path.display(), error.render(&input)));
        let canonical = dose.to_string();
        assert_eq!(
            Dose::parse(&canonical).as_ref(),
            Ok(&dose),
            "canonical text re-parses"
        );
        let snapshot = format!(
            "{comment}\ninput:          {input}\ncanonical:      {canonical}\nrunning:        {}\ncross-training: {}\nall activities: {}\n\n{}",
            bounds(dose.time_in(Activity::is_running), &dose),
            bounds(dose.time_in(Activity::is_cross_training), &dose),
            bounds(dose.time_in(|_| true), &dose),
            outline(&dose),
        );
        insta::assert_snapshot!(snapshot);
    });
}

#[test]
fn valid_amounts() {
    insta::glob!(FIXTURES, "valid/*.amount", |path| {
        let (comment, input) = read_fixture(path);
        let amount = Amount::parse(&input)
            .unwrap_or_else(|error| panic!("{}:\n{}", path.display(), error.render(&input)));
        let canonical = amount.to_string();
        assert_eq!(
            Amount::parse(&canonical),
            Ok(amount),
            "canonical text re-parses"
        );
        let snapshot = format!(
            "{comment}\ninput:     {input}\ncanonical: {canonical}\nvalue:     {}\ndimension: {}\ndays:      {:?}\nmillis:    {:?}\n",
            amount_text(&amount),
            amount.dimension(),
            amount.to_days(),
            amount.to_millis(),
        );
        insta::assert_snapshot!(snapshot);
    });
}

#[test]
fn invalid_doses() {
    insta::glob!(FIXTURES, "invalid/*.dose", |path| {
        let (comment, input) = read_fixture(path);
        let error = match Dose::parse(&input) {
            Ok(dose) => panic!("{} parsed as {dose}", path.display()),
            Err(error) => error,
        };
        assert!(error.start <= error.end && error.end <= input.len());
        insta::assert_snapshot!(error_text(&comment, &input, &error));
    });
}

#[test]
fn invalid_amounts() {
    insta::glob!(FIXTURES, "invalid/*.amount", |path| {
        let (comment, input) = read_fixture(path);
        let error = match Amount::parse(&input) {
            Ok(amount) => panic!("{} parsed as {amount}", path.display()),
            Err(error) => error,
        };
        assert!(error.start <= error.end && error.end <= input.len());
        insta::assert_snapshot!(error_text(&comment, &input, &error));
    });
}
