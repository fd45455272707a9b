//! Reading dose text: the pest parser for `grammar/dose.pest` and the step from pairs to typed values.
//!
//! The grammar decides the shape; this module checks what the grammar leaves open
//! (number sizes, decimal places, whole counts, inverted ranges, unknown intensity
//! words) and turns pest's failures into [`DoseError`]s with readable messages.

use pest::Parser as _;
use pest::error::{Error as PestError, ErrorVariant, InputLocation};
use pest::iterators::{Pair, Pairs};
use pest_derive::Parser;

use crate::error::DoseError;
use crate::print::milli_text;
use crate::value::{
    Activity, Amount, Dose, Effort, Intensity, Item, Load, MAX_NUMBER, Milli, Range, Repeat,
    Segment, Unit,
};

/// The parser generated from the grammar file at the workspace root. pest_derive looks
/// the path up relative to this crate's manifest directory.
#[derive(Parser, Debug)]
#[grammar = "../../grammar/dose.pest"]
struct DoseParser;

type Built<T> = Result<T, DoseError>;

/// The list shown when a unit is missing or misspelled.
const UNITS_HINT: &str = "a unit (s, min, h, d, wk, m, km, mi)";

impl Dose {
    /// Reads one dose: `off`, or a session such as `walk 2min, run 1-2min; repeat 20min`.
    ///
    /// Input is case-insensitive and may use unit aliases and extra spaces; the value
    /// prints back ([`Display`](std::fmt::Display)) in canonical form.
    pub fn parse(input: &str) -> Result<Dose, DoseError> {
        let pair = top_pair(input, Rule::dose_input)?;
        let dose = first_inner(pair, "a dose")?;
        build_dose(dose)
    }
}

impl std::str::FromStr for Dose {
    type Err = DoseError;

    fn from_str(input: &str) -> Result<Dose, DoseError> {
        Dose::parse(input)
    }
}

impl Amount {
    /// Reads an amount on its own, as used for phase durations and table values:
    /// `2wk`, `6-8wk`, `up to 12wk`, `10 days`, or a bare whole count such as `12` or `8-12`
    /// (unit [`Unit::Reps`]). Callers that need a time check [`Amount::dimension`].
    pub fn parse(input: &str) -> Result<Amount, DoseError> {
        let pair = top_pair(input, Rule::amount_input)?;
        let lone = first_inner(pair, "an amount")?;
        let inner = first_inner(lone, "an amount")?;
        match inner.as_rule() {
            Rule::amount => build_amount(inner),
            _ => build_count(inner, "a count"),
        }
    }
}

impl std::str::FromStr for Amount {
    type Err = DoseError;

    fn from_str(input: &str) -> Result<Amount, DoseError> {
        Amount::parse(input)
    }
}

impl Activity {
    /// The activity a single word names, as the notation reads it: `running` is
    /// [`Activity::Run`], `Planks` is the exercise `planks`. `None` if the text is not one
    /// activity word or is a keyword (`then`, `easy`, …).
    pub fn from_name(name: &str) -> Option<Activity> {
        // No error translation here: `translate` itself asks this question.
        let mut pairs = DoseParser::parse(Rule::activity_input, name).ok()?;
        let activity = pairs.next()?.into_inner().next()?;
        build_activity(activity).ok()
    }
}

/// Runs the parser from `rule` and returns the top pair (the entry rule's own pair).
fn top_pair(input: &str, rule: Rule) -> Built<Pair<'_, Rule>> {
    let noun = match rule {
        Rule::amount_input => "amount",
        _ => "dose",
    };
    if input.trim().is_empty() {
        return Err(DoseError::new(
            0,
            input.len(),
            format!("the {noun} is empty"),
        ));
    }
    let mut pairs: Pairs<'_, Rule> =
        DoseParser::parse(rule, input).map_err(|error| translate(input, noun, error))?;
    pairs
        .next()
        .ok_or_else(|| DoseError::new(0, input.len(), "internal error: nothing was parsed"))
}

/// The first inner pair, or an internal error naming what was expected.
fn first_inner<'i>(pair: Pair<'i, Rule>, what: &str) -> Built<Pair<'i, Rule>> {
    let span = pair.as_span();
    pair.into_inner()
        .next()
        .ok_or_else(|| internal(span.start(), span.end(), what))
}

