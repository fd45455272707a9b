//! Scripts in native form give exactly what Rhai gives: the value or the error, the
//! operations counted and the host calls recorded. Each script here is evaluated both
//! ways on many variable sets, including wrong types, missing properties and extreme
//! numbers.

use jiff::civil::date;
use rehab_rules::{
    CheckIn, Evaluator, HostData, Limits, ModuleSource, Sandbox, Script, ScriptError, Seen,
    TableRow, Value, Vars,
};

const MODULE: &str = r#"
fn is_pain(score) { score >= 2 }
fn hurts(pain) {
    is_pain(pain.before) || is_pain(pain.during) || is_pain(pain.after) || is_pain(pain.next_day)
}
fn run_day(planned) { planned.contains("session") }
fn zone(score) {
    if score <= 2 { "safe" } else if score <= 5 { "acceptable" } else { "high-risk" }
}
fn early(x) {
    if x > 3 { return "big"; }
    let y = x * 2;
    y + 1
}
fn nothing(x) { }
fn twice(x) { early(x) + early(x) }
fn worst(pain) {
    let w = pain.before;
    for p in [pain.during, pain.after] { if p > w { w = p; } }
    w
}
fn looping(n) { looping(n - 1) }
fn counting(n) { let i = 0; while i < n { i += 1; } i }
fn constant(x) { x = 1; x }
private fn hidden(x) { x + 1 }
fn shows(x) { hidden(x) }
"#;

fn sandbox() -> Sandbox {
    Sandbox::new(
        Limits::default(),
        vec![ModuleSource {
            name: "m".into(),
            path: "m.rhai".into(),
            text: MODULE.into(),
        }],
    )
    .unwrap()
}

fn data() -> HostData {
    let checkin = |d, pain: [i64; 4]| CheckIn {
        date: d,
        session: Some("done".into()),
        pain: pain.map(Some),
        fields: Vars::new().with("swelling", 2),
    };
    HostData {
        today: date(2026, 11, 10),
        phase_start: date(2026, 11, 2),
        week_start: date(2026, 11, 9),
        checkins: vec![
            checkin(date(2026, 11, 3), [0, 2, 1, 0]),
            checkin(date(2026, 11, 9), [0, 0, 0, 3]),
        ],
        tables: vec![TableRow {
            table: "healing".into(),
            key: "long".into(),
            text: "18-20wk".into(),
            min_days: 126,
            max_days: 140,
        }],
        rules: vec!["r1".into()],
        fired: vec![(date(2026, 11, 8), "r1".into())],
        ..HostData::default()
    }
}

type Outcome = (
    Result<Value, ScriptError>,
    Result<bool, ScriptError>,
    u64,
    Vec<Seen>,
);

fn outcome(evaluator: &Evaluator, script: &Script, vars: &Vars) -> Outcome {
    evaluator.begin_run(data());
    let value = evaluator.eval_value(script, vars);
    let seen_value = evaluator.take_seen();
    let condition = evaluator.eval_bool_in(script, &mut evaluator.prepare(vars));
    let mut seen = seen_value;
    seen.extend(evaluator.take_seen());
    (value, condition, evaluator.run_operations(), seen)
}

fn variable_sets() -> Vec<Vars> {
    let pain = |a: Value, b: Value| {
        Vars::new()
            .with("before", a.clone())
            .with("during", b)
            .with("after", a)
            .with("next_day", 1)
    };
    let values: Vec<Value> = vec![
        Value::Int(0),
        Value::Int(3),
        Value::Int(-1),
        Value::Int(i64::MAX),
        Value::Int(i64::MIN),
        Value::Float(2.0),
        Value::Float(1.999_999_999_999_999_8),
        Value::Float(f64::NAN),
        Value::Float(f64::INFINITY),
        Value::Float(-0.0),
        Value::Bool(true),
        Value::Str("session".into()),
        Value::Str("cross".into()),
        Value::Unit,
        Value::List(vec![Value::Int(1)]),
    ];
    let mut sets = vec![Vars::new()];
    for (i, v) in values.iter().enumerate() {
        let other = values[(i * 7 + 3) % values.len()].clone();
        sets.push(
            Vars::new()
                .with("x", v.clone())
                .with("y", other.clone())
                .with("planned", v.clone())
                .with("pain", pain(v.clone(), other.clone()))
                .with("fields", Vars::new().with("swelling", v.clone()))
                .with("week", other),
        );
        sets.push(Vars::new().with("x", v.clone()).with("pain", v.clone()));
    }
    sets
}

