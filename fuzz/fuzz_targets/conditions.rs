//! Conditions in native form against Rhai: generated expressions, in the native subset
//! and slightly outside it, are compiled once and evaluated both ways on generated
//! variables and journals; any difference in value, error, operations counted or host
//! calls recorded is a failure.
#![no_main]

use std::cell::{Cell, RefCell};

use arbitrary::Arbitrary;
use jiff::civil::date;
use libfuzzer_sys::fuzz_target;
use rehab_rules::{
    CheckIn, Evaluator, HostData, Limits, ModuleSource, Sandbox, Script, TableRow, Value, Vars,
};

/// Module functions in the subset and outside it.
const MODULE: &str = r#"
fn is_pain(score) { score >= 2 }
fn hurts(pain) {
    is_pain(pain.before) || is_pain(pain.during) || is_pain(pain.after) || is_pain(pain.next_day)
}
fn zone(score) {
    if score <= 2 { "safe" } else if score <= 5 { "acceptable" } else { "high-risk" }
}
fn early(x) {
    if x > 3 { return x; }
    let y = x * 2;
    y - 1
}
fn empty(x) { }
fn pair(a, b) { let c = a; if b { c } else { () } }
fn worst(pain) {
    let w = pain.before;
    for p in [pain.during, pain.after, pain.next_day] {
        if p > w { w = p; }
    }
    w
}
fn bad(x) { throw "no"; }
fn deep(x) { if x > 0 { deep(x - 1) } else { 0 } }
"#;

const NAMES: [&str; 6] = ["x", "y", "pain", "fields", "planned", "missing"];
const PROPS: [&str; 6] = ["before", "during", "after", "next_day", "swelling", "nope"];
const TEXTS: [&str; 6] = ["session", "cross+strength", "", "done", "2026-11-30", "a\"b"];
const HOSTS: [(&str, usize); 12] = [
    ("max_pain", 1),
    ("max_pain_in_week", 1),
    ("pain_free_streak", 0),
    ("pain_free_streak", 1),
    ("painful_checkins", 2),
    ("fired", 2),
    ("days_since", 1),
    ("table", 1),
    ("clamp", 3),
    ("last_passed", 1),
    ("max_field_in_week", 2),
    ("len", 1),
];
const MODULE_FNS: [(&str, usize); 9] = [
    ("is_pain", 1),
    ("hurts", 1),
    ("zone", 1),
    ("early", 1),
    ("empty", 1),
    ("pair", 2),
    ("worst", 1),
    ("bad", 1),
    ("deep", 1),
];
const OPS: [&str; 14] = [
    "+", "-", "*", "/", "%", "**", "==", "!=", "<", "<=", ">", ">=", "&", "??",
];

#[derive(Arbitrary, Debug)]
enum E {
    Int(i64),
    Small(u8),
    Float(f64),
    Bool(bool),
    Text(u8),
    Unit,
    Var(u8),
    Prop(u8, u8),
    Prop2(u8, u8, u8),
    Index(u8, u8),
    Bin(u8, Box<E>, Box<E>),
    Not(Box<E>),
    Neg(Box<E>),
    And(Box<E>, Box<E>),
    Or(Box<E>, Box<E>),
    If(Box<E>, Box<E>, Box<E>),
    Let(Box<E>, Box<E>),
    Local,
    Host(u8, Vec<E>),
    Module(u8, Vec<E>),
    Contains(Box<E>, Box<E>),
    Return(Box<E>),
    // Slightly outside the subset.
    Array(Vec<E>),
    Throw(Box<E>),
    Interpolated(Box<E>),
}

fn pick<T: Copy>(list: &[T], i: u8) -> T {
    list[usize::from(i) % list.len()]
}

