//! Typed values of the dose notation: what a parsed dose means, independent of how it was written.

use serde::Serialize;

/// A quantity in thousandths: `2.5` is `2500`, `0.1` is `100`.
///
/// The parser accepts numbers up to [`MAX_NUMBER`] with at most three decimals, so a
/// parsed `Milli` never exceeds `MAX_NUMBER * 1000`.
pub type Milli = u64;

/// The largest number the notation accepts (before the unit): one million.
pub const MAX_NUMBER: u64 = 1_000_000;

/// One day's dose: a rest day, or a session made of segments done one after the other.
///
/// Printing a value (`Display`) gives its canonical text, and [`Dose::parse`] reads that
/// text back to an equal value for every value the parser can produce. Those are the
/// values within these limits: at least one segment, each with at least one item;
/// numbers at most [`MAX_NUMBER`] in thousandths; `Between(lo, hi)` with `lo <= hi`;
/// exercise names of lowercase letters joined by single hyphens that are neither a
/// known activity (or its alias) nor a keyword; sets and repetitions whole numbers
/// ([`Unit::Reps`]), sets exact or a range from 1; a repeat total that is a time or a
/// distance, a repeat count from 1 to [`MAX_NUMBER`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Dose {
    /// `off`: a rest day.
    Off,
    /// Segments joined by `then`, in order. A parsed session has at least one segment.
    Session(Vec<Segment>),
}

/// A sequence of items, optionally repeated (`walk 2min, run 1min; repeat 20min`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Segment {
    /// The items in the order they are done. A parsed segment has at least one item.
    pub items: Vec<Item>,
    /// How the items are repeated, if they are.
    pub repeat: Option<Repeat>,
}

/// How a segment's items are repeated.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Repeat {
    /// `; repeat 20min`, `; repeat 2mi`: go through the items again and again until the
    /// total time or distance is reached (the last pass may stop part-way through an item).
    ToTotal(Amount),
    /// `; repeat 3x`: go through the items this many times in all.
    Times(u32),
}

/// One activity with what to do of it: `run 1-2min`, `planks 3x30s`, `bike easy high cadence`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Item {
    /// What is done.
    pub activity: Activity,
    /// How much of it, if said.
    pub load: Option<Load>,
    /// How hard, in the order written.
    pub intensity: Vec<Intensity>,
    /// How hard it should feel on the 0-10 scale of perceived exertion (`rpe 3-4`), if said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effort: Option<Effort>,
}

/// An effort on the 0-10 scale of rated perceived exertion: `rpe 3` or `rpe 3-5`.
///
/// A parsed effort has whole numbers with `lo <= hi <= 10`; `rpe 3` has `lo == hi`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Effort {
    /// The lower end of the scale range.
    pub lo: u8,
    /// The upper end of the scale range.
    pub hi: u8,
}

/// How much of an activity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Load {
    /// A time or a distance: `20min`, `0.1mi`, `up to 30min`.
    Amount(Amount),
    /// Sets: `3x30s` (each set lasts an amount), `3x8-12` (each set is a count of repetitions).
    Sets {
        /// How many sets; its unit is [`Unit::Reps`] and its numbers are whole.
        sets: Amount,
        /// What each set is: an amount with a unit, or a count with [`Unit::Reps`].
        each: Amount,
    },
}

/// What is done. Known activities matter to the engine (running time, cross-training);
/// any other word is an exercise.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Activity {
    /// `walk` (also `walking`).
    Walk,
    /// `run` (also `running`).
    Run,
    /// `jog` (also `jogging`).
    Jog,
    /// `bike` (also `biking`, `cycling`, `cycle`).
    Bike,
    /// `swim` (also `swimming`).
    Swim,
    /// `pool-run` (also `pool-running`, `aqua-jogging`, `deep-water-running`).
    PoolRun,
    /// `elliptical`.
    Elliptical,
    /// `cross-train` (also `cross-training`).
    CrossTrain,
    /// Any other lowercase word of letters joined by hyphens: `planks`, `single-leg-balance`.
    Exercise(String),
}

