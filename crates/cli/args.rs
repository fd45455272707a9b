//! Command-line arguments: parsing and validation only; `main` turns them into engine
//! configuration.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use jiff::civil::Date;

#[derive(Debug, Parser)]
#[command(
    name = "engine",
    version,
    about = "Write, check and run rehabilitation protocols as code",
    long_about = "Write, check and run rehabilitation protocols as code.\n\n\
                  Protocols are YAML files (protocols/<id>.yaml); patients are YAML files \
                  with inputs and a journal. Every plan carries the protocol's disclaimer: \
                  it supports a clinician's judgement and does not replace it."
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a protocol for a patient and print the day-by-day plan
    Run(RunArgs),
    /// Check protocol files (and optionally a patient file) and report every problem
    Check(CheckArgs),
    /// Run protocol scenarios: check their expectations and snapshots
    Test(TestArgs),
    /// Run a protocol for many simulated patients and report the outcomes' distribution
    Simulate(SimulateArgs),
    /// Put two protocols' plans for the same patient side by side
    Compare(CompareArgs),
    /// Add one journal entry to a patient file, checked against a protocol as `run` would
    Log(LogArgs),
    /// Export a protocol in another format: FHIR R4 (a PlanDefinition bundle)
    Export(ExportArgs),
    /// Today's card for a patient: what to do, what to report tonight, the pain rules
    Today(TodayArgs),
    /// Print the JSON Schema (draft-07) of protocol, patient or scenario files, for editors
    Schema(SchemaArgs),
}

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The first protocol file
    pub first: PathBuf,
    /// The second protocol file
    pub second: PathBuf,
    /// The patient, whose inputs must satisfy both protocols; default: the first
    /// protocol's example patient
    #[arg(long, value_name = "FILE")]
    pub patient: Option<PathBuf>,
    /// Also simulate this many patients with these inputs under each protocol (with
    /// the default patient model) and compare the outcomes' distributions
    #[arg(long, value_name = "N")]
    pub simulate: Option<u64>,
    /// The seed of the simulation
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// How the weekly table lines the plans up: by calendar date, or by days since each
    /// plan's own start
    #[arg(long, value_enum, default_value_t = Align::Date)]
    pub align: Align,
    /// Output format of the comparison
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// The protocol file
    pub protocol: PathBuf,
    /// How many patients to simulate
    #[arg(long, default_value_t = 1000)]
    pub patients: u64,
    /// The seed of the random draws: the same seed gives the same result
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Worker threads (default: one per core); the result does not depend on it
    #[arg(long)]
    pub threads: Option<usize>,
    /// A patient file whose inputs every simulated patient shares (its journal is not
    /// used); default: the protocol's example patient
    #[arg(long, value_name = "FILE")]
    pub patient: Option<PathBuf>,
    /// A YAML file setting any of the model's chances and scores (the flags' names, with
    /// underscores: `pain_chance: 0.2`); flags override it
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// Chance that a running session is followed by pain, 0-1 [default 0.1]
    #[arg(long)]
    pub pain_chance: Option<f64>,
    /// Chance that a cross-training session is followed by pain, 0-1 [default 0.05]
    #[arg(long)]
    pub cross_pain_chance: Option<f64>,
    /// Lowest score of such pain, 0-10 [default 2]
    #[arg(long)]
    pub pain_min: Option<i64>,
    /// Highest score of such pain, 0-10 [default 4]
    #[arg(long)]
    pub pain_max: Option<i64>,
    /// Chance that a painful session still hurts the next day, 0-1 [default 0.3]
    #[arg(long)]
    pub next_day_chance: Option<f64>,
    /// Chance that a session is skipped, 0-1 [default 0.05]
    #[arg(long)]
    pub skip_chance: Option<f64>,
    /// Chance that an assessment a gate asks for is passed, 0-1 [default 0.9]
    #[arg(long)]
    pub pass_chance: Option<f64>,
    /// Output format of the report
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Scenario files, or folders searched for `scenarios/*.yaml` (default: protocols/)
    pub paths: Vec<PathBuf>,
    /// Only scenarios whose path or title contains this text
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// Write new and changed snapshots (after reviewing the differences)
    #[arg(long)]
    pub update: bool,
    /// Also list, per protocol, the rules, gates and phases the scenarios exercised
    #[arg(long)]
    pub coverage: bool,
    /// Also print each scenario's plan, as text
    #[arg(long)]
    pub plan: bool,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The protocol file, such as protocols/morra.yaml
    pub protocol: PathBuf,
    /// A patient file; without it, the protocol's own example patient is run
    #[arg(long, value_name = "FILE")]
    pub patient: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Show every decision with its reason, the values it saw and its source
    #[arg(long)]
    pub explain: bool,
    /// Who reads the plan (text, md and html): the clinician sees ids, sources and
    /// interpretations; the patient sees the plan in plain words
    #[arg(long, value_enum, default_value_t = Audience::Clinician)]
    pub audience: Audience,
    /// First day of the plan, instead of the date input the protocol starts on (YYYY-MM-DD)
    #[arg(long, value_name = "DATE", value_parser = plan_date)]
    pub start: Option<Date>,
    /// The day the plan is read on: before the last day the outcome is "in progress"
    #[arg(long, value_name = "DATE", value_parser = plan_date)]
    pub as_of: Option<Date>,
    /// Read patients as JSON Lines on standard input and write one JSON plan per line,
    /// in input order (the protocol is read and checked once)
    #[arg(long, conflicts_with_all = ["patient", "explain", "format"])]
    pub batch: bool,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The protocol file, such as protocols/morra.yaml
    pub protocol: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value_t = ExportFormat::Fhir)]
    pub format: ExportFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// A FHIR R4 Bundle: the protocol's PlanDefinition, Library and ActivityDefinitions
    Fhir,
}

