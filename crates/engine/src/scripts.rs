//! The protocol's scripts, compiled once when it is checked, and the mapping of script
//! error positions back to the YAML file or the `.rhai` module they came from.

use std::fmt;

use rehab_rules::{
    HostData, Limits, LiteralArgument, ModuleSource, Sandbox, Script, ScriptError, ScriptErrorKind,
    Seen, Value, Vars,
};
use rehab_syntax::{Diagnostic, FileId, Place, Sources, Span, codes};

/// Where a script's text sits in a file, so that a line and column inside the script
/// become a span of the file.
#[derive(Debug, Clone)]
pub(crate) struct Site {
    file: FileId,
    /// The whole scalar (or module): the fallback span.
    whole: Span,
    /// For each line of the script, the byte offset in the file where it begins, when the
    /// scalar's text is the script's text byte for byte.
    line_starts: Option<Vec<usize>>,
    text: String,
}

impl Site {
    /// A script written in a YAML scalar at `node`.
    pub(crate) fn in_scalar(sources: &Sources, file: FileId, node: &Place, text: &str) -> Site {
        let whole = Span::from_place(file, node);
        let line_starts = sources
            .get(file)
            .and_then(|f| scalar_line_starts(&f.text, whole, text));
        Site {
            file,
            whole,
            line_starts,
            text: text.to_owned(),
        }
    }

    /// A whole module file.
    pub(crate) fn module(file: FileId, text: &str) -> Site {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Site {
            file,
            whole: Span::new(file, 0, text.len().min(1)),
            line_starts: Some(starts),
            text: text.to_owned(),
        }
    }

    /// The span of the token at 1-based `line` and `column` (in characters) of the script.
    fn span(&self, line: Option<usize>, column: Option<usize>) -> Span {
        let (Some(line), Some(column), Some(starts)) = (line, column, &self.line_starts) else {
            return self.whole;
        };
        let (Some(&start), Some(line_text)) = (
            starts.get(line.saturating_sub(1)),
            self.text.lines().nth(line.saturating_sub(1)),
        ) else {
            // Past the last line: the script ended too soon. Point at its last character.
            let body = self.text.trim_end();
            let last_line = body.lines().count();
            let last_column = body.lines().last().map_or(0, |l| l.chars().count());
            if last_line == 0 || last_line >= line {
                return self.whole;
            }
            let at = self.span(Some(last_line), Some(last_column));
            return Span::new(self.file, at.start, at.start + 1);
        };
        let skip: usize = line_text
            .chars()
            .take(column.saturating_sub(1))
            .map(char::len_utf8)
            .sum();
        let rest = line_text.get(skip..).unwrap_or("");
        let token: usize = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .map(char::len_utf8)
            .sum();
        let token = match rest.chars().next() {
            _ if token > 0 => token,
            // A string literal (an import path): underline it to its closing quote.
            Some(q @ ('"' | '\'')) => rest[1..].find(q).map_or(1, |i| i + 2),
            Some(c) => c.len_utf8(),
            None => 0,
        };
        Span::new(self.file, start + skip, start + skip + token)
    }
}

/// The file offsets of each line of `text` inside the scalar at `whole`, for plain and
/// quoted single-line scalars and for literal (`|`) block scalars, where the file holds
/// the script's bytes unchanged. Anything else (folded scalars, escapes) gives `None`,
/// and errors point at the whole scalar.
fn scalar_line_starts(file_text: &str, whole: Span, text: &str) -> Option<Vec<usize>> {
    let raw = file_text.get(whole.start..whole.end)?;
    match raw.as_bytes().first() {
        Some(b'"') if raw.contains('\\') => return None,
        Some(q @ (b'"' | b'\'')) if !text.contains('\n') => {
            let body = raw.get(1..raw.len().saturating_sub(1))?;
            let escaped = *q == b'\'' && body.contains("''");
            return (body == text && !escaped).then(|| vec![whole.start + 1]);
        }
        Some(b'>') => return None,
        _ => {}
    }
    if !text.contains('\n') && raw == text {
        return Some(vec![whole.start]);
    }
    // A literal block: find the first content line in the file, then take every script
    // line at the same indentation, checking the bytes match.
    let header = if raw.starts_with('|') {
        whole.start + raw.find('\n')? + 1
    } else {
        file_text[..whole.start].rfind('\n').map_or(0, |i| i + 1)
    };
    let first = text.lines().next()?;
    let mut offset = header;
    let indent = loop {
        let line_end = file_text[offset..]
            .find('\n')
            .map_or(file_text.len(), |i| offset + i);
        let line = &file_text[offset..line_end];
        let content = line.trim_start_matches(' ');
        if !content.trim().is_empty() {
            if content.trim_end_matches('\r') != first {
                return None;
            }
            break line.len() - content.len();
        }
        if line_end >= file_text.len() {
            return None;
        }
        offset = line_end + 1;
    };
    let mut starts = Vec::new();
    for expected in text.lines() {
        let line_end = file_text
            .get(offset..)?
            .find('\n')
            .map_or(file_text.len(), |i| offset + i);
        let line = file_text.get(offset..line_end)?;
        let content = line.get(indent..).unwrap_or("");
        if !expected.is_empty() && content.trim_end_matches('\r') != expected {
            return None;
        }
        starts.push(offset + indent.min(line.len()));
        offset = line_end + 1;
    }
    Some(starts)
}

