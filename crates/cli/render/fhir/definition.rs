//! A protocol as a FHIR R4 `Bundle` (type `collection`) of a `PlanDefinition` (its
//! phases as actions, in order, with their timing, gates and requirements as
//! conditions, and its rules as conditional actions), a `Library` holding the rules'
//! conditions and the plugin modules as Rhai text, and one `ActivityDefinition` for each
//! kind of activity of each phase (`engine export --format fhir`).

use rehab_dose::{Amount, Range as Span, Unit};
use rehab_engine::model::{LengthBasis, Phase, Protocol, Rule, Trigger};
use rehab_engine::plan::PartKind;

use super::careplan::kind_word;
use super::types::{
    Action, ActivityDefinition, Attachment, CodeableConcept, Coding, Condition, ContactDetail,
    Expression, Identifier, Library, PlanDefinition, Quantity, Range, RelatedAction,
    RelatedArtifact, Resource, Timing,
};
use super::{
    EXERCISE_THERAPY, SHA256, activity_url, base64, bundle, computer_name, fhir_id, plan_url, slug,
    string, to_json, versioned,
};

/// The media type of Rhai scripts in expressions and attachments.
const RHAI: &str = "text/x-rhai";

pub fn plan_definition(protocol: &Protocol) -> Result<String, String> {
    let id = slug(protocol.id());
    let version = string(protocol.version());
    let library_url = format!("{}:library", plan_url(protocol.id()));

    let mut actions: Vec<Action> = Vec::new();
    let mut activities = Vec::new();
    for (i, phase) in protocol.phases().iter().enumerate() {
        let mut action = phase_action(protocol, phase);
        if let Some(before) = i.checked_sub(1).and_then(|b| protocol.phases().get(b)) {
            action.related_action.push(RelatedAction {
                action_id: slug(&before.id),
                relationship: "after-end",
            });
        }
        for kind in kinds(phase) {
            let ad = activity_definition(protocol, phase, kind);
            action.action.push(Action {
                title: ad.title.clone(),
                definition_canonical: Some(versioned(&ad.url, protocol.version())),
                ..Action::default()
            });
            activities.push(ad);
        }
        action.action.extend(
            protocol
                .rules()
                .iter()
                .filter(|r| !r.phases.is_empty() && r.applies_in(i))
                .map(|r| rule_action(protocol, r)),
        );
        actions.push(action);
    }
    let everywhere: Vec<Action> = protocol
        .rules()
        .iter()
        .filter(|r| r.phases.is_empty())
        .map(|r| rule_action(protocol, r))
        .collect();
    if !everywhere.is_empty() {
        actions.push(Action {
            id: Some("rules".to_string()),
            title: "Rules in every phase".to_string(),
            action: everywhere,
            ..Action::default()
        });
    }
    if let Some(first) = actions.first_mut() {
        let mut waits = Vec::new();
        for r in protocol.requires() {
            match condition("start", protocol, &r.title, r.when) {
                Some(c) => first.condition.push(c),
                None => waits.push(format!(
                    "The protocol begins once: {}",
                    evidence(protocol, &r.title, r.assessment, r.event, false)
                )),
            }
        }
        if !waits.is_empty() {
            let own = first.text_equivalent.take();
            waits.extend(own);
            first.text_equivalent = Some(string(&waits.join("\n")));
        }
    }
    let plan = PlanDefinition {
        resource_type: "PlanDefinition",
        id: id.clone(),
        url: plan_url(protocol.id()),
        identifier: vec![Identifier {
            system: SHA256,
            value: protocol.sha256().to_string(),
        }],
        version: version.clone(),
        name: computer_name(protocol.id()),
        title: string(protocol.title()),
        kind: CodeableConcept {
            coding: vec![Coding {
                system: "http://terminology.hl7.org/CodeSystem/plan-definition-type",
                code: "clinical-protocol",
                display: Some("Clinical Protocol"),
            }],
            text: None,
        },
        status: "active",
        description: protocol.summary().map(string),
        usage: string(protocol.disclaimer()),
        author: protocol
            .authors()
            .iter()
            .map(|a| ContactDetail {
                name: string(&match &a.role {
                    Some(role) => format!("{}, {role}", a.name),
                    None => a.name.clone(),
                }),
            })
            .collect(),
        related_artifact: protocol
            .sources()
            .iter()
            .map(|s| RelatedArtifact {
                kind: "citation",
                label: string(&s.id),
                citation: string(&match &s.note {
                    Some(note) => format!("{} ({note})", s.citation),
                    None => s.citation.clone(),
                }),
            })
            .collect(),
        library: vec![versioned(&library_url, protocol.version())],
        action: actions,
    };

    let library = Library {
        resource_type: "Library",
        id: fhir_id(&[&id, "library"]),
        url: library_url,
        version: version.clone(),
        name: format!("{}Rules", computer_name(protocol.id())),
        title: string(&format!("{}: rules and modules", protocol.title())),
        status: "active",
        kind: CodeableConcept {
            coding: vec![Coding {
                system: "http://terminology.hl7.org/CodeSystem/library-type",
                code: "logic-library",
                display: Some("Logic Library"),
            }],
            text: None,
        },
        description: string(
            "The protocol's rules (each condition with its trigger, phases, actions and \
             reason) and its plugin modules, as Rhai scripts.",
        ),
        content: std::iter::once(Attachment {
            content_type: RHAI,
            data: base64(rules_script(protocol).as_bytes()),
            title: "rules.rhai".to_string(),
        })
        .chain(protocol.scripts().modules().map(|(path, text)| Attachment {
            content_type: RHAI,
            data: base64(text.as_bytes()),
            title: string(path.rsplit(['/', '\\']).next().unwrap_or(path)),
        }))
        .collect(),
    };

    let mut resources = vec![
        (
            "PlanDefinition",
            plan.id.clone(),
            Resource::PlanDefinition(Box::new(plan)),
        ),
        (
            "Library",
            library.id.clone(),
            Resource::Library(Box::new(library)),
        ),
    ];
    for ad in activities {
        resources.push((
            "ActivityDefinition",
            ad.id.clone(),
            Resource::ActivityDefinition(Box::new(ad)),
        ));
    }
    to_json(&bundle(fhir_id(&["protocol", &id]), resources))
}

