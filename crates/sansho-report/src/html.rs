//! The HTML report: one self-contained file (no network, no external assets), Japanese first,
//! with a table of contents, the diagrams inline as SVG, sortable and filterable tables, and an
//! A4 print stylesheet so "print to PDF" gives a clean document. Every model string is escaped
//! by the template engine; the SVG is built by [`crate::diagram`], which escapes its own text.

use std::io::Write;

use askama::Template;
use sansho_core::vocab::Phase;
use sansho_core::vocab::Vocabulary;
use sansho_core::vocab::{Rank, TreatmentNeed};
use sansho_core::{Assessment, Lang};

use crate::diagram::{self, Diagram};
use crate::labels::{self, t};
use crate::package;
use crate::zones;

pub struct Table<'a> {
    pub id: &'static str,
    pub title: String,
    pub headers: Vec<String>,
    /// A large table is drawn a page at a time by the report's script from a JSON block, which
    /// [`write`] streams into the page: a browser stays responsive with a page of rows in the
    /// document, not with a million.
    pub paged: bool,
    pub row_count: usize,
    /// Said under the table.
    pub note: String,
    /// Said in the table when it has no rows.
    pub none: String,
    /// What each column holds, for its width: known for the rows drawn in the page; a paged
    /// table's script learns it from its JSON block.
    columns: Vec<ColumnKind>,
    rows: Rows<'a>,
}

/// Widest text, in ems, that a column kept on one line may hold: a date (6 em) or a few words.
const SHORT_CELL_EM: f64 = 7.0;
/// A column with a text wider than this, in ems, holds sentences (想定リスク, 対策).
const LONG_CELL_EM: f64 = 24.0;

/// What a column holds, for the width the browser gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ColumnKind {
    /// Only short texts (dates, states, ranks, counts): kept on one line, so that a wide
    /// neighbour cannot squeeze it to a character per line.
    Short,
    /// Sentences: given a floor of width, so that a neighbour with a long word cannot squeeze
    /// it into a column of two words per line.
    Long,
    /// Words and names: a smaller floor, since Japanese text may break between any two
    /// characters and would otherwise give way to every other column.
    Plain,
}

impl ColumnKind {
    fn class(self) -> &'static str {
        match self {
            ColumnKind::Short => "short",
            ColumnKind::Long => "long",
            ColumnKind::Plain => "plain",
        }
    }
}

/// The widest non-empty text of each column so far, in ems, updated row by row.
#[derive(Default)]
struct ColumnMeasure(Vec<Option<f64>>);

impl ColumnMeasure {
    fn see(&mut self, row: &[Cell]) {
        if self.0.len() < row.len() {
            self.0.resize(row.len(), None);
        }
        for (widest, cell) in self.0.iter_mut().zip(row) {
            // Past the long bound a column's kind cannot change: a million-row table's
            // sentences are not measured again, nor any text further than that bound.
            if cell.text.is_empty() || widest.is_some_and(|w| w > LONG_CELL_EM) {
                continue;
            }
            let mut width = 0.0;
            for c in cell.text.chars() {
                width += crate::layout::advance(c, 1.0);
                if width > LONG_CELL_EM {
                    break;
                }
            }
            *widest = Some(widest.map_or(width, |w| w.max(width)));
        }
    }

    fn kinds(&self) -> Vec<ColumnKind> {
        self.0
            .iter()
            .map(|widest| match widest {
                // An empty column takes no more room than its header needs.
                None => ColumnKind::Short,
                Some(w) if *w <= SHORT_CELL_EM => ColumnKind::Short,
                Some(w) if *w > LONG_CELL_EM => ColumnKind::Long,
                _ => ColumnKind::Plain,
            })
            .collect()
    }

    fn of(rows: &[Vec<Cell>]) -> Vec<ColumnKind> {
        let mut measure = ColumnMeasure::default();
        for row in rows {
            measure.see(row);
        }
        measure.kinds()
    }
}

/// Calls the visitor with each row in turn.
type EachRow<'a> =
    Box<dyn Fn(&mut dyn FnMut(Vec<Cell>) -> std::io::Result<()>) -> std::io::Result<()> + 'a>;

enum Rows<'a> {
    /// The rows of a small table, drawn in the page.
    Held(Vec<Vec<Cell>>),
    /// The rows of a paged table, made only while its JSON block is written: a million rows
    /// are never held at once.
    Streamed(EachRow<'a>),
}

