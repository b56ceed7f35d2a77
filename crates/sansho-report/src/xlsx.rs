//! The Excel workbook: the lists an institution reviews, one sheet each, with frozen headers,
//! filters, widths fitted to Japanese text, colour by rank and drop-downs where a reviewer
//! records a decision. Every text that could start a formula is stored as text with Excel's
//! quote prefix, so opening or editing the file never evaluates model strings.

use std::collections::HashSet;
use std::io::{Cursor, Write};
use std::sync::{Mutex, PoisonError};

use rust_xlsxwriter::{
    Color, DataValidation, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder,
    Workbook, Worksheet, XlsxError,
};
use sansho_core::vocab::ControlCategory;
use sansho_core::vocab::{Rank, TreatmentNeed};
use sansho_core::{Assessment, Lang};
use zip::{ZipArchive, ZipWriter};

use crate::labels::{self, t};
use crate::package;
use crate::review;

enum Cell {
    Text(String),
    Number(f64),
    Rank(Rank),
}

/// A text cell. Owned strings are moved, not copied: the writer keeps each cell's text as its
/// own, so a large workbook would otherwise copy every text twice.
fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

struct Sheet<'a> {
    name: &'static str,
    headers: Vec<&'static str>,
    /// Made while the sheet is written, so a million-row sheet is never held in memory.
    rows: Box<dyn Iterator<Item = Vec<Cell>> + Send + 'a>,
    /// Columns (index, choices, prompt) with a drop-down list.
    dropdowns: Vec<(u16, Vec<&'static str>, &'static str)>,
}

/// Display width of a text in Excel character units: CJK characters count double.
fn width(text: &str) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 1.0 } else { 2.1 })
        .sum()
}

/// Texts Excel would read as a formula if typed.
fn looks_like_formula(text: &str) -> bool {
    matches!(
        text.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    )
}

/// Rows read before a sheet's column widths are decided.
const WIDTH_SAMPLE: usize = 500;
/// Narrowest and widest a column is made, in Excel's character units.
const MIN_COLUMN: f64 = 6.0;
const MAX_COLUMN: f64 = 40.0;
/// Widest a sheet may be, in character units, to be fitted to one landscape A4 page at a
/// readable size (the printable 277 mm hold about 150 units at 100 %), and the print scale of
/// wider sheets, in percent.
const PRINT_WIDTH_PER_PAGE: f64 = 190.0;
const PRINT_SCALE: u16 = 80;
/// Rows of a sheet given the height of their wrapped text; later rows keep Excel's default.
const SIZED_ROWS: u32 = 20_000;
/// Height of one line of 11 pt text with Japanese characters, in points; Excel's limit per row.
const LINE_POINTS: f64 = 15.0;
const MAX_ROW_POINTS: f64 = 409.0;

/// Each column as wide as its widest text among the header and `sample`, within
/// [`MIN_COLUMN`]..[`MAX_COLUMN`]; longer texts wrap.
fn column_widths(headers: &[&str], sample: &[Vec<Cell>]) -> Vec<f64> {
    let mut widths: Vec<f64> = headers
        .iter()
        .map(|h| h.split('\n').map(width).fold(0.0, f64::max) + 2.0)
        .collect();
    for row in sample {
        for (c, cell) in row.iter().enumerate() {
            let w = match cell {
                Cell::Text(s) => s.split('\n').map(width).fold(0.0, f64::max) + 1.0,
                Cell::Number(n) => n.to_string().len() as f64 + 1.0,
                Cell::Rank(_) => 3.0,
            };
            if let Some(slot) = widths.get_mut(c) {
                *slot = slot.max(w);
            }
        }
    }
    widths
        .into_iter()
        .map(|w| w.clamp(MIN_COLUMN, MAX_COLUMN))
        .collect()
}

/// Lines `text` takes wrapped in a column `column` units wide (a unit of padding left).
fn wrapped_lines(text: &str, column: f64) -> usize {
    let usable = (column - 1.0).max(1.0);
    text.split('\n')
        .map(|line| ((width(line) / usable).ceil() as usize).max(1))
        .sum()
}

fn row_height(lines: usize) -> f64 {
    (lines as f64 * LINE_POINTS + 3.0).min(MAX_ROW_POINTS)
}

/// Excel's limits: rows per sheet (header included) and characters per cell.
const MAX_ROWS: u32 = 1_048_576;
const MAX_CELL_CHARS: usize = 32_767;