/// Which script of a protocol: an index into [`Scripts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScriptId(pub(crate) usize);

/// Every script of one protocol, compiled once, with the sandbox that runs them.
pub struct Scripts {
    pub(crate) sandbox: Sandbox,
    compiled: Vec<(Script, Site)>,
    modules: Vec<(String, Site)>,
}

impl fmt::Debug for Scripts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scripts")
            .field("scripts", &self.compiled.len())
            .field("modules", &self.modules.len())
            .finish_non_exhaustive()
    }
}

/// A plugin module the command line read from the protocol's folder.
#[derive(Debug, Clone)]
pub struct ModuleFile {
    /// The name the protocol lists, such as `morra`.
    pub name: String,
    /// The file in [`Sources`]; `None` when a file is there but could not be read (the
    /// reader has reported why), so the check does not also call it missing.
    pub file: Option<FileId>,
}

impl Scripts {
    /// Builds the sandbox and loads the modules; a broken module is a diagnostic.
    pub(crate) fn new(sources: &Sources, modules: &[ModuleFile]) -> Result<Scripts, Diagnostic> {
        let mut sites = Vec::new();
        let mut given = Vec::new();
        for m in modules {
            let Some(f) = m.file.and_then(|file| sources.get(file)) else {
                continue;
            };
            let Some(file) = m.file else { continue };
            sites.push((f.path.clone(), Site::module(file, &f.text)));
            given.push(ModuleSource {
                name: m.name.clone(),
                path: f.path.clone(),
                text: f.text.clone(),
            });
        }
        let module_sites = sites.clone();
        let sandbox = Sandbox::new(Limits::default(), given).map_err(|e| {
            let site = module_sites.iter().find(|(p, _)| *p == e.origin);
            let span = site.map(|(_, s)| s.span(e.line, e.column));
            let mut d = Diagnostic::error(code_of(e.kind), e.message.clone());
            if let Some(span) = span {
                d = d.at(span);
            }
            d
        })?;
        Ok(Scripts {
            sandbox,
            compiled: Vec::new(),
            modules: sites,
        })
    }

    /// Compiles one script and checks its calls; errors are located in the file.
    pub(crate) fn add(&mut self, site: Site, origin: &str) -> Result<ScriptId, Vec<Diagnostic>> {
        let script = match self.sandbox.compile(origin, &site.text) {
            Ok(s) => s,
            Err(e) => return Err(vec![self.locate(&site, &e)]),
        };
        let undefined = self.sandbox.undefined_calls(&script);
        if !undefined.is_empty() {
            return Err(undefined.iter().map(|e| self.locate(&site, e)).collect());
        }
        self.compiled.push((script, site));
        Ok(ScriptId(self.compiled.len() - 1))
    }

