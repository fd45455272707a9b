//! Error spans and messages for each class of mistake, and robustness on very long input.

use rehab_dose::{Amount, Dose, DoseError};

fn error(input: &str) -> DoseError {
    match Dose::parse(input) {
        Ok(dose) => panic!("{input:?} parsed as {dose}"),
        Err(error) => error,
    }
}

/// The offending text and the message.
fn located(input: &str) -> (&str, String) {
    let error = error(input);
    (&input[error.start..error.end], error.message)
}

#[test]
fn each_error_class_has_its_message_and_span() {
    let cases: &[(&str, &str, &str)] = &[
        ("", "", "the dose is empty"),
        (
            "bike 20 easy",
            "easy",
            "expected a unit (s, min, h, d, wk, m, km, mi) after 20",
        ),
        (
            "walk 20",
            "",
            "expected a unit (s, min, h, d, wk, m, km, mi) after 20",
        ),
        (
            "run 1-2 easy",
            "easy",
            "expected a unit (s, min, h, d, wk, m, km, mi) after 1-2",
        ),
        (
            "bike 20min esay",
            "esay",
            "unknown intensity \"esay\" (did you mean \"easy\")",
        ),
        (
            "run 20min quickly",
            "quickly",
            "unknown intensity \"quickly\"",
        ),
        ("run 5-3min", "5-3", "range is inverted: 5 is more than 3"),
        (
            "run 2.5-1.25mi",
            "2.5-1.25",
            "range is inverted: 2.5 is more than 1.25",
        ),
        ("run 10000000min", "10000000", "number too large"),
        ("run 1000000.001min", "1000000.001", "number too large"),
        (
            "run 99999999999999999999999min",
            "99999999999999999999999",
            "number too large",
        ),
        ("20min", "20min", "expected an activity"),
        ("walk 2min,", "", "expected an activity"),
        ("off today", "today", "unexpected text after the dose"),
        ("walk 2min 3min", "3min", "unexpected text after the dose"),
        (
            "walk 2min run 3min",
            "run",
            "expected \",\" or \"then\" before \"run\"",
        ),
        ("walk 2min; 5min", "5min", "expected \"repeat\""),
        (
            "walk 2min, repeat 20min",
            "repeat",
            "expected an activity, not the keyword \"repeat\"",
        ),
        (
            "jog 0.1234mi",
            "0.1234",
            "too many decimal places: write at most 3 digits after the point",
        ),
        (
            "planks 2.5x30s",
            "2.5",
            "the number of sets must be a whole number",
        ),
        (
            "walk 1min; repeat 0x",
            "0",
            "a repeat count must be at least 1",
        ),
        (
            "run 20min-1h",
            "20min-1h",
            "both ends of a range need the same unit, not min and h",
        ),
    ];
    for (input, span, message) in cases {
        let (found_span, found_message) = located(input);
        assert_eq!(
            (found_span, found_message.as_str()),
            (*span, *message),
            "{input:?}"
        );
    }
}

#[test]
fn messages_are_lowercase_without_a_period_or_rule_names() {
    for input in [
        "",
        "20min",
        "bike 20 easy",
        "run 5-3min",
        "walk 2min;",
        "walk 2min; repeat",
        "planks 3x",
        "run up to",
        "walk 1-",
        "marché 2min",
        "walk 2min!",
        "run .5min",
        "walk, , run",
    ] {
        let message = error(input).message;
        assert!(!message.ends_with('.'), "{message}");
        assert!(!message.contains('_'), "{message}");
        assert_eq!(
            message.chars().next(),
            message.chars().next().map(|c| c.to_ascii_lowercase())
        );
    }
}

#[test]
fn spans_on_multibyte_text_stay_on_char_boundaries() {
    let input = "marché 2min";
    let error = error(input);
    assert_eq!((error.start, error.end), (0, "marché".len()));
    assert_eq!(
        error.render(input),
        "marché 2min\n^^^^^^ expected an activity"
    );
    // A rendered error clamps offsets it was not made for.
    let odd = DoseError::new(3, 99, "x");
    assert_eq!(odd.render("ab"), "ab\n  ^ x");
}

#[test]
fn amount_errors_say_amount() {
    let error = Amount::parse("6wk of rest").unwrap_err();
    assert_eq!(error.message, "unexpected text after the amount");
    assert_eq!(
        Amount::parse("").unwrap_err().message,
        "the amount is empty"
    );
    assert_eq!(
        Amount::parse("wk").unwrap_err().message,
        "expected an amount"
    );
    assert_eq!(
        Amount::parse("2.5").unwrap_err().message,
        "a count must be a whole number"
    );
    assert!(
        Amount::parse("8-6wk")
            .unwrap_err()
            .message
            .starts_with("range is inverted")
    );
}

#[test]
fn very_long_input_neither_overflows_the_stack_nor_hangs() {
    let items = "walk 1min, ".repeat(10_000) + "run 2min; repeat 20min";
    assert!(items.len() > 100_000);
    let dose = Dose::parse(&items).unwrap();
    assert_eq!(dose.items().count(), 10_001);

    let segments = "walk 1min then ".repeat(7_000) + "run 1min";
    assert_eq!(Dose::parse(&segments).unwrap().segments().len(), 7_001);

    let intensities = "walk 1min".to_owned() + &" easy".repeat(20_000);
    assert!(Dose::parse(&intensities).is_ok());

    for bad in [
        "9".repeat(100_000),
        format!("walk {}min", "9".repeat(100_000)),
        format!("walk 1.{}min", "5".repeat(100_000)),
        "a".repeat(100_000) + " 2",
        format!("run {}", "-".repeat(100_000)),
        format!("walk 1min{}", ", ".repeat(50_000)),
        "(".repeat(100_000),
        format!("walk 1min {}", "esay ".repeat(20_000)),
    ] {
        let error = error(&bad);
        assert!(error.end <= bad.len());
        let _ = error.render(&bad);
    }
}
