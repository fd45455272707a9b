//! The host API: what scripts may ask about the patient, beyond the variables of one
//! evaluation.
//!
//! The engine fills a [`HostData`] with the patient's whole journal and moves its `today`
//! forward as the run advances; every function only sees entries dated on or before
//! `today`, so a script can never read the future. Each call is recorded with its result,
//! so that an explanation can show what a condition saw.

use std::sync::{Arc, Mutex, MutexGuard};

use jiff::civil::Date;
use rhai::{Array, Dynamic, Engine, EvalAltResult, INT, ImmutableString, Map, Position};

use crate::vars::{Value, Vars};

/// One check-in from the journal.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckIn {
    pub date: Date,
    /// `done`, `partial` or `skipped`, when the check-in reports a session.
    pub session: Option<String>,
    /// Pain before, during, after the session and the next day, 0-10, when reported.
    pub pain: [Option<i64>; 4],
    /// The protocol's journal fields the check-in reported, by id.
    pub fields: Vars,
}

impl CheckIn {
    /// The highest pain score reported, 0 when none is.
    pub fn max_pain(&self) -> i64 {
        self.pain.iter().flatten().copied().max().unwrap_or(0)
    }
}

/// The names of the four pain times, in the order of [`CheckIn::pain`].
pub const PAIN_TIMES: [&str; 4] = ["before", "during", "after", "next_day"];

/// One assessment result from the journal.
#[derive(Debug, Clone, PartialEq)]
pub struct AssessmentRecord {
    pub date: Date,
    pub id: String,
    /// The answers, by question id.
    pub result: Vars,
    /// Whether every question with a pass mark got it; `None` when the assessment has no
    /// pass marks (a checklist).
    pub passed: Option<bool>,
}

/// One named event from the journal.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    pub date: Date,
    pub id: String,
}

/// The patient's row of one protocol table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRow {
    pub table: String,
    pub key: String,
    /// The period as written, such as `6-8wk`.
    pub text: String,
    pub min_days: i64,
    pub max_days: i64,
}

/// Everything the host functions read. The engine owns the contents; scripts only read.
#[derive(Debug, Clone, PartialEq)]
pub struct HostData {
    /// The day being evaluated; entries after it are invisible.
    pub today: Date,
    /// The first day of the current phase.
    pub phase_start: Date,
    /// The first day of the current week of the phase.
    pub week_start: Date,
    /// Check-ins in date order (the functions rely on it to stop early).
    pub checkins: Vec<CheckIn>,
    /// Assessment results in date order.
    pub assessments: Vec<AssessmentRecord>,
    /// Events in date order.
    pub events: Vec<EventRecord>,
    /// The patient's row of each table.
    pub tables: Vec<TableRow>,
    /// The protocol's rule ids, so `fired` can refuse a name that is none of them.
    pub rules: Vec<String>,
    /// Each day a rule fired (its condition held, whether or not its action won), in
    /// date order; the engine adds a day's firings after all of that day's rules ran.
    pub fired: Vec<(Date, String)>,
    /// Whether host calls are recorded with their results, for explanations (see
    /// `take_seen`); a run that explains nothing turns it off.
    pub explain: bool,
}

impl Default for HostData {
    fn default() -> Self {
        let day = Date::constant(2000, 1, 1);
        HostData {
            today: day,
            phase_start: day,
            week_start: day,
            checkins: Vec::new(),
            assessments: Vec::new(),
            events: Vec::new(),
            tables: Vec::new(),
            rules: Vec::new(),
            fired: Vec::new(),
            explain: true,
        }
    }
}

impl HostData {
    /// Check-ins from `first` to today, newest first. Check-ins are in date order, so
    /// the walk stops at the first older one: a script asking about the last 14 days
    /// costs 14 days of check-ins, however long the journal.
    fn checkins_from(&self, first: Date) -> impl Iterator<Item = &CheckIn> {
        let today = self.today;
        self.checkins
            .iter()
            .rev()
            .skip_while(move |c| c.date > today)
            .take_while(move |c| c.date >= first)
    }

