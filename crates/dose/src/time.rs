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
//! * `; repeat TOTAL` with a distance: the time cannot be known, so the segment counts as
//!   a single pass.
//! * The result is `Some((0, 0))` when no item matches (including `off`), `None` when
//!   items match but none of them has a time, and otherwise the bounds. Sums saturate
//!   at `u64::MAX` milliseconds instead of overflowing.

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
        if self.unit.dimension() != Dimension::Time {
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

/// Bounds in milliseconds of one item's time, if it has one.
fn item_millis(item: &Item) -> Option<(u128, u128)> {
    match item.load.as_ref()? {
        Load::Amount(amount) => amount.millis(),
        Load::Sets { sets, each } => {
            let (lo, hi) = each.millis()?;
            let sets_lo = u128::from(sets.range.lo());
            let sets_hi = u128::from(sets.range.hi());
            Some((
                lo.saturating_mul(sets_lo) / 1000,
                hi.saturating_mul(sets_hi) / 1000,
            ))
        }
    }
}

/// See the module documentation for the rules.
pub(crate) fn time_in(dose: &Dose, pred: &dyn Fn(&Activity) -> bool) -> Option<(u64, u64)> {
    let mut any_match = false;
    let mut any_timed_match = false;
    for item in dose.items() {
        if pred(&item.activity) {
            any_match = true;
            any_timed_match |= item_millis(item).is_some();
        }
    }
    if !any_match {
        return Some((0, 0));
    }
    if !any_timed_match {
        return None;
    }
    let (lo, hi) = dose
        .segments()
        .iter()
        .map(|segment| segment_bounds(segment, pred))
        .fold((0u128, 0u128), |(lo, hi), (segment_lo, segment_hi)| {
            (lo.saturating_add(segment_lo), hi.saturating_add(segment_hi))
        });
    Some((saturate(lo), saturate(hi)))
}

/// One item's part in the count: whether it matches, and its shortest and longest time.
struct Part {
    matches: bool,
    lo: u128,
    hi: u128,
}

fn segment_bounds(segment: &Segment, pred: &dyn Fn(&Activity) -> bool) -> (u128, u128) {
    let parts: Vec<Part> = segment
        .items
        .iter()
        .map(|item| {
            let (lo, hi) = item_millis(item).unwrap_or((0, 0));
            Part {
                matches: pred(&item.activity),
                lo,
                hi,
            }
        })
        .collect();
    let once = || {
        parts
            .iter()
            .filter(|part| part.matches)
            .fold((0u128, 0u128), |(lo, hi), part| {
                (lo.saturating_add(part.lo), hi.saturating_add(part.hi))
            })
    };
    match &segment.repeat {
        None => once(),
        Some(Repeat::Times(times)) => {
            let (lo, hi) = once();
            let times = u128::from(*times);
            (lo.saturating_mul(times), hi.saturating_mul(times))
        }
        Some(Repeat::ToTotal(total)) => match total.millis() {
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
            None => once(),
        },
    }
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