const SCRIPTS: &[&str] = &[
    "x",
    "x + y",
    "x - y",
    "x * y",
    "x / y",
    "x % y",
    "x ** y",
    "-x",
    "!x",
    "x == y",
    "x != y",
    "x < y",
    "x <= y",
    "x > y",
    "x >= y",
    "x == () || y == ()",
    "x && y",
    "x || y",
    "x > 2 && y < 3 || x == y",
    "pain.during >= 4",
    "pain.next_day >= 2 || pain.during >= 4",
    "pain.missing",
    "pain.during.deeper",
    "fields[\"swelling\"] > 1",
    "fields.swelling == true",
    "m::hurts(pain)",
    "m::run_day(planned) && (pain.next_day >= 2 || pain.during >= 4)",
    "m::zone(x)",
    "m::zone(x) == \"safe\"",
    "m::early(x)",
    "m::twice(x)",
    "m::nothing(x)",
    "m::worst(pain)",
    "m::looping(3)",
    "m::counting(x)",
    "m::shows(x)",
    "m::shows(x) + m::hidden(x)",
    "m::constant(x)",
    "let a = 1; a = x; a",
    "let a = 1; for p in [x, y, 3] { if p > a { a = p; } } a",
    "for p in [x, y] { } x",
    "{ throw x; }",
    "if x == 1 { throw \"no\" } else { y }",
    "planned.contains(\"session\")",
    "max_pain(14) < 2",
    "max_pain(x)",
    "fired(\"r1\", 14) >= 1",
    "fired(\"nope\", 14)",
    "table(\"healing\").min_days > x",
    "table(\"missing\")",
    "pain_free_streak() + pain_free_streak(2)",
    "clamp(x, 0, 10)",
    "if x > 2 { 1 } else { 2.5 }",
    "let z = x + 1; z * 2",
    "let z = if x == 3 { return 7; } else { x }; z",
    "x.len()",
    "[x, y]",
    "#{a: x}",
    "week > 2 && max_pain_in_week(1) < 3",
    "max_field_in_week(\"swelling\", 0)",
    "days_since(\"x\")",
    "y",
    "undefined_var + 1",
    "2.0 * x",
    "10 / (x - 3)",
];

#[test]
fn native_form_gives_what_rhai_gives() {
    let sandbox = sandbox();
    let native = sandbox.evaluator().unwrap();
    let mut rhai = sandbox.evaluator().unwrap();
    rhai.set_native(false);
    let sets = variable_sets();
    let mut compiled = 0;
    for text in SCRIPTS {
        let script = sandbox.compile("t", text).unwrap();
        if script.why_not_native().is_none() {
            compiled += 1;
        }
        for vars in &sets {
            let a = outcome(&native, &script, vars);
            let b = outcome(&rhai, &script, vars);
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "{text} on {vars:?}");
        }
    }
    assert!(compiled >= 40, "only {compiled} scripts compiled natively");
    // Most evaluations finished natively; the rest (errors, mixed types) went to Rhai.
    let finished = native.native_evaluations();
    assert!(finished > 1000, "{finished} evaluations finished natively");
    assert_eq!(rhai.native_evaluations(), 0);
}

#[test]
fn what_stays_in_rhai_says_why() {
    let sandbox = sandbox();
    let why = |text: &str| {
        sandbox
            .compile("t", text)
            .unwrap()
            .why_not_native()
            .map(str::to_owned)
    };
    assert_eq!(why("m::hurts(pain) && week > 2"), None);
    assert_eq!(why("m::twice(3)"), None);
    assert_eq!(why("m::worst(pain)"), None);
    let counting = why("m::counting(3)").unwrap();
    assert!(
        counting.contains("m::counting") && counting.contains("loop"),
        "{counting}"
    );
    assert!(
        why("m::constant(3)")
            .unwrap()
            .contains("not a `let` variable")
    );
    assert!(why("m::looping(3)").unwrap().contains("calls itself"));
    assert!(why("x.len()").unwrap().contains("len"));
    assert!(why("print(1)").unwrap().contains("print"));
    assert!(
        why("fn f() { 1 } f()")
            .unwrap()
            .contains("functions of its own")
    );
}

#[test]
fn operations_limits_trip_the_same_way() {
    let limits = Limits {
        max_operations: 12,
        max_run_operations: 40,
        ..Limits::default()
    };
    let sandbox = Sandbox::new(
        limits,
        vec![ModuleSource {
            name: "m".into(),
            path: "m.rhai".into(),
            text: MODULE.into(),
        }],
    )
    .unwrap();
    let native = sandbox.evaluator().unwrap();
    let mut rhai = sandbox.evaluator().unwrap();
    rhai.set_native(false);
    let vars = Vars::new().with(
        "pain",
        Vars::new()
            .with("before", 0)
            .with("during", 0)
            .with("after", 0)
            .with("next_day", 0),
    );
    let script = sandbox.compile("t", "m::hurts(pain)").unwrap();
    assert_eq!(script.why_not_native(), None);
    for e in [&native, &rhai] {
        e.begin_run(data());
    }
    // Repeated evaluations spend the run's budget; the one that would pass it fails
    // the same way both ways.
    for _ in 0..5 {
        let a = native.eval_value(&script, &vars);
        let b = rhai.eval_value(&script, &vars);
        assert_eq!(a, b);
        assert_eq!(native.run_operations(), rhai.run_operations());
    }
    let long = sandbox
        .compile("t", "m::hurts(pain) || m::hurts(pain) || m::hurts(pain)")
        .unwrap();
    for e in [&native, &rhai] {
        e.begin_run(data());
    }
    let a = native.eval_value(&long, &vars);
    let b = rhai.eval_value(&long, &vars);
    assert!(a.is_err());
    assert_eq!(a, b);
}

