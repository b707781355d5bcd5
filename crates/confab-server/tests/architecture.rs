//! The architecture test: the dependency rule written in ARCHITECTURE.md holds in
//! the code, no dependency cycle spans files, and no source file outgrows the
//! size a reader can hold in their head.
//!
//! It reads `src/` with `syn`, resolves every `crate::`, `super::`, `self::` and
//! child-module path (in `use` items, in code and inside macro calls) to the file
//! that defines the item, following re-exports, and checks each file-to-file edge
//! against the "may touch" column of the module table in ARCHITECTURE.md. The same
//! idea as rust-analyzer's tidy tests: the invariant lives next to the map that
//! states it, and a change that breaks one without the other fails here.

use proc_macro2::{TokenStream, TokenTree};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use syn::visit::Visit;

/// The longest a source file under `src/` may be, in lines.
const MAX_LINES: usize = 700;

/// A module path inside the crate, e.g. `["store", "sql", "rooms"]`; empty for the root.
type ModPath = Vec<String>;

/// One source file of the crate.
struct SourceFile {
    path: PathBuf,
    module: ModPath,
    /// Items the file defines at its top level (types, functions, modules, ...).
    defines: BTreeSet<String>,
    /// `pub use` re-exports: exported name -> the full path it stands for.
    reexports: HashMap<String, Vec<String>>,
    /// Every path the file refers to, as written (starting with `crate`, `super`,
    /// `self` or a child module).
    references: Vec<Vec<String>>,
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn module_of(relative: &Path) -> ModPath {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let file = parts.pop().expect("a file name");
    let stem = file.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_owned());
    }
    parts
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// Collects what one file defines and refers to.
#[derive(Default)]
struct Collector {
    defines: BTreeSet<String>,
    reexports: HashMap<String, Vec<String>>,
    references: Vec<Vec<String>>,
    /// How deep inside inline `mod x { ... }` blocks the visitor is.
    inline_depth: usize,
}

