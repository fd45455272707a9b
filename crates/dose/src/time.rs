//! Quantities out of a dose: unit conversions, periods in days, and time spent in chosen activities.
//!
//! # How time in activities is counted ([`Dose::time_in`])
//!
//! * An item's time is its time amount (`run 20min`), or for sets whose each is a time,
//!   sets times each (`planks 3x30s` is 90s). Any other item (a distance, repetitions,
//!   no amount) takes no time in the count.
//! * A plain segment counts its items once; `; repeat 3x` counts them three times.
//! * `; repeat TOTAL` with a time: the items are done in order, over and over, and the
//!   segment stops the moment TOTAL has elapsed, possibly part-way through an item. The
//!   lower bound takes the smallest TOTAL with matching items at their shortest and the
//!   other items at their longest; the upper bound takes the largest TOTAL with matching
//!   items at their longest and the others at their shortest. Full passes are counted
//!   arithmetically, only the last partial pass is walked item by item. If a pass would
//!   take no time at all, the segment adds nothing (there is nothing to share the total).
//! * `; repeat TOTAL` with a distance: how many passes fit depends on the pace, so when
//!   a matching item is in the segment the time cannot be known and the whole result is
//!   `None` (never one pass counted as if it were the session: see
//!   `repeat_to_a_distance_counted_one_pass_as_the_running_time`).
//! * [`Dose::distance_in`] counts distance by the same rules, with distances in place of
//!   times: `walk 0.1mi, jog 0.2mi; repeat 2mi` jogs 1.3 miles. A repeat to a total time
//!   of matching items with distances (`walk 0.1mi, jog 0.1mi; repeat 20min`) makes the
//!   distance unknown, as a repeat to a distance makes the time unknown: never one pass
//!   counted as the session (see `repeat_to_a_time_counted_one_pass_as_the_distance`). A
//!   segment repeated to a distance whose matching items have no
//!   distance of their own (`walk 2min, run 3min; repeat 1mi`) counts its whole total,
//!   since the split between the items is not known.
//! * The result is `Some((0, 0))` when no item matches (including `off`), `None` when
//!   items match but none of them has a time (or the time cannot be known, as above),
//!   and otherwise the bounds. Sums saturate at `u64::MAX` milliseconds instead of
//!   overflowing.

use crate::value::{Activity, Amount, Dimension, Dose, Item, Load, Milli, Repeat, Segment, Unit};

const MILLIS_PER_DAY: u128 = 86_400_000;

fn saturate(value: u128) -> u64 {
    u64::try_from(value).unwrap_or(u64::MAX)
}

impl Amount {
    /// The lower bound of the amount in another unit of the same dimension, in
    /// thousandths of that unit, rounded to the nearest thousandth; `None` across
    /// dimensions (a time in miles).
    pub fn lo_in(&self, unit: Unit) -> Option<Milli> {
        convert(self.range.lo(), self.unit, unit)
    }

    /// The upper bound of the amount in another unit of the same dimension (see [`Amount::lo_in`]).
    pub fn hi_in(&self, unit: Unit) -> Option<Milli> {
        convert(self.range.hi(), self.unit, unit)
    }

    /// The bounds of a time amount in milliseconds (`1-2min` is `(60_000, 120_000)`);
    /// `None` for distances and counts. `up to` has a lower bound of zero.
    pub fn to_millis(&self) -> Option<(u64, u64)> {
        let (lo, hi) = self.millis()?;
        Some((saturate(lo), saturate(hi)))
    }

    /// The bounds of a time amount in whole days, each rounded up: `6-8wk` is `(42, 56)`,
    /// `10d` is `(10, 10)`, `2.5wk` is `(18, 18)`, `36h` is `(2, 2)`, `20min` is `(1, 1)`.
    /// `None` for distances and counts; `up to` has a lower bound of zero.
    pub fn to_days(&self) -> Option<(u64, u64)> {
        let (lo, hi) = self.millis()?;
        Some((
            saturate(lo.div_ceil(MILLIS_PER_DAY)),
            saturate(hi.div_ceil(MILLIS_PER_DAY)),
        ))
    }

    /// Bounds in milliseconds, unsaturated.
    fn millis(&self) -> Option<(u128, u128)> {
        self.measure(Dimension::Time)
    }

    /// Bounds in the dimension's base unit (milliseconds, millimetres), unsaturated;
    /// `None` for an amount of another dimension.
    fn measure(&self, dimension: Dimension) -> Option<(u128, u128)> {
        if self.unit.dimension() != dimension {
            return None;
        }
        let factor = self.unit.base();
        Some((
            u128::from(self.range.lo()).saturating_mul(factor) / 1000,
            u128::from(self.range.hi()).saturating_mul(factor) / 1000,
        ))
    }
}

