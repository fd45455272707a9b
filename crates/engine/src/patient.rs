//! Checking a patient file against one protocol's declared inputs.

use rehab_syntax::patient::{FieldValue, JournalEntry, PatientDoc, Scalar};
use rehab_syntax::protocol::InputKind;
use rehab_syntax::protocol::S;
use rehab_syntax::{Diagnostic, FileId, Sources, Span, codes};

use crate::check::Ctx;
use crate::model::{Answer, Entry, EntryKind, Patient, Protocol, Value};
use rehab_syntax::suggest::did_you_mean;

impl Patient {
    /// The patient as known on `date`: the journal's entries up to that day, later ones
    /// left out, so that a plan read on that day cannot see what came after it.
    pub fn known_on(&self, date: jiff::civil::Date) -> Patient {
        Patient {
            name: self.name.clone(),
            inputs: self.inputs.clone(),
            journal: self
                .journal
                .iter()
                .filter(|e| e.date <= date)
                .cloned()
                .collect(),
        }
    }
}

/// Checks `doc` against `protocol`'s inputs. Errors name the protocol that needs the
/// input, since one patient file may serve several protocols.
pub fn check_patient(
    sources: &Sources,
    file: FileId,
    protocol: &Protocol,
    doc: &PatientDoc,
) -> (Option<Patient>, Vec<Diagnostic>) {
    let mut ctx = Ctx::new(sources, file);
    let path = sources
        .get(file)
        .map(|f| f.path.clone())
        .unwrap_or_default();
    let whole = Span::new(file, 0, 0);
    let inputs_at = doc
        .inputs
        .as_ref()
        .map_or(whole, |m| ctx.span(&m.referenced));
    let entries: &[_] = doc.inputs.as_ref().map_or(&[], |m| &m.value.0);
    let mut values = Vec::new();
    for decl in &protocol.inputs {
        let Some((_, given)) = entries.iter().find(|(k, _)| k.value == decl.id) else {
            ctx.push(
                Diagnostic::error(
                    codes::MISSING_INPUT,
                    format!(
                        "missing input `{}` ({}), which protocol `{}` needs",
                        decl.id, decl.label, protocol.id
                    ),
                )
                .at(inputs_at)
                .in_file(&path)
                .with_help(example_value(decl.kind, &decl.choices, &decl.id)),
            );
            continue;
        };
        let at = ctx.span(&given.referenced);
        let value = match (decl.kind, &given.value) {
            (InputKind::Choice, Scalar::Text(s)) if decl.choices.iter().any(|(v, _)| v == s) => {
                Some(Value::Text(s.clone()))
            }
            (InputKind::Choice, other) => {
                let names: Vec<String> = decl.choices.iter().map(|(v, _)| v.clone()).collect();
                let shown = other.to_string();
                let help = match did_you_mean(&shown, &names) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("protocol `{}` allows: {}", protocol.id, names.join(", ")),
                };
                ctx.push(
                    Diagnostic::error(
                        codes::INPUT_VALUE,
                        format!("`{shown}` is not a choice of input `{}`", decl.id),
                    )
                    .at(at)
                    .with_help(help),
                );
                None
            }
            (InputKind::Date, Scalar::Text(s)) => match s.parse::<jiff::civil::Date>() {
                Ok(d) if !plausible(d) => {
                    ctx.push(
                        Diagnostic::error(
                            codes::INPUT_VALUE,
                            format!(
                                "input `{}` is {d}, outside the years {MIN_YEAR} to {MAX_YEAR}",
                                decl.id
                            ),
                        )
                        .at(at)
                        .with_help("check the year; patient dates lie between 1900 and 2200"),
                    );
                    None
                }
                Ok(d) => Some(Value::Date(d)),
                Err(_) => {
                    ctx.push(
                        Diagnostic::error(
                            codes::INPUT_VALUE,
                            format!("input `{}` must be a calendar date, found `{s}`", decl.id),
                        )
                        .at(at)
                        .with_help("write the date as YYYY-MM-DD, such as 2026-09-01"),
                    );
                    None
                }
            },
            (InputKind::Number, Scalar::Int(i)) => Some(Value::Number(*i as f64)),
            (InputKind::Number, Scalar::Float(x)) if x.is_finite() => Some(Value::Number(*x)),
            (InputKind::Bool, Scalar::Bool(b)) => Some(Value::Bool(*b)),
            (InputKind::Text, s) => Some(Value::Text(s.to_string())),
            (kind, other) => {
                ctx.push(
                    Diagnostic::error(
                        codes::INPUT_VALUE,
                        format!(
                            "input `{}` must be {}, found `{other}`",
                            decl.id,
                            kind_name(kind)
                        ),
                    )
                    .at(at),
                );
                None
            }
        };
        if let Some(v) = value {
            values.push((decl.id.clone(), v));
        }
    }
    for (key, _) in entries {
        if !protocol.inputs.iter().any(|d| d.id == key.value) {
            ctx.push(
                Diagnostic::warning(
                    codes::UNDECLARED_INPUT,
                    format!(
                        "input `{}` is not used by protocol `{}`",
                        key.value, protocol.id
                    ),
                )
                .at(ctx.span(&key.referenced)),
            );
        }
    }
    let journal = check_journal(&mut ctx, protocol, doc);
    let start = values.iter().find_map(|(id, v)| match v {
        Value::Date(d) if *id == protocol.starts_on => Some(*d),
        _ => None,
    });
    if let Some(start) = start {
        check_journal_span(&mut ctx, doc, start);
    }
    let ok = !ctx.has_errors();
    let patient = Patient {
        name: doc.name.clone(),
        inputs: values,
        journal,
    };
    (ok.then_some(patient), ctx.diagnostics)
}