/// How hard an item is done. The list is fixed so that typos are caught.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Intensity {
    /// `easy`
    Easy,
    /// `moderate`
    Moderate,
    /// `hard`
    Hard,
    /// `brisk`
    Brisk,
    /// `steady`
    Steady,
    /// `high cadence`
    HighCadence,
    /// `low resistance`
    LowResistance,
    /// `light`
    Light,
    /// `gentle`
    Gentle,
    /// `comfortable`
    Comfortable,
    /// `tempo`
    Tempo,
    /// `pain-free`
    PainFree,
}

/// A number or a range of numbers with one unit: `20min`, `1-2min`, `up to 12wk`, `8-12`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Amount {
    /// The number or numbers, in thousandths of the unit.
    pub range: Range,
    /// The unit shared by every number of the range.
    pub unit: Unit,
}

/// The numbers of an amount, in thousandths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Range {
    /// `20`
    Exact(Milli),
    /// `1-2`: from the first to the second, both included; the parser refuses `lo > hi`.
    Between(Milli, Milli),
    /// `up to 12`: anything from zero to the number.
    UpTo(Milli),
}

/// The unit of an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Unit {
    /// `s`
    Seconds,
    /// `min`
    Minutes,
    /// `h`
    Hours,
    /// `d`
    Days,
    /// `wk`
    Weeks,
    /// `m`
    Meters,
    /// `km`
    Kilometers,
    /// `mi`
    Miles,
    /// A bare count (sets, repetitions): written without a unit.
    Reps,
}

/// What a unit measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Dimension {
    /// Seconds, minutes, hours, days, weeks.
    Time,
    /// Meters, kilometers, miles.
    Distance,
    /// Repetitions and sets.
    Count,
}

impl Dose {
    /// The segments of the session, in order; none for `off`.
    pub fn segments(&self) -> &[Segment] {
        match self {
            Dose::Off => &[],
            Dose::Session(segments) => segments,
        }
    }

    /// Every item of every segment, in order.
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.segments()
            .iter()
            .flat_map(|segment| segment.items.iter())
    }

    /// Whether any amount of the dose (a load, each of a set, or a repeat's total) is
    /// written in `unit`.
    pub fn uses_unit(&self, unit: Unit) -> bool {
        self.segments().iter().any(|s| {
            let load = s.items.iter().any(|i| match &i.load {
                Some(Load::Amount(a)) | Some(Load::Sets { each: a, .. }) => a.unit == unit,
                None => false,
            });
            load || matches!(&s.repeat, Some(Repeat::ToTotal(a)) if a.unit == unit)
        })
    }

    /// Whether this is a rest day.
    pub fn is_off(&self) -> bool {
        matches!(self, Dose::Off)
    }
}

impl Activity {
    /// Running for the engine's running-time rules: `run` and `jog`.
    pub fn is_running(&self) -> bool {
        matches!(self, Activity::Run | Activity::Jog)
    }

    /// Cross-training: `bike`, `swim`, `pool-run`, `elliptical`, `cross-train`.
    pub fn is_cross_training(&self) -> bool {
        matches!(
            self,
            Activity::Bike
                | Activity::Swim
                | Activity::PoolRun
                | Activity::Elliptical
                | Activity::CrossTrain
        )
    }

    /// The canonical name: `walk`, `pool-run`, or the exercise's own name.
    pub fn name(&self) -> &str {
        match self {
            Activity::Walk => "walk",
            Activity::Run => "run",
            Activity::Jog => "jog",
            Activity::Bike => "bike",
            Activity::Swim => "swim",
            Activity::PoolRun => "pool-run",
            Activity::Elliptical => "elliptical",
            Activity::CrossTrain => "cross-train",
            Activity::Exercise(name) => name,
        }
    }

    /// The known activities (every variant but [`Activity::Exercise`]).
    pub const KNOWN: [Activity; 8] = [
        Activity::Walk,
        Activity::Run,
        Activity::Jog,
        Activity::Bike,
        Activity::Swim,
        Activity::PoolRun,
        Activity::Elliptical,
        Activity::CrossTrain,
    ];
}