/// A phase as an action: its title and purpose, its length as timing, and its gates (to
/// leave it) and requirements (to begin it) as conditions.
fn phase_action(protocol: &Protocol, phase: &Phase) -> Action {
    let mut action = Action {
        id: Some(slug(&phase.id)),
        title: string(&phase.title),
        description: phase.purpose.as_deref().map(string),
        ..Action::default()
    };
    match &phase.length.basis {
        LengthBasis::Period(amount) => timing(&mut action, amount),
        LengthBasis::Weeks(n) => {
            action.timing_duration = Some(quantity(f64::from(*n), Unit::Weeks));
        }
        LengthBasis::Table(t) => {
            let words = protocol.tables().get(*t).map_or_else(String::new, |t| {
                let rows: Vec<String> = t
                    .rows
                    .iter()
                    .map(|r| format!("{} {}", r.key, r.value))
                    .collect();
                format!("{} by {}: {}", t.label, t.by, rows.join(", "))
            });
            action.timing_timing = Some(text_timing(&words));
        }
        LengthBasis::Computed(script) => {
            action.timing_timing = Some(text_timing(&format!(
                "computed: {}",
                protocol.scripts().text(*script)
            )));
        }
        LengthBasis::Levels(n) => {
            action.timing_timing = Some(text_timing(&format!(
                "{n} levels, each until its sessions are done"
            )));
        }
    }
    let mut waits = Vec::new();
    for r in &phase.requires {
        match condition("start", protocol, &r.title, r.when) {
            Some(c) => action.condition.push(c),
            None => waits.push(format!(
                "Begins once: {}",
                evidence(protocol, &r.title, r.assessment, r.event, false)
            )),
        }
    }
    for g in &phase.gates {
        match condition("stop", protocol, &g.title, g.when) {
            Some(c) => action.condition.push(c),
            None => waits.push(format!(
                "Ends once: {}",
                evidence(protocol, &g.title, g.assessment, g.event, g.time_minimum)
            )),
        }
    }
    if !waits.is_empty() {
        action.text_equivalent = Some(string(&waits.join("\n")));
    }
    action
}