fn kind_name(kind: InputKind) -> &'static str {
    match kind {
        InputKind::Choice => "one of the listed choices",
        InputKind::Date => "a calendar date (YYYY-MM-DD)",
        InputKind::Number => "a number",
        InputKind::Text => "text",
        InputKind::Bool => "true or false",
    }
}

fn example_value(kind: InputKind, choices: &[(String, String)], id: &str) -> String {
    match kind {
        InputKind::Choice => format!(
            "add `{id}: ` with one of: {}",
            choices
                .iter()
                .map(|(v, _)| v.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        InputKind::Date => format!("add `{id}: 2026-09-01` under `inputs`"),
        _ => format!("add `{id}` under `inputs`"),
    }
}

/// The earliest year a patient date may have: a diagnosis in year 0 is a typing mistake.
pub const MIN_YEAR: i16 = 1900;
/// The latest year a patient date may have.
pub const MAX_YEAR: i16 = 2200;

/// Whether a patient's date is plausible: within [`MIN_YEAR`] to [`MAX_YEAR`]. Dates far
/// outside would otherwise run into the calendar's end or a plan of centuries, and be
/// reported against the protocol instead of the patient file.
pub fn plausible(date: jiff::civil::Date) -> bool {
    (MIN_YEAR..=MAX_YEAR).contains(&date.year())
}

/// A plan follows the journal to its last entry, so an entry too long after the plan's
/// start (the protocol's `starts_on` input) would make the plan longer than the engine
/// allows: reported here, at the first such entry, rather than by the run without a
/// place.
fn check_journal_span(ctx: &mut Ctx, doc: &PatientDoc, start: jiff::civil::Date) {
    let days = crate::run::MAX_PLAN_DAYS;
    let too_late = doc.journal.iter().find(|item| {
        item.value
            .date
            .value
            .trim()
            .parse::<jiff::civil::Date>()
            .is_ok_and(|d| plausible(d) && (d - start).get_days() >= days as i32)
    });
    if let Some(item) = too_late {
        ctx.push(
            Diagnostic::error(
                codes::JOURNAL_ORDER,
                format!(
                    "journal entry dated {} is {days} days or more after the plan starts ({start}); a plan lasts at most {days} days",
                    item.value.date.value.trim()
                ),
            )
            .at(ctx.span(&item.value.date.referenced))
            .with_help("check the year of this entry, or start a new patient file for a new course"),
        );
    }
}

/// Checks the journal: dates in order, pain scores 0-10, entries of one kind, and
/// assessments and events the protocol declares with results that fit them.
fn check_journal(ctx: &mut Ctx, protocol: &Protocol, doc: &PatientDoc) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut previous: Option<jiff::civil::Date> = None;
    for item in &doc.journal {
        let e: &JournalEntry = &item.value;
        let at = ctx.span(&item.referenced);
        let date = match e.date.value.parse::<jiff::civil::Date>() {
            Ok(d) => d,
            Err(_) => {
                ctx.push(
                    Diagnostic::error(
                        codes::JOURNAL_ORDER,
                        format!("`{}` is not a calendar date", e.date.value),
                    )
                    .at(ctx.span(&e.date.referenced))
                    .with_help("write the date as YYYY-MM-DD, such as 2026-10-20"),
                );
                continue;
            }
        };
        if !plausible(date) {
            ctx.push(
                Diagnostic::error(
                    codes::JOURNAL_ORDER,
                    format!(
                        "journal entry dated {date} is outside the years {MIN_YEAR} to {MAX_YEAR}"
                    ),
                )
                .at(ctx.span(&e.date.referenced))
                .with_help("check the year; patient dates lie between 1900 and 2200"),
            );
            continue;
        }
        if let Some(p) = previous
            && date < p
        {
            ctx.push(
                Diagnostic::error(
                    codes::JOURNAL_ORDER,
                    format!("journal entry dated {date} comes after one dated {p}"),
                )
                .at(ctx.span(&e.date.referenced))
                .with_help("keep the journal in date order, oldest first"),
            );
        }
        previous = Some(previous.map_or(date, |p| p.max(date)));
        let other = e.assessment.is_some() || e.event.is_some();
        if other && !e.fields.is_empty() {
            // Journal fields belong to check-ins; on an assessment or event, a further
            // key is a mistake, most likely a misspelt key.
            let keys: Vec<String> = JournalEntry::KEYS.iter().map(|k| k.to_string()).collect();
            for (key, _) in &e.fields {
                let help = match did_you_mean(&key.value, &keys) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "journal fields are reported on check-ins, in an entry of their own"
                        .to_string(),
                };
                ctx.push(
                    Diagnostic::error(
                        codes::JOURNAL_ENTRY,
                        format!(
                            "`{}` is not a key of an {} entry",
                            key.value,
                            if e.assessment.is_some() {
                                "assessment"
                            } else {
                                "event"
                            }
                        ),
                    )
                    .at(ctx.span(&key.referenced))
                    .with_help(help),
                );
            }
            continue;
        }
        let checkin = e.session.is_some() || e.pain.is_some() || !e.fields.is_empty();
        let kinds = [checkin, e.assessment.is_some(), e.event.is_some()];
        if kinds.iter().filter(|k| **k).count() > 1 {
            ctx.push(
                Diagnostic::error(
                    codes::JOURNAL_ENTRY,
                    "one journal entry reports more than one of a check-in (session, pain), an assessment and an event",
                )
                .at(at)
                .with_help("write each on its own entry; several entries may share a date"),
            );
            continue;
        }
        if e.result.is_some() && e.assessment.is_none() {
            ctx.push(
                Diagnostic::error(
                    codes::JOURNAL_ENTRY,
                    "a `result` belongs to an `assessment`, and this entry names none",
                )
                .at(at),
            );
            continue;
        }
        let kind = if let Some(a) = &e.assessment {
            match assessment_entry(ctx, protocol, a, e) {
                Some(k) => k,
                None => continue,
            }
        } else if let Some(ev) = &e.event {
            if !protocol.events.iter().any(|x| x.id == ev.value) {
                undeclared(
                    ctx,
                    protocol,
                    "event",
                    ev,
                    protocol.events.iter().map(|x| &x.id),
                );
                continue;
            }
            EntryKind::Event {
                id: ev.value.clone(),
            }
        } else {
            let mut pain = [None; 4];
            if let Some(p) = &e.pain {
                for (slot, score) in
                    pain.iter_mut()
                        .zip([&p.before, &p.during, &p.after, &p.next_day])
                {
                    if let Some(score) = score {
                        if (0..=10).contains(&score.value) {
                            *slot = Some(score.value);
                        } else {
                            ctx.push(
                                Diagnostic::error(
                                    codes::PAIN_SCORE,
                                    format!(
                                        "pain score {} is outside the 0-10 rating scale",
                                        score.value
                                    ),
                                )
                                .at(ctx.span(&score.referenced))
                                .with_help("0 is no pain, 10 the worst pain imaginable"),
                            );
                        }
                    }
                }
            }
            let Some(fields) = journal_fields(ctx, protocol, e) else {
                continue;
            };
            EntryKind::CheckIn {
                session: e.session.as_ref().map(|s| s.value),
                pain,
                fields,
            }
        };
        entries.push(Entry {
            date,
            kind,
            note: e.note.clone(),
        });
    }
    entries
}

