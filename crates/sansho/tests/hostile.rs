//! Hostile input, generated: wide lines, many errors, deep nesting, alias bombs, devices, FIFOs,
//! symbolic-link loops, paths out of the model's directory, outputs in the way, a full disk.
//! Every case runs the real binary under a time limit and an address-space limit, and checks
//! the exact exit code and the message that names the file, line and column.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly on purpose.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Address space each run may use: well above what any case needs, far below what an
/// unbounded one would take.
const ADDRESS_SPACE_KB: u64 = 2 * 1024 * 1024;
/// Time each run may take; a FIFO opened for reading would block forever.
const TIME_LIMIT: Duration = Duration::from_secs(120);

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `sansho ARGS` in `cwd` under the limits.
fn sansho_in(cwd: &Path, args: &[&str]) -> Run {
    let binary = assert_cmd::cargo::cargo_bin("sansho");
    let mut script = format!("ulimit -v {ADDRESS_SPACE_KB}; exec '{}'", binary.display());
    for arg in args {
        script.push_str(&format!(" '{}'", arg.replace('\'', r"'\''")));
    }
    let mut command = Command::new("bash");
    command
        .args(["-c", &script])
        .current_dir(cwd)
        .env("NO_COLOR", "1");
    let output = assert_cmd::Command::from_std(command)
        .timeout(TIME_LIMIT)
        .output()
        .unwrap();
    let code = output.status.code().unwrap_or(-1);
    assert_ne!(
        code,
        101,
        "sansho panicked: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Run {
        code,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn sansho(args: &[&str]) -> Run {
    sansho_in(&std::env::temp_dir(), args)
}

fn starter() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/starter.yaml"))
        .unwrap()
}

/// A directory holding the starter model as `sansho.yaml`, with `extra` appended.
fn model_dir(extra: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m");
    std::fs::create_dir(&model).unwrap();
    std::fs::write(model.join("sansho.yaml"), format!("{}{extra}", starter())).unwrap();
    let entry = model.join("sansho.yaml");
    (dir, entry)
}

fn s(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

#[test]
fn a_model_saved_as_one_wide_line_with_a_typo_is_reported_in_a_bounded_window() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.json");
    let name = "名".repeat(400_000);
    let text = format!(
        "{{\"sansho\": 1, \"system\": {{\"id\": \"s\", \"name\": \"{name}\", \"nmae\": \"x\", \"provider\": \"p\", \"editions\": [\"PGL-1.1\"]}}}}"
    );
    std::fs::write(&path, &text).unwrap();
    let run = sansho(&["check", &s(&path)]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let column = text[..text.find("\"nmae\"").unwrap()].chars().count() + 1;
    assert!(
        run.stderr.contains(&format!("wide.json:1:{column}")),
        "{}",
        &run.stderr[..run.stderr.len().min(2_000)]
    );
    assert!(run.stderr.contains("M005"));
    assert!(
        run.stderr.len() < 16_000,
        "{} bytes of output",
        run.stderr.len()
    );
}

#[test]
fn many_errors_are_drawn_fifty_per_file_and_all_are_listed_in_json() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.yaml");
    let mut text = String::from(
        "sansho: 1\nsystem:\n  id: s\n  name: n\n  provider: p\n  editions: [PGL-1.1]\norganizations:\n",
    );
    for i in 0..3_000 {
        text.push_str(&format!("  - {{id: o{i}, nmae: x, role: provider}}\n"));
    }
    std::fs::write(&path, &text).unwrap();
    let run = sansho(&["check", &s(&path), "--lang", "en"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("… 2950 more problems in"),
        "{}",
        &run.stderr[run.stderr.len().saturating_sub(500)..]
    );
    assert!(run.stderr.len() < 64_000, "{} bytes", run.stderr.len());
    let json = sansho(&["check", &s(&path), "--format", "json"]);
    assert_eq!(json.code, 2);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["valid"], false);
    let all = report["diagnostics"].as_array().unwrap();
    assert_eq!(all.len(), 3_000);
    assert!(all.iter().all(|d| d["code"] == "M005"));
    assert_eq!(all[2_999]["span"]["line"], 3_007);
}

#[test]
fn millions_of_mistakes_are_counted_not_listed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("worst.yaml");
    let mut text = String::from(
        "sansho: 1\nsystem:\n  id: s\n  name: n\n  provider: p\n  editions: [PGL-1.1]\norganizations:\n",
    );
    text.push_str(&"  - {nmae: 1}\n".repeat(30_000));
    std::fs::write(&path, &text).unwrap();
    let json = sansho(&["check", &s(&path), "--format", "json"]);
    assert_eq!(json.code, 2, "{}", json.stderr);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let all = report["diagnostics"].as_array().unwrap();
    assert!(all.len() <= 10_010, "{}", all.len());
    assert!(
        all.iter().any(|d| d["code"] == "M030"),
        "the rest is said to exist"
    );
}

