//! The data scripts see: the journal and tables through the host API, and values
//! converted between the plan's and the scripts' forms.

use super::*;

pub(super) fn from_script(v: &rehab_rules::Value) -> Value {
    match v {
        rehab_rules::Value::Int(i) => Value::Number(*i as f64),
        rehab_rules::Value::Float(f) => Value::Number(*f),
        rehab_rules::Value::Bool(b) => Value::Bool(*b),
        rehab_rules::Value::Str(s) => Value::Text(s.clone()),
        rehab_rules::Value::Unit => Value::Text("()".into()),
        rehab_rules::Value::List(items) => Value::List(items.iter().map(from_script).collect()),
        rehab_rules::Value::Map(vars) => Value::Map(
            vars.iter()
                .map(|(k, v)| (k.to_string(), from_script(v)))
                .collect(),
        ),
    }
}

pub(super) fn script_value(v: &Value) -> rehab_rules::Value {
    match v {
        Value::Text(s) => rehab_rules::Value::Str(s.clone()),
        Value::Date(d) => rehab_rules::Value::Str(d.to_string()),
        Value::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => {
            rehab_rules::Value::Int(*n as i64)
        }
        Value::Number(n) => rehab_rules::Value::Float(*n),
        Value::Bool(b) => rehab_rules::Value::Bool(*b),
        Value::List(items) => rehab_rules::Value::List(items.iter().map(script_value).collect()),
        Value::Map(entries) => {
            let mut vars = Vars::new();
            for (k, v) in entries {
                vars.set(k, script_value(v));
            }
            rehab_rules::Value::Map(vars)
        }
    }
}

/// The journal and tables as the host API shows them, in the lists of `reused` (what
/// the evaluator's last run left), emptied first.
pub(super) fn host_data(
    reused: HostData,
    protocol: &Protocol,
    patient: &Patient,
    start: Date,
    config: &RunConfig,
) -> HostData {
    let HostData {
        mut checkins,
        mut assessments,
        mut events,
        mut tables,
        mut rules,
        mut fired,
        ..
    } = reused;
    checkins.clear();
    assessments.clear();
    events.clear();
    tables.clear();
    fired.clear();
    if !rules.iter().eq(protocol.rules.iter().map(|r| &r.id)) {
        rules.clear();
        rules.extend(protocol.rules.iter().map(|r| r.id.clone()));
    }
    let mut data = HostData {
        today: start,
        phase_start: start,
        week_start: start,
        checkins,
        assessments,
        events,
        tables,
        rules,
        fired,
        // A quiet run shows no decision's values, so host calls need not be recorded.
        explain: !config.quiet,
    };
    for e in &patient.journal {
        host_record(&mut data, e);
    }
    for table in &protocol.tables {
        if let Some(Value::Text(key)) = patient.input(&table.by)
            && let Some(row) = table.row(key)
        {
            let (lo, hi) = row.value.to_days().unwrap_or((0, 0));
            data.tables.push(TableRow {
                table: table.id.clone(),
                key: key.clone(),
                text: row.value.to_string(),
                min_days: i64::try_from(lo).unwrap_or(i64::MAX),
                max_days: i64::try_from(hi).unwrap_or(i64::MAX),
            });
        }
    }
    data
}

/// Shows one journal entry to the host API, keeping its lists in date order (the
/// host functions rely on it).
pub(super) fn host_record(data: &mut HostData, e: &Entry) {
    match &e.kind {
        EntryKind::CheckIn {
            session,
            pain,
            fields,
        } => insert_in_date_order(
            &mut data.checkins,
            CheckIn {
                date: e.date,
                session: session.map(|s| s.as_str().to_string()),
                pain: *pain,
                fields: answer_vars(fields),
            },
            |c| c.date,
        ),
        EntryKind::Assessment {
            id,
            answers,
            passed,
        } => insert_in_date_order(
            &mut data.assessments,
            AssessmentRecord {
                date: e.date,
                id: id.clone(),
                result: answer_vars(answers),
                passed: *passed,
            },
            |a| a.date,
        ),
        EntryKind::Event { id } => insert_in_date_order(
            &mut data.events,
            EventRecord {
                date: e.date,
                id: id.clone(),
            },
            |ev| ev.date,
        ),
    }
}

/// Inserts `item` after every item dated on or before it: at the end for a list built
/// in order, and before later ones for an entry reported while a run is under way.
pub(super) fn insert_in_date_order<T>(list: &mut Vec<T>, item: T, date: impl Fn(&T) -> Date) {
    let day = date(&item);
    // Most entries come in date order: no search, and nothing to move.
    if list.last().is_none_or(|x| date(x) <= day) {
        list.push(item);
        return;
    }
    let at = list.partition_point(|x| date(x) <= day);
    list.insert(at, item);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_goes_after_those_dated_on_or_before_it() {
        let day = |d| jiff::civil::date(2026, 3, d);
        let mut list = vec![(day(1), "a"), (day(3), "b")];
        // In order: at the end, after an item of the same day.
        insert_in_date_order(&mut list, (day(3), "c"), |x| x.0);
        // Out of order: before the later items, after the earlier ones.
        insert_in_date_order(&mut list, (day(2), "d"), |x| x.0);
        insert_in_date_order(&mut list, (day(1), "e"), |x| x.0);
        let names: Vec<&str> = list.iter().map(|x| x.1).collect();
        assert_eq!(names, ["a", "e", "d", "b", "c"]);
    }
}
