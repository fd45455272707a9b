//! Canonical printing round-trips: printed values parse back to themselves, and loose input settles.

use proptest::prelude::*;
use rehab_dose::{
    Activity, Amount, Dose, Effort, Intensity, Item, Load, MAX_NUMBER, Milli, Range, Repeat,
    Segment, Unit,
};

const MAX_MILLI: Milli = MAX_NUMBER * 1000;

// ---------------------------------------------------------------- strategies

/// Thousandths, mostly small and readable, sometimes anywhere up to the limit.
fn milli() -> impl Strategy<Value = Milli> {
    prop_oneof![
        4 => (0u64..200).prop_map(|n| n * 1000),
        3 => 0u64..100_000,
        1 => 0u64..=MAX_MILLI,
        1 => Just(MAX_MILLI),
    ]
}

/// Whole numbers in thousandths, from `min`.
fn whole(min: u64) -> impl Strategy<Value = Milli> {
    prop_oneof![4 => min..50u64, 1 => min..=MAX_NUMBER].prop_map(|n| n * 1000)
}

fn range_of() -> impl Strategy<Value = Range> {
    prop_oneof![
        milli().prop_map(Range::Exact),
        (milli(), milli()).prop_map(|(a, b)| Range::Between(a.min(b), a.max(b))),
        milli().prop_map(Range::UpTo),
    ]
}

/// Whole-number ranges from `min`; "up to" only where `min` is zero (not for sets).
fn count_range(min: u64) -> impl Strategy<Value = Range> {
    let up_to_weight = if min == 0 { 1 } else { 0 };
    prop_oneof![
        2 => whole(min).prop_map(Range::Exact),
        2 => (whole(min), whole(min)).prop_map(|(a, b)| Range::Between(a.min(b), a.max(b))),
        up_to_weight => whole(0).prop_map(Range::UpTo),
    ]
}

fn measured_unit() -> impl Strategy<Value = Unit> {
    prop::sample::select(
        Unit::ALL
            .iter()
            .copied()
            .filter(|unit| *unit != Unit::Reps)
            .collect::<Vec<_>>(),
    )
}

/// A time or distance amount, in any range form.
fn measured_amount() -> impl Strategy<Value = Amount> {
    (range_of(), measured_unit()).prop_map(|(range, unit)| Amount::new(range, unit))
}

/// A bare count: whole numbers, exact, a range or "up to".
fn count_amount(min: u64) -> impl Strategy<Value = Amount> {
    count_range(min).prop_map(|range| Amount::new(range, Unit::Reps))
}

fn exercise() -> impl Strategy<Value = Activity> {
    "[a-z]{1,8}(-[a-z]{1,6}){0,2}".prop_filter_map(
        "keywords and known activities are not exercises",
        |name| {
            // Keep only names the notation reads as this very exercise.
            let activity = Activity::Exercise(name.clone());
            (Activity::from_name(&name) == Some(activity.clone())).then_some(activity)
        },
    )
}

fn activity() -> impl Strategy<Value = Activity> {
    prop_oneof![
        2 => prop::sample::select(Activity::KNOWN.to_vec()),
        1 => exercise(),
    ]
}

fn load() -> impl Strategy<Value = Load> {
    prop_oneof![
        measured_amount().prop_map(Load::Amount),
        (
            count_amount(1),
            prop_oneof![measured_amount(), count_amount(0)]
        )
            .prop_map(|(sets, each)| Load::Sets { sets, each }),
    ]
}

fn item() -> impl Strategy<Value = Item> {
    (
        activity(),
        prop::option::of(load()),
        prop::collection::vec(prop::sample::select(Intensity::ALL.to_vec()), 0..3),
        prop::option::of(effort()),
    )
        .prop_map(|(activity, load, intensity, effort)| Item {
            activity,
            load,
            intensity,
            effort,
        })
}

/// An effort on the 0-10 scale: one number or a range with `lo <= hi`.
fn effort() -> impl Strategy<Value = Effort> {
    (0..=Effort::MAX, 0..=Effort::MAX).prop_map(|(a, b)| Effort {
        lo: a.min(b),
        hi: a.max(b),
    })
}

fn repeat() -> impl Strategy<Value = Repeat> {
    prop_oneof![
        measured_amount().prop_map(Repeat::ToTotal),
        prop_oneof![1u32..20, 1u32..=1_000_000].prop_map(Repeat::Times),
    ]
}

fn segment() -> impl Strategy<Value = Segment> {
    (
        prop::collection::vec(item(), 1..5),
        prop::option::of(repeat()),
    )
        .prop_map(|(items, repeat)| Segment { items, repeat })
}