    /// The first day of the last `days` days, today included; `None` for none.
    fn window_start(&self, days: INT) -> Option<Date> {
        if days <= 0 {
            return None;
        }
        let back = jiff::Span::new().try_days(days - 1).ok();
        Some(back.map_or(Date::MIN, |span| self.today.saturating_sub(span)))
    }

    fn days_ago(&self, date: Date) -> i64 {
        i64::from((self.today - date).get_days())
    }
}

/// One host function call and the value it gave, as an explanation shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub call: String,
    pub value: Value,
}

/// A host function, with the signature and summary the documentation must show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostFunction {
    pub name: &'static str,
    pub signature: &'static str,
    pub summary: &'static str,
    /// What a text literal given as the first argument names, so that the engine checks
    /// it against the protocol's declarations before anything runs.
    pub names: Named,
}

/// What the first argument of a host function names, when it is written as a literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    /// Nothing the protocol declares (a number, a date, a status).
    Nothing,
    /// A rule, by id.
    Rule,
    /// A table, by id.
    Table,
    /// An assessment, by id.
    Assessment,
    /// An event, or else an assessment, by id.
    EventOrAssessment,
    /// A journal field, by id.
    JournalField,
}

/// Every host function the sandbox registers. `docs/rhai-api.md` is tested against it.
pub const HOST_FUNCTIONS: &[HostFunction] = &[
    HostFunction {
        name: "add_days",
        signature: "add_days(date, n)",
        summary: "the date `n` days after `date` (a `YYYY-MM-DD` text), as text",
        names: Named::Nothing,
    },
    HostFunction {
        name: "checkins",
        signature: "checkins(n)",
        summary: "the last `n` check-ins up to today, oldest first, as maps",
        names: Named::Nothing,
    },
    HostFunction {
        name: "clamp",
        signature: "clamp(x, low, high)",
        summary: "`x` limited to `low..=high`",
        names: Named::Nothing,
    },
    HostFunction {
        name: "days_between",
        signature: "days_between(from, to)",
        summary: "days from one `YYYY-MM-DD` date to another (negative when `to` is earlier)",
        names: Named::Nothing,
    },
    HostFunction {
        name: "days_since",
        signature: "days_since(name)",
        summary: "days since the latest event or assessment called `name`, or -1 if there is none yet",
        names: Named::EventOrAssessment,
    },
    HostFunction {
        name: "fired",
        signature: "fired(rule, days)",
        summary: "on how many of the `days` days before today rule `rule` fired (its condition held, whether or not its action won)",
        names: Named::Rule,
    },
    HostFunction {
        name: "last_passed",
        signature: "last_passed(assessment)",
        summary: "whether the latest result of the assessment passed; false when there is none",
        names: Named::Assessment,
    },
    HostFunction {
        name: "last_result",
        signature: "last_result(assessment)",
        summary: "the answers of the latest result of the assessment as a map, or `()` if there is none",
        names: Named::Assessment,
    },
    HostFunction {
        name: "max_pain",
        signature: "max_pain(days)",
        summary: "the highest pain score reported in the last `days` days (today included), 0 if none",
        names: Named::Nothing,
    },
    HostFunction {
        name: "max_pain_in_week",
        signature: "max_pain_in_week(weeks_ago)",
        summary: "the highest pain score in the phase week `weeks_ago` weeks back (0: this week so far), 0 if none",
        names: Named::Nothing,
    },
    HostFunction {
        name: "max_field_in_week",
        signature: "max_field_in_week(field, weeks_ago)",
        summary: "the highest value of a journal field in the phase week `weeks_ago` weeks back (for yes/no, whether any was true), `()` if none reported it",
        names: Named::JournalField,
    },
    HostFunction {
        name: "max_pain_in_phase",
        signature: "max_pain_in_phase()",
        summary: "the highest pain score reported since the current phase began, 0 if none",
        names: Named::Nothing,
    },
    HostFunction {
        name: "pain_free_streak",
        signature: "pain_free_streak() / pain_free_streak(threshold)",
        summary: "how many of the latest check-ins in a row had every pain score 0 (or below `threshold`)",
        names: Named::Nothing,
    },
    HostFunction {
        name: "painful_checkins",
        signature: "painful_checkins(days, threshold)",
        summary: "how many check-ins in the last `days` days had a pain score of `threshold` or more",
        names: Named::Nothing,
    },
    HostFunction {
        name: "sessions_this_week",
        signature: "sessions_this_week(status)",
        summary: "how many check-ins this phase week reported a session `done`, `partial` or `skipped`",
        names: Named::Nothing,
    },
    HostFunction {
        name: "table",
        signature: "table(id)",
        summary: "the patient's row of a table: a map with `key`, `text`, `min_days` and `max_days`",
        names: Named::Table,
    },
];

