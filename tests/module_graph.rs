//! The library's files import each other without cycles: each file's `crate::` and `super::`
//! paths, outside comments, name the files it depends on (a name re-exported by `lib.rs`
//! counts as the file that defines it), and the graph of those edges must be acyclic. `lib.rs`,
//! the table of contents, is left out: it names every module.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Module path (`backend::avx2`) of each file under `src/`, with its source.
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, out: &mut BTreeMap<String, String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix("src").unwrap().with_extension("");
                let mut parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if parts.last().is_some_and(|p| p == "mod") || parts == ["lib"] {
                    parts.pop();
                }
                out.insert(parts.join("::"), fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(Path::new("src"), &mut out);
    out
}

/// The source without comments (doc links are not imports) and string literals.
fn code(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut chars = src.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        break;
                    }
                }
                out.push_str("\"\"");
            }
            c => out.push(c),
        }
    }
    out
}

/// `code` with `super::` inside inline modules (`mod tests { .. }`) made `self::`: there it
/// names the file's own module, not its parent.
fn inline_supers_to_self(code: &str) -> String {
    let mut code = code.to_string();
    let mut from = 0;
    while let Some(k) = code[from..].find("mod ") {
        let at = from + k;
        from = at + 4;
        let rest = &code[from..];
        let name_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let after = rest[name_len..].trim_start();
        if name_len == 0 || !after.starts_with('{') {
            continue;
        }
        let open = code.len() - after.len();
        let mut depth = 0;
        let mut close = code.len();
        for (i, c) in code[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = open + i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let inner = code[open..close].replace("super::", "self::");
        code.replace_range(open..close, &inner);
    }
    code
}

/// The modules a file declares with `mod name;`, which it may then name as `name::`.
fn children(code: &str) -> Vec<String> {
    code.lines()
        .filter_map(|line| {
            let line = line.trim();
            let line = ["pub(crate) ", "pub(super) ", "pub "]
                .iter()
                .find_map(|v| line.strip_prefix(v))
                .unwrap_or(line);
            let name = line.strip_prefix("mod ")?.strip_suffix(';')?;
            Some(name.trim().to_string())
        })
        .collect()
}

/// Every path that follows `root::` in `code`, braces expanded: `crate::{a, b::{c, d}}`
/// gives `a`, `b::c`, `b::d`.
fn paths(code: &str, root: &str) -> Vec<String> {
    fn group(s: &[u8], i: &mut usize, prefix: &str, out: &mut Vec<String>) {
        // At a `{`: comma-separated items until the matching `}`.
        *i += 1;
        loop {
            while *i < s.len() && (s[*i] as char).is_whitespace() {
                *i += 1;
            }
            if *i >= s.len() || s[*i] == b'}' {
                *i += 1;
                return;
            }
            item(s, i, prefix, out);
            while *i < s.len() && (s[*i] == b',' || (s[*i] as char).is_whitespace()) {
                *i += 1;
            }
        }
    }
    fn item(s: &[u8], i: &mut usize, prefix: &str, out: &mut Vec<String>) {
        let mut path = prefix.to_string();
        loop {
            if *i < s.len() && s[*i] == b'{' {
                group(s, i, &path, out);
                return;
            }
            let start = *i;
            while *i < s.len() && (s[*i].is_ascii_alphanumeric() || s[*i] == b'_') {
                *i += 1;
            }
            let segment = std::str::from_utf8(&s[start..*i]).unwrap();
            if !path.is_empty() {
                path.push_str("::");
            }
            path.push_str(segment);
            if s[*i..].starts_with(b"::") {
                *i += 2;
            } else {
                out.push(path);
                return;
            }
        }
    }
    let s = code.as_bytes();
    let pattern = format!("{root}::");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(k) = code[from..].find(&pattern) {
        let at = from + k;
        let bounded =
            at == 0 || !(s[at - 1].is_ascii_alphanumeric() || matches!(s[at - 1], b'_' | b':'));
        let mut i = at + pattern.len();
        if bounded {
            item(s, &mut i, "", &mut out);
        }
        from = i.max(at + 1);
    }
    out
}

/// The file a path (from the crate root) lands in: its longest prefix that is a module, or
/// for a name `lib.rs` re-exports, the module it comes from.
fn target(
    path: &str,
    modules: &BTreeMap<String, String>,
    reexports: &BTreeMap<String, String>,
) -> Option<String> {
    let parts: Vec<&str> = path.split("::").collect();
    for n in (1..=parts.len()).rev() {
        let prefix = parts[..n].join("::");
        if !prefix.is_empty() && modules.contains_key(&prefix) {
            return Some(prefix);
        }
    }
    reexports.get(parts[0]).cloned()
}

#[test]
fn library_files_import_each_other_without_cycles() {
    let modules = modules();
    let lib = code(&modules[""]);
    // `pub use module::{A, B}` in lib.rs: each name to the module it comes from.
    let mut reexports = BTreeMap::new();
    for line in lib.split(';') {
        let Some(rest) = line.trim().strip_prefix("pub use ") else {
            continue;
        };
        for path in paths(&format!("crate::{rest}"), "crate") {
            let mut parts = path.rsplitn(2, "::");
            let (name, module) = (parts.next().unwrap(), parts.next().unwrap_or(""));
            reexports.insert(name.to_string(), module.to_string());
        }
    }
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, src) in &modules {
        if module.is_empty() {
            continue;
        }
        let code = inline_supers_to_self(&code(src));
        let parent = module.rsplit_once("::").map_or("", |(p, _)| p).to_string();
        let within = |base: &str, p: String| {
            if base.is_empty() {
                p
            } else {
                format!("{base}::{p}")
            }
        };
        let mut found: Vec<String> = paths(&code, "crate");
        found.extend(
            paths(&code, "super")
                .into_iter()
                .map(|p| within(&parent, p)),
        );
        for child in children(&code) {
            found.extend(
                paths(&code, &child)
                    .into_iter()
                    .map(|p| within(module, format!("{child}::{p}"))),
            );
        }
        for path in found {
            if let Some(to) = target(&path, &modules, &reexports)
                && to != *module
                && !to.is_empty()
            {
                edges.entry(module.clone()).or_default().insert(to);
            }
        }
    }
    // Depth-first search for a back edge.
    fn visit(
        m: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(m) {
            Some(2) => return None,
            Some(1) => {
                let start = stack.iter().position(|s| s == m).unwrap();
                let mut cycle = stack[start..].to_vec();
                cycle.push(m.to_string());
                return Some(cycle);
            }
            _ => {}
        }
        state.insert(m.to_string(), 1);
        stack.push(m.to_string());
        for to in edges.get(m).into_iter().flatten() {
            if let Some(cycle) = visit(to, edges, state, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        state.insert(m.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in modules.keys().filter(|m| !m.is_empty()) {
        if let Some(cycle) = visit(m, &edges, &mut state, &mut Vec::new()) {
            panic!("import cycle: {}", cycle.join(" -> "));
        }
    }
    for (m, to) in &edges {
        eprintln!(
            "{m} -> {}",
            to.iter().cloned().collect::<Vec<_>>().join(", ")
        );
    }
    // The checker sees what it should: the kernel's dependencies, and a name re-exported by
    // lib.rs resolved to the file that defines it.
    assert!(edges["tiles"].contains("kernel") && edges["tiles"].contains("backend"));
    assert!(edges["backend"].contains("backend::avx2") || !cfg!(target_arch = "x86_64"));
    assert!(
        edges["filter"].contains("error"),
        "crate::Error is error.rs"
    );
}