fn convert(value: Milli, from: Unit, to: Unit) -> Option<Milli> {
    if from.dimension() != to.dimension() {
        return None;
    }
    let numerator = u128::from(value).saturating_mul(from.base());
    let denominator = to.base();
    Some(saturate(
        numerator.saturating_add(denominator / 2) / denominator,
    ))
}

/// Bounds of one item's time (or distance) in base units, if it has one.
fn item_measure(item: &Item, dimension: Dimension) -> Option<(u128, u128)> {
    match item.load.as_ref()? {
        Load::Amount(amount) => amount.measure(dimension),
        Load::Sets { sets, each } => {
            let (lo, hi) = each.measure(dimension)?;
            let sets_lo = u128::from(sets.range.lo());
            let sets_hi = u128::from(sets.range.hi());
            Some((
                lo.saturating_mul(sets_lo) / 1000,
                hi.saturating_mul(sets_hi) / 1000,
            ))
        }
    }
}

impl Dose {
    /// Bounds, in milliseconds, of the time spent over the whole session in the
    /// activities for which `pred` is true: `Some((0, 0))` if none of them appears,
    /// `None` if they appear but none has a time (`jog 2mi`). See the [module
    /// documentation](self) for the counting rules.
    ///
    /// ```
    /// # use rehab_dose::{Activity, Dose};
    /// let dose = Dose::parse("walk 1min, run 5min; repeat 20-25min").unwrap();
    /// assert_eq!(dose.time_in(Activity::is_running), Some((16 * 60_000, 20 * 60_000)));
    /// ```
    pub fn time_in(&self, pred: impl Fn(&Activity) -> bool) -> Option<(u64, u64)> {
        measure_in(self, &pred, Dimension::Time)
    }

    /// Bounds, in millimetres, of the distance covered over the whole session in the
    /// activities for which `pred` is true, counted as [`Dose::time_in`] counts time:
    /// `Some((0, 0))` if none of them appears, `None` if none of them has a distance.
    ///
    /// ```
    /// # use rehab_dose::{Activity, Dose};
    /// let dose = Dose::parse("walk 0.1mi, jog 0.2mi; repeat 2mi").unwrap();
    /// let (lo, hi) = dose.distance_in(Activity::is_running).unwrap();
    /// assert_eq!((lo / 1000, hi / 1000), (2092, 2092)); // 1.3 miles, in metres
    /// ```
    ///
    /// Distances are kept to the millimetre, so tenths of a mile lose a fraction of one:
    ///
    /// ```
    /// # use rehab_dose::{Activity, Dose};
    /// let tenth = Dose::parse("jog 0.1mi").unwrap();
    /// assert_eq!(tenth.distance_in(Activity::is_running), Some((160_934, 160_934)));
    /// ```
    pub fn distance_in(&self, pred: impl Fn(&Activity) -> bool) -> Option<(u64, u64)> {
        measure_in(self, &pred, Dimension::Distance)
    }
}

/// See the module documentation for the rules.
fn measure_in(
    dose: &Dose,
    pred: &dyn Fn(&Activity) -> bool,
    dimension: Dimension,
) -> Option<(u64, u64)> {
    let mut any_match = false;
    let mut any_measured_match = false;
    for segment in dose.segments() {
        let matching = segment.items.iter().filter(|item| pred(&item.activity));
        for item in matching {
            any_match = true;
            any_measured_match |= item_measure(item, dimension).is_some()
                || (dimension == Dimension::Distance && total_in(segment, dimension).is_some());
        }
    }
    if !any_match {
        return Some((0, 0));
    }
    if !any_measured_match {
        return None;
    }
    let mut bounds = (0u128, 0u128);
    for segment in dose.segments() {
        let (lo, hi) = segment_bounds(segment, pred, dimension)?;
        bounds = (bounds.0.saturating_add(lo), bounds.1.saturating_add(hi));
    }
    Some((saturate(bounds.0), saturate(bounds.1)))
}

/// The bounds of the segment's repeat total, if it repeats to a total of `dimension`.
fn total_in(segment: &Segment, dimension: Dimension) -> Option<(u128, u128)> {
    match &segment.repeat {
        Some(Repeat::ToTotal(total)) => total.measure(dimension),
        _ => None,
    }
}

/// One item's part in the count: whether it matches, and its shortest and longest time.
struct Part {
    matches: bool,
    lo: u128,
    hi: u128,
}

