//! The `sansho` binary end to end: real files, real process, exit codes and output.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly on purpose.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn sansho() -> Command {
    let mut cmd = Command::cargo_bin("sansho").unwrap();
    cmd.env("NO_COLOR", "1");
    cmd
}

fn example() -> String {
    repo()
        .join("examples/ehr-saas/sansho.yaml")
        .to_string_lossy()
        .into_owned()
}

fn stdout(cmd: &mut Command) -> (i32, String, String) {
    let output = cmd.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn assess_prints_a_japanese_summary_of_the_example() {
    let (code, out, _) = stdout(sansho().args(["assess", &example()]));
    assert_eq!(code, 0);
    assert!(out.contains("リスクアセスメント結果"), "{out}");
    assert!(out.contains("さくらクラウドカルテ"));
    assert!(
        out.contains("sansho 既定のマトリクス"),
        "every output names the matrix source"
    );
    for rank in ["S", "A", "B", "C", "D"] {
        assert!(
            out.lines().any(|l| l.trim_start().starts_with(rank)),
            "rank {rank} row missing"
        );
    }
    assert!(out.contains("上位のリスク"));
}

#[test]
fn assess_speaks_english_on_request() {
    let (code, out, _) = stdout(sansho().args(["assess", &example(), "--lang", "en"]));
    assert_eq!(code, 0);
    assert!(
        out.contains("risk assessment") && out.contains("Highest risks"),
        "{out}"
    );
}

#[test]
fn json_output_validates_against_the_result_schema_from_sansho_schema() {
    let (code, json, _) = stdout(sansho().args(["assess", &example(), "--format", "json"]));
    assert_eq!(code, 0);
    let (_, schema, _) = stdout(sansho().args(["schema", "result"]));
    let instance: serde_json::Value = serde_json::from_str(&json).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&schema).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&instance));
    assert!(instance["flows"].as_array().unwrap().len() >= 30);
    assert!(
        instance["risks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["rank"].is_string() && r["id"].is_string())
    );
}

#[test]
fn output_to_a_fifo_is_written_into_and_the_fifo_stays() {
    // The same path as `-o /dev/null`: a special file must never be replaced by a rename.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("summary.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let (code, _, stderr) = stdout(sansho().args(["assess", &example(), "-o"]).arg(&fifo));
    assert_eq!(code, 0, "{stderr}");
    // Checked before joining: had the FIFO been replaced, the reader would wait forever.
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    let summary = reader.join().unwrap();
    assert!(summary.contains("リスク"), "{summary}");
}

#[test]
fn fail_on_sets_the_exit_code_by_remaining_rank() {
    // The example treats every S risk but leaves some A risks.
    let (code, _, _) = stdout(sansho().args(["assess", &example(), "--fail-on", "S"]));
    assert_eq!(code, 0);
    let (code, _, err) = stdout(sansho().args(["assess", &example(), "--fail-on", "A"]));
    assert_eq!(code, 1);
    assert!(err.contains("--fail-on A"), "{err}");
    let (code, _, err) = stdout(sansho().args(["assess", &example(), "--fail-on", "Z"]));
    assert_eq!(code, 2, "{err}");
}

#[test]
fn broken_models_exit_2_and_point_into_the_file() {
    let broken = repo().join("crates/sansho-core/tests/broken/unknown-key-nested.yaml");
    let (code, out, err) =
        stdout(sansho().args(["assess", &broken.to_string_lossy(), "--lang", "en"]));
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("unknown-key-nested.yaml:33:5"), "{err}");
    assert!(err.contains("unknown key `nmae`"), "{err}");
    assert!(err.contains("did you mean `name`?"), "{err}");
    let (code, _, err) = stdout(sansho().args(["check", &broken.to_string_lossy()]));
    assert_eq!(code, 2);
    assert!(err.contains("不明なキー"), "{err}");
}

