//! The PDF report typeset for real and read back with poppler's tools (`pdfinfo`, `pdffonts`,
//! `pdftotext`, `pdftoppm`; `scripts/test.sh` installs them with a Japanese font): landscape A4,
//! the font embedded, a table of contents, the document control and the page number on every
//! page, pages that are not blank, model text kept as text, and large tables cut with a note.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly on purpose.

mod common;

use std::process::Command;
use std::sync::Arc;

use sansho_core::Lang;
use sansho_report::pdf::{self, FontFile};

/// A Japanese font of this machine, as the CLI would find it.
fn japanese_font() -> FontFile {
    let mut db = fontdb::Database::new();
    db.load_system_fonts();
    let face = db
        .faces()
        .find(|f| {
            f.families
                .iter()
                .any(|(_, l)| *l == fontdb::Language::Japanese_Japan)
        })
        .expect("a Japanese font (scripts/test.sh installs fonts-ipaexfont-gothic)");
    let fontdb::Source::File(path) = &face.source else {
        panic!("font not in a file")
    };
    FontFile {
        name: path.display().to_string(),
        data: Arc::new(std::fs::read(path).unwrap()),
    }
}

fn pdf_of(a: &sansho_core::Assessment) -> Vec<u8> {
    let mut options = sansho_report::Options::new(Lang::Ja);
    options.fonts = vec![japanese_font()];
    let mut bytes = Vec::new();
    pdf::write(a, &options, &mut bytes).unwrap();
    bytes
}

/// Runs a poppler tool on the PDF and returns its standard output.
fn poppler(tool: &str, args: &[&str], pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new(tool)
        .args(args)
        .arg(&path)
        .args(if tool == "pdftotext" {
            &["-"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap_or_else(|e| panic!("{tool} (poppler-utils, installed by scripts/test.sh): {e}"));
    assert!(
        out.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Share of dark pixels in the body of page `page` (between its header and footer), rendered in
/// grey at 20 dpi.
fn ink(pdf: &[u8], page: usize) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, pdf).unwrap();
    let prefix = dir.path().join("page");
    let status = Command::new("pdftoppm")
        .args([
            "-gray",
            "-r",
            "20",
            "-singlefile",
            "-f",
            &page.to_string(),
            "-l",
            &page.to_string(),
        ])
        .arg(&path)
        .arg(&prefix)
        .status()
        .unwrap();
    assert!(status.success());
    let pgm = std::fs::read(prefix.with_extension("pgm")).unwrap();
    // P5 header: magic, width, height, maximum, then one byte per pixel.
    let mut fields = 0;
    let mut start = 0;
    for (i, b) in pgm.iter().enumerate() {
        if b.is_ascii_whitespace() && i > 0 && !pgm[i - 1].is_ascii_whitespace() {
            fields += 1;
            if fields == 4 {
                start = i + 1;
                break;
            }
        }
    }
    let header = String::from_utf8_lossy(&pgm[..start]).into_owned();
    let mut numbers = header.split_whitespace().skip(1);
    let width: usize = numbers.next().unwrap().parse().unwrap();
    let height: usize = numbers.next().unwrap().parse().unwrap();
    let body = &pgm[start + width * height * 12 / 100..start + width * height * 90 / 100];
    body.iter().filter(|&&p| p < 160).count() as f64 / body.len() as f64
}

#[test]
fn the_examples_pdf_is_a4_landscape_with_contents_control_and_page_numbers_on_every_page() {
    let a = common::example();
    let bytes = pdf_of(&a);
    assert!(bytes.starts_with(b"%PDF-"));
    assert_eq!(bytes, pdf_of(&a), "the same result gives the same bytes");

    let info = poppler("pdfinfo", &[], &bytes);
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(pages > 50, "{info}");
    assert!(
        info.contains("Page size:       841.89 x 595.2"),
        "landscape A4: {info}"
    );
    assert!(
        info.contains("さくらクラウドカルテ"),
        "the title is in the metadata: {info}"
    );

    let fonts = poppler("pdffonts", &[], &bytes);
    assert!(
        fonts.lines().skip(2).all(|l| l.contains(" yes yes ")),
        "every font embedded as a subset: {fonts}"
    );

    let text = poppler("pdftotext", &["-layout"], &bytes);
    let page_texts: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert_eq!(page_texts.len(), pages);
    for (i, page) in page_texts.iter().enumerate() {
        assert!(
            page.contains(&format!("{} / {pages}", i + 1)),
            "page {} carries its number",
            i + 1
        );
        assert!(
            page.contains("版 1.2 · 2026-11-01 · 提出先 医療法人社団ひので会 ひので内科クリニック"),
            "page {} carries the document control",
            i + 1
        );
    }
    // The contents run over as many pages as their dotted leaders fill.
    let contents_pages = page_texts[1..]
        .iter()
        .take_while(|p| p.contains(". . ."))
        .count();
    assert!(contents_pages >= 1);
    let contents = page_texts[1..=contents_pages].concat();
    assert!(contents.contains("目次"));
    for section in [
        "全体構成図",
        "リスクアセスメント結果一覧",
        "リスク対応一覧",
        "制度上の要求事項への対応",
    ] {
        assert!(contents.contains(section), "{section} in the contents");
    }
    assert!(text.contains("想定リスク"));
    // The cover, the summary and the first diagram are drawn, not blank.
    for page in [1, contents_pages + 2, contents_pages + 3] {
        let share = ink(&bytes, page);
        assert!(share > 0.002, "page {page} has {share} ink");
    }
}

#[test]
fn model_text_is_never_typst_markup_and_long_tables_are_cut_with_a_note() {
    let markup = "#pagebreak() *強調* $x^2$ ] [ \\ @ref <label> `raw`";
    // Single-quoted in the model's YAML flow mapping, where the brackets would otherwise count.
    let text =
        sansho_gen::hospital(130).replace("EMR アプリケーションサーバ", &format!("'{markup}'"));
    let a = common::from_text(&text);
    assert!(a.risks.len() > pdf::MAX_ROWS);
    let bytes = pdf_of(&a);
    let text = poppler("pdftotext", &[], &bytes);
    let flat: String = text.split_whitespace().collect();
    let expected: String = markup.split_whitespace().collect();
    assert!(flat.contains(&expected), "the name is shown as typed");
    assert!(
        text.contains(&format!(
            "全 {} 件のうち先頭 {} 件を載せています",
            a.risks.len(),
            pdf::MAX_ROWS
        )),
        "a cut table says so"
    );
}

#[test]
fn without_a_japanese_font_the_pdf_is_refused_with_what_to_do() {
    let a = common::example();
    let mut bytes = Vec::new();
    let err = pdf::write(&a, &sansho_report::Options::new(Lang::Ja), &mut bytes).unwrap_err();
    assert!(err.to_string().contains("--font"), "{err}");
    assert!(bytes.is_empty());
}