/// A segment's part of the count; `None` when it cannot be known (see the module
/// documentation): matching items repeated to a total of the other dimension.
fn segment_bounds(
    segment: &Segment,
    pred: &dyn Fn(&Activity) -> bool,
    dimension: Dimension,
) -> Option<(u128, u128)> {
    let mut any_measured_match = false;
    let parts: Vec<Part> = segment
        .items
        .iter()
        .map(|item| {
            let measured = item_measure(item, dimension);
            let matches = pred(&item.activity);
            any_measured_match |= matches && measured.is_some();
            let (lo, hi) = measured.unwrap_or((0, 0));
            Part { matches, lo, hi }
        })
        .collect();
    let any_match = parts.iter().any(|part| part.matches);
    let once = || {
        parts
            .iter()
            .filter(|part| part.matches)
            .fold((0u128, 0u128), |(lo, hi), part| {
                (lo.saturating_add(part.lo), hi.saturating_add(part.hi))
            })
    };
    Some(match &segment.repeat {
        None => once(),
        Some(Repeat::Times(times)) => {
            let (lo, hi) = once();
            let times = u128::from(*times);
            (lo.saturating_mul(times), hi.saturating_mul(times))
        }
        Some(Repeat::ToTotal(total)) => match total.measure(dimension) {
            // Timed matching items repeated to a distance: the whole distance, since the
            // share of the other items is not known.
            Some(total) if dimension == Dimension::Distance && any_match && !any_measured_match => {
                total
            }
            Some((total_lo, total_hi)) => {
                // Least matching time: matching items short, the others long.
                let least: Vec<(bool, u128)> = parts
                    .iter()
                    .map(|part| (part.matches, if part.matches { part.lo } else { part.hi }))
                    .collect();
                // Most matching time: matching items long, the others short.
                let most: Vec<(bool, u128)> = parts
                    .iter()
                    .map(|part| (part.matches, if part.matches { part.hi } else { part.lo }))
                    .collect();
                (
                    matching_until(total_lo, &least),
                    matching_until(total_hi, &most),
                )
            }
            // A quantity cannot be followed through a total of the other dimension: how
            // many passes fit depends on the pace. Matching items there make the whole
            // count unknown (for distance, matching items that have distances; those
            // without add none either way).
            None if any_match && (dimension == Dimension::Time || any_measured_match) => {
                return None;
            }
            None => once(),
        },
    })
}