#[test]
fn missing_model_file_is_a_clear_error() {
    let (code, _, err) = stdout(sansho().args(["assess", "no-such-model.yaml", "--lang", "en"]));
    assert_eq!(code, 2);
    assert!(
        err.contains("no-such-model.yaml") && err.contains("not found"),
        "{err}"
    );
}

#[test]
fn init_writes_a_starter_that_assesses_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, _) = stdout(sansho().current_dir(dir.path()).args(["init"]));
    assert_eq!(code, 0);
    let (code, out, err) = stdout(
        sansho()
            .current_dir(dir.path())
            .args(["check", "sansho.yaml"]),
    );
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = stdout(
        sansho()
            .current_dir(dir.path())
            .args(["assess", "sansho.yaml"]),
    );
    assert_eq!(code, 0);
    // A new user starts from green: no error and no warning of any kind.
    assert!(
        out.contains("ガイドライン指摘: エラー 0 / 警告 0")
            && out.contains("リスク対応の指摘: エラー 0 / 警告 0"),
        "{out}"
    );
    insta::assert_snapshot!("starter_summary", out);
    // Its decisions name several controls for every threat of a step; the explanation of a
    // ransomware risk says which of them do not apply to it, and why.
    let (code, out, _) = stdout(sansho().current_dir(dir.path()).args([
        "explain",
        "OP-APP-01/entry/ehr-terminal/T4",
        "sansho.yaml",
    ]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("対策 C-EDR "), "{out}");
    assert!(
        out.contains("対策 C-MFA は決定に挙げられていますが、T4 に効く対策として宣言されていないため、このリスクには適用していません"),
        "{out}"
    );
    // A second init refuses to overwrite.
    let (code, _, err) = stdout(sansho().current_dir(dir.path()).args(["init"]));
    assert_eq!(code, 2);
    assert!(err.contains("already exists"), "{err}");
}

#[test]
fn explain_prints_the_trace_of_a_risk() {
    let (code, out, _) =
        stdout(sansho().args(["explain", "OP-APP-01/entry/waiting-tablet/T1", &example()]));
    assert_eq!(code, 0, "{out}");
    for needle in [
        "顕在化率",
        "影響度",
        "LK-PUBLIC-AREA",
        "TR-ENTRY-ACCESS",
        "残存リスク",
        "ランク",
    ] {
        assert!(out.contains(needle), "missing {needle} in\n{out}");
    }
}

#[test]
fn explain_suggests_the_closest_risk_id() {
    let (code, _, err) = stdout(sansho().args([
        "explain",
        "OP-APP-01/entry/waiting-tablet/T2",
        &example(),
        "--lang",
        "en",
    ]));
    assert_eq!(code, 2);
    assert!(
        err.contains("did you mean `OP-APP-01/entry/waiting-tablet/T"),
        "{err}"
    );
}

#[test]
fn explain_knows_codes_rules_threats_and_facts() {
    for (id, needle) in [
        ("P001", "untreated-risk"),
        ("LK-MULTI-FACTOR", "shift -1"),
        ("T4", "ランサムウェア"),
        ("auth_multi_factor", "two or more"),
    ] {
        let (code, out, _) = stdout(sansho().args(["explain", id]));
        assert_eq!(code, 0, "{id}");
        assert!(out.contains(needle), "{id}: {out}");
    }
}

#[test]
fn schema_kb_and_version_commands_work() {
    for which in ["model", "kb", "result"] {
        let (code, out, _) = stdout(sansho().args(["schema", which]));
        assert_eq!(code, 0);
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(value["$schema"], "http://json-schema.org/draft-07/schema#");
    }
    let (code, out, _) = stdout(sansho().args(["kb", "matrix"]));
    assert_eq!(code, 0);
    assert!(out.contains("5                   C  B  A  S  S"), "{out}");
    let (code, out, _) = stdout(sansho().args(["kb", "threats", "--format", "json"]));
    assert_eq!(code, 0);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        11
    );
}