/// Formats shared by every cell, made once: a format per cell would be hashed per cell.
struct Formats {
    header: Format,
    body: Format,
    quoted: Format,
    ranks: Vec<(Rank, Format)>,
}

impl Formats {
    fn new() -> Formats {
        let body = Format::new().set_text_wrap().set_align(FormatAlign::Top);
        let colour = |hex: &str| Color::RGB(u32::from_str_radix(&hex[1..], 16).unwrap_or(0));
        Formats {
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0x37474F))
                .set_font_color(Color::White)
                .set_border(FormatBorder::Thin)
                .set_text_wrap(),
            quoted: body.clone().set_quote_prefix(),
            ranks: Rank::ALL
                .into_iter()
                .map(|rank| {
                    let format = body
                        .clone()
                        .set_bold()
                        .set_align(FormatAlign::Center)
                        .set_background_color(colour(labels::rank_colour(rank)))
                        .set_font_color(colour(labels::rank_text_colour(rank)));
                    (rank, format)
                })
                .collect(),
            body,
        }
    }

    fn all(&self) -> impl Iterator<Item = &Format> {
        [&self.header, &self.body, &self.quoted]
            .into_iter()
            .chain(self.ranks.iter().map(|(_, f)| f))
    }

    fn rank(&self, rank: Rank) -> &Format {
        self.ranks
            .iter()
            .find(|(r, _)| *r == rank)
            .map_or(&self.body, |(_, f)| f)
    }
}

/// A cell text within Excel's limit; a longer one is cut with a note, never refused.
fn within_cell_limit(text: String) -> String {
    const NOTE: &str = "… (truncated)";
    if text.len() <= MAX_CELL_CHARS || text.chars().count() <= MAX_CELL_CHARS {
        return text;
    }
    let keep = MAX_CELL_CHARS - NOTE.chars().count();
    let mut cut: String = text.chars().take(keep).collect();
    cut.push_str(NOTE);
    cut
}

/// What every printed page of every sheet carries: the system's name and the document control at
/// the top, the sheet's name and the page number at the foot (the top has no room for three).
struct PageText {
    header: String,
    footer: String,
}

impl PageText {
    fn new(a: &Assessment, lang: Lang) -> Self {
        // Excel refuses headers over 255 UTF-16 units (the writer only warns and drops them);
        // `&` starts a code in them and is written `&&`.
        let part = |text: &str| {
            let mut out = String::new();
            let mut units = 0;
            for c in crate::text::visible(text).chars() {
                units += c.len_utf16();
                if units > 100 {
                    out.push('…');
                    break;
                }
                if c == '&' {
                    out.push('&');
                }
                out.push(c);
            }
            out
        };
        PageText {
            header: format!(
                "&L{}&R{}",
                part(&a.system.name),
                part(&package::print_control(a, lang))
            ),
            footer: "&L&A&R&P / &N".to_owned(),
        }
    }
}

