//! The PDF report, typeset in-process by Typst: the same content as the HTML report (its
//! [`html::build`] model), laid out by `templates/report.typ` on landscape A4 with a cover and
//! its document control, a table of contents, each page's header (system, document control) and
//! footer (page n / N), diagrams on pages of their own, and tables whose header row repeats.
//!
//! The writer reads no file: the caller passes the font files (a Japanese font is needed; the
//! CLI finds one on the system). The model's texts reach Typst only as JSON strings placed as
//! text, so no model text is read as Typst markup.

use std::fmt;
use std::io::Write;
use std::sync::Arc;

use sansho_core::{Assessment, Lang};
use serde_json::{Value, json};
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use crate::html;
use crate::labels::{self, t};
use crate::package;

/// Rows of one table the PDF holds; the rest are in the workbook and the HTML report. At
/// 100,000 flows a full risk list would be a hundred thousand pages.
pub const MAX_ROWS: usize = 1_000;

const TEMPLATE: &str = include_str!("../templates/report.typ");

/// A font file's bytes, as read by the caller.
#[derive(Clone)]
pub struct FontFile {
    /// Where it came from, for messages.
    pub name: String,
    pub data: Arc<Vec<u8>>,
}

impl fmt::Debug for FontFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FontFile({}, {} bytes)", self.name, self.data.len())
    }
}

/// The document's files as Typst sees them: the template, its data and the diagrams.
struct Files {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    main: Source,
    files: Vec<(FileId, Bytes)>,
}

fn file_id(path: &str) -> FileId {
    // Paths are ours and fixed: `VirtualPath::new` accepts them.
    let vpath = VirtualPath::new(path).unwrap_or_else(|_| unreachable!("a fixed, valid path"));
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

impl World for Files {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotSource)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main.id() {
            return Ok(Bytes::from_string(self.main.clone()));
        }
        self.files
            .iter()
            .find(|(file, _)| *file == id)
            .map(|(_, bytes)| bytes.clone())
            .ok_or(FileError::AccessDenied)
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        // No clock: the same model gives the same bytes.
        None
    }
}

/// A table's cell for the template: text, or a rank drawn in its colours.
fn cell_value(cell: &html::Cell) -> Value {
    match package::as_rank(&cell.text).filter(|_| cell.class.starts_with("rank")) {
        Some(rank) => json!({
            "text": cell.text,
            "bg": labels::rank_colour(rank),
            "fg": labels::rank_text_colour(rank),
        }),
        None => Value::String(crate::text::visible(&cell.text).into_owned()),
    }
}

/// Each column's width for the template: a negative number is a fixed width in em, for a column
/// of short texts (room for its content and its header on two lines at most, so a rank or a score
/// never wraps one character per line); a positive one is a share of the rest, in proportion to
/// the column's longest text.
fn widths(headers: &[String], rows: &[Vec<Value>]) -> Vec<f64> {
    let mut longest: Vec<usize> = vec![0; headers.len()];
    for row in rows.iter().take(200) {
        for (c, v) in row.iter().enumerate() {
            let len = match v {
                Value::String(s) => s.chars().count(),
                _ => 1,
            };
            if let Some(slot) = longest.get_mut(c) {
                *slot = (*slot).max(len);
            }
        }
    }
    longest
        .into_iter()
        .zip(headers)
        .map(|(len, header)| {
            if len <= 6 {
                let header = header.chars().count().div_ceil(2).min(7);
                -((len.max(header) as f64) + 1.2)
            } else {
                len.clamp(6, 60) as f64
            }
        })
        .collect()
}