#[derive(Debug, clap::Args)]
pub struct LogArgs {
    /// The patient file to add the entry to
    pub patient: PathBuf,
    /// The protocol the patient file is run with, which checks the entry
    #[arg(long, value_name = "FILE")]
    pub protocol: PathBuf,
    /// The entry, as a YAML flow mapping, such as
    /// '{ date: 2026-11-10, session: done, pain: { during: 2 } }'
    #[arg(long, value_name = "YAML")]
    pub entry: String,
    /// Print the new file on standard output instead of writing it
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, clap::Args)]
pub struct TodayArgs {
    /// The protocol file, such as protocols/morra.yaml
    pub protocol: PathBuf,
    /// A patient file; without it, the protocol's own example patient
    #[arg(long, value_name = "FILE")]
    pub patient: Option<PathBuf>,
    /// The day of the card (YYYY-MM-DD); journal entries after it are not read
    #[arg(long, value_name = "DATE", value_parser = plan_date, required = true)]
    pub as_of: Date,
    /// Output format of the card
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Protocol files to check
    #[arg(required = true)]
    pub protocols: Vec<PathBuf>,
    /// Also check this patient file against each protocol
    #[arg(long, value_name = "FILE")]
    pub patient: Option<PathBuf>,
    /// Output format: readable text on standard error, or one JSON report on standard output
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Code frames with the offending text underlined
    Text,
    /// The same diagnostics as JSON, for tools
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Align {
    /// Rows are calendar weeks, from the earlier plan's first day
    Date,
    /// Rows are weeks since each plan's own first day
    Start,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// A readable report
    Text,
    /// The same report as JSON, for other programs
    Json,
}

/// A date given on the command line for a plan: a calendar date within the years
/// patient files may use.
fn plan_date(text: &str) -> Result<Date, String> {
    let date: Date = text
        .parse()
        .map_err(|_| format!("`{text}` is not a calendar date; write YYYY-MM-DD"))?;
    if rehab_engine::plausible(date) {
        Ok(date)
    } else {
        Err(format!(
            "{date} is outside the years {} to {}",
            rehab_engine::MIN_YEAR,
            rehab_engine::MAX_YEAR
        ))
    }
}

#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// Which file format
    #[arg(value_enum, default_value_t = SchemaFile::Protocol)]
    pub kind: SchemaFile,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaFile {
    /// protocols/<id>.yaml
    Protocol,
    /// A patient file: inputs and a journal
    Patient,
    /// A test scenario: a patient and expectations of the plan
    Scenario,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Readable in a terminal
    Text,
    /// The JSON plan contract
    Json,
    /// The same data as JSON, in YAML
    Yaml,
    /// Markdown, for handouts and reviews
    Md,
    /// An RFC 5545 calendar: one all-day event for each day with something to do
    Ics,
    /// A FHIR R4 Bundle: the plan as a CarePlan, pain reports as Observations, and
    /// its Provenance
    Fhir,
    /// One self-contained, printable HTML page: the handout
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Audience {
    /// Ids, sources, interpretations and every rule's name, as today
    Clinician,
    /// Plain words: no ids, sources or interpretations
    Patient,
}