/// Writes a sheet row by row (Excel's constant-memory layout); rows beyond Excel's limit go on
/// continuation sheets named `name (2)`, `name (3)` ... in `workbook`, the sheet's own.
fn write_sheet(
    workbook: &mut Workbook,
    sheet: Sheet<'_>,
    formats: &Formats,
    page: &PageText,
) -> Result<Vec<(Worksheet, BookEntry)>, XlsxError> {
    let mut rows = sheet.rows.peekable();
    let mut part = 1;
    let mut done = Vec::new();
    loop {
        let mut ws = workbook.new_worksheet_with_constant_memory()?;
        let name = if part == 1 {
            sheet.name.to_owned()
        } else {
            format!("{} ({part})", sheet.name)
        };
        // Column widths are decided before the rows are written, from the first rows, so that
        // each row can be given the height its wrapped text needs as it is streamed.
        let sample: Vec<Vec<Cell>> = rows.by_ref().take(WIDTH_SAMPLE).collect();
        let widths = column_widths(&sheet.headers, &sample);
        for (c, w) in widths.iter().enumerate() {
            ws.set_column_width(c as u16, *w)?;
        }
        // Body cells take the column's format: a format passed per cell is looked up by hash
        // for every cell, which dominated the time of large workbooks.
        for c in 0..sheet.headers.len() {
            ws.set_column_format(c as u16, &formats.body)?;
        }
        for (c, h) in sheet.headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &formats.header)?;
        }
        let header_lines = sheet
            .headers
            .iter()
            .zip(&widths)
            .map(|(h, w)| wrapped_lines(h, *w))
            .max()
            .unwrap_or(1);
        // A sheet with no rows has the header as its last row, which must keep its default
        // height (see the rows below).
        if !sample.is_empty() {
            ws.set_row_height(0, row_height(header_lines))?;
        }
        let mut last_row = 0;
        let mut sample = sample.into_iter();
        while last_row + 1 < MAX_ROWS {
            let Some(row) = sample.next().or_else(|| rows.next()) else {
                break;
            };
            last_row += 1;
            let mut lines = 1;
            for (c, cell) in row.into_iter().enumerate() {
                let col = c as u16;
                match cell {
                    Cell::Text(s) => {
                        let s = within_cell_limit(s);
                        if last_row <= SIZED_ROWS
                            && let Some(w) = widths.get(c)
                        {
                            lines = lines.max(wrapped_lines(&s, *w));
                        }
                        if looks_like_formula(&s) {
                            ws.write_string_with_format(last_row, col, s, &formats.quoted)?;
                        } else {
                            ws.write_string(last_row, col, s)?;
                        }
                    }
                    Cell::Number(n) => {
                        ws.write_number(last_row, col, n)?;
                    }
                    Cell::Rank(rank) => {
                        ws.write_string_with_format(
                            last_row,
                            col,
                            rank.as_str(),
                            formats.rank(rank),
                        )?;
                    }
                }
            }
            // Not on a part's last row: with constant memory, rust_xlsxwriter 0.102 writes the
            // options of the last row a second time as an empty `<row>`, which Excel rejects.
            // Not past the first rows of a very long sheet either: the writer keeps every row's
            // options until the end (about 300 bytes a row), and a sheet of a million rows is
            // read on screen, not printed.
            let last = (sample.len() == 0 && rows.peek().is_none()) || last_row + 1 >= MAX_ROWS;
            if lines > 1 && !last && last_row <= SIZED_ROWS {
                ws.set_row_height(last_row, row_height(lines))?;
            }
        }
        let total: f64 = widths.iter().sum();
        let last_col = sheet.headers.len().saturating_sub(1) as u16;
        ws.set_freeze_panes(1, 0)?;
        for (col, choices, prompt) in &sheet.dropdowns {
            let validation = DataValidation::new()
                .allow_list_strings(choices)?
                .set_input_message(*prompt)?;
            ws.add_data_validation(1, *col, last_row.max(1), *col, &validation)?;
        }
        ws.set_landscape();
        ws.set_paper_size(9); // A4
        ws.set_header(&page.header);
        ws.set_footer(&page.footer);
        // A sheet that fits the page's width at a readable size is fitted to it. A wider one is
        // printed at a fixed scale that keeps 11 pt text at 8.8 pt, over as many pages across
        // as it needs, with the first column (the id) and the header row on every page:
        // fitting a 300-character-wide sheet to one page would print it at 3-4 pt.
        let fits_page = total <= PRINT_WIDTH_PER_PAGE;
        if fits_page {
            ws.set_print_fit_to_pages(1, 0);
        } else {
            ws.set_print_scale(PRINT_SCALE);
        }
        let entry = BookEntry {
            name,
            filter_to_row: last_row.max(1),
            last_col,
            repeat_id_column: !fits_page,
        };
        entry.apply(&mut ws)?;
        done.push((ws, entry));
        if rows.peek().is_none() {
            return Ok(done);
        }
        part += 1;
    }
}

/// A table of the agreement package as a sheet, its note in the row under it; ranks coloured.
fn plain_sheet<'a>(table: package::PlainTable) -> Sheet<'a> {
    let mut rows: Vec<Vec<Cell>> = table
        .rows
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|t| match package::as_rank(&t) {
                    Some(r) => Cell::Rank(r),
                    None => text(t),
                })
                .collect()
        })
        .collect();
    if let (true, Some(none)) = (rows.is_empty(), table.none) {
        rows.push(vec![text(none)]);
    }
    if let Some(note) = table.note {
        rows.push(vec![text(note)]);
    }
    Sheet {
        name: table.sheet,
        headers: table.headers,
        rows: Box::new(rows.into_iter()),
        dropdowns: vec![],
    }
}