/// The state behind the host functions: one per evaluator, so one per thread.
#[derive(Debug, Default)]
pub(crate) struct Host {
    data: Mutex<HostData>,
    seen: Mutex<Vec<Seen>>,
    /// Check-ins already converted for scripts, by their place in `HostData::checkins`,
    /// each with the check-in it was made from: a script that asks for the last eight
    /// check-ins every day converts each once, not eight times. An entry is used only
    /// while the check-in in that place is still equal to it, so the engine may change
    /// the list as it likes.
    converted: Mutex<Vec<Option<(CheckIn, Dynamic)>>>,
}

impl Host {
    /// What the host functions see. The lock is never contended (an evaluator runs one
    /// script at a time on one thread); a lock poisoned by a panic elsewhere still holds
    /// valid data.
    pub(crate) fn data(&self) -> MutexGuard<'_, HostData> {
        self.data
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The calls recorded since they were last taken.
    pub(crate) fn seen(&self) -> MutexGuard<'_, Vec<Seen>> {
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Check-in number `i` of `data` as scripts see it, converted once while it stays
    /// the same.
    fn checkin(&self, data: &HostData, i: usize) -> Dynamic {
        let Some(c) = data.checkins.get(i) else {
            return Dynamic::UNIT;
        };
        let mut converted = self
            .converted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if converted.len() < data.checkins.len() {
            converted.resize(data.checkins.len(), None);
        }
        match converted.get_mut(i) {
            Some(Some((seen, value))) if seen == c => value.clone(),
            Some(slot) => {
                let value = checkin_map(c);
                *slot = Some((c.clone(), value.clone()));
                value
            }
            None => checkin_map(c),
        }
    }
}

type Shared = Arc<Host>;
type Result<T> = std::result::Result<T, Box<EvalAltResult>>;

/// Records a call and its result for explanations, when the run explains; `call` is
/// only written out then.
fn record(host: &Host, explain: bool, call: impl FnOnce() -> String, value: &Dynamic) {
    if !explain {
        return;
    }
    let call = call();
    let value = Value::from_dynamic(value.clone()).unwrap_or(Value::Unit);
    let mut seen = host.seen();
    // A condition evaluated in a loop would record the same call many times.
    if seen.len() < 64 && !seen.iter().any(|s| s.call == call) {
        seen.push(Seen { call, value });
    }
}

fn fail(message: String) -> Box<EvalAltResult> {
    EvalAltResult::ErrorRuntime(Dynamic::from(message), Position::NONE).into()
}

fn parse_date(text: &str, function: &str) -> Result<Date> {
    text.parse::<Date>().map_err(|_| {
        fail(format!(
            "{function}: `{text}` is not a calendar date written YYYY-MM-DD"
        ))
    })
}

fn checkin_map(c: &CheckIn) -> Dynamic {
    let mut pain = Map::new();
    for (name, score) in PAIN_TIMES.iter().zip(c.pain) {
        pain.insert((*name).into(), Dynamic::from_int(score.unwrap_or(0)));
    }
    let mut map = Map::new();
    map.insert("date".into(), Dynamic::from(c.date.to_string()));
    map.insert(
        "session".into(),
        Dynamic::from(c.session.clone().unwrap_or_default()),
    );
    map.insert("pain".into(), Dynamic::from_map(pain));
    map.insert("max_pain".into(), Dynamic::from_int(c.max_pain()));
    map.insert("fields".into(), Dynamic::from_map(c.fields.to_map()));
    Dynamic::from_map(map)
}