/// A journal field `key` that `protocol` does not declare: E047 at the key, with the
/// closest key or the fields there are.
fn undeclared_field(ctx: &mut Ctx, protocol: &Protocol, key: &S<String>) {
    let mut known: Vec<String> = JournalEntry::KEYS.iter().map(|k| k.to_string()).collect();
    known.extend(protocol.journal_fields.iter().map(|f| f.id.clone()));
    let declared: Vec<&str> = protocol
        .journal_fields
        .iter()
        .map(|f| f.id.as_str())
        .collect();
    let help = match did_you_mean(&key.value, &known) {
        Some(s) => format!("did you mean `{s}`?"),
        None if declared.is_empty() => format!(
            "protocol `{}` declares no journal fields; an entry has: {}",
            protocol.id,
            JournalEntry::KEYS.join(", ")
        ),
        None => format!(
            "protocol `{}` declares the journal fields: {}",
            protocol.id,
            declared.join(", ")
        ),
    };
    ctx.push(
        Diagnostic::error(
            codes::JOURNAL_UNDECLARED,
            format!(
                "`{}` is not a journal field of protocol `{}`",
                key.value, protocol.id
            ),
        )
        .at(ctx.span(&key.referenced))
        .with_help(help),
    );
}

/// The journal fields a patient file's check-ins report that `protocol` does not
/// declare, read from the file's plain tree. For a file whose structure has mistakes
/// (so it cannot be checked as a patient): a misspelt field is reported together with
/// them, not only once they are fixed.
pub fn undeclared_journal_fields(
    sources: &Sources,
    file: FileId,
    protocol: &Protocol,
) -> Vec<Diagnostic> {
    use rehab_syntax::structure::Kind;
    let mut ctx = Ctx::new(sources, file);
    let Ok(tree) = rehab_syntax::read_tree(sources, file) else {
        return Vec::new();
    };
    let Kind::Map(top) = &tree.value else {
        return Vec::new();
    };
    let entries = top
        .iter()
        .filter(|(k, _)| k.value == "journal")
        .filter_map(|(_, v)| match &v.value {
            Kind::Seq(items) => Some(items),
            _ => None,
        })
        .flatten();
    for entry in entries {
        let Kind::Map(keys) = &entry.value else {
            continue;
        };
        // Further keys belong to check-ins; on an assessment or event they are a
        // different mistake, which the structural check reports.
        if keys
            .iter()
            .any(|(k, _)| k.value == "assessment" || k.value == "event")
        {
            continue;
        }
        for (key, _) in keys {
            let builtin = JournalEntry::KEYS.contains(&key.value.as_str());
            let declared = protocol.journal_fields.iter().any(|f| f.id == key.value);
            if !builtin && !declared {
                undeclared_field(&mut ctx, protocol, key);
            }
        }
    }
    ctx.diagnostics
}