/// Tables longer than this are drawn a page at a time by the report's script.
pub const INLINE_ROWS: usize = 2_000;

impl<'a> Table<'a> {
    /// A table of one row per item; `items` is called once to count and, for a paged table,
    /// once more to write.
    fn new<T, I>(
        id: &'static str,
        title: String,
        headers: Vec<String>,
        items: impl Fn() -> I + 'a,
        row: impl Fn(T) -> Vec<Cell> + 'a,
    ) -> Table<'a>
    where
        I: Iterator<Item = T>,
    {
        let row_count = items().count();
        let paged = row_count > INLINE_ROWS;
        let rows = if paged {
            Rows::Streamed(Box::new(move |visit| {
                items().try_for_each(|item| visit(row(item)))
            }))
        } else {
            Rows::Held(items().map(row).collect())
        };
        let columns = match &rows {
            Rows::Held(held) => ColumnMeasure::of(held),
            Rows::Streamed(_) => Vec::new(),
        };
        Table {
            id,
            title,
            headers,
            paged,
            row_count,
            note: String::new(),
            none: String::new(),
            columns,
            rows,
        }
    }

    /// A table of rows already made (short lists built by grouping).
    fn held(
        id: &'static str,
        title: String,
        headers: Vec<String>,
        rows: Vec<Vec<Cell>>,
    ) -> Table<'a> {
        Table {
            id,
            title,
            headers,
            paged: rows.len() > INLINE_ROWS,
            row_count: rows.len(),
            note: String::new(),
            none: String::new(),
            columns: ColumnMeasure::of(&rows),
            rows: Rows::Held(rows),
        }
    }

    /// A table of the agreement package ([`crate::package`]); ranks are coloured.
    fn plain(table: package::PlainTable) -> Table<'a> {
        let rows = table
            .rows
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .map(|text| match package::as_rank(&text) {
                        Some(r) => rank(r),
                        None => cell(text),
                    })
                    .collect()
            })
            .collect();
        let headers = table.headers.into_iter().map(String::from).collect();
        let mut made = Table::held(table.id, table.title, headers, rows);
        made.note = table.note.unwrap_or_default();
        made.none = table.none.unwrap_or_default();
        made
    }

    /// The class of a cell drawn in the page, in column `column`.
    pub fn cell_class(&self, column: &usize, cell: &Cell) -> String {
        let kind = self.columns.get(*column).map_or("", |k| k.class());
        match (cell.class.is_empty(), kind.is_empty()) {
            (_, true) => cell.class.to_owned(),
            (true, false) => kind.to_owned(),
            (false, false) => format!("{} {kind}", cell.class),
        }
    }

    /// The rows drawn in the page: all rows of a small table, none of a paged one.
    pub fn inline_rows(&self) -> &[Vec<Cell>] {
        match &self.rows {
            Rows::Held(rows) if !self.paged => rows,
            _ => &[],
        }
    }

    /// Calls `visit` with the first `limit` rows, in order; rows past the limit are not made.
    pub fn for_each_row(
        &self,
        limit: usize,
        visit: &mut dyn FnMut(&[Cell]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        match &self.rows {
            Rows::Held(rows) => rows.iter().take(limit).try_for_each(|row| visit(row)),
            Rows::Streamed(each) => {
                let mut seen = 0;
                let result = each(&mut |row| {
                    if seen == limit {
                        return Err(std::io::Error::other(EnoughRows));
                    }
                    seen += 1;
                    visit(&row)
                });
                match result {
                    Err(e) if e.get_ref().is_some_and(|inner| inner.is::<EnoughRows>()) => Ok(()),
                    other => other,
                }
            }
        }
    }

    /// Writes the rows as the JSON block the page script reads: `{"rows": [[text, ...], ...],
    /// "rank_columns": [...], "short_columns": [...], "long_columns": [...],
    /// "plain_columns": [...]}` (column indices).
    fn write_json(&self, out: &mut dyn Write) -> std::io::Result<()> {
        // `<` only occurs inside JSON strings; escaped, no `</script>` can end the block.
        let mut out = EscapeLessThan(out);
        let mut rank_columns = vec![false; self.headers.len()];
        let mut measure = ColumnMeasure::default();
        let mut first = true;
        let mut visit = |row: &[Cell]| -> std::io::Result<()> {
            out.write_all(if first { b"{\"rows\":[" } else { b"," })?;
            first = false;
            measure.see(row);
            let mut texts = Vec::with_capacity(row.len());
            for (c, cell) in row.iter().enumerate() {
                if cell.class.starts_with("rank")
                    && let Some(is_rank) = rank_columns.get_mut(c)
                {
                    *is_rank = true;
                }
                texts.push(cell.text.as_str());
            }
            serde_json::to_writer(&mut out, &texts)?;
            Ok(())
        };
        self.for_each_row(usize::MAX, &mut visit)?;
        if first {
            out.write_all(b"{\"rows\":[")?;
        }
        let rank_columns: Vec<usize> = (0..rank_columns.len())
            .filter(|&c| rank_columns[c])
            .collect();
        let kinds = measure.kinds();
        let of_kind = |kind: ColumnKind| -> Vec<usize> {
            (0..kinds.len()).filter(|&c| kinds[c] == kind).collect()
        };
        write!(out, "],\"rank_columns\":")?;
        serde_json::to_writer(&mut out, &rank_columns)?;
        write!(out, ",\"short_columns\":")?;
        serde_json::to_writer(&mut out, &of_kind(ColumnKind::Short))?;
        write!(out, ",\"long_columns\":")?;
        serde_json::to_writer(&mut out, &of_kind(ColumnKind::Long))?;
        write!(out, ",\"plain_columns\":")?;
        serde_json::to_writer(&mut out, &of_kind(ColumnKind::Plain))?;
        write!(out, "}}")
    }
}

