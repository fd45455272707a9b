//! End-to-end tests of the sandbox: conditions, modules, limits, imports and errors.

use std::time::Duration;

use rehab_rules::{Limits, ModuleSource, Sandbox, ScriptError, ScriptErrorKind, Value, Vars};

const HOP: &str = r#"
// Hop test: passed when the injured leg reaches 90% of the healthy one.
fn passed(result) {
    result.injured >= 0.9 * result.healthy
}

fn broken() {
    no_such_helper(1)
}
"#;

fn module(name: &str, text: &str) -> ModuleSource {
    ModuleSource {
        name: name.to_owned(),
        path: format!("protocols/{name}.rhai"),
        text: text.to_owned(),
    }
}

fn sandbox() -> Sandbox {
    Sandbox::new(
        Limits::default(),
        vec![
            module("hop", HOP),
            module("lib/scores", "fn double(x) { x * 2 }"),
        ],
    )
    .unwrap()
}

fn pain(during: i64, next_day: i64) -> Vars {
    Vars::new().with(
        "pain",
        Vars::new()
            .with("during", during)
            .with("next_day", next_day),
    )
}

/// Compiles and evaluates `source` as a condition, expecting an error.
fn bool_error(sandbox: &Sandbox, source: &str, vars: &Vars) -> ScriptError {
    let ev = sandbox.evaluator().unwrap();
    let script = sandbox.compile("test.yaml:3:5", source).unwrap();
    ev.eval_bool(&script, vars).unwrap_err()
}

fn assert_positioned(err: &ScriptError, kind: ScriptErrorKind) {
    assert_eq!(err.kind, kind, "{err}");
    assert!(err.line.is_some(), "no line in {err:?}");
    assert!(err.column.is_some(), "no column in {err:?}");
}

#[test]
fn condition_over_nested_vars() {
    let sandbox = sandbox();
    let ev = sandbox.evaluator().unwrap();
    let script = sandbox
        .compile(
            "protocol.yaml:120:16",
            "pain.during > 2 || pain.next_day > 0",
        )
        .unwrap();
    assert!(ev.eval_bool(&script, &pain(3, 0)).unwrap());
    assert!(ev.eval_bool(&script, &pain(0, 1)).unwrap());
    assert!(!ev.eval_bool(&script, &pain(2, 0)).unwrap());
    assert_eq!(script.origin(), "protocol.yaml:120:16");
}

#[test]
fn all_value_kinds_reach_the_script_and_come_back() {
    let sandbox = sandbox();
    let ev = sandbox.evaluator().unwrap();
    let vars = Vars::new()
        .with("n", 4)
        .with("x", 1.5)
        .with("ok", true)
        .with("name", "lunge")
        .with("history", vec![1, 2, 3])
        .with("m", Vars::new().with("inner", Vars::new().with("deep", 7)));
    let script = sandbox
        .compile(
            "t",
            r#"#{ sum: n + history.len() + m.inner.deep, half: x / 3.0, flag: !ok,
                label: name + "!", list: history, none: () }"#,
        )
        .unwrap();
    let Value::Map(result) = ev.eval_value(&script, &vars).unwrap() else {
        panic!("expected a map");
    };
    assert_eq!(result.get("sum"), Some(&Value::Int(14)));
    assert_eq!(result.get("half"), Some(&Value::Float(0.5)));
    assert_eq!(result.get("flag"), Some(&Value::Bool(false)));
    assert_eq!(result.get("label"), Some(&Value::Str("lunge!".into())));
    assert_eq!(result.get("list"), Some(&Value::from(vec![1, 2, 3])));
    assert_eq!(result.get("none"), Some(&Value::Unit));
}

#[test]
fn passed_variables_cannot_be_changed() {
    let sandbox = sandbox();
    let err = bool_error(&sandbox, "pain.during = 0; true", &pain(5, 0));
    assert_positioned(&err, ScriptErrorKind::Runtime);
}

