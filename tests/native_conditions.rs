//! The native form of conditions (crates/rules/src/native/) against Rhai: every rule
//! condition, gate condition and computed value of every shipped protocol and of every
//! fixture that checks is evaluated both ways on generated variables and journals
//! (extreme integers, NaN and infinite floats, missing properties, wrong types), and
//! must give the same value or error, spend the same operations and record the same
//! host calls.
//!
//! `shipped_conditions_compile_natively` pins which shipped scripts have a native form;
//! docs/performance.md ("Conditions compiled natively") lists the same.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use jiff::civil::{Date, date};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rehab_engine::load::{FileKind, Loader, Unread};
use rehab_rules::{CheckIn, Evaluator, HostData, Sandbox, Script, TableRow, Value, Vars};

/// The variables the engine hands to scripts (docs/rhai-api.md), for scripts whose
/// reads cannot be told from their text.
const VARIABLES: &[&str] = &[
    "inputs",
    "today",
    "phase",
    "week",
    "level",
    "day",
    "days_in_phase",
    "trigger",
    "pain",
    "session",
    "note",
    "planned",
    "fields",
    "assessment",
    "result",
    "passed",
    "event",
];

/// Every protocol file that checks, with its loaded protocol: the shipped ones and the
/// fixtures.
fn protocols() -> Vec<(PathBuf, std::sync::Arc<rehab_engine::load::LoadedProtocol>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    collect_yaml(&root.join("protocols"), &mut paths);
    collect_yaml(&root.join("tests/fixtures"), &mut paths);
    paths.sort();
    let mut loader = Loader::new(|path: &Path, _: FileKind| {
        std::fs::read_to_string(path).map_err(|_| Unread::Missing)
    });
    paths
        .into_iter()
        .filter_map(|path| {
            let (loaded, _) = loader.protocol(&path);
            loaded.map(|l| (path, l))
        })
        .collect()
}

fn collect_yaml(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_yaml(&path, found);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            found.push(path);
        }
    }
}

fn scalar() -> impl Strategy<Value = Value> {
    let text = prop_oneof![
        Just("session".to_owned()),
        Just("cross+strength".to_owned()),
        Just("off".to_owned()),
        Just("done".to_owned()),
        Just(String::new()),
        Just("2026-11-10".to_owned()),
        "[a-z_]{0,8}",
    ];
    prop_oneof![
        4 => (0i64..12).prop_map(Value::Int),
        1 => prop_oneof![
            Just(i64::MAX),
            Just(i64::MIN),
            Just(-1),
            Just(i64::MAX - 1),
            any::<i64>()
        ]
        .prop_map(Value::Int),
        2 => prop_oneof![
            -20.0f64..120.0,
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(-0.0),
            Just(2.0 - f64::EPSILON),
            Just(1e300),
        ]
        .prop_map(Value::Float),
        2 => any::<bool>().prop_map(Value::Bool),
        2 => text.prop_map(Value::Str),
        1 => Just(Value::Unit),
    ]
}

/// A map with the properties scripts read (each sometimes missing) and a stray one.
fn map(properties: Vec<String>) -> impl Strategy<Value = Value> {
    let n = properties.len();
    (
        proptest::collection::vec(proptest::option::weighted(0.85, scalar()), n),
        scalar(),
    )
        .prop_map(move |(values, extra)| {
            let mut vars = Vars::new();
            for (name, value) in properties.iter().zip(values) {
                if let Some(v) = value {
                    vars.set(name, v);
                }
            }
            vars.set("zz_other", extra);
            Value::Map(vars)
        })
}

fn variable(properties: Vec<String>) -> BoxedStrategy<Option<Value>> {
    let value = prop_oneof![
        6 => map(properties),
        3 => scalar(),
        1 => proptest::collection::vec(scalar(), 0..3).prop_map(Value::List),
    ];
    proptest::option::weighted(0.95, value).boxed()
}

/// The names a script's host calls give as literals, to put in the journal.
#[derive(Debug, Clone, Default)]
struct Named {
    rules: Vec<String>,
    tables: Vec<String>,
    fields: Vec<String>,
    others: Vec<String>,
}

