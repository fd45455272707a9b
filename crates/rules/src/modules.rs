//! Plugin modules given as text, and the import resolver that only knows about them.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rhai::{AST, Dynamic, Engine, EvalAltResult, Module, ModuleResolver, Position, Scope};

/// One `.rhai` plugin module that ships next to a protocol, already read by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleSource {
    /// The name scripts import it by: its path relative to the protocol's folder, with `/`
    /// between folders and without the `.rhai` extension, e.g. `"hop"` or `"lib/hop"`.
    pub name: String,
    /// Where the text came from, used only in messages (e.g. `"protocols/hop.rhai"`).
    pub path: String,
    /// The Rhai source of the module.
    pub text: String,
}

/// Why an import name is refused outright, or `None` when it may name a module.
///
/// Modules may only come from the protocol's own folder, so absolute paths, drive letters,
/// URLs, backslashes and `..` components are refused whether or not such a file exists.
pub(crate) fn forbidden_reason(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("the module name is empty")
    } else if name.starts_with('/') {
        Some("it is an absolute path")
    } else if name.contains('\\') || name.contains(':') {
        Some("it contains '\\' or ':'")
    } else if name.split('/').any(|part| part == "..") {
        Some("it leaves the protocol's folder with '..'")
    } else {
        None
    }
}

/// Whether `name` may name a module that scripts reach as `name::function(...)` without
/// `import`: a plain identifier, which also keeps it a file in the protocol's own folder.
pub fn is_module_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The lookup key for an import name: `./` and empty components and a trailing `.rhai`
/// are ignored, so `"./lib//hop.rhai"` finds module `"lib/hop"`.
pub(crate) fn normalize(name: &str) -> String {
    let name = name.strip_suffix(".rhai").unwrap_or(name);
    name.split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// State of one module in the store.
#[derive(Debug)]
enum Slot {
    /// Compiled but its top level has not run yet.
    Compiled(Box<AST>),
    /// Its top level is running (so importing it again is a cycle).
    Loading,
    /// Ready to be imported.
    Loaded(rhai::Shared<Module>),
}

/// The modules of one evaluator, shared between the evaluator and its resolver.
#[derive(Debug, Default)]
pub(crate) struct ModuleStore {
    slots: Mutex<BTreeMap<String, Slot>>,
}

impl ModuleStore {
    /// The slots; never contended (one evaluator runs on one thread), and a lock
    /// poisoned by a panic elsewhere still holds valid slots.
    fn slots(&self) -> MutexGuard<'_, BTreeMap<String, Slot>> {
        self.slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn insert(&self, name: String, ast: AST) {
        self.slots().insert(name, Slot::Compiled(Box::new(ast)));
    }

    pub(crate) fn contains(&self, name: &str) -> bool {
        self.slots().contains_key(name)
    }

    /// Returns the module called `name` (already normalized), running its top level the
    /// first time. Unknown names give `ErrorModuleNotFound`, which the caller classifies.
    pub(crate) fn load(
        &self,
        engine: &Engine,
        name: &str,
        pos: Position,
    ) -> Result<rhai::Shared<Module>, Box<EvalAltResult>> {
        let ast = {
            let mut slots = self.slots();
            let Some(slot) = slots.get_mut(name) else {
                return Err(EvalAltResult::ErrorModuleNotFound(name.to_owned(), pos).into());
            };
            match std::mem::replace(slot, Slot::Loading) {
                Slot::Loaded(module) => {
                    *slot = Slot::Loaded(module.clone());
                    return Ok(module);
                }
                Slot::Loading => {
                    return Err(EvalAltResult::ErrorRuntime(
                        Dynamic::from(format!(
                            "module '{name}' imports itself (directly or through other modules)"
                        )),
                        pos,
                    )
                    .into());
                }
                Slot::Compiled(ast) => ast,
            }
        };
        // The borrow is released here: the module's top level may import other modules.
        let result = Module::eval_ast_as_new(Scope::new(), &ast, engine);
        let mut slots = self.slots();
        match result {
            Ok(module) => {
                let module = rhai::Shared::new(module);
                slots.insert(name.to_owned(), Slot::Loaded(module.clone()));
                Ok(module)
            }
            Err(err) => {
                slots.insert(name.to_owned(), Slot::Compiled(ast));
                let source = ast_source(&slots, name);
                Err(EvalAltResult::ErrorInModule(source, err, pos).into())
            }
        }
    }
}

fn ast_source(slots: &BTreeMap<String, Slot>, name: &str) -> String {
    match slots.get(name) {
        Some(Slot::Compiled(ast)) => ast.source().unwrap_or(name).to_owned(),
        _ => name.to_owned(),
    }
}

/// Resolves `import` against the [`ModuleStore`] only; it never touches the file system.
#[derive(Debug)]
pub(crate) struct StoreResolver {
    pub(crate) store: Arc<ModuleStore>,
    /// `import` statements run by the evaluation under way (the evaluator resets it).
    pub(crate) imports: Arc<AtomicUsize>,
    /// The most `import` statements one evaluation may run.
    pub(crate) max_imports: usize,
}

impl ModuleResolver for StoreResolver {
    fn resolve(
        &self,
        engine: &Engine,
        _source: Option<&str>,
        path: &str,
        pos: Position,
    ) -> Result<rhai::Shared<Module>, Box<EvalAltResult>> {
        // Counted here, per statement run: Rhai's own limit counts the modules alive at
        // once, so forty imports in a loop would each pass it.
        if self.imports.fetch_add(1, Ordering::Relaxed) + 1 > self.max_imports {
            return Err(EvalAltResult::ErrorTooManyModules(pos).into());
        }
        if forbidden_reason(path).is_some() {
            // Rhai reports this as "module not found" at the import; the sandbox turns it
            // into a forbidden-import error because the name itself is refused.
            return Err(EvalAltResult::ErrorModuleNotFound(path.to_owned(), pos).into());
        }
        let key = normalize(path);
        if !self.store.contains(&key) {
            return Err(EvalAltResult::ErrorModuleNotFound(path.to_owned(), pos).into());
        }
        self.store.load(engine, &key, pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_outside_the_folder_are_forbidden() {
        for name in [
            "/etc/passwd",
            "../x",
            "lib/../../x",
            "C:\\x",
            "c:x",
            "\\\\server\\share",
            "https://example.org/x",
            "",
        ] {
            assert!(
                forbidden_reason(name).is_some(),
                "{name:?} should be forbidden"
            );
        }
    }

    #[test]
    fn names_inside_the_folder_are_allowed_and_normalized() {
        for (name, key) in [
            ("hop", "hop"),
            ("lib/hop", "lib/hop"),
            ("./lib//hop", "lib/hop"),
            ("hop.rhai", "hop"),
            ("..hop", "..hop"),
        ] {
            assert_eq!(forbidden_reason(name), None, "{name:?}");
            assert_eq!(normalize(name), key);
        }
    }
}