/// Registers every function of [`HOST_FUNCTIONS`] except `clamp`, which the sandbox owns.
/// Each registered function calls the same code the native evaluator calls
/// ([`call_native`]), so both record the same calls and give the same values.
pub(crate) fn register(engine: &mut Engine, host: &Shared) {
    let h = Arc::clone(host);
    engine.register_fn("checkins", move |n: INT| -> Dynamic { checkins(&h, n) });
    let h = Arc::clone(host);
    engine.register_fn("pain_free_streak", move || -> INT {
        pain_free_streak(&h, None)
    });
    let h = Arc::clone(host);
    engine.register_fn("pain_free_streak", move |threshold: INT| -> INT {
        pain_free_streak(&h, Some(threshold))
    });
    let h = Arc::clone(host);
    engine.register_fn("max_pain", move |days: INT| -> INT { max_pain(&h, days) });
    let h = Arc::clone(host);
    engine.register_fn("max_pain_in_week", move |weeks_ago: INT| -> INT {
        max_pain_in_week(&h, weeks_ago)
    });
    let h = Arc::clone(host);
    engine.register_fn(
        "max_field_in_week",
        move |field: ImmutableString, weeks_ago: INT| -> Dynamic {
            max_field_in_week(&h, &field, weeks_ago)
        },
    );
    let h = Arc::clone(host);
    engine.register_fn("max_pain_in_phase", move || -> INT {
        max_pain_in_phase(&h)
    });
    let h = Arc::clone(host);
    engine.register_fn(
        "painful_checkins",
        move |days: INT, threshold: INT| -> INT { painful_checkins(&h, days, threshold) },
    );
    let h = Arc::clone(host);
    engine.register_fn(
        "fired",
        move |rule: ImmutableString, days: INT| -> Result<INT> { fired(&h, &rule, days) },
    );
    let h = Arc::clone(host);
    engine.register_fn("days_since", move |name: ImmutableString| -> INT {
        days_since(&h, &name)
    });
    let h = Arc::clone(host);
    engine.register_fn("last_result", move |id: ImmutableString| -> Dynamic {
        last_result(&h, &id)
    });
    let h = Arc::clone(host);
    engine.register_fn("last_passed", move |id: ImmutableString| -> bool {
        last_passed(&h, &id)
    });
    let h = Arc::clone(host);
    engine.register_fn(
        "sessions_this_week",
        move |status: ImmutableString| -> INT { sessions_this_week(&h, &status) },
    );
    let h = Arc::clone(host);
    engine.register_fn("table", move |id: ImmutableString| -> Result<Dynamic> {
        table(&h, &id)
    });
    engine.register_fn(
        "days_between",
        |from: ImmutableString, to: ImmutableString| -> Result<INT> { days_between(&from, &to) },
    );
    engine.register_fn(
        "add_days",
        |date: ImmutableString, n: INT| -> Result<String> { add_days(&date, n) },
    );
}

/// A host function the native evaluator can call, resolved by name and number of
/// arguments when a script is compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HostCall {
    Checkins,
    PainFreeStreak,
    PainFreeStreakBelow,
    MaxPain,
    MaxPainInWeek,
    MaxFieldInWeek,
    MaxPainInPhase,
    PainfulCheckins,
    Fired,
    DaysSince,
    LastResult,
    LastPassed,
    SessionsThisWeek,
    Table,
    DaysBetween,
    AddDays,
    Clamp,
}