fn host(named: &Named) -> impl Strategy<Value = HostData> {
    let named = named.clone();
    let checkin = (
        0i64..40,
        proptest::array::uniform4(proptest::option::weighted(0.9, 0i64..11)),
        prop_oneof![Just("done"), Just("partial"), Just("skipped")],
        proptest::collection::vec(scalar(), named.fields.len()),
    );
    (
        proptest::collection::vec(checkin, 0..8),
        proptest::collection::vec((1i64..40, 0usize..4), 0..6),
        proptest::collection::vec(any::<bool>(), named.tables.len()),
        0i64..14,
    )
        .prop_map(move |(checkins, fired, tables, week)| {
            let today = date(2026, 11, 30);
            let day = |back: i64| today.checked_sub(jiff::Span::new().days(back)).unwrap();
            let mut checkins: Vec<CheckIn> = checkins
                .into_iter()
                .map(|(back, pain, session, fields)| CheckIn {
                    date: day(back),
                    session: Some(session.to_owned()),
                    pain,
                    fields: named
                        .fields
                        .iter()
                        .zip(fields)
                        .fold(Vars::new(), |v, (n, x)| v.with(n, x)),
                })
                .collect();
            checkins.sort_by_key(|c| c.date);
            let mut fired: Vec<(Date, String)> = fired
                .into_iter()
                .filter_map(|(back, i)| named.rules.get(i).map(|r| (day(back), r.clone())))
                .collect();
            fired.sort();
            HostData {
                today,
                phase_start: day(20),
                week_start: day(week % 7),
                checkins,
                tables: named
                    .tables
                    .iter()
                    .zip(tables)
                    .filter(|(_, on)| *on)
                    .map(|(t, _)| TableRow {
                        table: t.clone(),
                        key: "k".into(),
                        text: "6-8wk".into(),
                        min_days: 42,
                        max_days: 56,
                    })
                    .collect(),
                rules: named.rules.clone(),
                fired,
                ..HostData::default()
            }
        })
}

/// Evaluates a script a few ways in one run: its value, as a condition on prepared
/// variables, and its value again (the run's operations add up).
fn outcome(evaluator: &Evaluator, script: &Script, vars: &Vars, data: &HostData) -> String {
    evaluator.begin_run(data.clone());
    let value = evaluator.eval_value(script, vars);
    let seen = evaluator.take_seen();
    let condition = evaluator.eval_bool_in(script, &mut evaluator.prepare(vars));
    let seen_again = evaluator.take_seen();
    let value_again = evaluator.eval_value(script, vars);
    format!(
        "{value:?}\n{seen:?}\n{condition:?}\n{seen_again:?}\n{value_again:?}\nops {}",
        evaluator.run_operations()
    )
}

struct Subject<'s> {
    text: &'s str,
    script: &'s Script,
    names: Vec<(String, Vec<String>)>,
    named: Named,
}

fn subject<'s>(sandbox: &Sandbox, text: &'s str, script: &'s Script) -> Subject<'s> {
    let reads: Vec<String> = match script.reads() {
        Some(r) => r.to_vec(),
        None => VARIABLES.iter().map(|s| (*s).to_owned()).collect(),
    };
    let names = reads
        .into_iter()
        .map(|v| {
            let mut props: BTreeSet<String> = sandbox
                .properties_read(script, &v)
                .into_iter()
                .map(|p| p.text)
                .collect();
            if v == "pain" {
                props.extend(rehab_rules::PAIN_TIMES.iter().map(|s| (*s).to_owned()));
            }
            (v, props.into_iter().collect())
        })
        .collect();
    let mut named = Named::default();
    for arg in sandbox.literal_arguments(script) {
        let list = match arg.function.as_str() {
            "fired" => &mut named.rules,
            "table" => &mut named.tables,
            "max_field_in_week" => &mut named.fields,
            _ => &mut named.others,
        };
        if !list.contains(&arg.text) {
            list.push(arg.text);
        }
    }
    Subject {
        text,
        script,
        names,
        named,
    }
}