fn sheets(a: &Assessment, lang: Lang) -> Vec<Sheet<'_>> {
    let l = move |ja: &'static str, en: &'static str| t(lang, ja, en);
    let mut out = Vec::new();

    let mut summary: Vec<Vec<Cell>> = package::document_facts(a, lang)
        .into_iter()
        .map(|(label, value)| vec![text(label), text(value)])
        .collect();
    summary.extend([
        vec![
            text(l("システム", "System")),
            text(format!("{} ({})", a.system.name, a.system.id)),
        ],
        vec![
            text(l("対象事業者", "Provider")),
            text(&*a.system.provider.name),
        ],
        vec![
            text(l("準拠する版", "Editions")),
            text(a.system.editions.join(", ")),
        ],
        vec![
            text(l("基準日", "As of")),
            text(a.system.as_of.clone().unwrap_or_default()),
        ],
        vec![
            text(l("ランク表", "Matrix")),
            text(a.matrix.source.get(lang)),
        ],
        vec![
            text(l("情報流", "Flows")),
            Cell::Number(a.summary.flows as f64),
        ],
        vec![
            text(l("リスク", "Risks")),
            Cell::Number(a.summary.risks as f64),
        ],
        vec![
            text(l("対応必須で未対応", "Untreated but required")),
            Cell::Number(a.summary.untreated_required as f64),
        ],
        // `sansho review import` recognises a workbook made from another version by it.
        vec![
            text(l(review::DIGEST_LABEL.0, review::DIGEST_LABEL.1)),
            text(review::treatment_digest(a)),
        ],
    ]);
    summary.extend(
        package::system_facts(a, lang)
            .into_iter()
            .map(|(label, value)| vec![text(label), text(value)]),
    );
    for rank in Rank::ALL {
        let r = rank.as_str();
        summary.push(vec![
            Cell::Rank(rank),
            text(format!(
                "{} {} / {} {}",
                l("固有", "inherent"),
                a.summary.inherent_by_rank.get(r).unwrap_or(&0),
                l("残存", "residual"),
                a.summary.residual_by_rank.get(r).unwrap_or(&0)
            )),
        ]);
    }
    out.push(Sheet {
        name: l("概要", "Summary"),
        headers: vec![l("項目", "Item"), l("内容", "Value")],
        rows: Box::new(summary.into_iter()),
        dropdowns: vec![],
    });

    out.push(Sheet {
        name: l("情報流一覧", "Information flows"),
        headers: vec![
            "ID",
            l("フェーズ", "Phase"),
            l("提供形態", "Layer"),
            "Who",
            "Where",
            "Which",
            "What",
            "How",
            l("経路", "Path"),
            l("説明", "Description"),
        ],
        rows: Box::new(a.flows.iter().map(move |f| {
            let mut row: Vec<Cell> = labels::flow_row(f, lang).into_iter().map(text).collect();
            row.extend([
                text(
                    f.path
                        .iter()
                        .map(|p| &*p.id)
                        .collect::<Vec<_>>()
                        .join(" → "),
                ),
                text(f.description.clone().unwrap_or_default()),
            ]);
            row
        })),
        dropdowns: vec![],
    });

    let threat_name = move |id: &str| {
        a.threats
            .iter()
            .find(|th| th.id == id)
            .map_or(id.to_owned(), |th| format!("{id} {}", th.name.get(lang)))
    };
    for scale in package::scales(a, lang) {
        out.push(plain_sheet(scale));
    }
    out.push(plain_sheet(package::matrix(a, lang)));

    // One per sheet: sheets are written on several threads.
    let narrator = sansho_core::result::Narrator::new(a);
    // Class names by id, made once: the sheet asks for one per risk.
    let class_names: std::collections::HashMap<&str, &str> = a
        .configuration
        .information
        .iter()
        .filter(|i| !i.classification_name.is_empty())
        .map(|i| (i.classification.as_str(), i.classification_name.as_str()))
        .collect();
    let class_name = move |id: &str| class_names.get(id).copied().unwrap_or(id).to_owned();
    out.push(Sheet {
        name: l("リスクアセスメント結果一覧", "Risk assessment"),
        headers: vec![
            l("リスクID", "Risk ID"),
            l("情報流", "Flow"),
            l("フェーズ", "Phase"),
            l("断面", "Segment"),
            l("要素", "Element"),
            l("脅威", "Threat"),
            l("想定リスク", "Risk scenario"),
            l("損なわれ得るもの", "At stake"),
            l("情報の分類", "Classification"),
            l("影響度", "Impact"),
            l("顕在化率", "Likelihood"),
            l("リスクレベル（ランク）", "Risk level (rank)"),
            l("対応要否", "Treatment needed"),
            l("顕在化率の理由", "Why this likelihood"),
            l("影響度の理由", "Why this impact"),
        ],
        rows: Box::new(a.risks.iter().map(move |r| {
            let need = match r.treatment_need {
                TreatmentNeed::Required => l("必須", "required"),
                TreatmentNeed::Consider => l("検討", "consider"),
                TreatmentNeed::NotRequired => l("不要", "not needed"),
            };
            let reasons = narrator.reasons(r, lang);
            vec![
                text(r.id.clone()),
                text(&*r.flow),
                text(r.phase.label().get(lang)),
                text(r.segment.label().get(lang)),
                text(&*r.element.name),
                text(threat_name(&r.threat)),
                text(r.scenario.text(lang)),
                text(reasons.at_stake.clone()),
                text(class_name(&r.classification)),
                Cell::Number(f64::from(r.inherent.impact)),
                Cell::Number(f64::from(r.inherent.likelihood)),
                Cell::Rank(r.inherent.rank),
                text(need),
                text(reasons.likelihood.clone()),
                text(reasons.impact.clone()),
            ]
        })),
        dropdowns: vec![],
    });

    let options = vec!["低減", "回避", "共有", "受容"];
    let options_en = vec!["reduce", "avoid", "share", "accept"];
    let verdicts = review::VERDICTS
        .iter()
        .map(|(_, ja, en)| if lang == Lang::Ja { *ja } else { *en })
        .collect::<Vec<_>>();
    let by_category = move |r: &sansho_core::result::Risk, category: ControlCategory| {
        r.treatment
            .iter()
            .flat_map(|t| &t.controls)
            .filter(|c| c.category == category)
            .map(|c| format!("{} {}", c.id, c.name))
            .collect::<Vec<_>>()
            .join("\n")
    };
    out.push(Sheet {
        name: l(review::TREATMENT_SHEET.0, review::TREATMENT_SHEET.1),
        headers: vec![
            l(review::RISK_ID_HEADER.0, review::RISK_ID_HEADER.1),
            l("想定リスク", "Risk scenario"),
            l("リスクレベル（ランク）", "Risk level (rank)"),
            l("対応方針", "Option"),
            l("人的・組織的対策", "Human-organisational"),
            l("物理的対策", "Physical"),
            l("技術的対策", "Technical"),
            l("医療機関等への依頼", "Requests to the institution"),
            l("残存影響度", "Residual impact"),
            l("残存顕在化率", "Residual likelihood"),
            l("残存ランク", "Residual rank"),
            l("対策の実施者", "Control owners"),
            l("受容 (承認者・日付・理由)", "Acceptance (by, date, reason)"),
            l(review::VERDICT_HEADER.0, review::VERDICT_HEADER.1),
            l(review::COMMENT_HEADER.0, review::COMMENT_HEADER.1),
        ],
        rows: Box::new(a.risks.iter().filter(|r| review::listed(r)).map(move |r| {
            let tr = r.treatment.as_ref();
            let option = tr.map_or(String::new(), |t| {
                t.option.label().get(lang).replace("リスク", "")
            });
            let mut owners: Vec<&str> = tr
                .iter()
                .flat_map(|t| &t.controls)
                .map(|c| &*c.owner.name)
                .collect();
            owners.dedup();
            vec![
                text(r.id.clone()),
                text(r.scenario.text(lang)),
                Cell::Rank(r.inherent.rank),
                text(option),
                text(by_category(r, ControlCategory::HumanOrganizational)),
                text(by_category(r, ControlCategory::Physical)),
                text(by_category(r, ControlCategory::Technical)),
                text(tr.map_or(String::new(), |t| {
                    t.requests
                        .iter()
                        .map(|q| q.text.as_str())
                        .collect::<Vec<_>>()
                        .join("\n")
                })),
                Cell::Number(f64::from(r.residual.impact)),
                Cell::Number(f64::from(r.residual.likelihood)),
                Cell::Rank(r.residual.rank),
                text(owners.join("、")),
                text(
                    tr.and_then(|t| t.acceptance.as_ref())
                        .map_or(String::new(), |a| {
                            format!(
                                "{} / {} / {}",
                                a.by.as_deref().unwrap_or("-"),
                                a.date.as_deref().unwrap_or("-"),
                                a.reason.as_deref().unwrap_or("-")
                            )
                        }),
                ),
                text(""),
                text(""),
            ]
        })),
        dropdowns: vec![
            (
                3,
                if lang == Lang::Ja {
                    options
                } else {
                    options_en
                },
                l("対応方針を選んでください", "Choose the treatment option"),
            ),
            (
                13,
                verdicts,
                l(
                    "医療機関の確認結果を選んでください",
                    "Record the institution's review",
                ),
            ),
        ],
    });

    let requests = labels::institution_requests(a);
    out.push(Sheet {
        name: l("医療機関等への依頼事項", "Requests to institution"),
        headers: vec![
            l("依頼事項", "Request"),
            l("関連する対策", "Control"),
            l("対象リスク数", "Risks"),
        ],
        rows: Box::new(requests.into_iter().map(move |q| {
            vec![
                text(q.text),
                text(q.control.unwrap_or_default()),
                Cell::Number(q.risks as f64),
            ]
        })),
        dropdowns: vec![],
    });

    out.push(Sheet {
        name: l("指摘", "Findings"),
        headers: vec![
            l("コード", "Code"),
            l("重大度", "Severity"),
            l("ランク", "Rank"),
            l("要素", "Element"),
            l("場所", "Location"),
            l("内容", "Message"),
            l("条項", "Clauses"),
            l("対応", "Fix"),
        ],
        rows: Box::new(a.findings.iter().map(move |f| {
            vec![
                text(f.code.as_str()),
                text(f.severity.label().get(lang)),
                f.rank.map_or(text(""), Cell::Rank),
                text(f.element.clone().unwrap_or_default()),
                text(labels::place(a, f.span)),
                text(f.message.get(lang)),
                text(f.references.join("\n")),
                text(labels::reader_fix(f).map_or(String::new(), |h| h.get(lang).to_owned())),
            ]
        })),
        dropdowns: vec![],
    });

    out.push(Sheet {
        name: l("運用管理規程", "Operating rules"),
        headers: vec![
            l("項目", "Item"),
            l("内容", "Topic"),
            l("記載箇所", "Covered in"),
        ],
        rows: Box::new(a.configuration.operating_rules.iter().map(move |i| {
            labels::operating_rule_row(i, lang)
                .into_iter()
                .map(text)
                .collect()
        })),
        dropdowns: vec![],
    });

    let mut vendor: Vec<Vec<Cell>> = a
        .configuration
        .vendor_selection
        .iter()
        .map(move |i| {
            vec![
                text(l("選定項目", "selection item")),
                text(i.name.get(lang)),
                text(
                    i.coverage
                        .clone()
                        .unwrap_or_else(|| l("未回答", "unanswered").to_owned()),
                ),
            ]
        })
        .collect();
    if let Some(e) = &a.configuration.evaluation_label {
        vendor.push(vec![
            text(l("安全管理に係る評価", "Safety evaluation")),
            text(""),
            text(e.get(lang)),
        ]);
    }
    out.push(Sheet {
        name: l("事業者選定", "Vendor selection"),
        headers: vec![l("区分", "Kind"), l("項目", "Item"), l("内容", "Answer")],
        rows: Box::new(vendor.into_iter()),
        dropdowns: vec![],
    });

    out.push(plain_sheet(package::certifications(a, lang)));
    out.push(plain_sheet(package::legal_records(a, lang)));

    out.push(Sheet {
        name: l("責任分界", "Responsibilities"),
        headers: vec![
            l("組織", "Organisation"),
            l("担当する機器", "Assets"),
            l("担当領域", "Areas"),
            l("事故調査の主導", "Incident lead"),
            l("役割", "Duties"),
        ],
        rows: Box::new(a.configuration.responsibilities.iter().map(move |r| {
            vec![
                text(&*r.organization.name),
                text(if r.assets.is_empty() {
                    l("管理する全機器", "all it manages").to_owned()
                } else {
                    labels::asset_names(a, &r.assets).join("、")
                }),
                text(labels::joined(&r.covers_labels, lang)),
                text(if r.incident_lead { "○" } else { "" }),
                text(r.duties.clone().unwrap_or_default()),
            ]
        })),
        dropdowns: vec![],
    });
    out
}