impl HostCall {
    /// The host function `name` taking `arity` arguments, if there is one.
    pub(crate) fn resolve(name: &str, arity: usize) -> Option<HostCall> {
        use HostCall as H;
        Some(match (name, arity) {
            ("checkins", 1) => H::Checkins,
            ("pain_free_streak", 0) => H::PainFreeStreak,
            ("pain_free_streak", 1) => H::PainFreeStreakBelow,
            ("max_pain", 1) => H::MaxPain,
            ("max_pain_in_week", 1) => H::MaxPainInWeek,
            ("max_field_in_week", 2) => H::MaxFieldInWeek,
            ("max_pain_in_phase", 0) => H::MaxPainInPhase,
            ("painful_checkins", 2) => H::PainfulCheckins,
            ("fired", 2) => H::Fired,
            ("days_since", 1) => H::DaysSince,
            ("last_result", 1) => H::LastResult,
            ("last_passed", 1) => H::LastPassed,
            ("sessions_this_week", 1) => H::SessionsThisWeek,
            ("table", 1) => H::Table,
            ("days_between", 2) => H::DaysBetween,
            ("add_days", 2) => H::AddDays,
            ("clamp", 3) => H::Clamp,
            _ => return None,
        })
    }
}

/// Calls a host function for the native evaluator with plain values. `None` when Rhai
/// would not run it as asked (no overload for these argument types) or it fails: the
/// caller then leaves the whole evaluation to Rhai, which reports the error.
pub(crate) fn call_native(host: &Host, call: HostCall, args: &[&Value]) -> Option<Value> {
    use HostCall as H;
    use Value::{Float, Int, Str};
    let plain = |d: Dynamic| Value::from_dynamic(d).ok();
    match (call, args) {
        (H::Checkins, [Int(n)]) => plain(checkins(host, *n)),
        (H::PainFreeStreak, []) => Some(Int(pain_free_streak(host, None))),
        (H::PainFreeStreakBelow, [Int(t)]) => Some(Int(pain_free_streak(host, Some(*t)))),
        (H::MaxPain, [Int(d)]) => Some(Int(max_pain(host, *d))),
        (H::MaxPainInWeek, [Int(w)]) => Some(Int(max_pain_in_week(host, *w))),
        (H::MaxFieldInWeek, [Str(f), Int(w)]) => plain(max_field_in_week(host, f, *w)),
        (H::MaxPainInPhase, []) => Some(Int(max_pain_in_phase(host))),
        (H::PainfulCheckins, [Int(d), Int(t)]) => Some(Int(painful_checkins(host, *d, *t))),
        (H::Fired, [Str(r), Int(d)]) => fired(host, r, *d).ok().map(Int),
        (H::DaysSince, [Str(n)]) => Some(Int(days_since(host, n))),
        (H::LastResult, [Str(id)]) => plain(last_result(host, id)),
        (H::LastPassed, [Str(id)]) => Some(Value::Bool(last_passed(host, id))),
        (H::SessionsThisWeek, [Str(s)]) => Some(Int(sessions_this_week(host, s))),
        (H::Table, [Str(id)]) => table(host, id).ok().and_then(plain),
        (H::DaysBetween, [Str(a), Str(b)]) => days_between(a, b).ok().map(Int),
        (H::AddDays, [Str(d), Int(n)]) => add_days(d, *n).ok().map(Str),
        (H::Clamp, [Int(x), Int(lo), Int(hi)]) => {
            Some(Int(crate::evaluator::clamp_int(*x, *lo, *hi)))
        }
        (H::Clamp, [Float(x), Float(lo), Float(hi)]) => {
            Some(Float(crate::evaluator::clamp_float(*x, *lo, *hi)))
        }
        _ => None,
    }
}

fn checkins(h: &Host, n: INT) -> Dynamic {
    let data = h.data();
    let n = usize::try_from(n.max(0)).unwrap_or(0);
    // The places of the last `n` check-ins up to today, oldest first.
    let today = data.today;
    let upto = data.checkins.partition_point(|c| c.date <= today);
    let list: Array = (upto.saturating_sub(n)..upto)
        .map(|i| h.checkin(&data, i))
        .collect();
    let value = Dynamic::from_array(list);
    record(h, data.explain, || format!("checkins({n})"), &value);
    value
}

fn pain_free_streak(h: &Host, threshold: Option<INT>) -> INT {
    let data = h.data();
    let value = streak(&data, threshold.unwrap_or(1));
    let call = || match threshold {
        None => "pain_free_streak()".to_owned(),
        Some(t) => format!("pain_free_streak({t})"),
    };
    record(h, data.explain, call, &Dynamic::from_int(value));
    value
}