fn internal(start: usize, end: usize, what: &str) -> DoseError {
    DoseError::new(start, end, format!("internal error: expected {what} here"))
}

fn span_error(pair: &Pair<'_, Rule>, message: impl Into<String>) -> DoseError {
    let span = pair.as_span();
    DoseError::new(span.start(), span.end(), message)
}

// ---------------------------------------------------------------- building values

fn build_dose(pair: Pair<'_, Rule>) -> Built<Dose> {
    let inner = first_inner(pair, "a dose")?;
    match inner.as_rule() {
        Rule::off => Ok(Dose::Off),
        Rule::session => {
            let segments = inner
                .into_inner()
                .filter(|pair| pair.as_rule() == Rule::segment)
                .map(build_segment)
                .collect::<Built<Vec<_>>>()?;
            Ok(Dose::Session(segments))
        }
        _ => Err(span_error(&inner, "internal error: expected a dose here")),
    }
}

fn build_segment(pair: Pair<'_, Rule>) -> Built<Segment> {
    let mut items = Vec::new();
    let mut repeat = None;
    for inner in pair.into_inner() {
        match inner.as_rule() {
            Rule::item => items.push(build_item(inner)?),
            Rule::repeat => repeat = Some(build_repeat(inner)?),
            _ => {}
        }
    }
    Ok(Segment { items, repeat })
}

fn build_repeat(pair: Pair<'_, Rule>) -> Built<Repeat> {
    let total = pair
        .clone()
        .into_inner()
        .find(|inner| inner.as_rule() == Rule::total)
        .ok_or_else(|| span_error(&pair, "internal error: expected a repeat total here"))?;
    let inner = first_inner(total, "a repeat total")?;
    match inner.as_rule() {
        Rule::times => {
            let number = first_inner(inner, "a number")?;
            let value = whole_number(&number, "a repeat count")?;
            if value == 0 {
                return Err(span_error(&number, "a repeat count must be at least 1"));
            }
            let times =
                u32::try_from(value).map_err(|_| span_error(&number, "number too large"))?;
            Ok(Repeat::Times(times))
        }
        _ => Ok(Repeat::ToTotal(build_amount(inner)?)),
    }
}

fn build_item(pair: Pair<'_, Rule>) -> Built<Item> {
    let mut activity = None;
    let mut load = None;
    let mut intensity = Vec::new();
    let mut effort = None;
    let inner: Vec<Pair<'_, Rule>> = pair.clone().into_inner().collect();
    // A word just before the effort ("at rpe 3") is a filler, not a misspelled intensity.
    if let [.., word, last] = inner.as_slice()
        && last.as_rule() == Rule::effort
        && word.as_rule() == Rule::intensity
        && word.clone().into_inner().next().map(|w| w.as_rule()) == Some(Rule::unknown_word)
    {
        return Err(span_error(
            word,
            format!(
                "write the effort directly after the item, as \"{}\", without \"{}\"",
                effort_scale(last)?,
                word.as_str().to_ascii_lowercase()
            ),
        ));
    }
    for inner in inner {
        match inner.as_rule() {
            Rule::activity => activity = Some(build_activity(inner)?),
            Rule::load => load = Some(build_load(inner)?),
            Rule::intensity => intensity.push(build_intensity(inner)?),
            Rule::effort => effort = Some(build_effort(inner)?),
            _ => {}
        }
    }
    let activity =
        activity.ok_or_else(|| span_error(&pair, "internal error: expected an activity here"))?;
    Ok(Item {
        activity,
        load,
        intensity,
        effort,
    })
}

/// `effort`: `rpe` in lowercase, then a whole number or a range on the 0-10 scale.
fn build_effort(pair: Pair<'_, Rule>) -> Built<Effort> {
    let effort = effort_scale(&pair)?;
    let keyword = pair
        .into_inner()
        .find(|part| part.as_rule() == Rule::kw_rpe);
    if let Some(keyword) = keyword.filter(|k| k.as_str() != "rpe") {
        return Err(span_error(
            &keyword,
            format!("write the effort in lowercase, as \"{effort}\""),
        ));
    }
    Ok(effort)
}