#[test]
fn native_and_rhai_agree_on_every_condition() {
    let protocols = protocols();
    assert!(
        protocols.len() >= 10,
        "only {} protocols check",
        protocols.len()
    );
    let mut scripts = 0;
    let mut native_scripts = 0;
    let mut native_runs = 0;
    for (path, loaded) in &protocols {
        let scripts_of = loaded.protocol.scripts();
        let sandbox = scripts_of.sandbox();
        let native = sandbox.evaluator().expect("the modules load");
        let mut rhai = sandbox.evaluator().expect("the modules load");
        rhai.set_native(false);
        for (text, script) in scripts_of.compiled() {
            scripts += 1;
            if script.why_not_native().is_none() {
                native_scripts += 1;
            }
            let s = subject(sandbox, text, script);
            let vars = s
                .names
                .iter()
                .map(|(name, props)| {
                    let name = name.clone();
                    variable(props.clone()).prop_map(move |v| (name.clone(), v))
                })
                .collect::<Vec<_>>();
            let strategy = (vars, host(&s.named));
            let mut runner = TestRunner::new(Config {
                cases: 24,
                failure_persistence: None,
                ..Config::default()
            });
            let result = runner.run(&strategy, |(vars, data)| {
                let vars = vars
                    .into_iter()
                    .filter_map(|(n, v)| v.map(|v| (n, v)))
                    .fold(Vars::new(), |all, (n, v)| all.with(&n, v));
                let a = outcome(&native, s.script, &vars, &data);
                let b = outcome(&rhai, s.script, &vars, &data);
                prop_assert_eq!(a, b, "{} in {}", s.text, path.display());
                Ok(())
            });
            if let Err(e) = result {
                panic!("{e}");
            }
        }
        native_runs += native.native_evaluations();
        assert_eq!(rhai.native_evaluations(), 0);
    }
    assert!(scripts > 40, "only {scripts} scripts");
    assert!(
        native_scripts * 10 >= scripts * 8,
        "only {native_scripts} of {scripts} scripts have a native form"
    );
    assert!(native_runs > 1000, "only {native_runs} native evaluations");
}

/// Which scripts of the shipped protocols have a native form, and why the others do
/// not: `protocol: script => reason`, one line each, in the protocol's order.
fn shipped_listing() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut lines = Vec::new();
    for (path, loaded) in protocols() {
        let Ok(rel) = path.strip_prefix(root.join("protocols")) else {
            continue;
        };
        for (text, script) in loaded.protocol.scripts().compiled() {
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            lines.push(match script.why_not_native() {
                None => format!("{}: {text} => native", rel.display()),
                Some(why) => format!("{}: {text} => Rhai: {why}", rel.display()),
            });
        }
    }
    lines
}

#[test]
fn shipped_conditions_compile_natively() {
    let expected = [
        "acl-return-to-run.yaml: pain.before >= 2 || pain.during >= 2 || pain.after >= 2 || pain.next_day >= 2 => native",
        "acl-return-to-run.yaml: pain.during >= 2 && pain.next_day >= 2 => native",
        "acl-return-to-run.yaml: fields.more_effusion == true => native",
        "couch-to-5k.yaml: session == \"partial\" || session == \"skipped\" => native",
        "delaware-soreness.yaml: delaware::days_until_nine_months(inputs.surgery, today) => Rhai: in `delaware::nine_months_after`: calls `parse_int`, a built-in function the native form does not have",
        "delaware-soreness.yaml: delaware::sore(pain.during) => native",
        "delaware-soreness.yaml: delaware::sore(pain.before) && !delaware::sore(pain.during) => native",
        "delaware-soreness.yaml: delaware::sore(pain.next_day) => native",
        "delaware-soreness.yaml: fields.more_swelling == true => native",
        "morra.yaml: max_pain(14) < 2 => native",
        "morra.yaml: morra::red_flag(pain, fields) => native",
        "morra.yaml: result.painless == false => native",
        "morra.yaml: result.painless == false && fired(\"hop-test-painful\", 56) >= 1 => native",
        "morra.yaml: morra::run_day(planned) && pain.next_day >= 2 && fired(\"pain-steps-back\", 14) >= 1 => native",
        "morra.yaml: morra::run_day(planned) && (pain.next_day >= 2 || pain.during >= 4) => native",
        "morra.yaml: morra::hurts(pain) => native",
        "morra.yaml: morra::hurts(pain) => native",
        "silbernagel-achilles.yaml: inputs.activity => native",
        "silbernagel-achilles.yaml: if inputs.weeks >= 1 { inputs.weeks * 7 } else { throw \"weeks must be 1 or more\" } => native",
        "silbernagel-achilles.yaml: silbernagel::zone(pain.during) == \"high-risk\" => native",
        "silbernagel-achilles.yaml: silbernagel::zone(pain.after) == \"high-risk\" => native",
        "silbernagel-achilles.yaml: silbernagel::morning_above_usual(checkins(8)) => Rhai: in `silbernagel::morning_above_usual`: calls the method `len`",
        "silbernagel-achilles.yaml: session != \"skipped\" && !silbernagel::settled(pain.next_day) => native",
        "silbernagel-achilles.yaml: week > 1 && max_pain_in_week(0) > max_pain_in_week(1) => native",
        "silbernagel-achilles.yaml: week > 1 && max_field_in_week(\"morning_stiffness\", 0) > max_field_in_week(\"morning_stiffness\", 1) => native",
    ];
    assert_eq!(shipped_listing(), expected);
}