fn max_pain(h: &Host, days: INT) -> INT {
    let data = h.data();
    let value = data
        .window_start(days)
        .and_then(|first| data.checkins_from(first).map(CheckIn::max_pain).max())
        .unwrap_or(0);
    record(
        h,
        data.explain,
        || format!("max_pain({days})"),
        &Dynamic::from_int(value),
    );
    value
}

fn max_pain_in_week(h: &Host, weeks_ago: INT) -> INT {
    let data = h.data();
    let value = week_window(&data, weeks_ago)
        .and_then(|(first, last)| {
            data.checkins_from(first)
                .filter(|c| c.date <= last)
                .map(CheckIn::max_pain)
                .max()
        })
        .unwrap_or(0);
    record(
        h,
        data.explain,
        || format!("max_pain_in_week({weeks_ago})"),
        &Dynamic::from_int(value),
    );
    value
}

fn max_field_in_week(h: &Host, field: &str, weeks_ago: INT) -> Dynamic {
    let data = h.data();
    let values = week_window(&data, weeks_ago)
        .into_iter()
        .flat_map(|(first, last)| {
            data.checkins_from(first)
                .filter(move |c| c.date <= last)
                .filter_map(|c| c.fields.get(field))
        });
    let value = highest(values);
    record(
        h,
        data.explain,
        || format!("max_field_in_week({field:?}, {weeks_ago})"),
        &value,
    );
    value
}

fn max_pain_in_phase(h: &Host) -> INT {
    let data = h.data();
    let value = data
        .checkins_from(data.phase_start)
        .map(CheckIn::max_pain)
        .max()
        .unwrap_or(0);
    record(
        h,
        data.explain,
        || "max_pain_in_phase()".into(),
        &Dynamic::from_int(value),
    );
    value
}

fn painful_checkins(h: &Host, days: INT, threshold: INT) -> INT {
    let data = h.data();
    let count = data.window_start(days).map_or(0, |first| {
        data.checkins_from(first)
            .filter(|c| c.max_pain() >= threshold)
            .count()
    });
    let value = INT::try_from(count).unwrap_or(INT::MAX);
    record(
        h,
        data.explain,
        || format!("painful_checkins({days}, {threshold})"),
        &Dynamic::from_int(value),
    );
    value
}

fn fired(h: &Host, rule: &str, days: INT) -> Result<INT> {
    let data = h.data();
    if !data.rules.iter().any(|r| r == rule) {
        return Err(fail(format!(
            "fired: no rule `{rule}`; the protocol's rules are: {}",
            data.rules.join(", ")
        )));
    }
    let mut dates: Vec<Date> = data
        .fired
        .iter()
        .filter(|(date, id)| id == rule && *date < data.today && data.days_ago(*date) <= days)
        .map(|(date, _)| *date)
        .collect();
    dates.dedup();
    let value = INT::try_from(dates.len()).unwrap_or(INT::MAX);
    record(
        h,
        data.explain,
        || format!("fired({rule:?}, {days})"),
        &Dynamic::from_int(value),
    );
    Ok(value)
}

fn days_since(h: &Host, name: &str) -> INT {
    let data = h.data();
    let today = data.today;
    let events = data
        .events
        .iter()
        .filter(|e| e.id == name && e.date <= today)
        .map(|e| e.date);
    let assessments = data
        .assessments
        .iter()
        .filter(|a| a.id == name && a.date <= today)
        .map(|a| a.date);
    let value = events
        .chain(assessments)
        .max()
        .map_or(-1, |d| data.days_ago(d));
    record(
        h,
        data.explain,
        || format!("days_since({name:?})"),
        &Dynamic::from_int(value),
    );
    value
}

fn last_result(h: &Host, id: &str) -> Dynamic {
    let data = h.data();
    let value =
        latest(&data, id).map_or(Dynamic::UNIT, |a| Value::Map(a.result.clone()).to_dynamic());
    record(h, data.explain, || format!("last_result({id:?})"), &value);
    value
}