/// Ends a streamed table's rows early: [`Table::for_each_row`] has had its `limit`.
#[derive(Debug)]
struct EnoughRows;

impl std::fmt::Display for EnoughRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("enough rows")
    }
}

impl std::error::Error for EnoughRows {}

/// Writes through, with every `<` as the JSON escape `\u003c`.
struct EscapeLessThan<'a>(&'a mut dyn Write);

impl Write for EscapeLessThan<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for (i, part) in buf.split(|&b| b == b'<').enumerate() {
            if i > 0 {
                self.0.write_all(b"\\u003c")?;
            }
            self.0.write_all(part)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

pub struct Cell {
    pub text: String,
    /// CSS class, e.g. `rank rank-A`.
    pub class: &'static str,
}

fn cell(text: impl AsRef<str>) -> Cell {
    Cell {
        text: text.as_ref().to_owned(),
        class: "",
    }
}

fn rank(r: Rank) -> Cell {
    let class = match r {
        Rank::S => "rank rank-S",
        Rank::A => "rank rank-A",
        Rank::B => "rank rank-B",
        Rank::C => "rank rank-C",
        Rank::D => "rank rank-D",
    };
    Cell {
        text: r.as_str().to_owned(),
        class,
    }
}

pub struct Figure {
    pub id: String,
    pub title: String,
    pub svg: String,
}

#[derive(Template)]
#[template(path = "report.html")]
pub struct Report<'a> {
    pub lang: &'static str,
    pub title: String,
    pub subtitle: String,
    /// What every printed page carries at its top and bottom, as CSS string literals.
    pub print_header: String,
    pub print_footer: String,
    pub facts: Vec<(String, String)>,
    pub rank_rows: Vec<(Cell, usize, usize)>,
    pub figures: Vec<Figure>,
    pub tables: Vec<Table<'a>>,
    pub labels: Labels,
}

pub struct Labels {
    pub contents: &'static str,
    pub summary: &'static str,
    pub rank: &'static str,
    pub inherent: &'static str,
    pub residual: &'static str,
    pub diagrams: &'static str,
    pub filter: &'static str,
    pub rows: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub generated: String,
}

/// A diagram as a figure, followed by the parts that make it readable in print when it is too
/// large for one A4 page (see [`crate::zones`]).
fn add_figures(figures: &mut Vec<Figure>, id: String, title: String, d: &Diagram, lang: Lang) {
    let parts = zones::printable_parts(d, lang);
    let whole = if parts.is_empty() {
        title.clone()
    } else {
        format!(
            "{title} {}",
            t(
                lang,
                "（全体。拠点ごとの詳細は続く図）",
                "(whole; each site in detail follows)"
            )
        )
    };
    figures.push(Figure {
        id: id.clone(),
        title: whole,
        svg: diagram::render_svg(d),
    });
    for (k, (part, diagram)) in parts.into_iter().enumerate() {
        figures.push(Figure {
            id: format!("{id}-{}", k + 1),
            title: format!("{title} — {part}"),
            svg: diagram::render_svg(&diagram),
        });
    }
}

