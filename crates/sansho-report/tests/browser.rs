//! End to end in a real browser: the HTML report opened in headless Chromium (Debian's package;
//! `scripts/test.sh` installs it). Checks the rendered DOM after the report's script ran, that
//! model strings containing markup show as text, and that the console stays free of errors.
//! Screenshots are written to the test's target directory for people to look at.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly on purpose.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use sansho_core::Lang;

fn chromium() -> PathBuf {
    for candidate in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = Command::new("which").arg(candidate).output()
            && out.status.success()
        {
            return PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        }
    }
    panic!(
        "headless Chromium is required for this test: run scripts/test.sh, which installs Debian's chromium"
    );
}

struct Run {
    dom: String,
    console_errors: Vec<String>,
}

/// Opens `page` in headless Chromium; returns the DOM after scripts ran and console errors.
fn open(page: &Path, screenshot: Option<&Path>) -> Run {
    open_in_window(page, screenshot, None)
}

/// [`open`], with the DOM laid out in a window `size` wide and high (Chromium's default else).
fn open_in_window(page: &Path, screenshot: Option<&Path>, size: Option<(u32, u32)>) -> Run {
    let profile = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=5000",
    ]
    .map(String::from)
    .to_vec();
    args.push(format!("--user-data-dir={}", profile.path().display()));
    let url = format!("file://{}", page.display());
    let mut dump_args = args.clone();
    if let Some((width, height)) = size {
        dump_args.push(format!("--window-size={width},{height}"));
    }
    let dom = Command::new(chromium())
        .args(&dump_args)
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    if let Some(path) = screenshot {
        let shot = Command::new(chromium())
            .args(&args)
            .arg("--window-size=1400,1800")
            .arg(format!("--screenshot={}", path.display()))
            .arg(&url)
            .output()
            .unwrap();
        assert!(
            path.exists(),
            "no screenshot: {}",
            String::from_utf8_lossy(&shot.stderr)
        );
    }
    let stderr = String::from_utf8_lossy(&dom.stderr);
    let console_errors = stderr
        .lines()
        .filter(|l| {
            l.contains("CONSOLE")
                && (l.contains("Uncaught") || l.contains("Error") || l.contains(":ERROR:"))
        })
        .map(str::to_owned)
        .collect();
    Run {
        dom: String::from_utf8_lossy(&dom.stdout).into_owned(),
        console_errors,
    }
}

impl Run {
    /// The text a test's script wrote into `<pre id="{id}">`.
    fn logged(&self, id: &str) -> &str {
        let start = format!("<pre id=\"{id}\">");
        self.dom
            .split(start.as_str())
            .nth(1)
            .unwrap_or_else(|| panic!("the page's script wrote no {id}"))
            .split("</pre>")
            .next()
            .unwrap()
    }
}