    /// A new evaluator of these scripts, for one thread: made once and reused for
    /// every run on that thread.
    pub fn evaluator(&self) -> Result<Evaluator<'_>, Diagnostic> {
        let inner = self
            .sandbox
            .evaluator()
            .map_err(|e| Diagnostic::error(code_of(e.kind), e.message))?;
        Ok(Evaluator {
            scripts: self,
            inner,
        })
    }

    fn script(&self, id: ScriptId) -> Result<&Script, Diagnostic> {
        self.compiled
            .get(id.0)
            .map(|(s, _)| s)
            .ok_or_else(|| Diagnostic::error(codes::SCRIPT_RUNTIME, "internal: missing script"))
    }

    /// Every call with a text literal as its first argument, in every script compiled so
    /// far: the function, the text, and the literal's place in the file.
    pub(crate) fn literal_arguments(&self) -> Vec<(String, String, Span)> {
        // The position is the literal's opening quote; the span underlines the whole
        // literal.
        self.names_written(|script| self.sandbox.literal_arguments(script))
            .into_iter()
            .map(|(arg, at)| (arg.function, arg.text, at))
            .collect()
    }

    /// Every property read of `variable` by name (`fields.swelling`), in every script
    /// compiled so far: the property and its place in the file.
    pub(crate) fn properties_read(&self, variable: &str) -> Vec<(String, Span)> {
        self.names_written(|script| self.sandbox.properties_read(script, variable))
            .into_iter()
            .map(|(read, at)| (read.text, at))
            .collect()
    }

    /// The names `find` reports in each compiled script, each placed in its file.
    fn names_written(
        &self,
        find: impl Fn(&Script) -> Vec<LiteralArgument>,
    ) -> Vec<(LiteralArgument, Span)> {
        let mut found = Vec::new();
        for (script, site) in &self.compiled {
            for name in find(script) {
                let at = site.span(name.line, name.column);
                found.push((name, at));
            }
        }
        found
    }

    /// The variables script `id` reads, when that is known without running it.
    pub(crate) fn reads(&self, id: ScriptId) -> Option<&[String]> {
        self.compiled.get(id.0).and_then(|(s, _)| s.reads())
    }

    /// Whether script `id` is the constant `false`: a condition that can never hold.
    pub fn always_false(&self, id: ScriptId) -> bool {
        self.compiled
            .get(id.0)
            .and_then(|(s, _)| s.constant())
            .and_then(|v| v.as_bool().ok())
            == Some(false)
    }

    /// The plugin modules, each as its path and its text, in the order the protocol's
    /// `modules:` lists them (for exporting the protocol).
    pub fn modules(&self) -> impl Iterator<Item = (&str, &str)> {
        self.modules
            .iter()
            .map(|(path, site)| (path.as_str(), site.text.as_str()))
    }

    /// Every script compiled, in order, with its text as written: for the differential
    /// tests of the native form and for listing which scripts have one.
    pub fn compiled(&self) -> impl Iterator<Item = (&str, &Script)> {
        self.compiled
            .iter()
            .map(|(s, site)| (site.text.as_str(), s))
    }

    /// The sandbox the scripts were compiled in.
    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }

    /// The text of a script, as written.
    pub fn text(&self, id: ScriptId) -> &str {
        self.compiled.get(id.0).map_or("", |(_, s)| s.text.as_str())
    }

    /// How many scripts have been compiled: one per script in the protocol, however long
    /// the run.
    pub fn compilations(&self) -> usize {
        self.sandbox.compilations()
    }

    /// A diagnostic for an error of script `id`, located in the protocol file or in the
    /// module the error happened in.
    fn diagnostic(&self, id: ScriptId, err: &ScriptError) -> Diagnostic {
        match self.compiled.get(id.0) {
            Some((_, site)) => self.locate(site, err),
            None => Diagnostic::error(code_of(err.kind), err.message.clone()),
        }
    }

    /// A diagnostic about the value a script gave, pointing at the script.
    pub(crate) fn value_error(&self, id: ScriptId, message: String) -> Diagnostic {
        let d = Diagnostic::error(codes::SCRIPT_RUNTIME, message);
        match self.compiled.get(id.0) {
            Some((_, site)) => d.at(site.whole),
            None => d,
        }
    }

    fn locate(&self, site: &Site, err: &ScriptError) -> Diagnostic {
        let site = self
            .modules
            .iter()
            .find(|(path, _)| *path == err.origin)
            .map_or(site, |(_, s)| s);
        let mut d = Diagnostic::error(code_of(err.kind), err.message.clone())
            .at(site.span(err.line, err.column));
        if let Some(help) = help_of(err.kind) {
            d = d.with_help(help);
        }
        d
    }
}

/// Runs a protocol's scripts on one thread: the compiled scripts, shared, and an
/// evaluator of its own with the run's state (what the host functions see, the
/// operation budget). Errors are located in the protocol's files.
pub struct Evaluator<'p> {
    scripts: &'p Scripts,
    inner: rehab_rules::Evaluator,
}

impl fmt::Debug for Evaluator<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Evaluator")
            .field("scripts", self.scripts)
            .field("inner", &self.inner)
            .finish()
    }
}

