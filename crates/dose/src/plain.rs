//! Plain words for patients: `walk 2min, jog 1-2min; repeat 20min` reads
//! "walk 2 minutes, jog 1-2 minutes, repeat for 20 minutes in all".
//!
//! The canonical text ([`std::fmt::Display`]) is for authors and the parser; these words
//! are for a handout, a calendar or today's card. They carry the same facts (every
//! amount, range, intensity and effort), spelt out: units in full and singular where the
//! number is one, sets as "3 sets of 10", effort as "effort 3-4 out of 10", and repeats
//! as "repeat for TOTAL in all", "repeat until you have covered TOTAL" or "N times".

use std::fmt::Write as _;

use crate::print::write_milli;
use crate::value::{Activity, Amount, Dose, Effort, Item, Load, Range, Repeat, Segment, Unit};

impl Dose {
    /// The dose in plain words (see the module documentation); `rest day` for `off`.
    ///
    /// ```
    /// # use rehab_dose::Dose;
    /// let dose = Dose::parse("walk 2min, run 3min rpe 3-4; repeat 1mi").unwrap();
    /// assert_eq!(
    ///     dose.plain_words(),
    ///     "walk 2 minutes, run 3 minutes at effort 3-4 out of 10, repeat until you have covered 1 mile"
    /// );
    /// ```
    pub fn plain_words(&self) -> String {
        match self {
            Dose::Off => "rest day".to_string(),
            Dose::Session(segments) => segments
                .iter()
                .map(segment_words)
                .collect::<Vec<_>>()
                .join(", then "),
        }
    }
}

fn segment_words(segment: &Segment) -> String {
    let mut text = segment
        .items
        .iter()
        .map(item_words)
        .collect::<Vec<_>>()
        .join(", ");
    match &segment.repeat {
        Some(Repeat::ToTotal(total)) if total.unit.dimension() == crate::Dimension::Distance => {
            let _ = write!(
                text,
                ", repeat until you have covered {}",
                amount_words(total)
            );
        }
        Some(Repeat::ToTotal(total)) => {
            let _ = write!(text, ", repeat for {} in all", amount_words(total));
        }
        Some(Repeat::Times(1)) => text.push_str(", once"),
        Some(Repeat::Times(times)) => {
            let _ = write!(text, ", {times} times");
        }
        None => {}
    }
    text
}

fn item_words(item: &Item) -> String {
    let mut text = activity_words(&item.activity);
    match &item.load {
        Some(Load::Amount(amount)) => {
            let _ = write!(text, " {}", amount_words(amount));
        }
        Some(Load::Sets { sets, each }) => {
            let count = number(&sets.range);
            let of = if sets.range.hi() == 1000 {
                "set"
            } else {
                "sets"
            };
            // Repetitions need no unit: "3 sets of 10".
            let each = match each.unit {
                Unit::Reps => number(&each.range),
                _ => amount_words(each),
            };
            let _ = write!(text, " {count} {of} of {each}");
        }
        None => {}
    }
    if !item.intensity.is_empty() {
        let words: Vec<&str> = item.intensity.iter().map(|i| i.name()).collect();
        let _ = write!(text, " ({})", words.join(", "));
    }
    if let Some(effort) = item.effort {
        let _ = write!(text, " at {}", effort_words(effort));
    }
    text
}

fn activity_words(activity: &Activity) -> String {
    match activity {
        Activity::PoolRun => "pool running".to_string(),
        Activity::Elliptical => "elliptical trainer".to_string(),
        Activity::CrossTrain => "cross-training".to_string(),
        Activity::Exercise(name) => name.replace('-', " "),
        other => other.name().to_string(),
    }
}

fn effort_words(effort: Effort) -> String {
    if effort.lo == effort.hi {
        format!("effort {} out of {}", effort.lo, Effort::MAX)
    } else {
        format!("effort {}-{} out of {}", effort.lo, effort.hi, Effort::MAX)
    }
}

/// A number or range as words: `2`, `1-2`, `up to 12`.
fn number(range: &Range) -> String {
    let mut text = String::new();
    let _ = match *range {
        Range::Exact(n) => write_milli(&mut text, n),
        Range::Between(lo, hi) => {
            let _ = write_milli(&mut text, lo);
            text.push('-');
            write_milli(&mut text, hi)
        }
        Range::UpTo(n) => {
            text.push_str("up to ");
            write_milli(&mut text, n)
        }
    };
    text
}

/// An amount with its unit in full: `1 minute`, `1-2 minutes`, `0.5 miles`, `10 times`.
fn amount_words(amount: &Amount) -> String {
    let one = matches!(amount.range, Range::Exact(1000) | Range::UpTo(1000));
    let unit = match (amount.unit, one) {
        (Unit::Seconds, true) => "second",
        (Unit::Seconds, false) => "seconds",
        (Unit::Minutes, true) => "minute",
        (Unit::Minutes, false) => "minutes",
        (Unit::Hours, true) => "hour",
        (Unit::Hours, false) => "hours",
        (Unit::Days, true) => "day",
        (Unit::Days, false) => "days",
        (Unit::Weeks, true) => "week",
        (Unit::Weeks, false) => "weeks",
        (Unit::Meters, _) => "m",
        (Unit::Kilometers, _) => "km",
        (Unit::Miles, true) => "mile",
        (Unit::Miles, false) => "miles",
        (Unit::Reps, true) => "time",
        (Unit::Reps, false) => "times",
    };
    format!("{} {unit}", number(&amount.range))
}

#[cfg(test)]
mod tests {
    use crate::Dose;

    fn words(text: &str) -> String {
        Dose::parse(text).unwrap().plain_words()
    }

    #[test]
    fn doses_read_as_plain_words() {
        assert_eq!(
            words("walk 2min, jog 1-2min; repeat 20min"),
            "walk 2 minutes, jog 1-2 minutes, repeat for 20 minutes in all"
        );
        assert_eq!(words("run 1min"), "run 1 minute");
        assert_eq!(
            words("bike 20min low resistance high cadence"),
            "bike 20 minutes (low resistance, high cadence)"
        );
        assert_eq!(
            words("planks 3x30s, squats 3x10"),
            "planks 3 sets of 30 seconds, squats 3 sets of 10"
        );
        assert_eq!(
            words("walk 0.1mi, jog 0.1mi; repeat 10x"),
            "walk 0.1 miles, jog 0.1 miles, 10 times"
        );
        assert_eq!(
            words("run 10min then walk 1min, run 2min; repeat 2mi"),
            "run 10 minutes, then walk 1 minute, run 2 minutes, repeat until you have covered 2 miles"
        );
        assert_eq!(
            words("bike, pool-run, elliptical"),
            "bike, pool running, elliptical trainer"
        );
        assert_eq!(words("single-leg-deadlifts"), "single leg deadlifts");
        assert_eq!(
            words("run 20min rpe 4"),
            "run 20 minutes at effort 4 out of 10"
        );
        assert_eq!(words("off"), "rest day");
    }
}
