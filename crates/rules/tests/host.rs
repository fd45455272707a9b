//! The host API: journal helpers see only the past, calls are recorded, modules are
//! reachable by name, and undefined calls are found before anything runs.

use jiff::civil::{Date, date};
use rehab_rules::{
    AssessmentRecord, CheckIn, Evaluator, EventRecord, HOST_FUNCTIONS, HostData, Limits,
    ModuleSource, Sandbox, ScriptErrorKind, TableRow, Value, Vars,
};

fn checkin(day: Date, session: &str, pain: [i64; 4]) -> CheckIn {
    CheckIn {
        date: day,
        session: Some(session.to_owned()),
        pain: pain.map(Some),
        fields: Vars::new(),
    }
}

fn data() -> HostData {
    HostData {
        today: date(2026, 11, 10),
        phase_start: date(2026, 11, 2),
        week_start: date(2026, 11, 9),
        checkins: vec![
            checkin(date(2026, 10, 30), "done", [0, 4, 0, 0]),
            checkin(date(2026, 11, 3), "done", [0, 2, 1, 0]),
            checkin(date(2026, 11, 5), "partial", [0, 0, 0, 0]),
            checkin(date(2026, 11, 9), "done", [0, 0, 0, 0]),
            checkin(date(2026, 11, 10), "done", [0, 1, 0, 0]),
            // The future: never visible.
            checkin(date(2026, 11, 12), "done", [9, 9, 9, 9]),
        ],
        assessments: vec![
            AssessmentRecord {
                date: date(2026, 11, 1),
                id: "hop".into(),
                result: Vars::new().with("painless", false),
                passed: Some(false),
            },
            AssessmentRecord {
                date: date(2026, 11, 8),
                id: "hop".into(),
                result: Vars::new().with("painless", true),
                passed: Some(true),
            },
            AssessmentRecord {
                date: date(2026, 11, 20),
                id: "hop".into(),
                result: Vars::new().with("painless", false),
                passed: Some(false),
            },
        ],
        events: vec![EventRecord {
            date: date(2026, 11, 4),
            id: "cleared".into(),
        }],
        tables: vec![TableRow {
            table: "healing".into(),
            key: "long".into(),
            text: "18-20wk".into(),
            min_days: 126,
            max_days: 140,
        }],
        rules: vec!["hold".into(), "refer".into()],
        fired: vec![
            (date(2026, 10, 25), "hold".into()),
            (date(2026, 11, 3), "hold".into()),
            // Two firings on one day (a check-in and a week-end) count as one day.
            (date(2026, 11, 9), "hold".into()),
            (date(2026, 11, 9), "hold".into()),
            // Today's firings count from tomorrow.
            (date(2026, 11, 10), "hold".into()),
        ],
        explain: true,
    }
}

fn eval(sandbox: &Sandbox, ev: &Evaluator, source: &str) -> Value {
    let script = sandbox.compile("t", source).unwrap();
    ev.eval_value(&script, &Vars::new()).unwrap()
}

#[test]
fn journal_helpers_see_only_up_to_today() {
    let sandbox = Sandbox::new(Limits::default(), Vec::new()).unwrap();
    let ev = sandbox.evaluator().unwrap();
    ev.begin_run(data());
    let cases: &[(&str, Value)] = &[
        ("checkins(2).len()", Value::Int(2)),
        ("checkins(2)[1].pain.during", Value::Int(1)),
        ("checkins(99).len()", Value::Int(5)),
        ("pain_free_streak()", Value::Int(0)),
        ("pain_free_streak(2)", Value::Int(3)),
        ("max_pain(7)", Value::Int(1)),
        ("max_pain(8)", Value::Int(2)),
        ("max_pain(30)", Value::Int(4)),
        ("max_pain_in_phase()", Value::Int(2)),
        // This week (from 11-09): 0 and 1; last week (11-02 to 11-08): 2 and 0; the week
        // before: 4 on 10-30.
        ("max_pain_in_week(0)", Value::Int(1)),
        ("max_pain_in_week(1)", Value::Int(2)),
        ("max_pain_in_week(2)", Value::Int(4)),
        ("max_pain_in_week(3)", Value::Int(0)),
        ("max_pain_in_week(-1)", Value::Int(0)),
        ("max_pain_in_week(9223372036854775807)", Value::Int(0)),
        ("painful_checkins(14, 2)", Value::Int(2)),
        ("painful_checkins(14, 1)", Value::Int(3)),
        ("days_since(\"cleared\")", Value::Int(6)),
        ("days_since(\"hop\")", Value::Int(2)),
        ("days_since(\"never\")", Value::Int(-1)),
        ("last_passed(\"hop\")", Value::Bool(true)),
        ("last_passed(\"never\")", Value::Bool(false)),
        ("last_result(\"hop\").painless", Value::Bool(true)),
        ("last_result(\"never\") == ()", Value::Bool(true)),
        ("sessions_this_week(\"done\")", Value::Int(2)),
        ("sessions_this_week(\"partial\")", Value::Int(0)),
        ("table(\"healing\").max_days", Value::Int(140)),
        ("fired(\"hold\", 14)", Value::Int(2)),
        ("fired(\"hold\", 7)", Value::Int(2)),
        ("fired(\"hold\", 6)", Value::Int(1)),
        ("fired(\"hold\", 30)", Value::Int(3)),
        ("fired(\"refer\", 30)", Value::Int(0)),
        (
            "days_between(\"2026-11-01\", \"2026-12-01\")",
            Value::Int(30),
        ),
        (
            "add_days(\"2026-12-30\", 3)",
            Value::Str("2027-01-02".into()),
        ),
    ];
    for (source, expected) in cases {
        assert_eq!(&eval(&sandbox, &ev, source), expected, "{source}");
    }
}