/// An evaluator remembers native results that called no host function, and gives one
/// again only for the same values: each evaluation here is compared with Rhai's, in an
/// order that would show a result given for the wrong values.
#[test]
fn remembered_results_only_come_back_for_the_same_values() {
    let sandbox = sandbox();
    let native = sandbox.evaluator().unwrap();
    let mut rhai = sandbox.evaluator().unwrap();
    rhai.set_native(false);
    let float = |x: f64| Vars::new().with("x", x);
    let cases: Vec<(&str, Vec<Vars>)> = vec![
        // `-0.0 == 0.0`, but dividing by them does not give the same.
        (
            "1.0 / x",
            vec![float(0.0), float(-0.0), float(0.0), float(-0.0)],
        ),
        // A NaN is remembered as itself; its comparisons are all false.
        ("x == x", vec![float(f64::NAN), float(1.5), float(f64::NAN)]),
        // Maps with the same properties in another order read the same.
        (
            "pain.during - pain.after",
            vec![
                Vars::new().with("pain", Vars::new().with("during", 3).with("after", 1)),
                Vars::new().with("pain", Vars::new().with("after", 1).with("during", 3)),
                Vars::new().with("pain", Vars::new().with("during", 1).with("after", 3)),
            ],
        ),
        // A variable missing (on the path not taken), then handed in.
        (
            "if x > 1.0 { y } else { 0 }",
            vec![
                float(0.0),
                float(0.0).with("y", 5),
                float(2.0).with("y", 5),
                float(2.0).with("y", 6),
            ],
        ),
        // A host call on one path only: after it, the host data changes.
        (
            "if x > 1.0 { max_pain(7) } else { -1 }",
            vec![float(0.0), float(2.0), float(0.0), float(2.0)],
        ),
    ];
    for (text, sets) in &cases {
        let script = sandbox.compile("t", text).unwrap();
        assert_eq!(script.why_not_native(), None, "{text}");
        for e in [&native, &rhai] {
            e.begin_run(data());
        }
        for (turn, vars) in sets.iter().enumerate() {
            if turn == 3 {
                // The last check-in now hurts more: a remembered `max_pain` would be stale.
                for e in [&native, &rhai] {
                    e.host_data().checkins[1].pain = [Some(0), Some(6), Some(0), Some(0)];
                }
            }
            let finished = native.native_evaluations();
            let a = (native.eval_value(&script, vars), native.run_operations());
            let b = (rhai.eval_value(&script, vars), rhai.run_operations());
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "{text} on {vars:?}");
            assert_eq!(
                native.native_evaluations(),
                finished + 1,
                "{text} on {vars:?}"
            );
        }
    }
    // Repeating the same values counts the same operations each time.
    let script = sandbox.compile("t", "m::hurts(pain)").unwrap();
    native.begin_run(data());
    let vars = Vars::new().with("pain", Vars::new().with("before", 0).with("during", 0));
    let mut spent = Vec::new();
    for _ in 0..3 {
        let before = native.run_operations();
        assert!(!native.eval_bool(&script, &vars).unwrap());
        spent.push(native.run_operations() - before);
    }
    assert!(
        spent[0] > 0 && spent.iter().all(|s| *s == spent[0]),
        "{spent:?}"
    );

    // Two fresh sandboxes number their first script and its variable alike. Variables
    // prepared by one evaluator are used with the other, each evaluating the other's
    // script too: every answer is still the script's own.
    let (one, two) = (self::sandbox(), self::sandbox());
    let ours = one.compile("t", "pain.before > 1").unwrap();
    let theirs = two.compile("t", "pain.before > 2").unwrap();
    let (first, second) = (one.evaluator().unwrap(), two.evaluator().unwrap());
    for e in [&first, &second] {
        e.begin_run(data());
    }
    for (turn, before) in [3, 1, 2, 3, 2, 1, 3, 1].into_iter().enumerate() {
        let vars = Vars::new().with("pain", Vars::new().with("before", before));
        let mut prepared = if turn % 2 == 0 {
            first.prepare(&vars)
        } else {
            second.prepare(&vars)
        };
        let mut order = [
            (&first, &ours, before > 1),
            (&second, &theirs, before > 2),
            (&first, &theirs, before > 2),
            (&second, &ours, before > 1),
        ];
        order.rotate_left(turn % 4);
        for (evaluator, script, holds) in order {
            assert_eq!(
                evaluator.eval_bool_in(script, &mut prepared).unwrap(),
                holds,
                "turn {turn}, pain {before}"
            );
        }
    }
}