fn data(
    a: &Assessment,
    lang: Lang,
    families: &[String],
) -> std::io::Result<(Value, Vec<(String, String)>)> {
    let report = html::build(a, lang);
    let mut figures = Vec::new();
    let mut svgs = Vec::new();
    for (i, figure) in report.figures.iter().enumerate() {
        let file = format!("/figure-{i}.svg");
        figures.push(json!({"title": figure.title, "file": file}));
        svgs.push((file, figure.svg.clone()));
    }
    let mut tables = Vec::new();
    for table in &report.tables {
        let mut rows: Vec<Vec<Value>> = Vec::new();
        table.for_each_row(MAX_ROWS, &mut |row: &[html::Cell]| {
            rows.push(row.iter().map(cell_value).collect());
            Ok(())
        })?;
        let mut note = table.note.clone();
        if table.row_count > rows.len() {
            let more = match lang {
                Lang::Ja => format!(
                    "全 {} 件のうち先頭 {} 件を載せています。すべての行は Excel ブックと HTML 報告書にあります。",
                    table.row_count,
                    rows.len()
                ),
                Lang::En => format!(
                    "The first {} of {} rows; every row is in the workbook and the HTML report.",
                    rows.len(),
                    table.row_count
                ),
            };
            note = if note.is_empty() {
                more
            } else {
                format!("{note} {more}")
            };
        }
        tables.push(json!({
            "title": table.title,
            "headers": table.headers,
            "widths": widths(&table.headers, &rows),
            "rows": rows,
            "note": note,
        }));
    }
    let ranks: Vec<Value> = report
        .rank_rows
        .iter()
        .map(|(rank, inherent, residual)| {
            json!([cell_value(rank), inherent.to_string(), residual.to_string()])
        })
        .collect();
    let facts: Vec<Value> = report
        .facts
        .iter()
        .map(|(k, v)| json!([k, crate::text::visible(v)]))
        .collect();
    let value = json!({
        "lang": match lang { Lang::Ja => "ja", Lang::En => "en" },
        "title": crate::text::visible(&report.title),
        "subtitle": report.subtitle,
        "control": crate::text::visible(&package::print_control(a, lang)),
        "author": crate::text::visible(&a.system.provider.name),
        "fonts": families,
        "labels": {
            "contents": report.labels.contents,
            "summary": report.labels.summary,
            "rank": report.labels.rank,
            "inherent": report.labels.inherent,
            "residual": report.labels.residual,
            "diagrams": report.labels.diagrams,
        },
        "facts": facts,
        "ranks": ranks,
        "figures": figures,
        "tables": tables,
    });
    Ok((value, svgs))
}

/// What stopped Typst, in words.
fn failure(errors: &[SourceDiagnostic]) -> std::io::Error {
    let messages: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
    std::io::Error::other(format!(
        "PDF を組版できませんでした / the PDF could not be typeset: {}",
        messages.join("; ")
    ))
}

/// Writes the PDF report. `fonts` must hold a font with Japanese glyphs.
pub fn write(a: &Assessment, options: &crate::Options, out: &mut dyn Write) -> std::io::Result<()> {
    let lang = options.lang;
    let fonts: Vec<Font> = options
        .fonts
        .iter()
        .flat_map(|f| Font::iter(Bytes::new(f.data.as_ref().clone())))
        .collect();
    if fonts.is_empty() {
        return Err(std::io::Error::other(t(
            lang,
            "PDF に使う日本語フォントがありません。--font でフォントファイル (IPAex ゴシックなど) を指定してください",
            "no Japanese font for the PDF: name a font file (IPAexGothic, for example) with --font",
        )));
    }
    let book = FontBook::from_fonts(&fonts);
    let families: Vec<String> = book.families().map(|(name, _)| name.to_owned()).collect();
    let (value, svgs) = data(a, lang, &families)?;
    let json = serde_json::to_vec(&value).map_err(std::io::Error::other)?;
    let mut files = vec![(file_id("/data.json"), Bytes::new(json))];
    for (path, svg) in svgs {
        files.push((file_id(&path), Bytes::new(svg.into_bytes())));
    }
    let world = Files {
        library: LazyHash::new(Library::default()),
        book: LazyHash::new(book),
        fonts,
        main: Source::new(file_id("/report.typ"), TEMPLATE.to_owned()),
        files,
    };
    let document: PagedDocument = typst::compile(&world).output.map_err(|e| failure(&e))?;
    let options = typst_pdf::PdfOptions {
        ident: Smart::Custom(a.system.id.clone()),
        creator: Smart::Custom(Some(a.generator.clone())),
        ..typst_pdf::PdfOptions::default()
    };
    let bytes = typst_pdf::pdf(&document, &options).map_err(|e| failure(&e))?;
    out.write_all(&bytes)
}