fn dose() -> impl Strategy<Value = Dose> {
    prop_oneof![
        1 => Just(Dose::Off),
        8 => prop::collection::vec(segment(), 1..4).prop_map(Dose::Session),
    ]
}

fn any_amount() -> impl Strategy<Value = Amount> {
    prop_oneof![3 => measured_amount(), 1 => count_amount(0)]
}

// ---------------------------------------------------------------- properties

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn printed_doses_parse_back(dose in dose()) {
        let text = dose.to_string();
        prop_assert_eq!(Dose::parse(&text), Ok(dose), "{}", text);
    }

    #[test]
    fn printed_amounts_parse_back(amount in any_amount()) {
        let text = amount.to_string();
        prop_assert_eq!(Amount::parse(&text), Ok(amount), "{}", text);
    }

    #[test]
    fn time_bounds_are_ordered(dose in dose()) {
        for bounds in [
            dose.time_in(Activity::is_running),
            dose.time_in(Activity::is_cross_training),
            dose.time_in(|_| true),
        ]
        .into_iter()
        .flatten()
        {
            prop_assert!(bounds.0 <= bounds.1, "{:?} for {}", bounds, dose);
        }
    }

    /// Arbitrary text never panics, and errors point inside the text on char boundaries.
    #[test]
    fn any_text_gives_a_value_or_a_located_error(text in "\\PC{0,40}") {
        for result in [Dose::parse(&text).map(|_| ()), Amount::parse(&text).map(|_| ())] {
            if let Err(error) = result {
                prop_assert!(error.start <= error.end && error.end <= text.len());
                prop_assert!(text.is_char_boundary(error.start) && text.is_char_boundary(error.end));
                prop_assert!(!error.message.is_empty() && !error.message.ends_with('.'));
                prop_assert!(!error.message.contains('_'), "rule name leaked: {}", error.message);
                let _ = error.render(&text);
            }
        }
    }

    /// Text made of dose-like tokens: parse results, when they succeed, print canonically
    /// and that text is stable.
    #[test]
    fn parsed_text_reaches_a_fixed_point(
        words in prop::collection::vec(
            prop::sample::select(vec![
                "walk", "run", "Jog", "bike", "planks", "easy", "high", "cadence", "then",
                "repeat", "up", "to", "off", "2", "1-2", "0.5", "min", "mins", "s", "mi",
                "3x10", "x", ",", ";", "-", " ",
            ]),
            1..12,
        )
    ) {
        let text = words.join(" ");
        if let Ok(dose) = Dose::parse(&text) {
            let canonical = dose.to_string();
            let again = Dose::parse(&canonical);
            prop_assert_eq!(again.as_ref(), Ok(&dose), "{}", canonical);
            prop_assert_eq!(again.map(|d| d.to_string()), Ok(canonical));
        } else if let Err(error) = Dose::parse(&text) {
            prop_assert!(error.end <= text.len());
        }
    }
}

// ---------------------------------------------------------------- loose input

/// Non-canonical inputs and the canonical text each must settle to.
const LOOSE: &[(&str, &str)] = &[
    (
        "Walk 2 Minutes , RUNNING 1 - 2 mins ;REPEAT 20 min",
        "walk 2min, run 1-2min; repeat 20min",
    ),
    ("  OFF  ", "off"),
    ("walk 30 secs", "walk 30s"),
    ("walk 30 second", "walk 30s"),
    ("walk 30 seconds", "walk 30s"),
    ("walk 30 sec", "walk 30s"),
    ("walk 2 minute", "walk 2min"),
    ("bike 1 hr", "bike 1h"),
    ("bike 2 hrs", "bike 2h"),
    ("bike 1 hour", "bike 1h"),
    ("bike 2 HOURS", "bike 2h"),
    ("rest-days 2 days", "rest-days 2d"),
    ("rest-days 1 day", "rest-days 1d"),
    ("jog 3 miles", "jog 3mi"),
    ("jog 1 mile", "jog 1mi"),
    ("swim 400 meters", "swim 400m"),
    ("swim 400 metre", "swim 400m"),
    ("run 5 kilometres", "run 5km"),
    ("run 5 kilometer", "run 5km"),
    ("walk 2.50mi", "walk 2.5mi"),
    ("walk 02min", "walk 2min"),
    ("run 20min-30min", "run 20-30min"),
    ("run up   to 30 min", "run up to 30min"),
    ("Planks 3 X 30 S", "planks 3x30s"),
    ("calf-raises 3 x up to 20", "calf-raises 3xup to 20"),
    ("squats 2 - 3 x 8 - 12", "squats 2-3x8-12"),
    (
        "bike easy 20min high  cadence",
        "bike 20min easy high cadence",
    ),
    ("walking 5min,jogging 5min", "walk 5min, jog 5min"),
    ("cycling 10min", "bike 10min"),
    ("Aqua-Jogging 10min", "pool-run 10min"),
    ("cross-training", "cross-train"),
    ("walk 1min ; repeat 3 X", "walk 1min; repeat 3x"),
    ("walk 1min;repeat20min", "walk 1min; repeat 20min"),
    ("walk 5min\tthen\trun 1min", "walk 5min then run 1min"),
    ("walk 5min\nthen run 1min\n", "walk 5min then run 1min"),
    ("run 3min rpe3", "run 3min rpe 3"),
    ("run 3min rpe 3 - 4", "run 3min rpe 3-4"),
    ("run 3min rpe 4-4", "run 3min rpe 4"),
    ("Run 3 Mins Easy rpe 03", "run 3min easy rpe 3"),
];

