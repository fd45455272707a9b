//! Canonical printing: every value's `Display` is the text the parser reads back to the same value.
//!
//! The canonical text is lowercase, uses the short units (`s`, `min`, `h`, `d`, `wk`,
//! `m`, `km`, `mi`), writes numbers without trailing zeros (`0.1`, `2.5`, `20`), puts
//! a unit straight after its number (`20min`), one space between words, `, ` between
//! items, `; repeat ` before a repeat and ` then ` between segments. An item is written
//! activity, load, intensity words, then its effort (`run 3min easy rpe 3-4`).

use std::fmt::{self, Display, Formatter, Write as _};

use crate::value::{
    Activity, Amount, Dimension, Dose, Effort, Intensity, Item, Load, Milli, Range, Repeat,
    Segment, Unit,
};

/// Writes thousandths as a plain decimal number: `2500` is `2.5`, `100` is `0.1`, `20000` is `20`.
pub(crate) fn write_milli(f: &mut impl fmt::Write, value: Milli) -> fmt::Result {
    let whole = value / 1000;
    let fraction = value % 1000;
    if fraction == 0 {
        write!(f, "{whole}")
    } else {
        let digits = format!("{fraction:03}");
        write!(f, "{whole}.{}", digits.trim_end_matches('0'))
    }
}

/// Thousandths as a plain decimal number, as a string.
pub(crate) fn milli_text(value: Milli) -> String {
    let mut text = String::new();
    // Writing to a String cannot fail.
    let _ = write_milli(&mut text, value);
    text
}

impl Display for Dose {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Dose::Off => f.write_str("off"),
            Dose::Session(segments) => {
                for (index, segment) in segments.iter().enumerate() {
                    if index > 0 {
                        f.write_str(" then ")?;
                    }
                    write!(f, "{segment}")?;
                }
                Ok(())
            }
        }
    }
}

impl Display for Segment {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (index, item) in self.items.iter().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{item}")?;
        }
        if let Some(repeat) = &self.repeat {
            write!(f, "; {repeat}")?;
        }
        Ok(())
    }
}

impl Display for Repeat {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Repeat::ToTotal(amount) => write!(f, "repeat {amount}"),
            Repeat::Times(times) => write!(f, "repeat {times}x"),
        }
    }
}

impl Display for Item {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.activity)?;
        if let Some(load) = &self.load {
            write!(f, " {load}")?;
        }
        for intensity in &self.intensity {
            write!(f, " {intensity}")?;
        }
        if let Some(effort) = &self.effort {
            write!(f, " {effort}")?;
        }
        Ok(())
    }
}

impl Display for Load {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Load::Amount(amount) => write!(f, "{amount}"),
            Load::Sets { sets, each } => write!(f, "{sets}x{each}"),
        }
    }
}

impl Display for Activity {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Display for Intensity {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Display for Effort {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.lo == self.hi {
            write!(f, "rpe {}", self.lo)
        } else {
            write!(f, "rpe {}-{}", self.lo, self.hi)
        }
    }
}

impl Display for Amount {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.range, self.unit.symbol())
    }
}

impl Display for Range {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match *self {
            Range::Exact(value) => write_milli(f, value),
            Range::Between(lo, hi) => {
                write_milli(f, lo)?;
                f.write_char('-')?;
                write_milli(f, hi)
            }
            Range::UpTo(value) => {
                f.write_str("up to ")?;
                write_milli(f, value)
            }
        }
    }
}

/// A unit prints as its short symbol; [`Unit::Reps`], which has no symbol in dose
/// text, prints as `reps`.
impl Display for Unit {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Unit::Seconds => f.write_str("s"),
            Unit::Minutes => f.write_str("min"),
            Unit::Hours => f.write_str("h"),
            Unit::Days => f.write_str("d"),
            Unit::Weeks => f.write_str("wk"),
            Unit::Meters => f.write_str("m"),
            Unit::Kilometers => f.write_str("km"),
            Unit::Miles => f.write_str("mi"),
            Unit::Reps => f.write_str("reps"),
        }
    }
}

impl Display for Dimension {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Dimension::Time => f.write_str("time"),
            Dimension::Distance => f.write_str("distance"),
            Dimension::Count => f.write_str("count"),
        }
    }
}