/// The journal fields a check-in reports: each declared by the protocol, of its type
/// and within its bounds. `None` after reporting any that is not.
fn journal_fields(
    ctx: &mut Ctx,
    protocol: &Protocol,
    e: &JournalEntry,
) -> Option<Vec<(String, Answer)>> {
    let mut fields = Vec::new();
    let mut ok = true;
    for (key, value) in &e.fields {
        let Some(decl) = protocol.journal_fields.iter().find(|f| f.id == key.value) else {
            ok = false;
            undeclared_field(ctx, protocol, key);
            continue;
        };
        let answer = match (&value.value, decl.number) {
            (FieldValue::Scalar(Scalar::Bool(b)), false) => Some(Answer::Yes(*b)),
            (FieldValue::Scalar(Scalar::Int(n)), true) => Some(Answer::Number(*n as f64)),
            (FieldValue::Scalar(Scalar::Float(x)), true) if x.is_finite() => {
                Some(Answer::Number(*x))
            }
            _ => None,
        };
        let within =
            |x: f64| decl.min.is_none_or(|lo| x >= lo) && decl.max.is_none_or(|hi| x <= hi);
        let in_range = |a: &Answer| match *a {
            Answer::Number(x) => within(x),
            Answer::Yes(_) => true,
        };
        if let Some(a) = answer.filter(in_range) {
            fields.push((decl.id.clone(), a));
            continue;
        }
        ok = false;
        let found = match &value.value {
            FieldValue::Scalar(s) => format!("`{s}`"),
            FieldValue::Structured(_) => "a list or mapping".into(),
        };
        ctx.push(
            Diagnostic::error(
                codes::JOURNAL_ENTRY,
                format!(
                    "journal field `{}` must be {}, found {found}",
                    decl.id,
                    decl.expects()
                ),
            )
            .at(ctx.span(&value.referenced))
            .with_help(format!(
                "protocol `{}` asks: {}",
                protocol.id,
                decl.text.trim()
            )),
        );
    }
    ok.then_some(fields)
}