/// The numbers of an `effort`, checked against the scale; the keyword's case aside.
fn effort_scale(pair: &Pair<'_, Rule>) -> Built<Effort> {
    let numbers: Vec<Pair<'_, Rule>> = pair
        .clone()
        .into_inner()
        .filter(|part| part.as_rule() == Rule::rpe_value)
        .flat_map(Pair::into_inner)
        .filter(|number| number.as_rule() == Rule::number)
        .collect();
    let mut scale = Vec::new();
    for number in &numbers {
        let value = whole_number(number, "an effort on the rpe scale")
            .ok()
            .filter(|value| *value <= u64::from(Effort::MAX))
            .ok_or_else(|| {
                span_error(
                    number,
                    format!(
                        "an effort (rpe) is a whole number from 0 to {}, not {}",
                        Effort::MAX,
                        number.as_str()
                    ),
                )
            })?;
        scale.push(u8::try_from(value).unwrap_or(Effort::MAX));
    }
    let effort = match scale.as_slice() {
        [exact] => Effort {
            lo: *exact,
            hi: *exact,
        },
        [lo, hi] => Effort { lo: *lo, hi: *hi },
        _ => return Err(span_error(pair, "internal error: expected an effort here")),
    };
    if effort.lo > effort.hi {
        return Err(span_error(
            pair,
            format!(
                "effort range is inverted: rpe {} is more than {}",
                effort.lo, effort.hi
            ),
        ));
    }
    Ok(effort)
}

fn build_activity(pair: Pair<'_, Rule>) -> Built<Activity> {
    let inner = first_inner(pair, "an activity")?;
    Ok(match inner.as_rule() {
        Rule::a_walk => Activity::Walk,
        Rule::a_run => Activity::Run,
        Rule::a_jog => Activity::Jog,
        Rule::a_bike => Activity::Bike,
        Rule::a_swim => Activity::Swim,
        Rule::a_pool_run => Activity::PoolRun,
        Rule::a_elliptical => Activity::Elliptical,
        Rule::a_cross_train => Activity::CrossTrain,
        _ => Activity::Exercise(inner.as_str().to_ascii_lowercase()),
    })
}

fn build_intensity(pair: Pair<'_, Rule>) -> Built<Intensity> {
    let inner = first_inner(pair, "an intensity word")?;
    if inner.as_rule() == Rule::unknown_word {
        let word = inner.as_str().to_ascii_lowercase();
        let message = match suggest_intensity(&word) {
            Some(near) => format!("unknown intensity \"{word}\" (did you mean \"{near}\")"),
            None => format!("unknown intensity \"{word}\""),
        };
        return Err(span_error(&inner, message));
    }
    let word = first_inner(inner, "an intensity word")?;
    Ok(match word.as_rule() {
        Rule::i_easy => Intensity::Easy,
        Rule::i_moderate => Intensity::Moderate,
        Rule::i_hard => Intensity::Hard,
        Rule::i_brisk => Intensity::Brisk,
        Rule::i_steady => Intensity::Steady,
        Rule::i_high_cadence => Intensity::HighCadence,
        Rule::i_low_resistance => Intensity::LowResistance,
        Rule::i_light => Intensity::Light,
        Rule::i_gentle => Intensity::Gentle,
        Rule::i_comfortable => Intensity::Comfortable,
        Rule::i_tempo => Intensity::Tempo,
        Rule::i_pain_free => Intensity::PainFree,
        _ => {
            return Err(span_error(
                &word,
                "internal error: expected an intensity word here",
            ));
        }
    })
}

/// The known intensity word closest to a misspelled one, if it is close enough to be a typo.
fn suggest_intensity(word: &str) -> Option<&'static str> {
    if word.len() > 24 {
        return None;
    }
    // "high" for "high cadence", "pain" for "pain-free".
    let completed = Intensity::ALL
        .iter()
        .map(|intensity| intensity.name())
        .find(|name| word.len() >= 3 && name.len() > word.len() && name.starts_with(word));
    if completed.is_some() {
        return completed;
    }
    Intensity::ALL
        .iter()
        .map(|intensity| intensity.name())
        .map(|name| (edit_distance(word, name), name))
        .filter(|(distance, name)| *distance <= 2 && *distance < name.len() / 2 + 1)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