impl Collector {
    /// Records a path; paths inside inline modules that climb out with `super`
    /// are rewritten relative to the file's own module.
    fn reference(&mut self, mut path: Vec<String>) {
        if self.inline_depth > 0 && path.first().is_some_and(|s| s == "super") {
            let climbs = path.iter().take_while(|s| *s == "super").count();
            if climbs <= self.inline_depth {
                return; // Stays inside this file.
            }
            path.drain(..self.inline_depth);
        }
        self.references.push(path);
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree, public: bool) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree, public);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let mut full = prefix.clone();
                if n.ident != "self" {
                    full.push(n.ident.to_string());
                }
                if public && self.inline_depth == 0 {
                    let name = full.last().cloned().unwrap_or_default();
                    self.reexports.insert(name, full.clone());
                }
                self.reference(full);
            }
            syn::UseTree::Rename(r) => {
                let mut full = prefix.clone();
                full.push(r.ident.to_string());
                if public && self.inline_depth == 0 {
                    self.reexports.insert(r.rename.to_string(), full.clone());
                }
                self.reference(full);
            }
            syn::UseTree::Glob(_) => self.reference(prefix.clone()),
            syn::UseTree::Group(g) => {
                for item in &g.items {
                    self.use_tree(prefix, item, public);
                }
            }
        }
    }

    fn define(&mut self, ident: &syn::Ident) {
        if self.inline_depth == 0 {
            self.defines.insert(ident.to_string());
        }
    }

    /// Finds `crate :: a :: b` sequences in a macro's tokens.
    fn macro_tokens(&mut self, tokens: TokenStream) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < trees.len() {
            match &trees[i] {
                TokenTree::Group(group) => self.macro_tokens(group.stream()),
                TokenTree::Ident(ident) if ident == "crate" => {
                    let mut path = vec!["crate".to_owned()];
                    let mut j = i + 1;
                    while j + 2 < trees.len() + 1 {
                        let colons = matches!((&trees.get(j), &trees.get(j + 1)),
                            (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) if a.as_char() == ':' && b.as_char() == ':');
                        match (colons, trees.get(j + 2)) {
                            (true, Some(TokenTree::Ident(next))) => {
                                path.push(next.to_string());
                                j += 3;
                            }
                            _ => break,
                        }
                    }
                    self.reference(path);
                    i = j;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
    }
}

impl<'ast> Visit<'ast> for Collector {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let public = matches!(
            item.vis,
            syn::Visibility::Public(_) | syn::Visibility::Restricted(_)
        );
        self.use_tree(&mut Vec::new(), &item.tree, public);
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        self.define(&item.ident);
        if item.content.is_some() {
            self.inline_depth += 1;
            syn::visit::visit_item_mod(self, item);
            self.inline_depth -= 1;
        }
    }

    fn visit_item_struct(&mut self, item: &'ast syn::ItemStruct) {
        self.define(&item.ident);
        syn::visit::visit_item_struct(self, item);
    }
    fn visit_item_enum(&mut self, item: &'ast syn::ItemEnum) {
        self.define(&item.ident);
        syn::visit::visit_item_enum(self, item);
    }
    fn visit_item_trait(&mut self, item: &'ast syn::ItemTrait) {
        self.define(&item.ident);
        syn::visit::visit_item_trait(self, item);
    }
    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        self.define(&item.sig.ident);
        syn::visit::visit_item_fn(self, item);
    }
    fn visit_item_type(&mut self, item: &'ast syn::ItemType) {
        self.define(&item.ident);
        syn::visit::visit_item_type(self, item);
    }
    fn visit_item_const(&mut self, item: &'ast syn::ItemConst) {
        self.define(&item.ident);
        syn::visit::visit_item_const(self, item);
    }
    fn visit_item_static(&mut self, item: &'ast syn::ItemStatic) {
        self.define(&item.ident);
        syn::visit::visit_item_static(self, item);
    }
    fn visit_item_macro(&mut self, item: &'ast syn::ItemMacro) {
        if let Some(ident) = &item.ident {
            self.define(ident);
        }
        syn::visit::visit_item_macro(self, item);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if segments.len() > 1 && matches!(segments[0].as_str(), "crate" | "super" | "self") {
            self.reference(segments);
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.macro_tokens(mac.tokens.clone());
        syn::visit::visit_macro(self, mac);
    }
}

fn load() -> Vec<SourceFile> {
    let root = src_dir();
    let mut paths = Vec::new();
    rust_files(&root, &mut paths);
    paths.sort();
    paths
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n != "main.rs"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("read source");
            let syntax = syn::parse_file(&text)
                .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
            let mut collector = Collector::default();
            collector.visit_file(&syntax);
            SourceFile {
                module: module_of(path.strip_prefix(&root).expect("under src")),
                path,
                defines: collector.defines,
                reexports: collector.reexports,
                references: collector.references,
            }
        })
        .collect()
}

/// Resolves paths to the files that define what they name.
struct Resolver<'a> {
    files: &'a [SourceFile],
    by_module: HashMap<ModPath, usize>,
}

impl<'a> Resolver<'a> {
    fn new(files: &'a [SourceFile]) -> Self {
        let by_module = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.module.clone(), i))
            .collect();
        Self { files, by_module }
    }

    /// The file a path written in file `from` points at, if it is in this crate.
    fn resolve(&self, from: usize, path: &[String], depth: usize) -> Option<usize> {
        if depth > 16 || path.is_empty() {
            return None;
        }
        let here = &self.files[from].module;
        let (mut module, rest): (ModPath, &[String]) = match path[0].as_str() {
            "crate" => (Vec::new(), &path[1..]),
            "self" => (here.clone(), &path[1..]),
            "super" => {
                let climbs = path.iter().take_while(|s| *s == "super").count();
                let keep = here.len().checked_sub(climbs)?;
                (here[..keep].to_vec(), &path[climbs..])
            }
            first => {
                // A child module of this file's module (`use bus::Bus;` in a mod.rs).
                let mut child = here.clone();
                child.push(first.to_owned());
                if !self.by_module.contains_key(&child) {
                    return None; // Another crate (std, tokio, ...).
                }
                (here.clone(), path)
            }
        };
        let mut rest = rest.iter();
        let mut current = *self.by_module.get(&module)?;
        for segment in rest.by_ref() {
            let mut child = module.clone();
            child.push(segment.clone());
            if let Some(&file) = self.by_module.get(&child) {
                module = child;
                current = file;
                continue;
            }
            // `segment` names an item of `current`: defined there, or re-exported.
            let file = &self.files[current];
            if !file.defines.contains(segment)
                && let Some(target) = file.reexports.get(segment)
            {
                return self.resolve(current, target, depth + 1).or(Some(current));
            }
            return Some(current);
        }
        Some(current)
    }
}