#[test]
fn kb_overrides_change_the_assessment_and_bad_overrides_point_into_their_file() {
    let dir = tempfile::tempdir().unwrap();
    let strict = dir.path().join("strict.yaml");
    // A stricter matrix: every cell S.
    let rows = (1..=5)
        .map(|i| format!("    {i}: [S, S, S, S, S]\n"))
        .collect::<String>();
    std::fs::write(
        &strict,
        format!("matrix:\n  source: {{ja: 社内基準, en: in-house matrix}}\n  rows:\n{rows}  policy:\n{}", policy()),
    )
    .unwrap();
    let (code, out, err) = stdout(sansho().args([
        "assess",
        &example(),
        "--kb",
        &strict.to_string_lossy(),
        "--fail-on",
        "S",
    ]));
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("社内基準"));

    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "threats:\n  - id: T1\n    nmae: x\n").unwrap();
    let (code, _, err) = stdout(sansho().args([
        "assess",
        &example(),
        "--kb",
        &bad.to_string_lossy(),
        "--lang",
        "en",
    ]));
    assert_eq!(code, 2);
    assert!(
        err.contains("bad.yaml:3:5") && err.contains("unknown key `nmae`"),
        "{err}"
    );
}

fn policy() -> String {
    ["S", "A", "B", "C", "D"]
        .iter()
        .map(|r| format!("    - {{rank: {r}, treatment: required, min_controls: 1, description: {{ja: 対応, en: treat}}}}\n"))
        .collect()
}

#[test]
fn rules_lists_every_rule_with_clauses_and_explain_documents_each() {
    let (code, out, _) = stdout(sansho().args(["rules"]));
    assert_eq!(code, 0);
    let (_, json, _) = stdout(sansho().args(["rules", "--format", "json"]));
    let rules: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert!(rules.len() >= 40);
    for rule in &rules {
        let id = rule["code"].as_str().unwrap();
        assert!(out.contains(id), "{id} missing from `sansho rules`");
        let first_reference = rule["sources"][0]["clause"].as_str().unwrap();
        assert!(
            out.contains(first_reference),
            "{id}: clause {first_reference} not listed"
        );
        let (code, text, _) = stdout(sansho().args(["explain", id, "--lang", "en"]));
        assert_eq!(code, 0, "{id}");
        for section in [
            "What it checks",
            "Why it matters",
            "How to fix it",
            "Example",
            "a fragment that fires",
            "Sources",
            first_reference,
        ] {
            assert!(text.contains(section), "{id}: `{section}` missing");
        }
    }
}

#[test]
fn rule_findings_appear_in_text_and_json_and_count_for_fail_on() {
    let (_, out, _) = stdout(sansho().args(["assess", &example()]));
    assert!(
        out.contains("[AUTH001]") && out.contains("reception-terminal"),
        "{out}"
    );
    let (_, json, _) = stdout(sansho().args(["assess", &example(), "--format", "json"]));
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let auth = value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "AUTH001")
        .unwrap();
    assert_eq!(auth["element"], "reception-terminal");
    assert_eq!(auth["rank"], "A");
    assert!(
        auth["references"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().starts_with("PGL-1.1 5.1.5"))
    );
    // The example treats every S risk, so only its rank-A rule findings and risks fail `--fail-on A`;
    // `--fail-on S` passes because no rule finding ranks S.
    let (code, _, _) = stdout(sansho().args(["assess", &example(), "--fail-on", "S"]));
    assert_eq!(code, 0);
}