/// Levenshtein distance, counting an adjacent swap as one edit.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // rows[i][j]: distance between a[..i] and b[..j]
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        if let Some(first) = row.first_mut() {
            *first = i;
        }
    }
    if let Some(first_row) = rows.first_mut() {
        for (j, cell) in first_row.iter_mut().enumerate() {
            *cell = j;
        }
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let at = |r: &Vec<Vec<usize>>, x: usize, y: usize| {
                r.get(x)
                    .and_then(|row| row.get(y))
                    .copied()
                    .unwrap_or(usize::MAX / 2)
            };
            let same = a.get(i - 1) == b.get(j - 1);
            let mut best = (at(&rows, i - 1, j) + 1)
                .min(at(&rows, i, j - 1) + 1)
                .min(at(&rows, i - 1, j - 1) + usize::from(!same));
            if i > 1 && j > 1 && a.get(i - 1) == b.get(j - 2) && a.get(i - 2) == b.get(j - 1) {
                best = best.min(at(&rows, i - 2, j - 2) + 1);
            }
            if let Some(cell) = rows.get_mut(i).and_then(|row| row.get_mut(j)) {
                *cell = best;
            }
        }
    }
    rows.last()
        .and_then(|row| row.last())
        .copied()
        .unwrap_or(usize::MAX)
}

fn build_load(pair: Pair<'_, Rule>) -> Built<Load> {
    let inner = first_inner(pair, "an amount")?;
    match inner.as_rule() {
        Rule::sets => {
            let mut parts = inner.clone().into_inner();
            let sets_pair = parts
                .next()
                .ok_or_else(|| span_error(&inner, "internal error: expected sets here"))?;
            let each_pair = parts
                .next()
                .ok_or_else(|| span_error(&inner, "internal error: expected a set here"))?;
            let sets = build_count(sets_pair.clone(), "the number of sets")?;
            if matches!(sets.range, Range::UpTo(_)) {
                return Err(span_error(
                    &sets_pair,
                    "the number of sets is a number or a range, not \"up to\"",
                ));
            }
            if sets.range.lo() == 0 {
                return Err(span_error(
                    &sets_pair,
                    "the number of sets must be at least 1",
                ));
            }
            let each = match each_pair.as_rule() {
                Rule::amount => build_amount(each_pair)?,
                _ => build_count(each_pair, "a count of repetitions")?,
            };
            Ok(Load::Sets { sets, each })
        }
        _ => Ok(Load::Amount(build_amount(inner)?)),
    }
}

/// `amount`: a range followed by its unit.
fn build_amount(pair: Pair<'_, Rule>) -> Built<Amount> {
    let mut parts = pair.clone().into_inner();
    let range = parts
        .next()
        .ok_or_else(|| span_error(&pair, "internal error: expected a range here"))?;
    let unit_pair = parts
        .next()
        .ok_or_else(|| span_error(&pair, "internal error: expected a unit here"))?;
    let unit = build_unit(unit_pair)?;
    let range = build_range(range, unit, &pair)?;
    Ok(Amount { range, unit })
}

/// `count`: a whole number, a range of whole numbers or "up to" one, with no unit.
fn build_count(pair: Pair<'_, Rule>, what: &str) -> Built<Amount> {
    let range_count = first_inner(pair, "a count")?;
    let inner = first_inner(range_count, "a count")?;
    let numbers: Vec<Pair<'_, Rule>> = inner
        .clone()
        .into_inner()
        .filter(|part| part.as_rule() == Rule::number)
        .collect();
    for number in &numbers {
        whole_number(number, what)?;
    }
    let first = numbers
        .first()
        .ok_or_else(|| span_error(&inner, "internal error: expected a number here"))?;
    let range = match inner.as_rule() {
        Rule::between_count => between(&inner, &numbers)?,
        Rule::up_to => Range::UpTo(number_value(first)?),
        _ => Range::Exact(number_value(first)?),
    };
    Ok(Amount {
        range,
        unit: Unit::Reps,
    })
}