pub fn build(a: &Assessment, lang: Lang) -> Report<'_> {
    let l = move |ja: &'static str, en: &'static str| t(lang, ja, en);
    let mut figures = Vec::new();
    add_figures(
        &mut figures,
        "fig-configuration".into(),
        l("全体構成図", "Overall configuration").into(),
        &diagram::configuration(a, lang),
        lang,
    );
    for phase in [Phase::Development, Phase::Operation, Phase::Termination] {
        if a.flows.iter().any(|f| f.phase == phase) {
            add_figures(
                &mut figures,
                format!("fig-flows-{}", phase.name()),
                format!(
                    "{} — {}",
                    l("情報流図", "Information flows"),
                    labels::phase(phase, lang)
                ),
                &diagram::flows(a, phase, lang),
                lang,
            );
        }
    }
    let threat_name = move |id: &str| {
        a.threats
            .iter()
            .find(|th| th.id == id)
            .map_or(id.to_owned(), |th| format!("{id} {}", th.name.get(lang)))
    };
    let mut tables = Vec::new();
    tables.push(Table::new(
        "flows",
        l("情報流一覧", "Information flows").into(),
        [
            "ID",
            l("フェーズ", "Phase"),
            l("提供形態", "Layer"),
            "Who",
            "Where",
            "Which",
            "What",
            "How",
        ]
        .map(String::from)
        .to_vec(),
        || a.flows.iter(),
        move |f| labels::flow_row(f, lang).into_iter().map(cell).collect(),
    ));
    for scale in package::scales(a, lang) {
        tables.push(Table::plain(scale));
    }
    tables.push(Table::plain(package::matrix(a, lang)));
    tables.push(Table::new(
        "risks",
        l("リスクアセスメント結果一覧", "Risk assessment").into(),
        [
            l("リスクID", "Risk ID"),
            l("脅威", "Threat"),
            l("断面", "Segment"),
            l("想定リスク", "Risk scenario"),
            l("影響度", "Impact"),
            l("顕在化率", "Likelihood"),
            l("リスクレベル（ランク）", "Risk level (rank)"),
            l("対応要否", "Needed"),
            l("状況", "Status"),
            l("残存", "Residual"),
        ]
        .map(String::from)
        .to_vec(),
        || a.risks.iter(),
        move |r| {
            let need = match r.treatment_need {
                TreatmentNeed::Required => l("必須", "required"),
                TreatmentNeed::Consider => l("検討", "consider"),
                TreatmentNeed::NotRequired => l("不要", "not needed"),
            };
            vec![
                cell(&r.id),
                cell(threat_name(&r.threat)),
                cell(format!(
                    "{} @ {}",
                    r.segment.label().get(lang),
                    r.element.name
                )),
                cell(r.scenario.text(lang)),
                cell(r.inherent.impact.to_string()),
                cell(r.inherent.likelihood.to_string()),
                rank(r.inherent.rank),
                cell(need),
                cell(r.status.label().get(lang)),
                rank(r.residual.rank),
            ]
        },
    ));
    let treated = a.risks.iter().filter(|r| r.treatment.is_some()).count();
    let listed = a.risks.iter().filter(|r| crate::review::listed(r)).count();
    let mut treatment = Table::new(
        "treatment",
        l("リスク対応一覧", "Risk treatment").into(),
        [
            l("リスクID", "Risk ID"),
            l("想定リスク", "Risk scenario"),
            l("リスクレベル（ランク）", "Risk level (rank)"),
            l("対応方針", "Option"),
            l("対策", "Controls"),
            l("医療機関等への依頼", "Requests"),
            l("残存", "Residual"),
            l("受容", "Acceptance"),
        ]
        .map(String::from)
        .to_vec(),
        // Treated risks only: the untreated ones that still ask for treatment are in the
        // assessment list above and in the workbook's treatment sheet; at 100,000 flows listing
        // them here too would double the page. The note under the table says so.
        || a.risks.iter().filter(|r| r.treatment.is_some()),
        move |r| {
            let tr = r.treatment.as_deref();
            vec![
                cell(&r.id),
                cell(r.scenario.text(lang)),
                rank(r.inherent.rank),
                cell(tr.map_or_else(
                    || r.status.label().get(lang).to_owned(),
                    |tr| tr.option.label().get(lang).to_owned(),
                )),
                cell(
                    tr.iter()
                        .flat_map(|tr| &tr.controls)
                        .map(|c| format!("{} {} ({})", c.id, c.name, c.category.label().get(lang)))
                        .collect::<Vec<_>>()
                        .join(" / "),
                ),
                cell(
                    tr.iter()
                        .flat_map(|tr| &tr.requests)
                        .map(|q| q.text.as_str())
                        .collect::<Vec<_>>()
                        .join(" / "),
                ),
                rank(r.residual.rank),
                cell(
                    tr.and_then(|tr| tr.acceptance.as_ref())
                        .map_or(String::new(), |a| {
                            format!(
                                "{} {} {}",
                                a.by.as_deref().unwrap_or(""),
                                a.date.as_deref().unwrap_or(""),
                                a.reason.as_deref().unwrap_or("")
                            )
                        }),
                ),
            ]
        },
    );
    if listed != treated {
        treatment.note = match lang {
            Lang::Ja => format!(
                "この表は対応を決めたリスク ({treated} 件) です。ランクが対応を求めるのに未対応のリスク ({} 件) はリスクアセスメント結果一覧にあり、Excel のリスク対応一覧には両方 ({listed} 件) が載っています。",
                listed - treated
            ),
            Lang::En => format!(
                "This table lists the risks with a treatment ({treated}). The {} untreated risks whose rank asks for treatment are in the assessment list above; the workbook's treatment sheet lists both ({listed}).",
                listed - treated
            ),
        };
    }
    tables.push(treatment);
    let requests = labels::institution_requests(a);
    tables.push(Table::held(
        "requests",
        l(
            "医療機関等へ対応を求める事項",
            "Requests to the institution",
        )
        .into(),
        [
            l("依頼事項", "Request"),
            l("関連する対策", "Control"),
            l("対象リスク数", "Risks"),
        ]
        .map(String::from)
        .to_vec(),
        requests
            .into_iter()
            .map(|q| {
                vec![
                    cell(q.text),
                    cell(q.control.unwrap_or_default()),
                    cell(q.risks.to_string()),
                ]
            })
            .collect(),
    ));
    tables.push(Table::new(
        "findings",
        l("指摘", "Findings").into(),
        [
            l("コード", "Code"),
            l("ランク", "Rank"),
            l("場所", "Location"),
            l("内容", "Message"),
            l("条項", "Clauses"),
            l("対応", "Fix"),
        ]
        .map(String::from)
        .to_vec(),
        || a.findings.iter(),
        move |f| {
            vec![
                cell(f.code.as_str()),
                f.rank.map_or(cell(""), rank),
                cell(labels::place(a, f.span)),
                cell(f.message.get(lang)),
                cell(f.references.join(" / ")),
                cell(labels::reader_fix(f).map_or(String::new(), |h| h.get(lang).to_owned())),
            ]
        },
    ));
    tables.push(Table::new(
        "operating-rules",
        l("運用管理規程の記載", "Operating rules coverage").into(),
        [
            l("項目", "Item"),
            l("内容", "Topic"),
            l("記載箇所", "Covered in"),
        ]
        .map(String::from)
        .to_vec(),
        || a.configuration.operating_rules.iter(),
        move |i| {
            labels::operating_rule_row(i, lang)
                .into_iter()
                .map(cell)
                .collect()
        },
    ));
    tables.push(Table::held(
        "vendor-selection",
        l(
            "事業者選定のための情報と認証",
            "Vendor selection and certifications",
        )
        .into(),
        [l("項目", "Item"), l("内容", "Answer")]
            .map(String::from)
            .to_vec(),
        a.configuration
            .vendor_selection
            .iter()
            .map(|i| {
                vec![
                    cell(i.name.get(lang)),
                    cell(
                        i.coverage
                            .clone()
                            .unwrap_or_else(|| l("未回答", "unanswered").to_owned()),
                    ),
                ]
            })
            .collect(),
    ));
    tables.push(Table::plain(package::certifications(a, lang)));
    tables.push(Table::plain(package::legal_records(a, lang)));
    tables.push(Table::new(
        "responsibilities",
        l("責任分界", "Responsibilities").into(),
        [
            l("組織", "Organisation"),
            l("担当する機器", "Assets"),
            l("担当領域", "Areas"),
            l("事故調査の主導", "Incident lead"),
        ]
        .map(String::from)
        .to_vec(),
        || a.configuration.responsibilities.iter(),
        move |r| {
            vec![
                cell(&r.organization.name),
                cell(labels::asset_names(a, &r.assets).join(t(lang, "、", ", "))),
                cell(labels::joined(&r.covers_labels, lang)),
                cell(if r.incident_lead { "○" } else { "" }),
            ]
        },
    ));
    Report {
        lang: match lang {
            Lang::Ja => "ja",
            Lang::En => "en",
        },
        print_header: css_string(&format!(
            "{} — {}",
            a.system.name,
            l(
                "リスクアセスメント・リスク対応報告書",
                "Risk assessment and treatment report"
            )
        )),
        print_footer: css_string(&package::print_control(a, lang)),
        title: a.system.name.clone(),
        subtitle: l(
            "リスクアセスメント・リスク対応報告書",
            "Risk assessment and treatment report",
        )
        .into(),
        facts: package::document_facts(a, lang)
            .into_iter()
            .chain([
                (
                    l("対象事業者", "Provider").into(),
                    a.system.provider.name.to_string(),
                ),
                (
                    l("準拠する版", "Editions").into(),
                    a.system.editions.join(", "),
                ),
                (
                    l("基準日", "As of").into(),
                    a.system.as_of.clone().unwrap_or_default(),
                ),
                (
                    l("ランク表", "Matrix").into(),
                    a.matrix.source.get(lang).to_owned(),
                ),
                (
                    l("情報流 / リスク", "Flows / risks").into(),
                    format!("{} / {}", a.summary.flows, a.summary.risks),
                ),
                (
                    l("対応必須で未対応", "Untreated but required").into(),
                    a.summary.untreated_required.to_string(),
                ),
            ])
            .chain(package::system_facts(a, lang))
            .collect(),
        rank_rows: Rank::ALL
            .iter()
            .map(|r| {
                (
                    rank(*r),
                    *a.summary.inherent_by_rank.get(r.as_str()).unwrap_or(&0),
                    *a.summary.residual_by_rank.get(r.as_str()).unwrap_or(&0),
                )
            })
            .collect(),
        figures,
        tables,
        labels: Labels {
            contents: l("目次", "Contents"),
            summary: l("概要", "Summary"),
            rank: l("ランク", "Rank"),
            inherent: l("固有", "Inherent"),
            residual: l("残存", "Residual"),
            diagrams: l("構成図・情報流図", "Diagrams"),
            filter: l("絞り込み…", "Filter…"),
            rows: l("件", "rows"),
            previous: l("前へ", "Previous"),
            next: l("次へ", "Next"),
            generated: a.generator.clone(),
        },
    }
}