#[test]
fn report_writes_every_format_and_diff_compares_versions() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (code, listed, err) =
        stdout(sansho().args(["report", &example(), "--out", &out.to_string_lossy()]));
    assert_eq!(code, 0, "{err}");
    for name in [
        "sansho-report.xlsx",
        "sansho-report.html",
        "sansho-report.md",
        "sansho-result.json",
        "sansho.sarif",
        "configuration.svg",
        "flows-operation.mmd",
    ] {
        assert!(out.join(name).exists(), "{name} not written");
        assert!(listed.contains(name));
    }
    // Reports are ordinary files: the mode `File::create` gives (umask applied), not the
    // private mode of the temporary file they were written to.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let plain = dir.path().join("plain");
        std::fs::File::create(&plain).unwrap();
        assert_eq!(mode(&out.join("sansho-report.html")), mode(&plain));
        assert_eq!(mode(&out.join(".sansho-report")), mode(&plain));
    }
    let only = dir.path().join("only");
    let (code, _, _) = stdout(sansho().args([
        "report",
        &example(),
        "--out",
        &only.to_string_lossy(),
        "--formats",
        "markdown,sarif",
    ]));
    assert_eq!(code, 0);
    let mut written: Vec<String> = std::fs::read_dir(&only)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(
        written,
        [".sansho-report", "sansho-report.md", "sansho.sarif"]
    );
    // The PDF: a font file that cannot be read is named, and nothing is written.
    let missing = dir.path().join("no-such-font.ttf");
    let (code, _, err) = stdout(sansho().args([
        "report",
        &example(),
        "--out",
        &only.to_string_lossy(),
        "--formats",
        "pdf",
        "--font",
        &missing.to_string_lossy(),
    ]));
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("no-such-font.ttf"), "{err}");
    assert!(!only.join("sansho-report.pdf").exists());
    // Without --font, the system's Japanese font is found (scripts/test.sh installs one).
    let small = dir.path().join("small.yaml");
    std::fs::write(&small, sansho_gen::hospital(5)).unwrap();
    let pdf_dir = dir.path().join("pdf");
    let (code, _, err) = stdout(sansho().args([
        "report",
        &small.to_string_lossy(),
        "--out",
        &pdf_dir.to_string_lossy(),
        "--formats",
        "pdf",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(
        std::fs::read(pdf_dir.join("sansho-report.pdf"))
            .unwrap()
            .starts_with(b"%PDF-")
    );

    // Same model twice: nothing to re-agree; a changed copy: re-agreement needed.
    let json = out.join("sansho-result.json");
    let (code, text, _) = stdout(sansho().args([
        "diff",
        &json.to_string_lossy(),
        &example(),
        "--lang",
        "en",
        "--fail-on-change",
    ]));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("no change requires re-agreement"));
    let changed = dir.path().join("changed");
    std::fs::create_dir(&changed).unwrap();
    for entry in std::fs::read_dir(repo().join("examples/ehr-saas")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, changed.join(path.file_name().unwrap())).unwrap();
    }
    let sites = changed.join("sites.yaml");
    let text = std::fs::read_to_string(&sites).unwrap().replacen(
        "authentication: [password, ic_card]",
        "authentication: [password]",
        1,
    );
    std::fs::write(&sites, text).unwrap();
    let (code, report, _) = stdout(sansho().args([
        "diff",
        &example(),
        &changed.join("sansho.yaml").to_string_lossy(),
        "--lang",
        "en",
        "--fail-on-change",
    ]));
    assert_eq!(code, 1, "{report}");
    assert!(
        report.contains("re-agreement") && report.contains("~ "),
        "{report}"
    );
    let (code, html, _) = stdout(sansho().args([
        "diff",
        &example(),
        &changed.join("sansho.yaml").to_string_lossy(),
        "--format",
        "html",
    ]));
    assert_eq!(code, 0);
    assert!(html.starts_with("<!DOCTYPE html>"));
}

/// Lines a running `sansho watch` prints, read on a thread so the test can wait with a limit.
struct Watching {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Watching {
    fn start(model: &Path) -> Watching {
        use std::io::BufRead;
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("sansho"))
            .args(["watch", &model.to_string_lossy()])
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Watching { child, lines }
    }