/// `range` of the amount `whole`, whose (last) unit is `unit`.
fn build_range(pair: Pair<'_, Rule>, unit: Unit, whole: &Pair<'_, Rule>) -> Built<Range> {
    let inner = first_inner(pair, "a range")?;
    match inner.as_rule() {
        Rule::up_to => {
            let number = inner
                .clone()
                .into_inner()
                .find(|part| part.as_rule() == Rule::number)
                .ok_or_else(|| span_error(&inner, "internal error: expected a number here"))?;
            Ok(Range::UpTo(number_value(&number)?))
        }
        Rule::between => {
            let mut numbers = Vec::new();
            for part in inner.clone().into_inner() {
                match part.as_rule() {
                    Rule::number => numbers.push(part),
                    Rule::unit => {
                        let first_unit = build_unit(part.clone())?;
                        if first_unit != unit {
                            return Err(span_error(
                                whole,
                                format!(
                                    "both ends of a range need the same unit, not {first_unit} and {unit}"
                                ),
                            ));
                        }
                    }
                    _ => {}
                }
            }
            between(&inner, &numbers)
        }
        _ => {
            let number = first_inner(inner, "a number")?;
            Ok(Range::Exact(number_value(&number)?))
        }
    }
}

/// A `Between` range from two number pairs, refusing an inverted one.
fn between(pair: &Pair<'_, Rule>, numbers: &[Pair<'_, Rule>]) -> Built<Range> {
    let (Some(lo), Some(hi)) = (numbers.first(), numbers.get(1)) else {
        return Err(span_error(
            pair,
            "internal error: expected two numbers here",
        ));
    };
    let lo = number_value(lo)?;
    let hi = number_value(hi)?;
    if lo > hi {
        return Err(span_error(
            pair,
            format!(
                "range is inverted: {} is more than {}",
                milli_text(lo),
                milli_text(hi)
            ),
        ));
    }
    Ok(Range::Between(lo, hi))
}

fn build_unit(pair: Pair<'_, Rule>) -> Built<Unit> {
    let inner = first_inner(pair, "a unit")?;
    Ok(match inner.as_rule() {
        Rule::u_seconds => Unit::Seconds,
        Rule::u_minutes => Unit::Minutes,
        Rule::u_hours => Unit::Hours,
        Rule::u_days => Unit::Days,
        Rule::u_weeks => Unit::Weeks,
        Rule::u_kilometers => Unit::Kilometers,
        Rule::u_miles => Unit::Miles,
        Rule::u_meters => Unit::Meters,
        _ => return Err(span_error(&inner, "internal error: expected a unit here")),
    })
}

/// The value of a `number` pair in thousandths: at most [`MAX_NUMBER`], at most three decimals.
fn number_value(pair: &Pair<'_, Rule>) -> Built<Milli> {
    let text = pair.as_str();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 {
        return Err(span_error(
            pair,
            "too many decimal places: write at most 3 digits after the point",
        ));
    }
    let mut value: u64 = 0;
    for digit in whole.bytes() {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(digit.wrapping_sub(b'0'))))
            .filter(|v| *v <= MAX_NUMBER)
            .ok_or_else(|| span_error(pair, "number too large"))?;
    }
    let mut thousandths: u64 = 0;
    for (place, digit) in fraction.bytes().enumerate() {
        let scale = match place {
            0 => 100,
            1 => 10,
            _ => 1,
        };
        thousandths += u64::from(digit.wrapping_sub(b'0')) * scale;
    }
    let milli = value * 1000 + thousandths;
    if milli > MAX_NUMBER * 1000 {
        return Err(span_error(pair, "number too large"));
    }
    Ok(milli)
}

/// A `number` pair that must be whole (a count); returns its whole value.
fn whole_number(pair: &Pair<'_, Rule>, what: &str) -> Built<u64> {
    let milli = number_value(pair)?;
    if milli % 1000 != 0 {
        return Err(span_error(pair, format!("{what} must be a whole number")));
    }
    Ok(milli / 1000)
}

// ---------------------------------------------------------------- pest errors