fn last_passed(h: &Host, id: &str) -> bool {
    let data = h.data();
    let value = latest(&data, id).is_some_and(|a| a.passed.unwrap_or(true));
    record(
        h,
        data.explain,
        || format!("last_passed({id:?})"),
        &Dynamic::from_bool(value),
    );
    value
}

fn sessions_this_week(h: &Host, status: &str) -> INT {
    let data = h.data();
    let count = data
        .checkins_from(data.week_start)
        .filter(|c| c.session.as_deref() == Some(status))
        .count();
    let value = INT::try_from(count).unwrap_or(INT::MAX);
    record(
        h,
        data.explain,
        || format!("sessions_this_week({status:?})"),
        &Dynamic::from_int(value),
    );
    value
}

fn table(h: &Host, id: &str) -> Result<Dynamic> {
    let data = h.data();
    let Some(row) = data.tables.iter().find(|r| r.table == id) else {
        let names: Vec<&str> = data.tables.iter().map(|r| r.table.as_str()).collect();
        return Err(fail(format!(
            "table: no table `{id}`; the protocol's tables are: {}",
            names.join(", ")
        )));
    };
    let mut map = Map::new();
    map.insert("key".into(), Dynamic::from(row.key.clone()));
    map.insert("text".into(), Dynamic::from(row.text.clone()));
    map.insert("min_days".into(), Dynamic::from_int(row.min_days));
    map.insert("max_days".into(), Dynamic::from_int(row.max_days));
    let value = Dynamic::from_map(map);
    record(h, data.explain, || format!("table({id:?})"), &value);
    Ok(value)
}

fn days_between(from: &str, to: &str) -> Result<INT> {
    let a = parse_date(from, "days_between")?;
    let b = parse_date(to, "days_between")?;
    Ok(INT::from((b - a).get_days()))
}

fn add_days(date: &str, n: INT) -> Result<String> {
    let d = parse_date(date, "add_days")?;
    jiff::Span::new()
        .try_days(n)
        .and_then(|span| d.checked_add(span))
        .map(|d| d.to_string())
        .map_err(|_| fail(format!("add_days: {date} plus {n} days is out of range")))
}

/// The first and last day of the week `weeks_ago` weeks before the current phase week;
/// `None` for a negative count or one beyond the calendar.
fn week_window(data: &HostData, weeks_ago: INT) -> Option<(Date, Date)> {
    if weeks_ago < 0 {
        return None;
    }
    let back = jiff::Span::new().try_days(weeks_ago.checked_mul(7)?).ok()?;
    let first = data.week_start.checked_sub(back).ok()?;
    let last = first.checked_add(jiff::Span::new().days(6)).ok()?;
    Some((first, last))
}

/// The highest of journal field values: the largest number, or for yes/no values
/// whether any is true; `()` when there are none.
fn highest<'a>(values: impl Iterator<Item = &'a Value>) -> Dynamic {
    let mut number: Option<f64> = None;
    let mut yes: Option<bool> = None;
    for v in values {
        match v {
            Value::Int(i) => number = Some(number.map_or(*i as f64, |n| n.max(*i as f64))),
            Value::Float(x) => number = Some(number.map_or(*x, |n| n.max(*x))),
            Value::Bool(b) => yes = Some(yes.unwrap_or(false) || *b),
            _ => {}
        }
    }
    match (number, yes) {
        (Some(n), _) => Dynamic::from_float(n),
        (None, Some(b)) => Dynamic::from_bool(b),
        (None, None) => Dynamic::UNIT,
    }
}

fn streak(data: &HostData, threshold: INT) -> INT {
    let count = data
        .checkins_from(Date::MIN)
        .take_while(|c| c.max_pain() < threshold)
        .count();
    INT::try_from(count).unwrap_or(INT::MAX)
}

fn latest<'a>(data: &'a HostData, id: &str) -> Option<&'a AssessmentRecord> {
    data.assessments
        .iter()
        .rfind(|a| a.id == id && a.date <= data.today)
}