    /// Output up to and including the first line containing `marker`.
    fn until(&self, marker: &str) -> String {
        let mut seen = String::new();
        loop {
            let line = self
                .lines
                .recv_timeout(std::time::Duration::from_secs(30))
                .unwrap_or_else(|_| panic!("no line with {marker:?} within 30 s; saw:\n{seen}"));
            seen.push_str(&line);
            seen.push('\n');
            if line.contains(marker) {
                return seen;
            }
        }
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn watch_reassesses_on_save_and_reports_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let source = repo().join("examples/ehr-saas");
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    let sites = dir.path().join("sites.yaml");
    let original = std::fs::read_to_string(&sites).unwrap();
    let watching = Watching::start(&dir.path().join("sansho.yaml"));
    let first = watching.until("保存されるたびに再評価します");
    assert!(first.contains("情報流 63 / リスク 1022"), "{first}");

    // The waiting-room tablet is put on the internet: its risks rise and need treatment.
    let exposed = original.replacen("exposure: internal", "exposure: internet", 1);
    assert_ne!(exposed, original);
    std::fs::write(&sites, &exposed).unwrap();
    let change = watching.until("再合意が必要な変更です");
    assert!(change.contains("sites.yaml が変更されました"), "{change}");
    assert!(change.contains("ランクが変わったリスク"), "{change}");
    assert!(change.contains("C→B"), "{change}");

    // A broken save is reported, and the next good save is compared with the last good one.
    std::fs::write(&sites, exposed.replacen("exposure:", "exposur:", 1)).unwrap();
    let broken = watching.until("モデルを読めません");
    assert!(broken.contains("sites.yaml が変更されました"), "{broken}");
    std::fs::write(&sites, &original).unwrap();
    let back = watching.until("再合意が必要な変更です");
    assert!(back.contains("B→C") || back.contains("A→B"), "{back}");
}

#[test]
fn watch_notices_a_save_that_renames_a_new_file_into_place() {
    // Editors that save safely write a new file and rename it over the old one: no write to the
    // watched file, only a rename into its name.
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("sansho.yaml");
    let starter =
        std::fs::read_to_string(repo().join("crates/sansho/templates/starter.yaml")).unwrap();
    std::fs::write(&model, &starter).unwrap();
    let watching = Watching::start(&model);
    watching.until("保存されるたびに再評価します");
    let exposed = starter.replacen("exposure: internal", "exposure: internet", 1);
    assert_ne!(exposed, starter);
    let written = dir.path().join(".sansho.yaml.swp");
    std::fs::write(&written, &exposed).unwrap();
    std::fs::rename(&written, &model).unwrap();
    let changed = watching.until("再合意が必要な変更です");
    assert!(
        changed.contains("sansho.yaml が変更されました"),
        "{changed}"
    );
    assert!(changed.contains("ランクが変わったリスク"), "{changed}");
}

#[test]
fn watch_notices_an_include_that_appears_later() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("sansho.yaml");
    let starter =
        std::fs::read_to_string(repo().join("crates/sansho/templates/starter.yaml")).unwrap();
    std::fs::write(&model, format!("{starter}include: [later/extra.yaml]\n")).unwrap();
    let watching = Watching::start(&model);
    watching.until("モデルを読めません");
    // The directory and the file appear: both are noticed, though neither existed when watching
    // began.
    std::fs::create_dir(dir.path().join("later")).unwrap();
    std::fs::write(dir.path().join("later/extra.yaml"), "{}\n").unwrap();
    let loaded = watching.until("保存されるたびに再評価します");
    assert!(loaded.contains("評価しました"), "{loaded}");
}

#[test]
fn watch_follows_a_directory_that_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("model");
    std::fs::create_dir(&folder).unwrap();
    let starter =
        std::fs::read_to_string(repo().join("crates/sansho/templates/starter.yaml")).unwrap();
    std::fs::write(folder.join("sansho.yaml"), &starter).unwrap();
    let watching = Watching::start(&folder.join("sansho.yaml"));
    watching.until("保存されるたびに再評価します");
    // A checkout or a restore: the directory goes away and comes back with other contents.
    std::fs::rename(&folder, dir.path().join("old")).unwrap();
    std::fs::create_dir(&folder).unwrap();
    let exposed = starter.replacen("exposure: internal", "exposure: internet", 1);
    assert_ne!(exposed, starter);
    std::fs::write(folder.join("sansho.yaml"), &exposed).unwrap();
    let changed = watching.until("再合意が必要な変更です");
    assert!(changed.contains("ランクが変わったリスク"), "{changed}");
    // And it keeps watching the new directory.
    std::fs::write(folder.join("sansho.yaml"), &starter).unwrap();
    watching.until("OP-APP-01/entry/ehr-terminal/T1 A→B");
}