#[test]
fn loose_input_settles_to_the_canonical_text() {
    for (input, canonical) in LOOSE {
        let dose = Dose::parse(input).unwrap_or_else(|error| panic!("{}", error.render(input)));
        assert_eq!(dose.to_string(), *canonical, "{input:?}");
        assert_eq!(Dose::parse(canonical), Ok(dose), "{input:?}");
    }
}

#[test]
fn loose_amounts_settle_to_the_canonical_text() {
    for (input, canonical) in [
        ("6 - 8 weeks", "6-8wk"),
        ("Up To 12 Wks", "up to 12wk"),
        ("10 days", "10d"),
        ("2 week", "2wk"),
        (" 12 ", "12"),
        ("UP TO 12", "up to 12"),
        ("8 - 12", "8-12"),
    ] {
        let amount = Amount::parse(input).unwrap_or_else(|error| panic!("{}", error.render(input)));
        assert_eq!(amount.to_string(), canonical, "{input:?}");
        assert_eq!(Amount::parse(canonical), Ok(amount));
    }
}

#[test]
fn from_str_matches_parse() {
    let dose: Dose = "walk 2min, run 1-2min; repeat 20min".parse().unwrap();
    assert_eq!(dose.segments().len(), 1);
    let amount: Amount = "up to 12wk".parse().unwrap();
    assert_eq!(amount, Amount::new(Range::UpTo(12_000), Unit::Weeks));
}

#[test]
fn display_of_each_type() {
    assert_eq!(Unit::Minutes.to_string(), "min");
    assert_eq!(Unit::Reps.to_string(), "reps");
    assert_eq!(Intensity::HighCadence.to_string(), "high cadence");
    assert_eq!(Activity::PoolRun.to_string(), "pool-run");
    assert_eq!(Activity::Exercise("ice".into()).to_string(), "ice");
    assert_eq!(Range::Between(1000, 2500).to_string(), "1-2.5");
    assert_eq!(Range::UpTo(100).to_string(), "up to 0.1");
    assert_eq!(Repeat::Times(2).to_string(), "repeat 2x");
    assert_eq!(
        Repeat::ToTotal(Amount::whole(20, Unit::Minutes)).to_string(),
        "repeat 20min"
    );
    let sets = Load::Sets {
        sets: Amount::whole(3, Unit::Reps),
        each: Amount::new(Range::Between(8000, 12_000), Unit::Reps),
    };
    assert_eq!(sets.to_string(), "3x8-12");
    assert_eq!(rehab_dose::Dimension::Distance.to_string(), "distance");
}

#[test]
fn activity_names_and_classes() {
    assert_eq!(Activity::from_name("running"), Some(Activity::Run));
    assert_eq!(
        Activity::from_name("Planks"),
        Some(Activity::Exercise("planks".into()))
    );
    assert_eq!(Activity::from_name("then"), None);
    assert_eq!(Activity::from_name("easy"), None);
    assert_eq!(Activity::from_name("two words"), None);
    for activity in Activity::KNOWN {
        assert_eq!(Activity::from_name(activity.name()), Some(activity.clone()));
        assert!(!(activity.is_running() && activity.is_cross_training()));
    }
    assert!(Activity::Jog.is_running() && Activity::Run.is_running());
    assert!(!Activity::Walk.is_running() && !Activity::Walk.is_cross_training());
    assert!(Activity::Elliptical.is_cross_training());
    assert!(!Activity::Exercise("run-drills".into()).is_running());
}