#[test]
fn deep_nesting_and_alias_bombs_stop_at_the_limits() {
    let dir = tempfile::tempdir().unwrap();
    let deep = dir.path().join("deep.yaml");
    std::fs::write(
        &deep,
        format!("a: {}1{}\n", "[".repeat(10_000), "]".repeat(10_000)),
    )
    .unwrap();
    let run = sansho(&["check", &s(&deep), "--lang", "en"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("M004") && run.stderr.contains("deep.yaml:1:"),
        "{}",
        run.stderr
    );

    let bomb = dir.path().join("bomb.yaml");
    let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (i, prev) in ["b", "c", "d", "e", "f", "g", "h", "i"]
        .iter()
        .zip(["a", "b", "c", "d", "e", "f", "g", "h"])
    {
        text.push_str(&format!(
            "{i}: &{i} [{}]\n",
            vec![format!("*{prev}"); 10].join(", ")
        ));
    }
    std::fs::write(&bomb, text).unwrap();
    let run = sansho(&["check", &s(&bomb), "--lang", "en"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("M004"), "{}", run.stderr);
}

#[test]
fn includes_outside_the_model_directory_are_refused_and_never_echoed() {
    let (dir, entry) = model_dir("include: [../secret.yaml, /etc/passwd, link.yaml]\n");
    std::fs::write(dir.path().join("secret.yaml"), "SECRET-MARKER: 1\n").unwrap();
    symlink(
        dir.path().join("secret.yaml"),
        dir.path().join("m/link.yaml"),
    )
    .unwrap();
    let run = sansho(&["check", &s(&entry), "--lang", "en"]);
    assert_eq!(run.code, 2);
    assert!(!run.stderr.contains("SECRET-MARKER") && !run.stderr.contains("root:"));
    let starter_lines = starter().lines().count() + 1;
    for (column, text) in [
        (
            11,
            "include `../secret.yaml` is outside the model's directory",
        ),
        (27, "include `/etc/passwd` is outside the model's directory"),
    ] {
        assert!(
            run.stderr.contains(text)
                && run
                    .stderr
                    .contains(&format!("sansho.yaml:{starter_lines}:{column}")),
            "{text} at {starter_lines}:{column} in\n{}",
            run.stderr
        );
    }
    assert!(
        run.stderr
            .contains("`link.yaml` leads outside the model's directory"),
        "{}",
        run.stderr
    );
    // Allowed explicitly, the shared directory may be read.
    let shared = dir.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::write(shared.join("extra.yaml"), "{}\n").unwrap();
    std::fs::write(
        &entry,
        format!("{}include: [../shared/extra.yaml]\n", starter()),
    )
    .unwrap();
    assert_eq!(sansho(&["check", &s(&entry)]).code, 2);
    let run = sansho(&["check", &s(&entry), "--include-root", &s(&shared)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn devices_fifos_directories_and_link_loops_are_refused_without_blocking() {
    let (dir, entry) = model_dir("include: [pipe.yaml, zero.yaml, folder.yaml, loop-a.yaml]\n");
    let m = dir.path().join("m");
    let made = Command::new("mkfifo")
        .arg(m.join("pipe.yaml"))
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo");
    symlink("/dev/zero", m.join("zero.yaml")).unwrap();
    std::fs::create_dir(m.join("folder.yaml")).unwrap();
    symlink(m.join("loop-b.yaml"), m.join("loop-a.yaml")).unwrap();
    symlink(m.join("loop-a.yaml"), m.join("loop-b.yaml")).unwrap();
    let run = sansho(&[
        "check",
        &s(&entry),
        "--lang",
        "en",
        "--include-root",
        "/dev",
    ]);
    assert_eq!(run.code, 2);
    for text in [
        "`pipe.yaml` is not a regular file (FIFO)",
        "`zero.yaml` is not a regular file (device)",
        "`folder.yaml` is not a regular file (directory)",
        "the symbolic links of `loop-a.yaml` form a loop",
    ] {
        assert!(
            run.stderr.contains(text),
            "{text} missing in\n{}",
            run.stderr
        );
    }
    // The same for inputs named on the command line.
    let pipe = s(&m.join("pipe.yaml"));
    let run = sansho(&["check", &s(&entry), "--kb", &pipe]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("not a regular file (FIFO)"),
        "{}",
        run.stderr
    );
    let fifo_json = m.join("old.json");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo_json)
            .status()
            .unwrap()
            .success()
    );
    let run = sansho(&["diff", &s(&fifo_json), &s(&entry)]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("not a regular file (FIFO)"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_path_with_two_leading_parents_names_that_file_from_any_directory() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("x");
    let cwd = dir.path().join("a/b");
    let decoy = cwd.join("x");
    std::fs::create_dir_all(&real).unwrap();
    std::fs::create_dir_all(&decoy).unwrap();
    let named = |name: &str| starter().replace("電子カルテサービス (例)", name);
    std::fs::write(real.join("sansho.yaml"), named("REAL-SYSTEM")).unwrap();
    std::fs::write(decoy.join("sansho.yaml"), named("DECOY-SYSTEM")).unwrap();
    let run = sansho_in(&cwd, &["assess", "../../x/sansho.yaml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("REAL-SYSTEM"), "{}", run.stdout);
}

#[test]
fn results_do_not_depend_on_the_working_directory() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/ehr-saas");
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("model");
    std::fs::create_dir(&copy).unwrap();
    for entry in std::fs::read_dir(&example).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, copy.join(path.file_name().unwrap())).unwrap();
    }
    let from_inside = sansho_in(&copy, &["assess", "sansho.yaml", "--format", "json"]);
    let from_above = sansho_in(
        dir.path(),
        &["assess", "model/sansho.yaml", "--format", "json"],
    );
    let absolute = sansho(&["assess", &s(&copy.join("sansho.yaml")), "--format", "json"]);
    assert_eq!(from_inside.code, 0, "{}", from_inside.stderr);
    assert_eq!(from_inside.stdout, from_above.stdout);
    assert_eq!(from_inside.stdout, absolute.stdout);
    let result: serde_json::Value = serde_json::from_str(&from_inside.stdout).unwrap();
    assert_eq!(result["files"][0], "sansho.yaml");
    assert!(
        !from_inside.stdout.contains(&s(dir.path())),
        "no machine path in the result"
    );
}

#[test]
fn knowledge_base_errors_point_into_the_file_that_has_them() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.yaml");
    let second = dir.path().join("second.yaml");
    std::fs::write(&first, "threats: []\n").unwrap();
    std::fs::write(
        &second,
        "# override\nthreats:\n  - id: X1\n    name: {ja: a, en: a}\n    description: {ja: a, en: a}\n    harms: [availability]\n    base_likelihood: 9\n",
    )
    .unwrap();
    let (_model_dir, entry) = model_dir("");
    let run = sansho(&[
        "check",
        &s(&entry),
        "--kb",
        &s(&first),
        "--kb",
        &s(&second),
        "--lang",
        "en",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("second.yaml:7:22")
            && run.stderr.contains("base_likelihood must be 1-5"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("Other("),
        "no debug text: {}",
        run.stderr
    );
}

#[test]
fn a_result_that_is_not_json_is_named_with_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("old.json");
    std::fs::write(&bad, "{\"risks\": [\n  oops\n]}").unwrap();
    let (_model_dir, entry) = model_dir("");
    let run = sansho(&["diff", &s(&bad), &s(&entry)]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("old.json is not a sansho JSON result (line 2, column 3"),
        "{}",
        run.stderr
    );
}

#[test]
fn outputs_in_the_way_are_refused_unless_forced() {
    let (dir, entry) = model_dir("");
    let target = dir.path().join("target.json");
    std::fs::write(&target, "keep me").unwrap();

    // A symbolic link as the output of `assess`: not written through.
    let link = dir.path().join("link.json");
    symlink(&target, &link).unwrap();
    let run = sansho(&[
        "assess",
        &s(&entry),
        "--format",
        "json",
        "--output",
        &s(&link),
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("is a symbolic link"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");

    // The report directory as a link, as a file, and with a file sansho did not write.
    let out_link = dir.path().join("out-link");
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    symlink(&out, &out_link).unwrap();
    let run = sansho(&[
        "report",
        &s(&entry),
        "--out",
        &s(&out_link),
        "--formats",
        "json",
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("is a symbolic link"), "{}", run.stderr);
    let run = sansho(&[
        "report",
        &s(&entry),
        "--out",
        &s(&target),
        "--formats",
        "json",
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("is not a directory"), "{}", run.stderr);
    std::fs::write(out.join("sansho-result.json"), "someone else's").unwrap();
    let run = sansho(&["report", &s(&entry), "--out", &s(&out), "--formats", "json"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("was not written by sansho"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(out.join("sansho-result.json")).unwrap(),
        "someone else's"
    );
    let run = sansho(&[
        "report",
        &s(&entry),
        "--out",
        &s(&out),
        "--formats",
        "json",
        "--force",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Written by sansho now: the next run replaces it without --force.
    let run = sansho(&["report", &s(&entry), "--out", &s(&out), "--formats", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn reports_are_the_same_bytes_from_the_same_model() {
    let (dir, entry) = model_dir("");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for out in [&a, &b] {
        let run = sansho(&["report", &s(&entry), "--out", &s(out)]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    for entry in std::fs::read_dir(&a).unwrap() {
        let name = entry.unwrap().file_name();
        let same = std::fs::read(a.join(&name)).unwrap() == std::fs::read(b.join(&name)).unwrap();
        assert!(same, "{name:?} differs between two runs");
    }
}

/// A small tmpfs, unmounted when dropped; `None` where this process may not mount.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(at).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .stderr(std::process::Stdio::null())
            .status()
            .ok()?
            .success();
        ok.then(|| Tmpfs(at.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_during_report_leaves_the_previous_reports_as_they_were() {
    let (dir, entry) = model_dir("");
    let Some(disk) = Tmpfs::mount(&dir.path().join("disk"), "6m") else {
        eprintln!(
            "SKIPPED a_full_disk_during_report_leaves_the_previous_reports_as_they_were: \
             cannot mount a tmpfs here (needs root); the atomic-write path is untested on this machine"
        );
        return;
    };
    let out = disk.0.join("out");
    let run = sansho(&["report", &s(&entry), "--out", &s(&out)]);
    assert_eq!(run.code, 0, "the first run must fit: {}", run.stderr);
    let before: Vec<(String, Vec<u8>)> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    // Fill the disk, then free a few kilobytes: far less than the workbook alone needs.
    {
        use std::io::Write;
        let mut file = std::fs::File::create(disk.0.join("filler")).unwrap();
        for size in [64 * 1024, 512] {
            let chunk = vec![b'x'; size];
            while file.write_all(&chunk).is_ok() {}
        }
        let len = file.metadata().unwrap().len();
        file.set_len(len.saturating_sub(8 * 1024)).unwrap();
    }

    let run = sansho(&["report", &s(&entry), "--out", &s(&out), "--lang", "en"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("no space left on the disk"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("cannot write"),
        "names the file: {}",
        run.stderr
    );
    for (name, bytes) in &before {
        assert_eq!(
            &std::fs::read(out.join(name)).unwrap(),
            bytes,
            "{name} changed"
        );
    }
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names.len(),
        before.len(),
        "temporary files left behind: {names:?}"
    );
}

#[test]
fn inputs_over_their_size_limit_are_refused_before_they_are_read() {
    let dir = tempfile::tempdir().unwrap();
    // Sparse files: their size is what is checked; nothing of them is read.
    let kb = dir.path().join("big-kb.yaml");
    std::fs::File::create(&kb)
        .unwrap()
        .set_len(64 * 1024 * 1024 + 1)
        .unwrap();
    let result = dir.path().join("big.json");
    std::fs::File::create(&result)
        .unwrap()
        .set_len((2 << 30) + 1)
        .unwrap();
    let (_model_dir, entry) = model_dir("");
    let run = sansho(&["check", &s(&entry), "--kb", &s(&kb)]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("big-kb.yaml is too large (67108865 bytes; the limit is 67108864)"),
        "{}",
        run.stderr
    );
    let run = sansho(&["diff", &s(&result), &s(&entry)]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("big.json is too large (2147483649 bytes; the limit is 2147483648)"),
        "{}",
        run.stderr
    );
    let model = dir.path().join("huge.yaml");
    std::fs::File::create(&model)
        .unwrap()
        .set_len(64 * 1024 * 1024 + 1)
        .unwrap();
    let run = sansho(&["check", &s(&model), "--lang", "en"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("M002") && run.stderr.contains("too large"),
        "{}",
        run.stderr
    );
}