/// Sets cells of one sheet of a workbook, as the institution's spreadsheet application would when
/// it fills in the review columns: `(row, column letters, text)`.
fn fill_workbook(path: &Path, sheet_name: &str, cells: &[(u32, &str, &str)]) {
    use std::io::{Read, Write};
    let bytes = std::fs::read(path).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut workbook = String::new();
    archive
        .by_name("xl/workbook.xml")
        .unwrap()
        .read_to_string(&mut workbook)
        .unwrap();
    // Sheets are numbered in workbook order: `sheetN.xml` is the Nth `<sheet>`.
    let index = workbook
        .split("<sheet ")
        .skip(1)
        .position(|s| s.starts_with(&format!("name=\"{sheet_name}\"")))
        .unwrap()
        + 1;
    let target = format!("xl/worksheets/sheet{index}.xml");
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let name = file.name().unwrap().into_owned();
        let mut content = Vec::new();
        file.read_to_end(&mut content).unwrap();
        if name == target {
            let mut xml = String::from_utf8(content).unwrap();
            for (row, column, text) in cells {
                let row_start = xml.find(&format!("<row r=\"{row}\"")).unwrap();
                let row_end = row_start + xml[row_start..].find("</row>").unwrap();
                xml.insert_str(
                    row_end,
                    &format!("<c r=\"{column}{row}\" t=\"inlineStr\"><is><t>{text}</t></is></c>"),
                );
            }
            content = xml.into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&content).unwrap();
    }
    std::fs::write(path, out.finish().unwrap().into_inner()).unwrap();
}

#[test]
fn review_import_reads_the_institutions_answers_and_spots_another_version() {
    let dir = tempfile::tempdir().unwrap();
    let model_dir = dir.path().join("model");
    copy_dir(&repo().join("examples/ehr-saas"), &model_dir);
    let model = model_dir.join("sansho.yaml");
    let out = dir.path().join("out");
    let (code, _, err) = stdout(sansho().args([
        "report",
        model.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--formats",
        "xlsx,json",
    ]));
    assert_eq!(code, 0, "{err}");
    let result: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("sansho-result.json")).unwrap()).unwrap();
    let listed: Vec<&str> = result["risks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !r["treatment"].is_null() || r["treatment_need"] != "not_required")
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    // Rows 2, 3 and 4 of リスク対応一覧 are the first three listed risks; column N is
    // 医療機関の確認, O its comment.
    let workbook = out.join("sansho-report.xlsx");
    fill_workbook(
        &workbook,
        "リスク対応一覧",
        &[
            (2, "N", "合意"),
            (3, "N", "要協議"),
            (3, "O", "夜間の連絡先を確認したい"),
            (4, "N", "差戻し"),
        ],
    );
    let (code, text, err) = stdout(sansho().args([
        "review",
        "import",
        workbook.to_str().unwrap(),
        model.to_str().unwrap(),
    ]));
    assert_eq!(code, 0, "{text}{err}");
    assert!(!text.contains("注意"), "{text}");
    assert!(
        text.contains(&format!("合意: 1\n  {}  (リスク対応一覧!A2)", listed[0])),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "要協議: 1\n  {}  (リスク対応一覧!A3)  — 夜間の連絡先を確認したい",
            listed[1]
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("差戻し: 1\n  {}", listed[2])),
        "{text}"
    );
    assert!(
        text.contains(&format!("未回答: {}", listed.len() - 3)),
        "{text}"
    );

    // The model changes (a decision is dropped): the workbook is for another version.
    let decisions = model_dir.join("decisions.yaml");
    let edited = std::fs::read_to_string(&decisions).unwrap().replacen(
        "treatment: accept",
        "treatment: reduce",
        1,
    );
    std::fs::write(&decisions, edited).unwrap();
    let (code, json, err) = stdout(sansho().args([
        "review",
        "import",
        workbook.to_str().unwrap(),
        model.to_str().unwrap(),
        "--format",
        "json",
    ]));
    assert_eq!(code, 1, "{json}{err}");
    let import: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(import["same_version"], false);
    assert_eq!(import["agreed"][0]["risk"], listed[0]);
    assert_eq!(import["discuss"][0]["comment"], "夜間の連絡先を確認したい");

    // A value that is not one of the three answers is named by its cell, and nothing is read.
    fill_workbook(&workbook, "リスク対応一覧", &[(5, "N", "たぶん")]);
    let (code, _, err) = stdout(sansho().args([
        "review",
        "import",
        workbook.to_str().unwrap(),
        model.to_str().unwrap(),
    ]));
    assert_eq!(code, 2);
    assert!(
        err.contains("リスク対応一覧!N5 の「たぶん」は確認結果ではありません"),
        "{err}"
    );

    // Not a workbook at all.
    let (code, _, err) = stdout(sansho().args([
        "review",
        "import",
        model.to_str().unwrap(),
        model.to_str().unwrap(),
    ]));
    assert_eq!(code, 2);
    assert!(
        err.contains("Excel ブック (.xlsx) として読めません"),
        "{err}"
    );
}