/// The document properties: title, and a creation date that comes from the model (or the
/// caller), never from the clock, so the same model gives the same bytes.
fn properties(a: &Assessment, options: &crate::Options) -> DocProperties {
    let date = options
        .document_date
        .as_deref()
        .or(a.system.as_of.as_deref())
        .and_then(|d| ExcelDateTime::parse_from_str(d).ok())
        .or_else(|| ExcelDateTime::from_ymd(2000, 1, 1).ok());
    let title = match options.lang {
        Lang::Ja => format!("{} リスクアセスメント", a.system.name),
        Lang::En => format!("{} risk assessment", a.system.name),
    };
    let properties = DocProperties::new().set_title(&title);
    match date {
        Some(date) => properties.set_creation_datetime(&date),
        None => properties,
    }
}

/// Writes the workbook.
pub fn write(a: &Assessment, options: &crate::Options, out: &mut dyn Write) -> std::io::Result<()> {
    let lang = options.lang;
    let formats = Formats::new();
    let page = PageText::new(a, lang);
    // Sheets are written on all cores, the largest taken first (popped from the end); the
    // workbook keeps their own order. Each is compressed by the thread that wrote it, as soon as
    // it is written: one packager compressing every sheet in turn at the end left the other
    // cores idle for a third of a large workbook's time (docs/PERFORMANCE.md).
    let mut pending: Vec<(usize, Sheet<'_>)> = sheets(a, lang).into_iter().enumerate().collect();
    pending.sort_by_key(|(_, sheet)| sheet.rows.size_hint().1.unwrap_or(usize::MAX));
    let pending = Mutex::new(pending);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut packed: Vec<(usize, Result<PackedSheet, XlsxError>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let next = pending.lock().unwrap_or_else(PoisonError::into_inner).pop();
                        let Some((i, sheet)) = next else { break done };
                        done.push((i, pack_sheet(sheet, &formats, &page, i == 0)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    packed.sort_by_key(|(i, _)| *i);
    let packed = packed
        .into_iter()
        .map(|(_, p)| p)
        .collect::<Result<Vec<_>, _>>()
        .map_err(std::io::Error::other)?;
    // The workbook's own parts (sheet list, defined names, styles, properties) come from a
    // workbook of empty sheets with the same names and workbook-level settings.
    let mut book = new_workbook(&formats);
    book.set_properties(&properties(a, options));
    for entry in packed.iter().flat_map(|p| &p.entries) {
        entry
            .apply(book.add_worksheet())
            .map_err(std::io::Error::other)?;
    }
    let book = book.save_to_buffer().map_err(std::io::Error::other)?;
    assemble(book, packed, out)
}

/// What a part of a sheet sets at the workbook's level: its name, and its filter and print
/// titles, which Excel keeps as the workbook's defined names. Applied to the sheet as it is
/// written and to its empty stand-in in the workbook the package's own parts come from.
struct BookEntry {
    name: String,
    filter_to_row: u32,
    last_col: u16,
    /// A sheet wider than a page repeats its first column (the id) on every page.
    repeat_id_column: bool,
}

impl BookEntry {
    fn apply(&self, ws: &mut Worksheet) -> Result<(), XlsxError> {
        ws.set_name(&self.name)?;
        ws.autofilter(0, 0, self.filter_to_row, self.last_col)?;
        if self.repeat_id_column {
            ws.set_repeat_columns(0, 0)?;
        }
        ws.set_repeat_rows(0, 0)?;
        Ok(())
    }
}

/// One sheet (all its parts) written as a workbook of its own, compressed. Its XML is the same
/// as in one workbook of all sheets: rust_xlsxwriter writes nothing into a sheet that depends on
/// the sheet's place in the workbook, except the ids of conditional formats, which sansho does
/// not use (they would repeat across sheets packed this way).
struct PackedSheet {
    entries: Vec<BookEntry>,
    zip: Vec<u8>,
}

/// Names the empty sheet that keeps a packed sheet from being the one Excel shows selected.
const PLACEHOLDER_SHEET: &str = "sansho-placeholder";

/// A workbook whose formats are registered in one fixed order. Formats get their style index on
/// first use, so every workbook written for one report numbers its styles alike, and each run
/// numbers them the same.
fn new_workbook(formats: &Formats) -> Workbook {
    let mut workbook = Workbook::new();
    // Deflate at level 6 took a third of the time for large workbooks; level 1 is about twice as
    // fast for files about a third larger (docs/PERFORMANCE.md).
    workbook.set_zip_compression_level(1);
    for format in formats.all() {
        workbook.register_format(format);
    }
    workbook
}

fn pack_sheet(
    sheet: Sheet<'_>,
    formats: &Formats,
    page: &PageText,
    first: bool,
) -> Result<PackedSheet, XlsxError> {
    let mut book = new_workbook(formats);
    let mut entries = Vec::new();
    for (ws, entry) in write_sheet(&mut book, sheet, formats, page)? {
        book.push_worksheet(ws);
        entries.push(entry);
    }
    // A workbook's active sheet is marked selected in its XML, and the first sheet is active
    // unless another is: only the package's first sheet may carry that mark, or Excel would open
    // the workbook with sheets grouped, where an edit changes all of them.
    if !first {
        book.add_worksheet()
            .set_name(PLACEHOLDER_SHEET)?
            .set_active(true);
    }
    Ok(PackedSheet {
        entries,
        zip: book.save_to_buffer()?,
    })
}

/// The number n of a package part `xl/worksheets/sheet{n}.xml`.
fn worksheet_number(part: &str) -> Option<usize> {
    part.strip_prefix("xl/worksheets/sheet")?
        .strip_suffix(".xml")?
        .parse()
        .ok()
}

fn read_part(zip: &mut ZipArchive<Cursor<Vec<u8>>>, name: &str) -> zip::result::ZipResult<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut zip.by_name(name)?, &mut bytes)?;
    Ok(bytes)
}

/// The package: every part of `book` in its order, its sheets replaced by the packed sheets'
/// parts, copied compressed as they are.
fn assemble(book: Vec<u8>, sheets: Vec<PackedSheet>, out: &mut dyn Write) -> std::io::Result<()> {
    let invariant = |what: String| std::io::Error::other(format!("workbook packaging: {what}"));
    let mut book = ZipArchive::new(Cursor::new(book))?;
    let book_parts: HashSet<String> = book
        .file_names()
        .map(|name| name.map(String::from))
        .collect::<Result<_, _>>()?;
    let styles = read_part(&mut book, "xl/styles.xml")?;
    // The package's sheet n (from 1) is sheet j (from 1) of the k sheets of packed workbook s.
    let mut places = Vec::new();
    let mut sources = Vec::new();
    for (s, packed) in sheets.into_iter().enumerate() {
        let mut zip = ZipArchive::new(Cursor::new(packed.zip))?;
        // A sheet's cells refer to styles by number, and a sheet part refers to no other part:
        // both hold by construction, and are checked so a change in the writer cannot produce
        // a package with wrong colours or dangling references.
        if read_part(&mut zip, "xl/styles.xml")? != styles {
            return Err(invariant(format!(
                "sheet {} numbers its styles differently",
                s + 1
            )));
        }
        for name in zip.file_names() {
            let name = name?;
            if worksheet_number(&name).is_none() && !book_parts.contains(&*name) {
                return Err(invariant(format!(
                    "sheet {} has a part {name} of its own",
                    s + 1
                )));
            }
        }
        let k = packed.entries.len();
        places.extend((1..=k).map(|j| (s, j, k)));
        sources.push(Some(zip));
    }
    // Written as it is assembled. Each part's sizes follow its data (a data descriptor), which
    // zip writes for raw copies from 9.8.2 on (Cargo.toml): readers that follow the local
    // headers (`unzip -t`, Java's ZipInputStream) need it.
    let mut package = ZipWriter::new_stream(out);
    for n in 0..book.len() {
        let part = book.by_index_raw(n)?;
        let name = part.name()?.into_owned();
        match worksheet_number(&name) {
            Some(number) => {
                let &(s, j, k) = places
                    .get(number.wrapping_sub(1))
                    .ok_or_else(|| invariant(format!("no sheet for {name}")))?;
                let source = sources[s]
                    .as_mut()
                    .ok_or_else(|| invariant(format!("{name} comes after its workbook's last")))?;
                let sheet = source.by_name_raw(format!("xl/worksheets/sheet{j}.xml").as_bytes())?;
                package.raw_copy_file_rename(sheet, name)?;
                // A packed workbook's sheets are copied in their order; once its last is in the
                // package, its buffer is freed.
                if j == k {
                    sources[s] = None;
                }
            }
            None => package.raw_copy_file(part)?,
        }
    }
    package.finish()?;
    Ok(())
}