/// `text` as a quoted CSS string: quotes and backslashes escaped, and every character that could
/// end the style element or hide text (`<`, `>`, `&`, controls, direction marks) written as a
/// CSS escape.
fn css_string(text: &str) -> String {
    let text = crate::text::visible(text);
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() || matches!(c, '<' | '>' | '&') => {
                out.push_str(&format!("\\{:X} ", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub fn write(a: &Assessment, lang: Lang, out: &mut dyn Write) -> std::io::Result<()> {
    let report = build(a, lang);
    let html = report.render().map_err(std::io::Error::other)?;
    // The page leaves each paged table's JSON block empty; the rows are streamed into it here.
    // The block's opening tag comes from the template alone (model text is escaped and cannot
    // contain `"></script>`), so the place is unambiguous.
    let mut rest = html.as_str();
    for table in report.tables.iter().filter(|t| t.paged) {
        let tag = format!(
            "<script type=\"application/json\" data-table=\"{}-table\">",
            table.id
        );
        let at = rest
            .find(&tag)
            .map(|i| i + tag.len())
            .ok_or_else(|| std::io::Error::other(format!("no data block for {}", table.id)))?;
        out.write_all(&rest.as_bytes()[..at])?;
        table.write_json(out)?;
        rest = &rest[at..];
    }
    out.write_all(rest.as_bytes())
}

#[cfg(test)]
mod css_tests {
    use super::css_string;

    #[test]
    fn model_text_cannot_leave_a_css_string() {
        assert_eq!(
            css_string("a\"b\\c</style><script>\nx"),
            "\"a\\\"b\\\\c\\3C /style\\3E \\3C script\\3E \\A x\""
        );
    }
}