/// How a rule is named in messages; `None` for rules that never help the reader.
fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::dose
        | Rule::session
        | Rule::segment
        | Rule::item
        | Rule::activity
        | Rule::exercise
        | Rule::a_walk
        | Rule::a_run
        | Rule::a_jog
        | Rule::a_bike
        | Rule::a_swim
        | Rule::a_pool_run
        | Rule::a_elliptical
        | Rule::a_cross_train => "an activity",
        Rule::comma => "\",\"",
        Rule::repeat => "\"; repeat\"",
        Rule::kw_then => "\"then\"",
        Rule::kw_repeat => "\"repeat\"",
        Rule::kw_up_to => "\"up to\"",
        Rule::total | Rule::times => "a total such as 20min, 2mi or 3x",
        Rule::load
        | Rule::sets
        | Rule::amount
        | Rule::range
        | Rule::up_to
        | Rule::between
        | Rule::exact
        | Rule::count
        | Rule::range_count
        | Rule::between_count
        | Rule::lone_amount
        | Rule::amount_input => "an amount",
        Rule::dose_input => "a dose",
        Rule::activity_input => "an activity",
        Rule::number => "a number",
        Rule::unit
        | Rule::u_seconds
        | Rule::u_minutes
        | Rule::u_hours
        | Rule::u_days
        | Rule::u_weeks
        | Rule::u_kilometers
        | Rule::u_miles
        | Rule::u_meters => UNITS_HINT,
        Rule::intensity
        | Rule::intensity_word
        | Rule::unknown_word
        | Rule::i_easy
        | Rule::i_moderate
        | Rule::i_hard
        | Rule::i_brisk
        | Rule::i_steady
        | Rule::i_high_cadence
        | Rule::i_low_resistance
        | Rule::i_light
        | Rule::i_gentle
        | Rule::i_comfortable
        | Rule::i_tempo
        | Rule::i_pain_free => "an intensity word",
        Rule::effort | Rule::kw_rpe => "an effort such as rpe 3",
        Rule::rpe_value => "an effort from 0 to 10, such as 3 or 3-5",
        Rule::EOI => "the end of the text",
        Rule::off
        | Rule::ws
        | Rule::wb
        | Rule::ub
        | Rule::kb
        | Rule::word
        | Rule::known_activity
        | Rule::keyword
        | Rule::reserved => return None,
    })
}

/// Turns a pest failure into a [`DoseError`] with a span over the offending text.
fn translate(input: &str, noun: &str, error: PestError<Rule>) -> DoseError {
    let pos = match error.location {
        InputLocation::Pos(pos) => pos,
        InputLocation::Span((start, _)) => start,
    }
    .min(input.len());
    let positives = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        ErrorVariant::CustomError { message } => {
            // pest's own limits (call or stack limit); not expected for this grammar.
            return DoseError::new(pos, pos, format!("cannot read the {noun}: {message}"));
        }
    };
    let has = |rule: Rule| positives.contains(&rule);
    let token_end = token_end(input, pos);
    let token = input.get(pos..token_end).unwrap_or("");

    let unit_expected = positives
        .iter()
        .any(|rule| describe(*rule) == Some(UNITS_HINT));
    if unit_expected && let Some(number) = number_before(input, pos) {
        let or_times = if !number.contains('-') && repeat_before(input, pos, number) {
            " or x"
        } else {
            ""
        };
        return DoseError::new(
            pos,
            token_end,
            format!("expected {UNITS_HINT}{or_times} after {number}"),
        );
    }

    if has(Rule::number) && ends_with_word(input, pos, "rpe") {
        return DoseError::new(
            pos,
            token_end,
            "expected an effort from 0 to 10 after \"rpe\", such as rpe 3 or rpe 3-5",
        );
    }

    if let Some(digits) = token
        .strip_prefix('.')
        .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
    {
        let digits: String = digits.chars().take_while(char::is_ascii_digit).collect();
        return DoseError::new(
            pos,
            token_end,
            format!("a number needs a digit before its point: write 0.{digits}"),
        );
    }

    if has(Rule::EOI) {
        if let Some(activity) =
            Activity::from_name(token).filter(|a| !matches!(a, Activity::Exercise(_)))
        {
            return DoseError::new(
                pos,
                token_end,
                format!(
                    "expected \",\" or \"then\" before \"{}\"",
                    activity_word(token, &activity)
                ),
            );
        }
        if is_word(token) && effort_before(input, pos) {
            return DoseError::new(
                pos,
                token_end,
                format!(
                    "the effort comes last in an item: put \"{}\" before \"rpe\"",
                    token.to_ascii_lowercase()
                ),
            );
        }
        if token == "," && input.get(..pos).is_some_and(|before| before.contains(';')) {
            return DoseError::new(
                pos,
                token_end,
                "a repeat ends its part of the dose: join what follows with \"then\"",
            );
        }
        let end = input.trim_end().len().max(token_end);
        return DoseError::new(pos, end, format!("unexpected text after the {noun}"));
    }

    let expects_activity = positives
        .iter()
        .any(|rule| describe(*rule) == Some("an activity"));
    if expects_activity
        && !token.is_empty()
        && Activity::from_name(token).is_none()
        && is_word(token)
    {
        return DoseError::new(
            pos,
            token_end,
            format!(
                "expected an activity, not the keyword \"{}\"",
                token.to_ascii_lowercase()
            ),
        );
    }

    let mut wanted: Vec<&'static str> = Vec::new();
    // pest's renamed_rules turns rule identifiers into these readable names; the list is
    // deduplicated first because several rules share one name.
    let mut kept: Vec<Rule> = Vec::new();
    for rule in &positives {
        if let Some(name) = describe(*rule)
            && !wanted.contains(&name)
        {
            wanted.push(name);
            kept.push(*rule);
        }
    }
    let message = if kept.is_empty() {
        format!(
            "this text is not {}",
            if noun == "dose" {
                "a dose"
            } else {
                "an amount"
            }
        )
    } else {
        let renamed = PestError::new_from_pos(
            ErrorVariant::ParsingError {
                positives: kept,
                negatives: Vec::new(),
            },
            pest::Position::from_start(input),
        )
        .renamed_rules(|rule| describe(*rule).unwrap_or("something else").to_owned());
        renamed.variant.message().into_owned()
    };
    DoseError::new(pos, token_end, message)
}

