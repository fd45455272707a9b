//! The engine is general: no code under `crates/` names a protocol, a site or a
//! clinician. The names come from the protocols themselves (their ids, modules, table
//! keys and the authors in their source ids), so a protocol added to `protocols/` is
//! guarded as soon as it lands. Comments and doc comments may give examples; code,
//! string literals included, may not.

use std::path::{Path, PathBuf};

use rehab_syntax::{SourceFile, Sources, parse_protocol};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Every name a protocol in `protocols/` brings that the engine must not know.
fn protocol_names() -> Vec<(String, String)> {
    let mut names = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(Path::new(ROOT).join("protocols"))
        .expect("protocols/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable");
        let mut sources = Sources::new();
        let file = sources.add(SourceFile::new(path.display().to_string(), text));
        let doc = parse_protocol(&sources, file).expect("the protocol parses");
        let from = path.file_name().unwrap_or_default().to_string_lossy();
        let mut add = |name: &str, what: &str| {
            let name = name.to_lowercase();
            if !name.is_empty() && !names.iter().any(|(n, _)| *n == name) {
                names.push((name, format!("{what} in {from}")));
            }
        };
        add(&doc.id.value, "the id");
        for m in &doc.modules {
            add(&m.value, "a module");
        }
        for row in doc.tables.iter().flat_map(|t| &t.rows) {
            add(&row.key.value, "a table key");
        }
        // Source ids name their author or body first: `silbernagel-2007`, `nhs-c25k`.
        for source in &doc.sources {
            let first = source.id.value.split('-').next().unwrap_or_default();
            add(first, "a source's author");
        }
    }
    names
}

/// `text` with its comments blanked out, string and character literals kept.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if chars[i] == '\n' {
                        out.push('\n');
                    }
                    i += 1;
                }
            }
        } else if c == 'r' && matches!(next, Some('"' | '#')) && !ident_before(&chars, i) {
            // A raw string: r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let end: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let rest: String = chars[j + 1..].iter().collect();
            let len = rest.find(&end).map_or(rest.len(), |n| n + end.len());
            out.extend(&chars[i..j + 1]);
            out.push_str(&rest[..len]);
            i = j + 1 + rest[..len].chars().count();
        } else if c == '"' {
            out.push(c);
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(chars[i]);
                    i += 1;
                }
                if let Some(ch) = chars.get(i) {
                    out.push(*ch);
                }
                i += 1;
            }
            out.push('"');
            i += 1;
        } else if c == '\'' && next == Some('"') && chars.get(i + 2) == Some(&'\'') {
            out.push_str("'\"'");
            i += 3;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_before(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

/// Whether `name` appears in `line` as a word of its own (not inside a longer name).
fn mentions(line: &str, name: &str) -> bool {
    let line = line.to_lowercase();
    let word = |c: char| c.is_alphanumeric() || c == '_';
    line.match_indices(name).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + name.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn no_code_under_crates_names_a_protocol_site_or_clinician() {
    let names = protocol_names();
    // The names the shipped protocols bring, so the test cannot pass by finding none.
    for expected in ["morra", "metatarsal", "silbernagel", "delaware", "nhs"] {
        assert!(
            names.iter().any(|(n, _)| n == expected),
            "{expected} is among {names:?}"
        );
    }
    let mut files = Vec::new();
    rust_files(&Path::new(ROOT).join("crates"), &mut files);
    files.sort();
    assert!(files.len() > 20, "the crates' sources are found");
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable");
        for (n, line) in code_only(&text).lines().enumerate() {
            for (name, what) in &names {
                if mentions(line, name) {
                    let at = file.strip_prefix(ROOT).unwrap_or(file).display();
                    found.push(format!("{at}:{}: `{name}` ({what})", n + 1));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "engine code names a protocol:\n{}",
        found.join("\n")
    );
}

#[test]
fn comments_are_blanked_and_code_and_strings_are_kept() {
    let text = "let a = \"morra\"; // morra\n/* morra\n */ let b = r#\"x // morra\"#;\n/// morra\nlet c = '\"'; morra();";
    let code = code_only(text);
    let lines: Vec<&str> = code.lines().collect();
    assert_eq!(lines[0], "let a = \"morra\"; ");
    assert_eq!(lines[1], "");
    assert_eq!(lines[2], " let b = r#\"x // morra\"#;");
    assert_eq!(lines[3], "");
    assert_eq!(lines[4], "let c = '\"'; morra();");
    assert!(mentions(lines[0], "morra"));
    assert!(!mentions("let morrab = 1;", "morra"));
    assert!(mentions("Morra::x", "morra"));
}