impl Intensity {
    /// Every intensity word, in the order the reference lists them.
    pub const ALL: [Intensity; 12] = [
        Intensity::Easy,
        Intensity::Moderate,
        Intensity::Hard,
        Intensity::Brisk,
        Intensity::Steady,
        Intensity::HighCadence,
        Intensity::LowResistance,
        Intensity::Light,
        Intensity::Gentle,
        Intensity::Comfortable,
        Intensity::Tempo,
        Intensity::PainFree,
    ];

    /// The canonical words: `easy`, `high cadence`.
    pub fn name(self) -> &'static str {
        match self {
            Intensity::Easy => "easy",
            Intensity::Moderate => "moderate",
            Intensity::Hard => "hard",
            Intensity::Brisk => "brisk",
            Intensity::Steady => "steady",
            Intensity::HighCadence => "high cadence",
            Intensity::LowResistance => "low resistance",
            Intensity::Light => "light",
            Intensity::Gentle => "gentle",
            Intensity::Comfortable => "comfortable",
            Intensity::Tempo => "tempo",
            Intensity::PainFree => "pain-free",
        }
    }
}

impl Effort {
    /// The top of the scale: 10 is maximal effort.
    pub const MAX: u8 = 10;
}

impl Range {
    /// The smallest number of the range; zero for `up to`.
    pub fn lo(&self) -> Milli {
        match *self {
            Range::Exact(n) | Range::Between(n, _) => n,
            Range::UpTo(_) => 0,
        }
    }

    /// The largest number of the range.
    pub fn hi(&self) -> Milli {
        match *self {
            Range::Exact(n) | Range::Between(_, n) | Range::UpTo(n) => n,
        }
    }
}

impl Unit {
    /// Every unit.
    pub const ALL: [Unit; 9] = [
        Unit::Seconds,
        Unit::Minutes,
        Unit::Hours,
        Unit::Days,
        Unit::Weeks,
        Unit::Meters,
        Unit::Kilometers,
        Unit::Miles,
        Unit::Reps,
    ];

    /// What the unit measures.
    pub fn dimension(self) -> Dimension {
        match self {
            Unit::Seconds | Unit::Minutes | Unit::Hours | Unit::Days | Unit::Weeks => {
                Dimension::Time
            }
            Unit::Meters | Unit::Kilometers | Unit::Miles => Dimension::Distance,
            Unit::Reps => Dimension::Count,
        }
    }

    /// The canonical short unit written after a number; empty for [`Unit::Reps`].
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::Seconds => "s",
            Unit::Minutes => "min",
            Unit::Hours => "h",
            Unit::Days => "d",
            Unit::Weeks => "wk",
            Unit::Meters => "m",
            Unit::Kilometers => "km",
            Unit::Miles => "mi",
            Unit::Reps => "",
        }
    }

    /// How many of the dimension's base unit one of this unit is: milliseconds for
    /// time, millimeters for distance, one for counts.
    pub(crate) fn base(self) -> u128 {
        match self {
            Unit::Seconds => 1_000,
            Unit::Minutes => 60_000,
            Unit::Hours => 3_600_000,
            Unit::Days => 86_400_000,
            Unit::Weeks => 604_800_000,
            Unit::Meters => 1_000,
            Unit::Kilometers => 1_000_000,
            Unit::Miles => 1_609_344,
            Unit::Reps => 1,
        }
    }
}

impl Amount {
    /// An amount from its parts.
    pub fn new(range: Range, unit: Unit) -> Amount {
        Amount { range, unit }
    }

    /// An exact whole number of a unit: `Amount::whole(20, Unit::Minutes)` is `20min`.
    /// Saturates rather than overflowing.
    pub fn whole(n: u64, unit: Unit) -> Amount {
        Amount {
            range: Range::Exact(n.saturating_mul(1000)),
            unit,
        }
    }

    /// What the amount measures.
    pub fn dimension(&self) -> Dimension {
        self.unit.dimension()
    }
}