fn render(e: &E, depth: usize, out: &mut String) {
    if depth > 6 {
        out.push('1');
        return;
    }
    let d = depth + 1;
    match e {
        E::Int(i) => out.push_str(&format!("({i})")),
        E::Small(i) => out.push_str(&(i % 12).to_string()),
        E::Float(f) if f.is_finite() => out.push_str(&format!("({f:?})")),
        E::Float(_) => out.push_str("0.5"),
        E::Bool(b) => out.push_str(&b.to_string()),
        E::Text(i) => out.push_str(&format!("{:?}", pick(&TEXTS, *i))),
        E::Unit => out.push_str("()"),
        E::Var(v) => out.push_str(pick(&NAMES, *v)),
        E::Prop(v, p) => out.push_str(&format!("{}.{}", pick(&NAMES, *v), pick(&PROPS, *p))),
        E::Prop2(v, p, q) => out.push_str(&format!(
            "{}.{}.{}",
            pick(&NAMES, *v),
            pick(&PROPS, *p),
            pick(&PROPS, *q)
        )),
        E::Index(v, p) => out.push_str(&format!("{}[{:?}]", pick(&NAMES, *v), pick(&PROPS, *p))),
        E::Bin(op, a, b) => {
            out.push('(');
            render(a, d, out);
            out.push_str(&format!(" {} ", pick(&OPS, *op)));
            render(b, d, out);
            out.push(')');
        }
        E::Not(a) => {
            out.push_str("!(");
            render(a, d, out);
            out.push(')');
        }
        E::Neg(a) => {
            out.push_str("-(");
            render(a, d, out);
            out.push(')');
        }
        E::And(a, b) | E::Or(a, b) => {
            out.push('(');
            render(a, d, out);
            out.push_str(if matches!(e, E::And(..)) { " && " } else { " || " });
            render(b, d, out);
            out.push(')');
        }
        E::If(c, a, b) => {
            out.push_str("(if ");
            render(c, d, out);
            out.push_str(" { ");
            render(a, d, out);
            out.push_str(" } else { ");
            render(b, d, out);
            out.push_str(" })");
        }
        E::Let(a, b) => {
            out.push_str("{ let local = ");
            render(a, d, out);
            out.push_str("; ");
            render(b, d, out);
            out.push_str(" }");
        }
        E::Local => out.push_str("local"),
        E::Host(f, args) | E::Module(f, args) => {
            let (name, arity) = match e {
                E::Host(..) => pick(&HOSTS, *f),
                _ => pick(&MODULE_FNS, *f),
            };
            if matches!(e, E::Module(..)) {
                out.push_str("m::");
            }
            out.push_str(name);
            out.push('(');
            for i in 0..arity {
                if i > 0 {
                    out.push_str(", ");
                }
                match args.get(i) {
                    Some(a) => render(a, d, out),
                    None => out.push_str(if i == 0 { "\"r1\"" } else { "7" }),
                }
            }
            out.push(')');
        }
        E::Contains(a, b) => {
            out.push('(');
            render(a, d, out);
            out.push_str(").contains(");
            render(b, d, out);
            out.push(')');
        }
        E::Return(a) => {
            out.push_str("{ return ");
            render(a, d, out);
            out.push_str("; }");
        }
        E::Array(items) => {
            out.push('[');
            for (i, a) in items.iter().take(4).enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render(a, d, out);
            }
            out.push(']');
        }
        E::Throw(a) => {
            out.push_str("{ throw ");
            render(a, d, out);
            out.push_str("; }");
        }
        E::Interpolated(a) => {
            out.push_str("`${");
            render(a, d, out);
            out.push_str("}`");
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Scalar {
    Int(i64),
    Small(u8),
    Float(f64),
    Bool(bool),
    Text(u8),
    Unit,
    List(Vec<u8>),
}

impl Scalar {
    fn value(&self) -> Value {
        match self {
            Scalar::Int(i) => Value::Int(*i),
            Scalar::Small(i) => Value::Int(i64::from(i % 12)),
            Scalar::Float(f) => Value::Float(*f),
            Scalar::Bool(b) => Value::Bool(*b),
            Scalar::Text(i) => Value::Str(pick(&TEXTS, *i).to_owned()),
            Scalar::Unit => Value::Unit,
            Scalar::List(items) => {
                Value::List(items.iter().take(3).map(|i| Value::Int(i64::from(*i))).collect())
            }
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    script: E,
    then: Option<E>,
    scalars: Vec<(u8, Scalar)>,
    pain: Option<[Option<Scalar>; 5]>,
    fields: Option<[Option<Scalar>; 2]>,
    checkins: Vec<(u8, [u8; 4])>,
    fired: Vec<u8>,
    table: bool,
    tight: bool,
}

fn vars(input: &Input) -> Vars {
    let mut vars = Vars::new();
    for (name, value) in input.scalars.iter().take(4) {
        vars.set(pick(&NAMES, *name), value.value());
    }
    if let Some(pain) = &input.pain {
        let mut map = Vars::new();
        for (name, value) in PROPS.iter().zip(pain) {
            if let Some(v) = value {
                map.set(name, v.value());
            }
        }
        vars.set("pain", map);
    }
    if let Some(fields) = &input.fields {
        let mut map = Vars::new();
        for (name, value) in ["swelling", "nope"].iter().zip(fields) {
            if let Some(v) = value {
                map.set(name, v.value());
            }
        }
        vars.set("fields", map);
    }
    vars
}

fn host(input: &Input) -> HostData {
    let today = date(2026, 11, 30);
    let day = |back: u8| {
        today
            .checked_sub(jiff::Span::new().days(i64::from(back % 40)))
            .unwrap_or(today)
    };
    let mut checkins: Vec<CheckIn> = input
        .checkins
        .iter()
        .take(8)
        .map(|(back, pain)| CheckIn {
            date: day(*back),
            session: Some("done".into()),
            pain: pain.map(|p| Some(i64::from(p % 11))),
            fields: Vars::new().with("swelling", f64::from(pain[0] % 5)),
        })
        .collect();
    checkins.sort_by_key(|c| c.date);
    let mut fired: Vec<_> = input.fired.iter().take(6).map(|b| (day(*b), "r1".to_owned())).collect();
    fired.sort();
    HostData {
        today,
        phase_start: day(20),
        week_start: day(3),
        checkins,
        tables: if input.table {
            vec![TableRow {
                table: "r1".into(),
                key: "k".into(),
                text: "6-8wk".into(),
                min_days: 42,
                max_days: 56,
            }]
        } else {
            Vec::new()
        },
        rules: vec!["r1".into()],
        fired,
        ..HostData::default()
    }
}

/// Each script evaluated on the variables, on the other set, and on the variables
/// again: the native evaluator's memory of results gives some of these answers, and
/// must give Rhai's.
fn outcome(
    evaluator: &Evaluator,
    scripts: &[Script],
    sets: [&Vars; 3],
    data: &HostData,
) -> String {
    evaluator.begin_run(data.clone());
    let mut out = String::new();
    for script in scripts {
        for vars in sets {
            let value = evaluator.eval_value(script, vars);
            let condition = evaluator.eval_bool_in(script, &mut evaluator.prepare(vars));
            out.push_str(&format!(
                "{value:?}\n{condition:?}\n{:?}\nops {}\n",
                evaluator.take_seen(),
                evaluator.run_operations()
            ));
        }
    }
    out
}

struct Pair {
    sandbox: Sandbox,
    native: Evaluator,
    rhai: Evaluator,
}

fn pair(limits: Limits) -> Pair {
    let sandbox = Sandbox::new(
        limits,
        vec![ModuleSource {
            name: "m".into(),
            path: "m.rhai".into(),
            text: MODULE.into(),
        }],
    )
    .expect("the module loads");
    let native = sandbox.evaluator().expect("an evaluator");
    let mut rhai = sandbox.evaluator().expect("an evaluator");
    rhai.set_native(false);
    Pair {
        sandbox,
        native,
        rhai,
    }
}

thread_local! {
    static ROOMY: RefCell<Pair> = RefCell::new(pair(Limits::default()));
    // Limits a generated script reaches, so that both ways stop at the same point.
    static TIGHT: RefCell<Pair> = RefCell::new(pair(Limits {
        max_operations: 30,
        max_run_operations: 70,
        ..Limits::default()
    }));
    static RUNS: Cell<u64> = const { Cell::new(0) };
}

fuzz_target!(|input: Input| {
    let mut texts = Vec::new();
    for e in std::iter::once(&input.script).chain(input.then.as_ref()) {
        let mut text = String::new();
        render(e, 0, &mut text);
        texts.push(text);
    }
    let check = |p: &Pair| {
        let scripts: Vec<Script> = texts
            .iter()
            .filter_map(|t| p.sandbox.compile("fuzz", t).ok())
            .collect();
        let vars = vars(&input);
        let other = other_vars(&input);
        let data = host(&input);
        let sets = [&vars, &other, &vars];
        let a = outcome(&p.native, &scripts, sets, &data);
        let b = outcome(&p.rhai, &scripts, sets, &data);
        assert_eq!(
            a, b,
            "native and Rhai differ on {texts:?} with {vars:?}, then {other:?}"
        );
    };
    // A sandbox remembers results for its first few thousand scripts only: start
    // afresh now and then, so that the memory stays in play.
    let fresh = RUNS.with(|n| {
        n.set(n.get() + 1);
        n.get() % 2000 == 0
    });
    let pairs = if input.tight { &TIGHT } else { &ROOMY };
    pairs.with(|p| {
        if fresh {
            let limits = p.borrow().sandbox.limits().clone();
            *p.borrow_mut() = pair(limits);
        }
        check(&p.borrow());
    });
});

/// A second set of variables, near the first: the same names, with the pain scores
/// shifted and the other values cycled, so that some values repeat and some do not.
fn other_vars(input: &Input) -> Vars {
    let first = vars(input);
    let mut other = Vars::new();
    let values: Vec<Value> = first.iter().map(|(_, v)| v.clone()).collect();
    for (i, (name, value)) in first.iter().enumerate() {
        let value = match value {
            Value::Map(map) => {
                let mut shifted = Vars::new();
                let items: Vec<_> = map.iter().collect();
                for (j, (key, _)) in items.iter().enumerate() {
                    shifted.set(key, items[(j + 1) % items.len()].1.clone());
                }
                Value::Map(shifted)
            }
            _ if i % 2 == 1 => values[(i + 1) % values.len()].clone(),
            other => other.clone(),
        };
        other.set(name, value);
    }
    other
}