#[test]
fn calls_are_recorded_for_explanations() {
    let sandbox = Sandbox::new(Limits::default(), Vec::new()).unwrap();
    let ev = sandbox.evaluator().unwrap();
    ev.begin_run(data());
    eval(
        &sandbox,
        &ev,
        "painful_checkins(14, 2) >= 2 && max_pain(7) > 0",
    );
    let seen = ev.take_seen();
    let calls: Vec<(&str, &Value)> = seen.iter().map(|s| (s.call.as_str(), &s.value)).collect();
    assert_eq!(
        calls,
        [
            ("painful_checkins(14, 2)", &Value::Int(2)),
            ("max_pain(7)", &Value::Int(1))
        ]
    );
    assert!(ev.take_seen().is_empty());
}

#[test]
fn a_run_that_explains_nothing_records_no_call() {
    let sandbox = Sandbox::new(Limits::default(), Vec::new()).unwrap();
    let ev = sandbox.evaluator().unwrap();
    ev.begin_run(HostData {
        explain: false,
        ..data()
    });
    let value = eval(&sandbox, &ev, "painful_checkins(14, 2) + checkins(3).len()");
    assert_eq!(value, Value::Int(5));
    assert!(ev.take_seen().is_empty());
}

/// Converted check-ins are reused only while the journal holds them unchanged: an entry
/// changed, or one inserted before others, is seen as it now is.
#[test]
fn check_ins_seen_again_follow_the_journal() {
    let sandbox = Sandbox::new(Limits::default(), Vec::new()).unwrap();
    let ev = sandbox.evaluator().unwrap();
    ev.begin_run(data());
    let during = "checkins(3).map(|c| c.pain.during)";
    let list = |v: &[i64]| Value::List(v.iter().map(|n| Value::Int(*n)).collect());
    assert_eq!(eval(&sandbox, &ev, during), list(&[0, 0, 1]));
    // A script changes its copy, not what the next one sees.
    let changed = "let c = checkins(1); c[0].pain.during = 7; c[0].pain.during";
    assert_eq!(eval(&sandbox, &ev, changed), Value::Int(7));
    assert_eq!(eval(&sandbox, &ev, during), list(&[0, 0, 1]));
    {
        let mut data = ev.host_data();
        data.checkins[4].pain[1] = Some(6);
        data.checkins
            .insert(3, checkin(date(2026, 11, 8), "done", [0, 3, 0, 0]));
    }
    assert_eq!(eval(&sandbox, &ev, during), list(&[3, 0, 6]));
    ev.begin_run(data());
    assert_eq!(eval(&sandbox, &ev, during), list(&[0, 0, 1]));
}

#[test]
fn moving_today_forward_reveals_later_entries() {
    let sandbox = Sandbox::new(Limits::default(), Vec::new()).unwrap();
    let ev = sandbox.evaluator().unwrap();
    ev.begin_run(data());
    ev.host_data().today = date(2026, 11, 12);
    assert_eq!(eval(&sandbox, &ev, "max_pain(1)"), Value::Int(9));
}

#[test]
fn bad_arguments_are_runtime_errors() {
    let sandbox = Sandbox::new(Limits::default(), Vec::new()).unwrap();
    let ev = sandbox.evaluator().unwrap();
    ev.begin_run(data());
    for source in [
        "table(\"nope\")",
        "fired(\"nope\", 7)",
        "days_between(\"soon\", \"2026-01-01\")",
        "add_days(\"2026-01-01\", 9223372036854775807)",
    ] {
        let script = sandbox.compile("t", source).unwrap();
        let err = ev.eval_value(&script, &Vars::new()).unwrap_err();
        assert_eq!(err.kind, ScriptErrorKind::Runtime, "{source}: {err}");
    }
}

fn with_module() -> Sandbox {
    Sandbox::new(
        Limits::default(),
        vec![ModuleSource {
            name: "tools".into(),
            path: "protocols/tools.rhai".into(),
            text: "fn is_pain(score) { score >= 2 }\nfn worst(p) { max(p.during, p.after) }".into(),
        }],
    )
    .unwrap()
}

#[test]
fn modules_are_reachable_by_name_without_import() {
    let sandbox = with_module();
    let ev = sandbox.evaluator().unwrap();
    let vars = Vars::new().with("pain", Vars::new().with("during", 3).with("after", 1));
    let script = sandbox
        .compile("t", "tools::is_pain(tools::worst(pain))")
        .unwrap();
    assert!(ev.eval_bool(&script, &vars).unwrap());
}