/// A scripted gate's or requirement's condition, as Rhai.
fn condition(
    kind: &'static str,
    protocol: &Protocol,
    title: &str,
    when: Option<rehab_engine::model::ScriptId>,
) -> Option<Condition> {
    when.map(|script| Condition {
        kind,
        expression: Expression {
            description: Some(string(title)),
            language: RHAI,
            expression: string(protocol.scripts().text(script)),
        },
    })
}

/// The evidence a gate or requirement without a script waits for, in words.
fn evidence(
    protocol: &Protocol,
    title: &str,
    assessment: Option<usize>,
    event: Option<usize>,
    time_minimum: bool,
) -> String {
    let what = if let Some(a) = assessment.and_then(|a| protocol.assessments().get(a)) {
        format!("assessment {} passed", a.id)
    } else if let Some(e) = event.and_then(|e| protocol.events().get(e)) {
        format!("event {} reported", e.id)
    } else if time_minimum {
        "the phase's shortest time has passed".to_string()
    } else {
        "confirmed by the clinician".to_string()
    };
    format!("{title} ({what})")
}

fn rule_action(protocol: &Protocol, rule: &Rule) -> Action {
    Action {
        id: Some(fhir_id(&["rule", &rule.id])),
        title: string(&format!("Rule {}", rule.id)),
        description: Some(string(&rule.reason)),
        text_equivalent: Some(string(&format!(
            "on {}: {}",
            trigger_words(rule),
            rule.verdict(protocol)
        ))),
        condition: vec![Condition {
            kind: "applicability",
            expression: Expression {
                description: Some(string(&rule.reason)),
                language: RHAI,
                expression: string(protocol.scripts().text(rule.condition)),
            },
        }],
        ..Action::default()
    }
}

fn trigger_words(rule: &Rule) -> String {
    let what = match rule.trigger {
        Trigger::CheckIn => "check-in",
        Trigger::WeekEnd => "week-end",
        Trigger::Assessment => "assessment",
        Trigger::Event => "event",
    };
    match &rule.only {
        Some(only) => format!("{what} {only}"),
        None => what.to_string(),
    }
}

/// The kinds of activity a phase prescribes: from its weeks (or levels), its
/// cross-training, its strength circuits and its weekly pattern.
pub(crate) fn kinds(phase: &Phase) -> Vec<PartKind> {
    let mut kinds = Vec::new();
    let sessions = phase
        .weeks
        .iter()
        .any(|w| w.session.is_some() || !w.sessions.is_empty() || w.compute.is_some())
        || phase
            .pattern
            .iter()
            .any(|p| p.days.iter().any(|d| d.session));
    let cross = phase.cross.is_some()
        || phase.weeks.iter().any(|w| w.cross.is_some())
        || phase.pattern.iter().any(|p| p.days.iter().any(|d| d.cross));
    let strength = !phase.strength.is_empty()
        || phase
            .pattern
            .iter()
            .any(|p| p.days.iter().any(|d| d.strength));
    for (has, kind) in [
        (sessions, PartKind::Session),
        (cross, PartKind::Cross),
        (strength, PartKind::Strength),
    ] {
        if has {
            kinds.push(kind);
        }
    }
    kinds
}