/// Copies a flat directory (the bundled example) so a test may edit it.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// `--facts`: the operational records the server exports feed the assessment; a file that is
/// not one says so, in Japanese by default, and nothing is assessed.
#[test]
fn facts_from_the_records_feed_the_assessment() {
    let (code, out, _) = stdout(sansho().args(["assess", &example(), "--format", "json"]));
    assert_eq!(code, 0);
    let result: serde_json::Value = serde_json::from_str(&out).unwrap();
    let risk = result["risks"][0]["id"].as_str().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let facts = dir.path().join("facts.json");
    std::fs::write(
        &facts,
        serde_json::json!({
            "format": 1,
            "source": "さくらクラウドカルテ · テスト診療所",
            "as_of": "2026-11-30",
            "inventories": [{"asset": "retired-laptop", "counted_on": "2026-11-02"}],
            "drills": [{"scenario": "outage", "held_on": "2026-11-20"}],
            "incidents": [{"id": "inc-1", "title": "受付端末の盗み見", "detected_on": "2026-11-10",
                           "harms": ["confidentiality"], "risks": [risk], "closed": false}],
        })
        .to_string(),
    )
    .unwrap();
    let facts = facts.to_string_lossy().into_owned();
    let (code, out, err) =
        stdout(sansho().args(["assess", &example(), "--format", "json", "--facts", &facts]));
    assert_eq!(code, 0, "{err}");
    let result: serde_json::Value = serde_json::from_str(&out).unwrap();
    let materialised = result["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "P011")
        .expect("the incident's risk is named");
    assert_eq!(materialised["element"], risk.as_str());
    assert!(
        err.contains("M032") && err.contains("retired-laptop") && err.contains("テスト診療所"),
        "the asset the model does not have is reported: {err}"
    );

    let wrong = dir.path().join("wrong.json");
    std::fs::write(
        &wrong,
        r#"{"format": 1, "source": "x", "as_of": "2026-13-01"}"#,
    )
    .unwrap();
    let (code, out, err) =
        stdout(sansho().args(["assess", &example(), "--facts", &wrong.to_string_lossy()]));
    assert_ne!(code, 0);
    assert!(out.is_empty());
    assert!(
        err.contains("wrong.json") && err.contains("\"2026-13-01\" は日付"),
        "{err}"
    );
}