#[test]
fn undefined_calls_are_found_without_running() {
    let sandbox = with_module();
    let source = "fn own(x) { x }\nlet a = own(1) + [1].len() + clamp(1, 0, 2);\n\
                  a > 0 && tools::is_pain(a) || nope(a)\n  || tools::gone(1) || x.frobnicate()";
    let script = sandbox.compile("t", source).unwrap();
    let errors = sandbox.undefined_calls(&script);
    let found: Vec<(String, Option<usize>, Option<usize>)> = errors
        .iter()
        .map(|e| (e.message.clone(), e.line, e.column))
        .collect();
    assert_eq!(
        found,
        [
            (
                "function 'nope' is not defined".to_owned(),
                Some(3),
                Some(31)
            ),
            (
                "module 'tools' has no function 'gone'".to_owned(),
                Some(4),
                Some(13)
            ),
            (
                "function 'frobnicate' is not defined".to_owned(),
                Some(4),
                Some(26)
            ),
        ]
    );
    assert!(
        errors
            .iter()
            .all(|e| e.kind == ScriptErrorKind::UndefinedFunction)
    );
}

#[test]
fn an_undefined_module_function_alone_is_found() {
    let sandbox = with_module();
    for source in ["tools::missing(pain)", "tools::missing(pain) > 1"] {
        let script = sandbox.compile("t", source).unwrap();
        let errors = sandbox.undefined_calls(&script);
        assert_eq!(errors.len(), 1, "{source}: {errors:?}");
    }
}

#[test]
fn every_host_function_is_registered() {
    let sandbox = Sandbox::new(Limits::default(), Vec::new()).unwrap();
    let ev = sandbox.evaluator().unwrap();
    ev.begin_run(data());
    for f in HOST_FUNCTIONS {
        let script = sandbox.compile("t", &format!("{}(1)", f.name)).unwrap();
        assert!(
            sandbox.undefined_calls(&script).is_empty(),
            "{} is not registered",
            f.name
        );
    }
}

#[test]
fn compilations_are_counted() {
    let sandbox = Sandbox::new(Limits::default(), Vec::new()).unwrap();
    let ev = sandbox.evaluator().unwrap();
    let script = sandbox.compile("t", "1 + 1").unwrap();
    for _ in 0..100 {
        ev.eval_value(&script, &Vars::new()).unwrap();
    }
    assert_eq!(sandbox.compilations(), 1);
}

#[test]
fn journal_fields_are_read_by_week_and_in_checkins() {
    let mut host = data();
    let fields = |stiffness: f64, swelling: bool| {
        Vars::new()
            .with("stiffness", stiffness)
            .with("swelling", swelling)
    };
    for c in &mut host.checkins {
        c.fields = match c.date.to_string().as_str() {
            // Last week (11-02 to 11-08).
            "2026-11-03" => fields(2.0, false),
            "2026-11-05" => Vars::new().with("stiffness", 3.5),
            // This week (from 11-09).
            "2026-11-09" => fields(1.0, true),
            // The future: never visible.
            "2026-11-12" => fields(9.0, true),
            _ => Vars::new(),
        };
    }
    let sandbox = Sandbox::new(Limits::default(), Vec::new()).unwrap();
    let ev = sandbox.evaluator().unwrap();
    ev.begin_run(host);
    let cases: &[(&str, Value)] = &[
        ("max_field_in_week(\"stiffness\", 0)", Value::Float(1.0)),
        ("max_field_in_week(\"stiffness\", 1)", Value::Float(3.5)),
        ("max_field_in_week(\"swelling\", 0)", Value::Bool(true)),
        ("max_field_in_week(\"swelling\", 1)", Value::Bool(false)),
        // No check-in of that week reported it: unit, which compares false.
        ("max_field_in_week(\"stiffness\", 2)", Value::Unit),
        ("max_field_in_week(\"never\", 0)", Value::Unit),
        (
            "max_field_in_week(\"stiffness\", 0) > max_field_in_week(\"stiffness\", 2)",
            Value::Bool(false),
        ),
        ("checkins(5)[3].fields.stiffness", Value::Float(1.0)),
        ("checkins(5)[3].fields.swelling", Value::Bool(true)),
        ("checkins(5)[0].fields.len()", Value::Int(0)),
    ];
    for (source, expected) in cases {
        assert_eq!(&eval(&sandbox, &ev, source), expected, "{source}");
    }
}

#[test]
fn property_reads_of_a_variable_are_found_without_running() {
    let sandbox = with_module();
    let source = "fields.swelling == true ||\n  fields.stiff.level > 2 || other.swelling || fields[\"x\"] == 1";
    let script = sandbox.compile("t", source).unwrap();
    let found: Vec<(String, Option<usize>, Option<usize>)> = sandbox
        .properties_read(&script, "fields")
        .into_iter()
        .map(|r| (r.text, r.line, r.column))
        .collect();
    assert_eq!(
        found,
        [
            ("swelling".to_owned(), Some(1), Some(8)),
            ("stiff".to_owned(), Some(2), Some(10)),
        ]
    );
}
