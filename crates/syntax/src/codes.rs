//! The stable diagnostic codes, in one list so that documentation and tests can see them all.

/// Every code the engine can emit, with a one-line summary.
pub const ALL: &[(&str, &str)] = &[
    (
        YAML,
        "the file is not well-formed YAML, or is too large or too deeply nested",
    ),
    (UNKNOWN_FIELD, "a field the format does not have"),
    (MISSING_FIELD, "a required field is absent"),
    (BAD_VALUE, "a value of the wrong type or out of range"),
    (DUPLICATE_KEY, "the same key twice in one mapping"),
    (IO, "the file cannot be read"),
    (
        WRITE,
        "`engine log` cannot write the patient file: another writer holds its lock, its layout cannot take an entry, or the folder is not writable",
    ),
    (
        DOSE,
        "a dose or period that does not follow the dose notation",
    ),
    (
        WRONG_UNIT,
        "an amount in the wrong kind of unit, such as a distance where a period is needed",
    ),
    (
        UNDEFINED,
        "a reference to a phase, table, input, choice, circuit, source, assessment, event or rule that is not declared",
    ),
    (DUPLICATE_ID, "two items of one kind share an id"),
    (
        TABLE_ROW,
        "a table has no row for a value its key input allows, or a row for no such value",
    ),
    (
        PATTERN,
        "a weekly pattern that is not seven days, or weeks that do not line up",
    ),
    (PHASE, "a phase whose length cannot be worked out"),
    (
        EMPTY_PERIOD,
        "a phase length or table period of no time at all (`0wk`, `0-0d`)",
    ),
    (
        GATE_NEVER,
        "a gate that can never pass, as far as can be told without a patient",
    ),
    (
        UNREACHABLE,
        "a phase that can never be reached, because an earlier phase can never end",
    ),
    (
        MISSING_INPUT,
        "the patient file lacks an input the protocol declares",
    ),
    (
        INPUT_VALUE,
        "a patient input of the wrong type or not among the allowed choices",
    ),
    (
        UNDECLARED_INPUT,
        "warning: the patient file gives an input this protocol does not declare",
    ),
    (
        JOURNAL_ORDER,
        "journal entries out of date order, or a date that is not a calendar date",
    ),
    (PAIN_SCORE, "a pain score outside the 0-10 rating scale"),
    (
        JOURNAL_UNDECLARED,
        "a journal entry names an assessment or event the protocol does not declare",
    ),
    (
        JOURNAL_ENTRY,
        "a journal entry that is empty, mixes kinds, or has a result that does not fit its assessment",
    ),
    (
        JOURNAL_OUTSIDE,
        "warning: journal entries dated before the plan starts or after it ends, which the run cannot apply",
    ),
    (
        NO_PATIENT,
        "no patient file given and the protocol embeds no example patient",
    ),
    (SCRIPT_SYNTAX, "a Rhai script that does not compile"),
    (
        SCRIPT_UNDEFINED,
        "a script calls a function or reads a variable that does not exist",
    ),
    (
        SCRIPT_LIMIT,
        "a script exceeded a sandbox limit: operations, call depth, data size or time",
    ),
    (
        SCRIPT_IMPORT,
        "a script imports a module from outside the protocol's folder, or one that does not exist",
    ),
    (
        SCRIPT_RUNTIME,
        "a script failed while running, or a condition gave something other than true or false",
    ),
    (
        RULE,
        "a rule's action or trigger that the engine cannot carry out",
    ),
    (
        RUN_BUDGET,
        "the scripts of one run (or one simulated patient) together exceeded the run's operation budget",
    ),
    (
        DEADLINE,
        "a script ran past the wall-clock backstop, which the counted limits should always reach first",
    ),
    (
        SCENARIO,
        "a scenario expectation that names no phase or rule of its protocol, gives a date that is not a date, or checks nothing or several things",
    ),
    (
        BAD_OPTION,
        "a command-line option with a value the engine cannot use",
    ),
    (
        SESSIONS_WHILE_WAITING,
        "sessions are reported while the plan still waits for a gate's evidence the journal lacks",
    ),
    (
        SESSION_PAST_A_LIMIT,
        "a session is reported on a day the protocol's limits on sessions keep free",
    ),
    (
        SESSION_ON_DAY_OFF,
        "a session is reported on a day the plan has off",
    ),
];

pub const YAML: &str = "E001";
pub const UNKNOWN_FIELD: &str = "E002";
pub const MISSING_FIELD: &str = "E003";
pub const BAD_VALUE: &str = "E004";
pub const DUPLICATE_KEY: &str = "E005";
pub const IO: &str = "E006";
pub const WRITE: &str = "E007";
pub const DOSE: &str = "E010";
pub const WRONG_UNIT: &str = "E011";
pub const UNDEFINED: &str = "E020";
pub const DUPLICATE_ID: &str = "E021";
pub const TABLE_ROW: &str = "E022";
pub const PATTERN: &str = "E030";
pub const PHASE: &str = "E031";
pub const EMPTY_PERIOD: &str = "E032";
pub const GATE_NEVER: &str = "E033";
pub const UNREACHABLE: &str = "E034";
pub const MISSING_INPUT: &str = "E040";
pub const INPUT_VALUE: &str = "E041";
pub const UNDECLARED_INPUT: &str = "W042";
pub const JOURNAL_ORDER: &str = "E045";
pub const PAIN_SCORE: &str = "E046";
pub const JOURNAL_UNDECLARED: &str = "E047";
pub const JOURNAL_ENTRY: &str = "E048";
pub const JOURNAL_OUTSIDE: &str = "W049";
pub const SCRIPT_SYNTAX: &str = "E060";
pub const SCRIPT_UNDEFINED: &str = "E061";
pub const SCRIPT_LIMIT: &str = "E062";
pub const SCRIPT_IMPORT: &str = "E063";
pub const SCRIPT_RUNTIME: &str = "E064";
pub const RULE: &str = "E065";
pub const RUN_BUDGET: &str = "E066";
pub const DEADLINE: &str = "E067";
pub const NO_PATIENT: &str = "E044";
pub const BAD_OPTION: &str = "E050";
pub const SESSIONS_WHILE_WAITING: &str = "W051";
pub const SESSION_PAST_A_LIMIT: &str = "W052";
pub const SESSION_ON_DAY_OFF: &str = "W053";
pub const SCENARIO: &str = "E070";