/// The module table of ARCHITECTURE.md: module path -> what it may touch
/// (`None`: everything).
fn rules() -> BTreeMap<ModPath, Option<Vec<ModPath>>> {
    let map = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ARCHITECTURE.md"),
    )
    .expect("read ARCHITECTURE.md");
    let section = map
        .split("## Inside `confab-server`")
        .nth(1)
        .expect("ARCHITECTURE.md has a section \"Inside `confab-server`\"");
    let mut rules = BTreeMap::new();
    for line in section.lines().take_while(|l| !l.starts_with("## ")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | `module` | holds | may touch |
        if cells.len() < 5 || !cells[1].starts_with('`') || cells[1].ends_with(".rs`") {
            continue;
        }
        let module: ModPath = cells[1]
            .trim_matches('`')
            .split("::")
            .map(str::to_owned)
            .collect();
        let may_touch = cells[3];
        let allowed = if may_touch.contains("everything") {
            None
        } else {
            Some(
                may_touch
                    .split('`')
                    .skip(1)
                    .step_by(2)
                    .map(|m| m.split("::").map(str::to_owned).collect())
                    .collect(),
            )
        };
        rules.insert(module, allowed);
    }
    assert!(
        !rules.is_empty(),
        "no module table found in ARCHITECTURE.md"
    );
    rules
}

/// The most specific rule whose module contains `module`.
fn rule_for<'r>(
    rules: &'r BTreeMap<ModPath, Option<Vec<ModPath>>>,
    module: &[String],
) -> Option<(&'r ModPath, &'r Option<Vec<ModPath>>)> {
    rules
        .iter()
        .filter(|(m, _)| {
            module.starts_with(m) || (m.len() == 1 && m[0] == "lib" && module.is_empty())
        })
        .max_by_key(|(m, _)| m.len())
}

fn edges(files: &[SourceFile]) -> BTreeSet<(usize, usize)> {
    let resolver = Resolver::new(files);
    let mut edges = BTreeSet::new();
    for (from, file) in files.iter().enumerate() {
        for path in &file.references {
            if let Some(to) = resolver.resolve(from, path, 0)
                && to != from
            {
                edges.insert((from, to));
            }
        }
    }
    edges
}

fn name(file: &SourceFile) -> String {
    file.path
        .strip_prefix(src_dir())
        .unwrap_or(&file.path)
        .display()
        .to_string()
}