/// Time spent in matching items when the items (matching flag, duration) are done in
/// order, over and over, until `total` has elapsed.
fn matching_until(total: u128, items: &[(bool, u128)]) -> u128 {
    let pass = items
        .iter()
        .fold(0u128, |sum, (_, duration)| sum.saturating_add(*duration));
    if pass == 0 {
        return 0;
    }
    let matching_per_pass = items
        .iter()
        .filter(|(matches, _)| *matches)
        .fold(0u128, |sum, (_, duration)| sum.saturating_add(*duration));
    let full_passes = total / pass;
    let mut left = total % pass;
    let mut matching = full_passes.saturating_mul(matching_per_pass);
    for (matches, duration) in items {
        if left == 0 {
            break;
        }
        let spent = left.min(*duration);
        if *matches {
            matching = matching.saturating_add(spent);
        }
        left -= spent;
    }
    matching
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: u64 = 60_000;

    fn running(text: &str) -> Option<(u64, u64)> {
        Dose::parse(text).unwrap().time_in(Activity::is_running)
    }

    fn days(text: &str) -> Option<(u64, u64)> {
        Amount::parse(text).unwrap().to_days()
    }

    #[test]
    fn repeat_to_a_total_time_cuts_the_last_pass() {
        // run 1: six passes of 3min, then 2min of walking; run 2: five passes of 4min.
        assert_eq!(
            running("walk 2min, run 1-2min; repeat 20min"),
            Some((6 * MIN, 10 * MIN))
        );
        // 20min: three passes of 6 (15 running), then walk 1 and run 1 -> 16;
        // 25min: four passes (20 running), then 1min of walking -> 20.
        assert_eq!(
            running("walk 1min, run 5min; repeat 20-25min"),
            Some((16 * MIN, 20 * MIN))
        );
        assert_eq!(
            running("walk 1min, run 10-15min; repeat 30-45min"),
            Some((27 * MIN, 42 * MIN))
        );
        assert_eq!(
            running("walk 1min, run 8min; repeat 30min"),
            Some((26 * MIN, 26 * MIN))
        );
    }

    #[test]
    fn plain_and_counted_segments() {
        assert_eq!(running("run 30-45min"), Some((30 * MIN, 45 * MIN)));
        assert_eq!(
            running("run 90s, walk 90s, run 3min, walk 3min; repeat 2x"),
            Some((9 * MIN, 9 * MIN))
        );
        assert_eq!(
            running("walk 5min brisk then run 60s, walk 90s; repeat 20min"),
            Some((8 * MIN, 8 * MIN))
        );
        assert_eq!(
            running("jog 10min then run 5min; repeat 2x"),
            Some((20 * MIN, 20 * MIN))
        );
        assert_eq!(running("run up to 30min"), Some((0, 30 * MIN)));
    }

    #[test]
    fn doses_without_matching_or_without_time() {
        assert_eq!(running("off"), Some((0, 0)));
        assert_eq!(running("bike 20min easy"), Some((0, 0)));
        // Running is there but has no time: unknown.
        assert_eq!(running("jog 2mi"), None);
        assert_eq!(running("walk 0.1mi, jog 0.2mi; repeat 2mi"), None);
        assert_eq!(running("walk 2min, jog 0.1mi; repeat 20min"), None);
        // An untimed running item beside a timed one counts as zero.
        assert_eq!(running("run 20min, jog 2mi"), Some((20 * MIN, 20 * MIN)));
    }

    /// Regression: `walk 2min, run 3min; repeat 1mi` counted one pass (3 running minutes)
    /// as the session's running time, so weeks and comparisons showed wrong minutes.
    #[test]
    fn repeat_to_a_distance_counted_one_pass_as_the_running_time() {
        assert_eq!(running("walk 2min, run 3min; repeat 1mi"), None);
        assert_eq!(running("walk 2min, run 3min rpe 3-4; repeat 1mi"), None);
        // Also beside a timed segment: part of the running cannot be timed.
        assert_eq!(
            running("run 10min then walk 1min, run 2min; repeat 2mi"),
            None
        );
        // Without running in the segment, the repeat to a distance does not matter.
        assert_eq!(
            running("walk 0.5mi; repeat 2mi then run 10min"),
            Some((10 * MIN, 10 * MIN))
        );
    }

    /// Regression: `walk 0.1mi, jog 0.1mi; repeat 20min` counted one pass (0.1 mile) as
    /// the session's running distance, so weeks showed 0.3 mi for three 20-minute sessions.
    #[test]
    fn repeat_to_a_time_counted_one_pass_as_the_distance() {
        let distance = |text: &str| Dose::parse(text).unwrap().distance_in(Activity::is_running);
        assert_eq!(distance("walk 0.1mi, jog 0.1mi; repeat 20min"), None);
        assert_eq!(distance("walk 1min, run 1km; repeat 20min"), None);
        // Beside a measured segment, part of the distance is still unknown.
        assert_eq!(
            distance("jog 1mi then walk 0.1mi, jog 0.1mi; repeat 10min"),
            None
        );
        // Without distances in the running items, a repeat to a time adds no distance.
        assert_eq!(
            distance("walk 0.5mi; repeat 10min then jog 1mi").map(|(lo, _)| lo / 1000),
            Some(1609)
        );
    }

    #[test]
    fn a_repeat_to_a_distance_with_timed_running_covers_its_total() {
        let miles = |text: &str| {
            Dose::parse(text)
                .unwrap()
                .distance_in(Activity::is_running)
                .map(|(lo, hi)| (lo / 1000, hi / 1000))
        };
        assert_eq!(miles("walk 2min, run 3min; repeat 1mi"), Some((1609, 1609)));
        assert_eq!(
            miles("walk 2min, run 3min; repeat 1-2mi"),
            Some((1609, 3218))
        );
        // Running items with distances share the total as before.
        assert_eq!(
            miles("walk 2min, jog 0.1mi; repeat 1mi"),
            Some((1609, 1609))
        );
    }

    #[test]
    fn distances_count_like_times() {
        // Compared in whole metres: a tenth of a mile is 160,934.4 mm, kept to the mm.
        let jogging = |text: &str| {
            Dose::parse(text)
                .unwrap()
                .distance_in(Activity::is_running)
                .map(|(lo, hi)| ((lo + 500) / 1000, (hi + 500) / 1000))
        };
        // Ten passes of 0.1mi walking and 0.1mi jogging: a mile jogged.
        assert_eq!(
            jogging("walk 0.1mi, jog 0.1mi; repeat 10x"),
            Some((1609, 1609))
        );
        // 2mi in passes of 0.5mi (0.4 jogging): four passes, 1.6mi jogged.
        assert_eq!(
            jogging("walk 0.1mi, jog 0.4mi; repeat 2mi"),
            Some((2575, 2575))
        );
        // 2mi in passes of 0.3mi: six passes (1.2mi jogged), then 0.1 walked, 0.1 jogged.
        assert_eq!(
            jogging("walk 0.1mi, jog 0.2mi; repeat 2mi"),
            Some((2092, 2092))
        );
        assert_eq!(jogging("jog 2.5mi"), Some((4023, 4023)));
        assert_eq!(jogging("run 5km"), Some((5000, 5000)));
        // Timed running has no distance.
        assert_eq!(jogging("run 20min"), None);
        assert_eq!(jogging("bike 10km"), Some((0, 0)));
    }

    #[test]
    fn sets_of_a_time_count() {
        let dose = Dose::parse("planks 3x30s, side-planks 2-3x20-30s, squats 3x10").unwrap();
        assert_eq!(
            dose.time_in(|_| true),
            Some((90_000 + 40_000, 90_000 + 90_000))
        );
    }

    #[test]
    fn a_pass_without_time_adds_nothing_and_does_not_loop() {
        // Least running: run takes no time and nothing else does either.
        assert_eq!(running("run up to 5min; repeat 20min"), Some((0, 20 * MIN)));
        assert_eq!(running("run 0s, walk 0s; repeat 1000000wk"), Some((0, 0)));
    }

    #[test]
    fn huge_values_saturate_instead_of_overflowing() {
        let huge =
            Dose::parse("run 1000000wk; repeat 1000000x then run 1000000wk; repeat 1000000x")
                .unwrap();
        let (lo, hi) = huge.time_in(Activity::is_running).unwrap();
        assert!(lo <= hi);
        let made = Dose::Session(vec![Segment {
            items: vec![Item {
                activity: Activity::Run,
                load: Some(Load::Sets {
                    sets: Amount::new(crate::Range::Exact(u64::MAX), Unit::Reps),
                    each: Amount::new(crate::Range::Exact(u64::MAX), Unit::Weeks),
                }),
                intensity: Vec::new(),
                effort: None,
            }],
            repeat: Some(Repeat::Times(u32::MAX)),
        }]);
        assert_eq!(
            made.time_in(Activity::is_running),
            Some((u64::MAX, u64::MAX))
        );
        // A whole-number-of-weeks repeat with one-second items: computed, not iterated.
        let many = Dose::parse("walk 1s, run 1s; repeat 1000000wk").unwrap();
        assert_eq!(
            many.time_in(Activity::is_running),
            Some((302_400_000_000_000, 302_400_000_000_000))
        );
    }

    #[test]
    fn periods_in_days_round_up() {
        assert_eq!(days("2wk"), Some((14, 14)));
        assert_eq!(days("6-8wk"), Some((42, 56)));
        assert_eq!(days("up to 12wk"), Some((0, 84)));
        assert_eq!(days("18-20wk"), Some((126, 140)));
        assert_eq!(days("10d"), Some((10, 10)));
        assert_eq!(days("up to 2wk"), Some((0, 14)));
        assert_eq!(days("2.5wk"), Some((18, 18)));
        assert_eq!(days("36h"), Some((2, 2)));
        assert_eq!(days("20min"), Some((1, 1)));
        assert_eq!(days("0d"), Some((0, 0)));
        assert_eq!(days("2mi"), None);
        assert_eq!(days("12"), None);
    }

    #[test]
    fn millis_and_conversions() {
        let amount = Amount::parse("1-2min").unwrap();
        assert_eq!(amount.to_millis(), Some((60_000, 120_000)));
        assert_eq!(amount.lo_in(Unit::Seconds), Some(60_000));
        assert_eq!(amount.hi_in(Unit::Hours), Some(33)); // 2min = 0.0333h, to the nearest thousandth
        assert_eq!(amount.lo_in(Unit::Miles), None);
        assert_eq!(Amount::parse("0.001s").unwrap().to_millis(), Some((1, 1)));
        assert_eq!(Amount::parse("2mi").unwrap().to_millis(), None);
        let mile = Amount::parse("1mi").unwrap();
        assert_eq!(mile.lo_in(Unit::Meters), Some(1_609_344));
        assert_eq!(mile.lo_in(Unit::Kilometers), Some(1_609));
        assert_eq!(
            Amount::parse("up to 3wk").unwrap().lo_in(Unit::Days),
            Some(0)
        );
        assert_eq!(
            Amount::parse("3wk").unwrap().hi_in(Unit::Days),
            Some(21_000)
        );
        assert_eq!(
            Amount::parse("8-12").unwrap().hi_in(Unit::Reps),
            Some(12_000)
        );
    }
}
