#![allow(clippy::expect_used)] // A build script fails the build on purpose, with the reason.

//! Generates the registry of guideline rules from the rule files under `src/rules/<family>/`.
//!
//! A rule is one file: its declaration (YAML, in `declare_rule!`) and its check. Listing the
//! files here, rather than by hand, is what lets a new rule touch nothing but its own file (and
//! the generated docs). Three files are written to `OUT_DIR`, all sorted by code, one for each
//! layer of the core that needs a part of the rules: `rule_codes.rs` (code and name, for the
//! diagnostics table), `rule_declarations.rs` (the YAML, for the knowledge base) and
//! `rule_registry.rs` (the modules and their checks, for the rule pack).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

struct RuleFile {
    code: String,
    name: String,
    module: String,
    path: PathBuf,
    /// Path relative to the crate, for messages.
    shown: String,
    declaration: String,
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let rules_dir = manifest.join("src/rules");
    println!("cargo::rerun-if-changed=src/rules");
    let mut rules = Vec::new();
    let mut families: Vec<PathBuf> = read_dir(&rules_dir)
        .into_iter()
        .filter(|p| p.is_dir())
        .collect();
    families.sort();
    for family in families {
        let family_name = file_stem(&family);
        let mut files: Vec<PathBuf> = read_dir(&family)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .collect();
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path).expect("rule file is readable");
            let field = |key: &str| {
                text.lines()
                    .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_owned()))
                    .unwrap_or_else(|| {
                        panic!("{}: no `{key}` line in the declaration", path.display())
                    })
            };
            let declaration = declaration(&text)
                .unwrap_or_else(|| panic!("{}: no `declare_rule!(r#\"…\"#);`", path.display()));
            rules.push(RuleFile {
                code: field("code: "),
                name: field("name: "),
                module: format!("{family_name}_{}", file_stem(&path)),
                shown: path
                    .strip_prefix(&manifest)
                    .unwrap_or(&path)
                    .display()
                    .to_string(),
                path,
                declaration,
            });
        }
    }
    rules.sort_by(|a, b| a.code.cmp(&b.code));
    for pair in rules.windows(2) {
        assert!(
            pair[0].code != pair[1].code,
            "two rule files declare {}",
            pair[0].code
        );
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    let mut codes = String::from("pub(crate) const RULE_CODES: &[(&str, &str)] = &[\n");
    let mut declarations =
        String::from("pub(crate) const RULE_DECLARATIONS: &[(&str, &str)] = &[\n");
    let mut registry = String::new();
    for r in &rules {
        writeln!(codes, "    ({:?}, {:?}),", r.code, r.name).expect("write to string");
        writeln!(declarations, "    ({:?}, {:?}),", r.shown, r.declaration)
            .expect("write to string");
        writeln!(
            registry,
            "#[path = {:?}]\nmod {};",
            r.path.display().to_string(),
            r.module
        )
        .expect("write to string");
    }
    codes.push_str("];\n");
    declarations.push_str("];\n");
    registry.push_str(
        "\n/// Every rule, in code order (the order of [`crate::diagnostics::RuleId`]).\n",
    );
    registry.push_str("pub(crate) static REGISTRY: &[RuleImpl] = &[\n");
    for r in &rules {
        writeln!(
            registry,
            "    RuleImpl {{ check: {m}::check }},",
            m = r.module
        )
        .expect("write to string");
    }
    registry.push_str("];\n");
    std::fs::write(out.join("rule_codes.rs"), codes).expect("OUT_DIR is writable");
    std::fs::write(out.join("rule_declarations.rs"), declarations).expect("OUT_DIR is writable");
    std::fs::write(out.join("rule_registry.rs"), registry).expect("OUT_DIR is writable");
}

/// The YAML between `declare_rule!(r#"` and `"#);`.
fn declaration(text: &str) -> Option<String> {
    let start = text.find("declare_rule!(r#\"")? + "declare_rule!(r#\"".len();
    let end = start + text[start..].find("\"#);")?;
    Some(text[start..end].to_owned())
}

fn read_dir(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default()
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}