#[test]
fn every_import_follows_the_dependency_rule_of_architecture_md() {
    let files = load();
    let rules = rules();
    let mut broken = Vec::new();
    for (from, to) in edges(&files) {
        let (source, target) = (&files[from], &files[to]);
        let Some((rule_module, allowed)) = rule_for(&rules, &source.module) else {
            broken.push(format!(
                "{} has no row in ARCHITECTURE.md's module table",
                name(source)
            ));
            continue;
        };
        let Some(allowed) = allowed else { continue };
        let inside_own = target.module.starts_with(rule_module);
        let permitted = allowed.iter().any(|m| target.module.starts_with(m));
        if !inside_own && !permitted {
            broken.push(format!(
                "{} uses {}, but `{}` may touch only {:?}",
                name(source),
                name(target),
                rule_module.join("::"),
                allowed.iter().map(|m| m.join("::")).collect::<Vec<_>>()
            ));
        }
    }
    broken.sort();
    broken.dedup();
    assert!(
        broken.is_empty(),
        "the dependency rule is broken:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_module_table_names_every_top_level_module_and_nothing_else() {
    let files = load();
    let rules = rules();
    let in_code: BTreeSet<String> = files
        .iter()
        .map(|f| {
            f.module
                .first()
                .cloned()
                .unwrap_or_else(|| "lib".to_owned())
        })
        .collect();
    let in_table: BTreeSet<String> = rules
        .keys()
        .filter(|m| m.len() == 1)
        .map(|m| m[0].clone())
        .collect();
    assert_eq!(
        in_code, in_table,
        "ARCHITECTURE.md's module table and src/ disagree"
    );
    for module in rules.keys() {
        assert!(
            files
                .iter()
                .any(|f| f.module.starts_with(module) || module == &["lib"]),
            "ARCHITECTURE.md names `{}`, which does not exist",
            module.join("::")
        );
    }
}

#[test]
fn no_dependency_cycle_spans_files() {
    let files = load();
    let edges = edges(&files);
    let mut graph: Vec<Vec<usize>> = vec![Vec::new(); files.len()];
    for &(from, to) in &edges {
        graph[from].push(to);
    }
    let cycles: Vec<String> = strongly_connected(&graph)
        .into_iter()
        .filter(|component| component.len() > 1)
        .map(|component| {
            component
                .iter()
                .map(|&i| name(&files[i]))
                .collect::<Vec<_>>()
                .join(" <-> ")
        })
        .collect();
    assert!(
        cycles.is_empty(),
        "dependency cycles between files:\n{}",
        cycles.join("\n")
    );
}

#[test]
fn no_source_file_is_over_the_size_limit() {
    let mut paths = Vec::new();
    rust_files(&src_dir(), &mut paths);
    let long: Vec<String> = paths
        .iter()
        .filter_map(|path| {
            let lines = std::fs::read_to_string(path).ok()?.lines().count();
            (lines > MAX_LINES).then(|| format!("{}: {lines} lines", path.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_resolver_sees_a_known_edge_and_a_known_non_edge() {
    // Guards the test itself: if resolution broke, every rule would pass vacuously.
    let files = load();
    let edges = edges(&files);
    let index = |name: &str| {
        files
            .iter()
            .position(|f| f.path.ends_with(name))
            .unwrap_or_else(|| panic!("{name} exists"))
    };
    let tailer = index("realtime/tailer.rs");
    let events = index("store/events.rs");
    let clock = index("clock.rs");
    assert!(
        edges.contains(&(tailer, index("realtime/hub.rs"))),
        "the tailer delivers to the hub"
    );
    assert!(
        edges.contains(&(events, clock)),
        "store/events.rs uses crate::clock"
    );
    assert!(
        !edges.iter().any(|&(from, _)| from == clock),
        "clock.rs imports nothing"
    );
}

/// Tarjan's algorithm: the strongly connected components of `graph`.
fn strongly_connected(graph: &[Vec<usize>]) -> Vec<Vec<usize>> {
    struct State<'g> {
        graph: &'g [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        components: Vec<Vec<usize>>,
    }
    fn visit(s: &mut State<'_>, v: usize) {
        s.index[v] = Some(s.next);
        s.low[v] = s.next;
        s.next += 1;
        s.stack.push(v);
        s.on_stack[v] = true;
        for &w in &s.graph[v] {
            match s.index[w] {
                None => {
                    visit(s, w);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(index) if s.on_stack[w] => s.low[v] = s.low[v].min(index),
                Some(_) => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            s.components.push(component);
        }
    }
    let mut state = State {
        graph,
        index: vec![None; graph.len()],
        low: vec![0; graph.len()],
        on_stack: vec![false; graph.len()],
        stack: Vec::new(),
        next: 0,
        components: Vec::new(),
    };
    for v in 0..graph.len() {
        if state.index[v].is_none() {
            visit(&mut state, v);
        }
    }
    state.components
}