fn write_report(a: &sansho_core::Assessment, lang: Lang, dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let mut bytes = Vec::new();
    sansho_report::html::write(a, lang, &mut bytes).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn console_error_detection_works() {
    // A negative control, so a silent browser cannot make the real test pass.
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("broken.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><p>x</p><script>undefinedFunction();</script></body></html>",
    )
    .unwrap();
    let run = open(&page, None);
    assert!(
        !run.console_errors.is_empty(),
        "a thrown error must be seen"
    );
    assert!(run.dom.contains("<p>x</p>"));
}

#[test]
fn example_report_renders_diagrams_and_tables_without_console_errors() {
    let a = common::example();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let page = write_report(&a, Lang::Ja, out, "example-report.html");
    let run = open(&page, Some(&out.join("example-report.png")));
    assert!(run.console_errors.is_empty(), "{:#?}", run.console_errors);
    assert!(
        run.dom.contains("data-ready=\"true\""),
        "the report's script ran to the end"
    );
    assert!(
        run.dom.matches("<svg").count() >= 4,
        "configuration and three flow diagrams"
    );
    assert!(run.dom.matches("class=\"asset\"").count() >= a.configuration.assets.len());
    for table in [
        "flows-table",
        "risks-table",
        "treatment-table",
        "findings-table",
        "operating-rules-table",
    ] {
        assert!(
            run.dom.contains(&format!("id=\"{table}\"")),
            "{table} missing"
        );
    }
    let rows = run
        .dom
        .split("id=\"risks-table\"")
        .nth(1)
        .unwrap()
        .split("</table>")
        .next()
        .unwrap()
        .matches("<tr>")
        .count();
    assert_eq!(
        rows,
        a.risks.len() + 1,
        "every risk is a row, plus the header"
    );
    assert!(run.dom.contains("全体構成図") && run.dom.contains("リスクアセスメント結果一覧"));
}

#[test]
fn markup_in_model_strings_is_shown_as_text() {
    let a = common::from_text(common::HOSTILE);
    let out = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let page = write_report(&a, Lang::En, out, "hostile-report.html");
    let run = open(&page, Some(&out.join("hostile-report.png")));
    assert!(run.console_errors.is_empty(), "{:#?}", run.console_errors);
    // The DOM serialiser escapes text, so the model's markup appears escaped exactly where it was
    // text; a parsed script element would appear unescaped instead.
    assert!(
        run.dom
            .contains("&lt;script&gt;alert('sansho')&lt;/script&gt;"),
        "model script shown as text"
    );
    assert_eq!(
        run.dom.matches("<script>").count(),
        1,
        "only sansho's own script element"
    );
    assert!(!run.dom.contains("<b>bold</b>"));
    assert!(run.dom.contains("data-ready=\"true\""));
}

#[test]
fn large_tables_are_paged_sorted_and_filtered_over_all_rows() {
    let a = common::from_text(&sansho_gen::hospital(300));
    assert!(a.risks.len() > sansho_report::html::INLINE_ROWS);
    let out = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let page = write_report(&a, Lang::Ja, out, "large-report.html");
    // After the report's own script, act like a reader: next page, sort by rank, then filter;
    // record what each step shows where the dumped DOM can see it.
    let html = std::fs::read_to_string(&page).unwrap().replace(
        "</body>",
        r#"<script>
"use strict";
(function () {
  var table = document.getElementById("risks-table");
  var pager = document.querySelector('[data-pager="risks-table"]');
  var count = document.querySelector('[data-count="risks-table"]');
  var log = document.createElement("pre");
  log.id = "reader-log";
  function note(step) {
    log.textContent += step + "|" + pager.querySelector(".page").textContent + "|" + table.tBodies[0].rows.length + "|" + table.tBodies[0].rows[0].cells[0].textContent + "|" + count.textContent + "\n";
  }
  note("start");
  pager.querySelector(".next").click();
  note("next");
  var rankHeader = table.querySelectorAll("th")[6];
  rankHeader.click(); rankHeader.click();
  note("sorted");
  var input = document.querySelector('input[data-filter="risks-table"]');
  input.value = "clinic-7-term-3-emr/";
  input.dispatchEvent(new Event("input"));
  note("filtered");
  document.body.appendChild(log);
})();
</script></body>"#,
    );
    let page = out.join("large-report-reader.html");
    std::fs::write(&page, html).unwrap();
    let run = open(&page, Some(&out.join("large-report.png")));
    assert!(run.console_errors.is_empty(), "{:#?}", run.console_errors);
    let log = run.logged("reader-log");
    let steps: Vec<Vec<&str>> = log.lines().map(|l| l.split('|').collect()).collect();
    let pages = a.risks.len().div_ceil(100);
    let total = format!("{} 件", a.risks.len());
    assert_eq!(steps[0][..3], ["start", &format!("1 / {pages}"), "100"]);
    assert_eq!(
        steps[0][3], a.risks[0].id,
        "the first page starts with the first risk"
    );
    assert_eq!(steps[0][4], total);
    assert_eq!(steps[1][..3], ["next", &format!("2 / {pages}"), "100"]);
    assert_eq!(steps[1][3], a.risks[100].id);
    // Sorted descending by rank: an S risk comes first, whichever page it was on.
    let first_s = a
        .risks
        .iter()
        .find(|r| r.inherent.rank == sansho_core::Rank::S)
        .unwrap();
    assert_eq!(steps[2][..3], ["sorted", &format!("1 / {pages}"), "100"]);
    let first_sorted = a.risks.iter().find(|r| r.id == steps[2][3]).unwrap();
    assert_eq!(first_sorted.inherent.rank, first_s.inherent.rank);
    let matching = a
        .risks
        .iter()
        .filter(|r| r.id.contains("clinic-7-term-3-emr/"))
        .count();
    assert!(matching > 0);
    assert_eq!(steps[3][..3], ["filtered", "1 / 1", &matching.to_string()]);
    assert_eq!(steps[3][4], format!("{matching} 件"));
}

#[test]
fn no_table_cell_is_squeezed_to_a_character_per_line() {
    let a = common::example();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let page = write_report(&a, Lang::Ja, out, "example-report-columns.html");
    // Every cell of every table, laid out in a laptop's window and in a narrower one: count its
    // lines (the distinct tops of its text's line boxes) and record the cells that break too
    // often, whether the page is wider than the window, and how many tables scroll in their box.
    let html = std::fs::read_to_string(&page).unwrap().replace(
        "</body>",
        r#"<script>
"use strict";
(function () {
  var found = [], measured = 0;
  document.querySelectorAll("table.data th, table.data td").forEach(function (cell) {
    var text = cell.textContent.trim();
    if (text.length < 2) { return; }
    var range = document.createRange();
    range.selectNodeContents(cell);
    var tops = new Set();
    Array.prototype.forEach.call(range.getClientRects(), function (r) {
      if (r.width > 0) { tops.add(Math.round(r.top)); }
    });
    measured += 1;
    var where = cell.closest("table").id + ": " + text + " (" + tops.size + " lines)";
    if (text.length / tops.size < 2) { found.push("squeezed " + where); }
    var oneLine = cell.classList.contains("short") || /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(text);
    if (oneLine && tops.size > 1) { found.push("broken " + where); }
  });
  var log = document.createElement("pre");
  log.id = "columns-log";
  var page = document.documentElement;
  if (page.scrollWidth > window.innerWidth) {
    found.push("the page scrolls sideways: " + page.scrollWidth + " px in a window of " + window.innerWidth);
  }
  var scrolling = document.querySelectorAll(".table-box.scroll").length;
  log.textContent = measured + " " + scrolling + "\n" + found.join("\n");
  document.body.appendChild(log);
})();
</script></body>"#,
    );
    let page = out.join("example-report-columns-measured.html");
    std::fs::write(&page, html).unwrap();
    for (width, tables_scrolling) in [(1280, 0..=0), (1000, 1..=usize::MAX)] {
        let run = open_in_window(
            &page,
            Some(&out.join(format!("example-report-columns-{width}.png"))),
            Some((width, 900)),
        );
        assert!(run.console_errors.is_empty(), "{:#?}", run.console_errors);
        let log = run.logged("columns-log");
        let mut lines = log.lines();
        let counts: Vec<usize> = lines
            .next()
            .unwrap()
            .split(' ')
            .map(|n| n.parse().unwrap())
            .collect();
        assert!(counts[0] > 5_000, "only {} cells measured", counts[0]);
        // At 1,280 px every table fits, and keeps its header row sticky; at 1,000 px the wide
        // ones scroll in their box, and the page does not.
        assert!(
            tables_scrolling.contains(&counts[1]),
            "{} tables scroll at {width} px",
            counts[1]
        );
        let found: Vec<&str> = lines.collect();
        assert!(found.is_empty(), "at {width} px: {found:#?}");
    }
}

/// Prints a page to PDF with headless Chromium, as a reader's "print to PDF" does.
fn print_to_pdf(page: &Path, pdf: &Path) {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        pdf.exists(),
        "no PDF: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_printed_report_puts_wide_tables_and_diagrams_on_landscape_pages() {
    let a = common::example();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let page = write_report(&a, Lang::Ja, out, "example-report-print.html");
    let pdf = out.join("example-report.pdf");
    print_to_pdf(&page, &pdf);
    // Chromium writes each page's size as its MediaBox; A4 is 595 × 842 points.
    let bytes = std::fs::read(&pdf).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let boxes: Vec<&str> = text
        .match_indices("/MediaBox [")
        .map(|(i, _)| &text[i + 11..i + 11 + text[i + 11..].find(']').unwrap()])
        .collect();
    let landscape = boxes.iter().filter(|b| b.starts_with("0 0 841")).count();
    let portrait = boxes.iter().filter(|b| b.starts_with("0 0 594")).count();
    assert_eq!(landscape + portrait, boxes.len(), "{boxes:?}");
    // The summary is portrait; the four diagrams (each on its own page) and the wide tables
    // are landscape, the scales portrait again.
    assert!(portrait >= 2, "{portrait} portrait pages");
    assert!(landscape >= 4 + 3, "{landscape} landscape pages");
    // The page's own header and footer carry the title, the document control and the page
    // number (the browser's are switched off).
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("@bottom-right { content: counter(page) \" / \" counter(pages);"));
    assert!(html.contains("@bottom-left { content: \"版 1.2 · 2026-11-01 · 提出先 医療法人社団ひので会 ひので内科クリニック\";"));
}