fn undeclared<'a>(
    ctx: &mut Ctx,
    protocol: &Protocol,
    what: &str,
    name: &S<String>,
    declared: impl Iterator<Item = &'a String>,
) {
    let names: Vec<String> = declared.cloned().collect();
    let help = match did_you_mean(&name.value, &names) {
        Some(s) => format!("did you mean `{s}`?"),
        None if names.is_empty() => format!("protocol `{}` declares no {what}s", protocol.id),
        None => format!("protocol `{}` declares: {}", protocol.id, names.join(", ")),
    };
    ctx.push(
        Diagnostic::error(
            codes::JOURNAL_UNDECLARED,
            format!(
                "protocol `{}` declares no {what} `{}`",
                protocol.id, name.value
            ),
        )
        .at(ctx.span(&name.referenced))
        .with_help(help),
    );
}

/// An assessment entry: every question with a pass mark answered yes or no, and no
/// answer to a question the assessment does not ask.
fn assessment_entry(
    ctx: &mut Ctx,
    protocol: &Protocol,
    name: &S<String>,
    e: &JournalEntry,
) -> Option<EntryKind> {
    let Some(decl) = protocol.assessments.iter().find(|a| a.id == name.value) else {
        undeclared(
            ctx,
            protocol,
            "assessment",
            name,
            protocol.assessments.iter().map(|a| &a.id),
        );
        return None;
    };
    let given: &[_] = e.result.as_ref().map_or(&[], |r| &r.0);
    let questions: Vec<String> = decl.questions.iter().map(|q| q.id.clone()).collect();
    let mut answers = Vec::new();
    let mut ok = true;
    // Questions the entry tried to answer: misspelt or mistyped answers are reported
    // once, as such, and not again as missing.
    let mut attempted: Vec<String> = Vec::new();
    for (key, value) in given {
        if !questions.contains(&key.value) {
            ok = false;
            let meant = did_you_mean(&key.value, &questions);
            attempted.extend(meant.map(str::to_string));
            let help = match meant {
                Some(s) => format!("did you mean `{s}`?"),
                None if questions.is_empty() => format!(
                    "`{}` is a checklist without questions; write findings in `note`",
                    decl.id
                ),
                None => format!("`{}` asks: {}", decl.id, questions.join(", ")),
            };
            ctx.push(
                Diagnostic::error(
                    codes::JOURNAL_ENTRY,
                    format!("assessment `{}` has no question `{}`", decl.id, key.value),
                )
                .at(ctx.span(&key.referenced))
                .with_help(help),
            );
            continue;
        }
        attempted.push(key.value.clone());
        let number = decl.questions.iter().any(|q| q.id == key.value && q.number);
        match (&value.value, number) {
            (Scalar::Bool(b), false) => answers.push((key.value.clone(), Answer::Yes(*b))),
            (Scalar::Int(n), true) => answers.push((key.value.clone(), Answer::Number(*n as f64))),
            (Scalar::Float(x), true) if x.is_finite() => {
                answers.push((key.value.clone(), Answer::Number(*x)));
            }
            (other, _) => {
                ok = false;
                let wanted = if number { "a number" } else { "true or false" };
                ctx.push(
                    Diagnostic::error(
                        codes::JOURNAL_ENTRY,
                        format!(
                            "the answer to `{}` must be {wanted}, found `{other}`",
                            key.value
                        ),
                    )
                    .at(ctx.span(&value.referenced)),
                );
            }
        }
    }
    let mut passed = None;
    for q in &decl.questions {
        let answer = answers.iter().find(|(k, _)| *k == q.id).map(|(_, v)| *v);
        match (q.pass, answer) {
            (Some(_), Some(a)) => {
                passed = Some(passed.unwrap_or(true) && q.passes(&a).unwrap_or(true));
            }
            (Some(_), None) if attempted.contains(&q.id) => ok = false,
            (Some(_), None) => {
                ok = false;
                ctx.push(
                    Diagnostic::error(
                        codes::JOURNAL_ENTRY,
                        format!(
                            "the result of `{}` does not answer `{}`: {}",
                            decl.id, q.id, q.text
                        ),
                    )
                    .at(ctx.span(&name.referenced))
                    .with_help(if q.number {
                        format!("add `result: {{ {}: 85 }}` with the measured value", q.id)
                    } else {
                        format!("add `result: {{ {}: true }}` (or false)", q.id)
                    }),
                );
            }
            (None, _) => {}
        }
    }
    ok.then(|| EntryKind::Assessment {
        id: decl.id.clone(),
        answers,
        passed,
    })
}