fn activity_definition(protocol: &Protocol, phase: &Phase, kind: PartKind) -> ActivityDefinition {
    let per = if matches!(phase.length.basis, LengthBasis::Levels(_)) {
        "Level"
    } else {
        "Week"
    };
    let (what, lines): (&str, Vec<String>) = match kind {
        PartKind::Session => (
            "sessions",
            phase
                .weeks
                .iter()
                .filter_map(|w| {
                    let doses: Vec<String> = if let Some(s) = w.compute {
                        vec![format!("computed: {}", protocol.scripts().text(s))]
                    } else {
                        w.session
                            .iter()
                            .chain(&w.sessions)
                            .map(ToString::to_string)
                            .collect()
                    };
                    (!doses.is_empty()).then(|| format!("{per} {}: {}", w.weeks, doses.join(" / ")))
                })
                .collect(),
        ),
        PartKind::Cross => {
            (
                "cross-training",
                phase
                    .cross
                    .iter()
                    .map(|d| format!("Cross-training: {d}"))
                    .chain(phase.weeks.iter().filter_map(|w| {
                        w.cross.as_ref().map(|d| format!("{per} {}: {d}", w.weeks))
                    }))
                    .collect(),
            )
        }
        _ => (
            "strength work",
            phase
                .strength
                .iter()
                .filter_map(|c| protocol.circuits().get(*c))
                .map(|c| format!("{}: {}", c.title, c.exercises))
                .collect(),
        ),
    };
    let word = kind_word(kind);
    let url = activity_url(protocol.id(), &phase.id, word);
    ActivityDefinition {
        resource_type: "ActivityDefinition",
        id: fhir_id(&[protocol.id(), &phase.id, word]),
        url,
        version: string(protocol.version()),
        name: format!(
            "{}{}{}",
            computer_name(protocol.id()),
            computer_name(&phase.id),
            computer_name(word)
        ),
        title: string(&format!("{}: {what}", phase.title)),
        status: "active",
        description: string(&if lines.is_empty() {
            format!("{} as the phase's weekly pattern lays them out.", what)
        } else {
            lines.join("\n")
        }),
        kind: "ServiceRequest",
        code: CodeableConcept {
            coding: vec![EXERCISE_THERAPY],
            text: Some(what.to_string()),
        },
    }
}

/// The Rhai text of the rules: each condition, after a comment with its id, trigger,
/// phases, actions and reason.
fn rules_script(protocol: &Protocol) -> String {
    let mut out = format!(
        "// Rules of {} v{}: each condition, as the protocol writes it.\n",
        protocol.id(),
        protocol.version()
    );
    for rule in protocol.rules() {
        let phases: Vec<&str> = rule
            .phases
            .iter()
            .filter_map(|p| protocol.phases().get(*p))
            .map(|p| p.id.as_str())
            .collect();
        out.push_str(&format!(
            "\n// rule {}: on {}, in {}: {}\n",
            rule.id,
            trigger_words(rule),
            if phases.is_empty() {
                "every phase".to_string()
            } else {
                phases.join(", ")
            },
            rule.verdict(protocol)
        ));
        for line in rule.reason.lines() {
            out.push_str(&format!("// {line}\n"));
        }
        let condition = protocol.scripts().text(rule.condition).trim_end();
        out.push_str(condition);
        if !condition.ends_with([';', '}']) {
            out.push(';');
        }
        out.push('\n');
    }
    out
}

fn quantity(value: f64, unit: Unit) -> Quantity {
    let (unit, code) = match unit {
        Unit::Seconds => ("seconds", "s"),
        Unit::Minutes => ("minutes", "min"),
        Unit::Hours => ("hours", "h"),
        Unit::Weeks => ("weeks", "wk"),
        _ => ("days", "d"),
    };
    Quantity {
        value,
        unit,
        system: "http://unitsofmeasure.org",
        code,
    }
}

fn text_timing(words: &str) -> Timing {
    Timing {
        code: CodeableConcept {
            coding: Vec::new(),
            text: Some(string(words)),
        },
    }
}

/// A phase's period: a `timingDuration` for one length, a `timingRange` for a range,
/// and words for `up to` or a unit that is not a time.
fn timing(action: &mut Action, amount: &Amount) {
    let time = matches!(
        amount.unit,
        Unit::Seconds | Unit::Minutes | Unit::Hours | Unit::Days | Unit::Weeks
    );
    let value = |m: u64| m as f64 / 1000.0;
    match amount.range {
        Span::Exact(n) if time => action.timing_duration = Some(quantity(value(n), amount.unit)),
        Span::Between(lo, hi) if time => {
            action.timing_range = Some(Range {
                low: quantity(value(lo), amount.unit),
                high: quantity(value(hi), amount.unit),
            });
        }
        _ => action.timing_timing = Some(text_timing(&amount.to_string())),
    }
}