/// The activity word as the author wrote it, lowercased, for messages.
fn activity_word(token: &str, activity: &Activity) -> String {
    if token.is_empty() {
        activity.name().to_owned()
    } else {
        token.to_ascii_lowercase()
    }
}

/// Letters, possibly joined by hyphens: the shape of a keyword or an exercise name.
fn is_word(token: &str) -> bool {
    token.starts_with(|c: char| c.is_ascii_alphabetic())
        && token.chars().all(|c| c.is_ascii_alphabetic() || c == '-')
}

/// The end of the token starting at `pos`: a run of word characters (letters, digits,
/// `-`, `_`, `.`), or else one character; `pos` itself at the end of the text.
fn token_end(input: &str, pos: usize) -> usize {
    let Some(rest) = input.get(pos..) else {
        return pos;
    };
    let is_word_char = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '.');
    let mut chars = rest.char_indices();
    match chars.next() {
        None => pos,
        Some((_, first)) if is_word_char(first) => {
            let len = rest
                .char_indices()
                .find(|(_, c)| !is_word_char(*c))
                .map_or(rest.len(), |(at, _)| at);
            pos + len
        }
        Some((_, first)) => pos + first.len_utf8(),
    }
}

/// The number (or `lo-hi` range of numbers) that ends just before `pos`, spaces aside.
fn number_before(input: &str, pos: usize) -> Option<&str> {
    let before = input.get(..pos)?.trim_end();
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit() || matches!(c, '.' | '-' | ' '))
        .last()
        .map(|(at, _)| at)?;
    let number = before
        .get(start..)?
        .trim_start()
        .trim_start_matches('-')
        .trim_start();
    if number.starts_with(|c: char| c.is_ascii_digit()) {
        Some(number)
    } else {
        None
    }
}

/// Whether an effort (`rpe 3`, `rpe 3-5`) ends just before `pos`, spaces aside.
fn effort_before(input: &str, pos: usize) -> bool {
    let Some(before) = input.get(..pos) else {
        return false;
    };
    let head = before
        .trim_end()
        .trim_end_matches(|c: char| c.is_ascii_digit() || matches!(c, '-' | ' ' | '.'));
    head.len() < before.trim_end().len() && ends_with_word(head, head.len(), "rpe")
}

/// Whether the text before `pos`, spaces aside, ends with the whole word `word` in any case.
fn ends_with_word(input: &str, pos: usize, word: &str) -> bool {
    let Some(before) = input.get(..pos) else {
        return false;
    };
    let lower = before.trim_end().to_ascii_lowercase();
    lower
        .strip_suffix(word)
        .is_some_and(|rest| rest.is_empty() || rest.ends_with(char::is_whitespace))
}

/// Whether the word `repeat` stands just before the number `number` that ends before `pos`.
fn repeat_before(input: &str, pos: usize, number: &str) -> bool {
    let Some(before) = input.get(..pos) else {
        return false;
    };
    let before = before.trim_end();
    let Some(head) = before.strip_suffix(number) else {
        return false;
    };
    head.trim_end().to_ascii_lowercase().ends_with("repeat")
}