#[test]
fn module_function_called_from_a_condition() {
    let sandbox = sandbox();
    let ev = sandbox.evaluator().unwrap();
    let script = sandbox
        .compile("t", r#"import "hop" as hop; hop::passed(result)"#)
        .unwrap();
    let result = |injured: f64| {
        Vars::new().with(
            "result",
            Vars::new().with("injured", injured).with("healthy", 100.0),
        )
    };
    assert!(ev.eval_bool(&script, &result(95.0)).unwrap());
    assert!(!ev.eval_bool(&script, &result(80.0)).unwrap());

    let nested = sandbox
        .compile("t", r#"import "lib/scores" as s; s::double(21) == 42"#)
        .unwrap();
    assert!(ev.eval_bool(&nested, &Vars::new()).unwrap());
    assert_eq!(sandbox.module_names(), ["hop", "lib/scores"]);
}

#[test]
fn error_inside_a_module_points_into_the_module() {
    let sandbox = sandbox();
    let err = bool_error(
        &sandbox,
        "import \"hop\" as hop;\nhop::broken()",
        &Vars::new(),
    );
    assert_positioned(&err, ScriptErrorKind::UndefinedFunction);
    assert_eq!(err.origin, "protocols/hop.rhai");
    assert_eq!(err.line, Some(8));
    assert!(err.message.contains("no_such_helper"), "{err}");
}

#[test]
fn modules_may_import_each_other() {
    let sandbox = Sandbox::new(
        Limits::default(),
        vec![
            module(
                "a",
                r#"import "lib/b" as b; fn twice(x) { b::once(x) * 2 }"#,
            ),
            module("lib/b", "fn once(x) { x + 1 }"),
        ],
    )
    .unwrap();
    let ev = sandbox.evaluator().unwrap();
    let script = sandbox
        .compile("t", r#"import "a" as a; a::twice(1)"#)
        .unwrap();
    assert_eq!(ev.eval_value(&script, &Vars::new()).unwrap(), Value::Int(4));
}

#[test]
fn undefined_function_is_named_with_its_position() {
    let err = bool_error(
        &sandbox(),
        "let a = 1;\nlet b = 2;\n  frobnicate(a, b) > 1",
        &Vars::new(),
    );
    assert_positioned(&err, ScriptErrorKind::UndefinedFunction);
    assert_eq!((err.line, err.column), (Some(3), Some(3)));
    assert!(err.message.contains("'frobnicate'"), "{err}");
    assert_eq!(err.origin, "test.yaml:3:5");
    assert!(err.to_string().starts_with("test.yaml:3:5:3:3: "), "{err}");
}

#[test]
fn undefined_variable_is_named_with_its_position() {
    let err = bool_error(
        &sandbox(),
        "pain.during > 2 ||\n    swelling > 1",
        &pain(0, 0),
    );
    assert_positioned(&err, ScriptErrorKind::UndefinedVariable);
    assert_eq!((err.line, err.column), (Some(2), Some(5)));
    assert!(err.message.contains("'swelling'"), "{err}");
}

#[test]
fn endless_loop_runs_out_of_operations() {
    let err = bool_error(&sandbox(), "loop {}", &Vars::new());
    assert_positioned(&err, ScriptErrorKind::TooManyOperations);
}

#[test]
fn endless_loop_without_operation_limit_times_out() {
    // The backstop's own test: with every counted limit off, nothing but the clock can
    // stop this loop, so its outcome cannot depend on the machine's speed.
    let limits = Limits {
        max_operations: u64::MAX,
        max_run_operations: u64::MAX,
        timeout: Duration::from_millis(50),
        ..Limits::default()
    };
    let sandbox = Sandbox::new(limits, Vec::new()).unwrap();
    let ev = sandbox.evaluator().unwrap();
    let endless = sandbox.compile("t", "let x = 0; loop { x += 1; }").unwrap();
    let err = ev.eval_bool(&endless, &Vars::new()).unwrap_err();
    assert_positioned(&err, ScriptErrorKind::Timeout);
    // The same evaluator goes on evaluating after its backstop stopped a script.
    let quick = sandbox.compile("t", "true").unwrap();
    assert!(ev.eval_bool(&quick, &Vars::new()).unwrap());
}

/// Regression: a callback called from a native function (`map`, `sort`...) ran on a
/// copy of Rhai's operation count that was thrown away, so callbacks each under the
/// limit added up to any number of operations.
#[test]
fn operations_inside_callbacks_count_towards_the_limit() {
    let err = bool_error(
        &sandbox(),
        "let a = [];\nfor i in 0..100 { a.push(i); }\na.map(|x| { let n = 0; while n < 2000 { n += 1; } n }).len() > 0",
        &Vars::new(),
    );
    assert_positioned(&err, ScriptErrorKind::TooManyOperations);
}

/// Regression: Rhai's `sort` with a comparator swallowed the comparator's errors.
#[test]
fn errors_inside_a_comparator_stop_the_script() {
    let sandbox = sandbox();
    let ev = sandbox.evaluator().unwrap();
    let err = bool_error(
        &sandbox,
        "let a = [3, 1, 2];\na.sort(|x, y| { throw \"boom\" });\ntrue",
        &Vars::new(),
    );
    assert_eq!(err.kind, ScriptErrorKind::Runtime, "{err}");
    assert!(err.message.contains("boom"), "{err}");
    // A comparator that gives neither a number nor true/false is a mistake too.
    let err = bool_error(&sandbox, "[3, 1].sort(|x, y| \"a\"); true", &Vars::new());
    assert!(err.message.contains("comparator"), "{err}");
    // Working comparators sort as before, stably.
    let script = sandbox
        .compile(
            "t",
            "let a = [3, 1, 2, 1]; a.sort(|x, y| x - y); let b = a.order(|x, y| x > y); a == [1, 1, 2, 3] && b == [3, 2, 1, 1] && [1, 1, 2, 2, 1].dedup() == () ",
        )
        .unwrap();
    assert!(ev.eval_bool(&script, &Vars::new()).unwrap());
    let script = sandbox
        .compile(
            "t",
            "let a = [1, 1, 2, 2, 1]; a.dedup(); let b = [1, 2, 4, 5]; b.dedup(|x, y| y - x == 1); a == [1, 2, 1] && b == [1, 4]",
        )
        .unwrap();
    assert!(ev.eval_bool(&script, &Vars::new()).unwrap());
}

/// Regression: a rule just under the operation limit, evaluated on every check-in of a
/// long journal, ran for minutes. A run's evaluations share one budget.
#[test]
fn run_budget_spans_evaluations_and_starts_again_with_each_run() {
    let limits = Limits {
        max_run_operations: 50_000,
        ..Limits::default()
    };
    let sandbox = Sandbox::new(limits, Vec::new()).unwrap();
    let ev = sandbox.evaluator().unwrap();
    let costly = sandbox
        .compile("t", "let n = 0; while n < 3000 { n += 1; } true")
        .unwrap();
    ev.begin_run(rehab_rules::HostData::default());
    let mut evaluations = 0;
    let err = loop {
        match ev.eval_bool(&costly, &Vars::new()) {
            Ok(_) => evaluations += 1,
            Err(e) => break e,
        }
        assert!(evaluations < 100, "the budget never ran out");
    };
    assert_eq!(err.kind, ScriptErrorKind::RunBudget, "{err}");
    assert!(evaluations >= 2, "{evaluations}");
    // The evaluation that ran out stopped at the budget, so the run spent it and no more.
    assert!(ev.run_operations() <= 50_000 + 1, "{}", ev.run_operations());
    // The next run has its budget whole again.
    ev.begin_run(rehab_rules::HostData::default());
    assert_eq!(ev.run_operations(), 0);
    assert!(ev.eval_bool(&costly, &Vars::new()).unwrap());
}

/// Forty imports in a loop: an import whose module is never used is removed when the
/// script is compiled, so it never runs and costs nothing; one that runs counts each
/// time round, and the seventeenth stops the script.
#[test]
fn imports_in_a_loop_count_each_time_they_run() {
    let sandbox = sandbox();
    let ev = sandbox.evaluator().unwrap();
    let unused = sandbox
        .compile("t", "for i in 0..40 { import \"hop\" as h; }\ntrue")
        .unwrap();
    assert!(ev.eval_bool(&unused, &Vars::new()).unwrap());
    let err = bool_error(
        &sandbox,
        "let n = 0;\nfor i in 0..40 { import \"lib/scores\" as s; n += s::double(i); }\ntrue",
        &Vars::new(),
    );
    assert_eq!(err.kind, ScriptErrorKind::TooLarge, "{err}");
    assert!(err.message.contains("16 modules"), "{err}");
}

#[test]
fn endless_recursion_is_too_deep() {
    let err = bool_error(&sandbox(), "fn f(x) { f(x + 1) }\nf(0)", &Vars::new());
    assert_positioned(&err, ScriptErrorKind::TooDeep);
    assert_eq!(err.line, Some(2));
}

#[test]
fn deeply_nested_expression_is_too_deep_at_compile_time() {
    let source = format!("{}1{}", "(".repeat(200), ")".repeat(200));
    let err = sandbox().compile("t", &source).unwrap_err();
    assert_positioned(&err, ScriptErrorKind::TooDeep);
}

#[test]
fn doubling_string_is_too_large() {
    let err = bool_error(&sandbox(), "let s = \"x\";\nloop { s += s; }", &Vars::new());
    assert_positioned(&err, ScriptErrorKind::TooLarge);
    assert_eq!(err.line, Some(2));
    assert!(err.message.contains("string"), "{err}");
}

#[test]
fn growing_array_is_too_large() {
    let err = bool_error(&sandbox(), "let a = [];\nloop { a.push(1); }", &Vars::new());
    assert_positioned(&err, ScriptErrorKind::TooLarge);
    assert!(err.message.contains("array"), "{err}");
}

#[test]
fn padding_past_the_limits_is_too_large() {
    let sandbox = sandbox();
    for source in [
        "let a = []; a.pad(1000000000, 0); true",
        "let s = \"\"; s.pad(1000000000, 'x'); true",
    ] {
        let err = bool_error(&sandbox, source, &Vars::new());
        assert_eq!(err.kind, ScriptErrorKind::TooLarge, "{source}: {err}");
    }
}

#[test]
fn growing_map_is_too_large() {
    let limits = Limits {
        max_map_size: 10,
        ..Limits::default()
    };
    let sandbox = Sandbox::new(limits, Vec::new()).unwrap();
    let err = bool_error(
        &sandbox,
        "let m = #{};\nfor i in 0..20 { m[`k${i}`] = i; m += #{}; }",
        &Vars::new(),
    );
    assert_positioned(&err, ScriptErrorKind::TooLarge);
    assert!(err.message.contains("map"), "{err}");
    // Rhai checks a map's size when it is built or assigned as a whole; adding keys one by
    // one by index is bounded by the operation limit instead.
    let err = bool_error(
        &sandbox,
        "let m = #{};\nlet i = 0;\nloop { m[`k${i}`] = i; i += 1; }",
        &Vars::new(),
    );
    assert_positioned(&err, ScriptErrorKind::TooManyOperations);
}

#[test]
fn imports_outside_the_folder_are_forbidden() {
    let sandbox = sandbox();
    for (source, column) in [
        (r#"import "/etc/passwd" as p; true"#, 8),
        (r#"import "../x" as x; true"#, 8),
        (r#"import "C:\\x" as x; true"#, 8),
        (r#"import "lib/../../x" as x; true"#, 8),
    ] {
        let err = bool_error(&sandbox, source, &Vars::new());
        assert_positioned(&err, ScriptErrorKind::ForbiddenImport);
        assert_eq!((err.line, err.column), (Some(1), Some(column)), "{source}");
        assert!(err.message.contains("protocol's own folder"), "{err}");
    }
}

#[test]
fn unknown_module_lists_the_existing_ones() {
    let err = bool_error(&sandbox(), "import \"jump\" as j;\ntrue", &Vars::new());
    assert_positioned(&err, ScriptErrorKind::ModuleNotFound);
    assert!(err.message.contains("'jump'"), "{err}");
    assert!(err.message.contains("hop, lib/scores"), "{err}");

    let empty = Sandbox::new(Limits::default(), Vec::new()).unwrap();
    let err = bool_error(&empty, "import \"hop\" as h; true", &Vars::new());
    assert_eq!(err.kind, ScriptErrorKind::ModuleNotFound);
    assert!(err.message.contains("no modules"), "{err}");
}

#[test]
fn too_many_imports_are_too_large() {
    let limits = Limits {
        max_modules: 2,
        ..Limits::default()
    };
    let sandbox = Sandbox::new(limits, vec![module("hop", HOP)]).unwrap();
    let err = bool_error(
        &sandbox,
        "import \"hop\" as a; import \"hop\" as b; import \"hop\" as c; true",
        &Vars::new(),
    );
    assert_positioned(&err, ScriptErrorKind::TooLarge);
}

#[test]
fn bad_modules_are_reported_when_the_sandbox_is_built() {
    let err = Sandbox::new(Limits::default(), vec![module("hop", "fn passed( {")]).unwrap_err();
    assert_positioned(&err, ScriptErrorKind::Syntax);
    assert_eq!(err.origin, "protocols/hop.rhai");

    let err = Sandbox::new(Limits::default(), vec![module("../hop", "42")]).unwrap_err();
    assert_eq!(err.kind, ScriptErrorKind::ForbiddenImport);

    let err = Sandbox::new(Limits::default(), vec![module("loop", "loop {}")]).unwrap_err();
    assert_positioned(&err, ScriptErrorKind::TooManyOperations);
    assert_eq!(err.origin, "protocols/loop.rhai");

    let err = Sandbox::new(
        Limits::default(),
        vec![module("hop", HOP), module("./hop", HOP)],
    )
    .unwrap_err();
    assert_eq!(err.kind, ScriptErrorKind::Runtime);
}

#[test]
fn circular_modules_are_refused() {
    let err = Sandbox::new(
        Limits::default(),
        vec![
            module("a", r#"import "b" as b;"#),
            module("b", r#"import "a" as a;"#),
        ],
    )
    .unwrap_err();
    assert_eq!(err.kind, ScriptErrorKind::Runtime, "{err}");
    assert!(err.message.contains("imports itself"), "{err}");
}

#[test]
fn print_and_debug_go_to_the_trace() {
    let sandbox = sandbox();
    let ev = sandbox.evaluator().unwrap();
    let script = sandbox
        .compile("t", "print(\"hi\");\ndebug(pain.during);\ntrue")
        .unwrap();
    assert!(ev.eval_bool(&script, &pain(4, 0)).unwrap());
    let trace = ev.take_trace();
    assert_eq!(trace.len(), 2, "{trace:?}");
    assert_eq!(trace[0], "hi");
    assert_eq!(trace[1], "t:2:1: 4");
    assert!(ev.take_trace().is_empty());
}

#[test]
fn trace_is_bounded() {
    let limits = Limits {
        max_trace_lines: 5,
        ..Limits::default()
    };
    let sandbox = Sandbox::new(limits, Vec::new()).unwrap();
    let ev = sandbox.evaluator().unwrap();
    let script = sandbox
        .compile("t", "for i in 0..100 { print(i) } true")
        .unwrap();
    ev.eval_bool(&script, &Vars::new()).unwrap();
    assert_eq!(ev.take_trace().len(), 6);
}

#[test]
fn compile_once_evaluate_ten_thousand_times() {
    let sandbox = sandbox();
    let ev = sandbox.evaluator().unwrap();
    let script = sandbox
        .compile(
            "t",
            r#"import "hop" as hop; pain.during > 2 || hop::passed(result)"#,
        )
        .unwrap();
    let mut trues = 0;
    for i in 0..10_000_i64 {
        let vars = pain(i % 5, 0).with(
            "result",
            Vars::new().with("injured", 50.0).with("healthy", 100.0),
        );
        if ev.eval_bool(&script, &vars).unwrap() {
            trues += 1;
        }
    }
    // pain.during is 3 or 4 for two values out of every five.
    assert_eq!(trues, 4_000);
}

#[test]
fn non_bool_condition_is_refused() {
    let sandbox = sandbox();
    for source in ["pain.during", "\"yes\"", "()", "[true]"] {
        let err = bool_error(&sandbox, source, &pain(1, 0));
        assert_eq!(err.kind, ScriptErrorKind::NotABool, "{source}");
        assert!(err.message.contains("true or false"), "{err}");
    }
}

#[test]
fn syntax_error_has_line_and_column() {
    let err = sandbox()
        .compile(
            "protocol.yaml:120:16",
            "pain.during > 2 ||\n  pain.next_day >",
        )
        .unwrap_err();
    assert_positioned(&err, ScriptErrorKind::Syntax);
    assert_eq!(err.line, Some(2));
    assert_eq!(err.origin, "protocol.yaml:120:16");
    let text = err.to_string();
    assert!(text.starts_with("protocol.yaml:120:16:2:"), "{text}");
    assert!(!text.ends_with('.'), "{text}");
}

#[test]
fn eval_and_host_access_are_unavailable() {
    let sandbox = sandbox();
    assert!(sandbox.compile("t", r#"eval("1 + 1")"#).is_err());
    for source in ["sleep(10); true", "timestamp(); true", "exit(1); true"] {
        let err = bool_error(&sandbox, source, &Vars::new());
        assert_positioned(&err, ScriptErrorKind::UndefinedFunction);
    }
}

#[test]
fn runtime_errors_are_runtime() {
    let sandbox = sandbox();
    let err = bool_error(&sandbox, "let x = 1 / 0; true", &Vars::new());
    assert_positioned(&err, ScriptErrorKind::Runtime);
    let err = bool_error(&sandbox, "throw \"stop here\"", &Vars::new());
    assert_positioned(&err, ScriptErrorKind::Runtime);
    assert!(err.message.contains("stop here"), "{err}");
    let err = bool_error(&sandbox, "\"a\" - 1 > 0", &Vars::new());
    assert_positioned(&err, ScriptErrorKind::Runtime);
    assert!(err.message.starts_with("operator '-'"), "{err}");
}

#[test]
fn host_functions_are_listed_and_work() {
    let sandbox = sandbox();
    let ev = sandbox.evaluator().unwrap();
    assert!(sandbox.function_names().contains(&"clamp".to_owned()));
    let script = sandbox
        .compile(
            "t",
            "clamp(pain.during, 0, 3) == 3 && clamp(1.5, 2.0, 4.0) == 2.0",
        )
        .unwrap();
    assert!(ev.eval_bool(&script, &pain(9, 0)).unwrap());
}