impl<'p> Evaluator<'p> {
    /// The compiled scripts this evaluator runs.
    pub fn scripts(&self) -> &'p Scripts {
        self.scripts
    }

    /// Starts a run with what the host functions see, and a fresh operation budget.
    pub(crate) fn begin_run(&self, data: HostData) {
        self.inner.begin_run(data);
    }

    /// What the host functions see, to move forward between evaluations.
    pub(crate) fn host_data(&self) -> std::sync::MutexGuard<'_, HostData> {
        self.inner.host_data()
    }

    /// The host function calls (with their results) made since the last call.
    pub(crate) fn take_seen(&self) -> Vec<Seen> {
        self.inner.take_seen()
    }

    /// The `print` and `debug` lines scripts wrote since the last call.
    pub(crate) fn take_trace(&self) -> Vec<String> {
        self.inner.take_trace()
    }

    /// The variables of one evaluation, converted once for several scripts.
    pub(crate) fn prepare<'v>(&self, vars: &'v Vars) -> rehab_rules::Prepared<'v> {
        self.inner.prepare(vars)
    }

    /// Evaluates condition `id`; an error is located in its file.
    pub(crate) fn eval_bool(&self, id: ScriptId, vars: &Vars) -> Result<bool, Diagnostic> {
        self.inner
            .eval_bool(self.scripts.script(id)?, vars)
            .map_err(|e| self.scripts.diagnostic(id, &e))
    }

    /// Evaluates condition `id` on prepared variables; an error is located in its file.
    pub(crate) fn eval_bool_in(
        &self,
        id: ScriptId,
        vars: &mut rehab_rules::Prepared<'_>,
    ) -> Result<bool, Diagnostic> {
        self.inner
            .eval_bool_in(self.scripts.script(id)?, vars)
            .map_err(|e| self.scripts.diagnostic(id, &e))
    }

    /// Evaluates script `id` for its value; an error is located in its file.
    pub(crate) fn eval_value(&self, id: ScriptId, vars: &Vars) -> Result<Value, Diagnostic> {
        self.inner
            .eval_value(self.scripts.script(id)?, vars)
            .map_err(|e| self.scripts.diagnostic(id, &e))
    }

    /// The variables script `id` reads, when that is known without running it.
    pub(crate) fn reads(&self, id: ScriptId) -> Option<&'p [String]> {
        self.scripts.reads(id)
    }

    /// The text of a script, as written.
    pub(crate) fn text(&self, id: ScriptId) -> &'p str {
        self.scripts.text(id)
    }

    /// A diagnostic about the value a script gave, pointing at the script.
    pub(crate) fn value_error(&self, id: ScriptId, message: String) -> Diagnostic {
        self.scripts.value_error(id, message)
    }
}

fn code_of(kind: ScriptErrorKind) -> &'static str {
    use ScriptErrorKind as K;
    match kind {
        K::Syntax => codes::SCRIPT_SYNTAX,
        K::UndefinedFunction | K::UndefinedVariable => codes::SCRIPT_UNDEFINED,
        K::TooManyOperations | K::TooDeep | K::TooLarge => codes::SCRIPT_LIMIT,
        K::RunBudget => codes::RUN_BUDGET,
        K::Timeout => codes::DEADLINE,
        K::ForbiddenImport | K::ModuleNotFound => codes::SCRIPT_IMPORT,
        K::NotABool | K::Runtime => codes::SCRIPT_RUNTIME,
    }
}

fn help_of(kind: ScriptErrorKind) -> Option<&'static str> {
    use ScriptErrorKind as K;
    match kind {
        K::UndefinedFunction => Some(
            "scripts may call Rhai's built-in functions, the host API (docs/rhai-api.md) and functions of the protocol's `modules`, as `module::name(...)`",
        ),
        K::UndefinedVariable => Some("the variables a script sees are listed in docs/rhai-api.md"),
        K::TooManyOperations | K::TooDeep | K::TooLarge => Some(
            "scripts run with limits on operations, call depth, data size and time; see docs/rhai-api.md",
        ),
        K::RunBudget => Some(
            "each rule may be cheap and still cost too much over a whole course: make the rules that run on every check-in cheaper (docs/limits.md)",
        ),
        K::Timeout => Some(
            "the counted limits normally stop a script first; please report the protocol that reached this",
        ),
        K::ForbiddenImport | K::ModuleNotFound => Some(
            "list the module under `modules:` and keep its .rhai file in the protocol's own folder",
        ),
        _ => None,
    }
}
