//! The review round-trip without a portal: the institution fills the workbook's 医療機関の確認
//! and コメント columns of リスク対応一覧, and the provider reads them back against the model.
//!
//! The workbook carries the digest of the treatment list it was made from (概要 sheet), so a
//! workbook filled in for another version of the model is recognised as such.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use serde::Serialize;
use sha2::{Digest, Sha256};

use sansho_core::result::Risk;
use sansho_core::vocab::{TreatmentNeed, Vocabulary};
use sansho_core::{Assessment, Lang, Localized, loc};

/// The label of the summary row that holds the digest, in both languages.
pub(crate) const DIGEST_LABEL: (&str, &str) = (
    "リスク対応一覧の識別子 (SHA-256)",
    "Treatment list id (SHA-256)",
);
pub(crate) const SUMMARY_SHEET: (&str, &str) = ("概要", "Summary");
pub(crate) const TREATMENT_SHEET: (&str, &str) = ("リスク対応一覧", "Risk treatment");
pub(crate) const RISK_ID_HEADER: (&str, &str) = ("リスクID", "Risk ID");
pub(crate) const VERDICT_HEADER: (&str, &str) = ("医療機関の確認", "Institution review");
pub(crate) const COMMENT_HEADER: (&str, &str) = ("医療機関のコメント", "Institution comment");
/// The verdicts offered in the workbook's drop-down, Japanese then English.
pub(crate) const VERDICTS: [(Verdict, &str, &str); 3] = [
    (Verdict::Agreed, "合意", "agreed"),
    (Verdict::Discuss, "要協議", "to discuss"),
    (Verdict::SentBack, "差戻し", "rejected"),
];

/// The risks the treatment sheet lists: treated ones and those whose rank asks for treatment.
pub(crate) fn listed(r: &Risk) -> bool {
    r.treatment.is_some() || r.treatment_need != TreatmentNeed::NotRequired
}

/// The digest of what the institution judges in the treatment sheet: each listed risk with its
/// ranks, status, option, controls and requests. Positions in files and names do not enter it.
pub fn treatment_digest(a: &Assessment) -> String {
    let mut hash = Sha256::new();
    hash.update(a.system.id.as_bytes());
    for r in a.risks.iter().filter(|r| listed(r)) {
        hash.update(b"\n");
        hash.update(r.id.as_bytes());
        for part in [
            r.inherent.rank.as_str(),
            r.residual.rank.as_str(),
            r.status.as_str(),
        ] {
            hash.update(b"\t");
            hash.update(part.as_bytes());
        }
        if let Some(t) = &r.treatment {
            hash.update(b"\t");
            hash.update(t.option.name().as_bytes());
            for c in &t.controls {
                hash.update(b"\tc:");
                hash.update(c.id.as_bytes());
            }
            for q in &t.requests {
                hash.update(b"\tq:");
                hash.update(q.text.as_bytes());
            }
        }
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Agreed,
    Discuss,
    SentBack,
}

/// One row the institution answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReviewedRow {
    /// Sheet and cell of the risk id, e.g. `リスク対応一覧!A5`.
    pub cell: String,
    pub risk: String,
    pub verdict: Verdict,
    pub comment: Option<String>,
}

/// What a filled workbook says.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WorkbookReview {
    /// The digest written when the workbook was made; `None` when the row is missing.
    pub digest: Option<String>,
    pub rows: Vec<ReviewedRow>,
    /// Rows listed but not answered.
    pub unanswered: Vec<String>,
}

/// Why a workbook could not be read. Each names where and what would fix it.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("{}", .0.en)]
    Unreadable(Localized),
    #[error("{}", .0.en)]
    Layout(Localized),
    #[error("{}", .0.en)]
    Cell(Localized),
}

impl ReviewError {
    pub fn message(&self) -> &Localized {
        match self {
            ReviewError::Unreadable(m) | ReviewError::Layout(m) | ReviewError::Cell(m) => m,
        }
    }
}

/// Reads the answers of a filled workbook (either language).
pub fn read(bytes: &[u8]) -> Result<WorkbookReview, ReviewError> {
    let mut wb = Xlsx::new(Cursor::new(bytes)).map_err(|e| {
        ReviewError::Unreadable(loc!(
            "Excel ブック (.xlsx) として読めません: {e}。sansho report が書いた sansho-report.xlsx を指定してください",
            "not readable as an Excel workbook (.xlsx): {e}. Give the sansho-report.xlsx that sansho report wrote"
        ))
    })?;
    let names = wb.sheet_names();
    let mut review = WorkbookReview::default();

    if let Some(summary) = names
        .iter()
        .find(|n| *n == SUMMARY_SHEET.0 || *n == SUMMARY_SHEET.1)
        && let Ok(range) = wb.worksheet_range(summary)
    {
        review.digest = range.rows().find_map(|row| {
            let label = text(row.first()?);
            if label != DIGEST_LABEL.0 && label != DIGEST_LABEL.1 {
                return None;
            }
            Some(text(row.get(1)?)).filter(|d| !d.is_empty())
        });
    }

    // The sheet and its continuations, `リスク対応一覧 (2)` …, in order.
    let sheets: Vec<String> = names
        .iter()
        .filter(|n| {
            [TREATMENT_SHEET.0, TREATMENT_SHEET.1].iter().any(|base| {
                *n == base
                    || n.strip_prefix(base)
                        .and_then(|rest| rest.strip_prefix(" ("))
                        .is_some_and(|rest| rest.ends_with(')'))
            })
        })
        .cloned()
        .collect();
    if sheets.is_empty() {
        let (ja, en) = TREATMENT_SHEET;
        return Err(ReviewError::Layout(Localized::new(
            format!(
                "シート「{ja}」がありません。sansho report が書いたブックを、シート名を変えずに使ってください"
            ),
            format!(
                "there is no sheet \"{en}\": use the workbook sansho report wrote, without renaming its sheets"
            ),
        )));
    }
    for sheet in &sheets {
        let range = wb.worksheet_range(sheet).map_err(|e| {
            ReviewError::Unreadable(loc!(
                "シート「{sheet}」が読めません: {e}",
                "sheet \"{sheet}\" cannot be read: {e}"
            ))
        })?;
        let (first_row, first_col) = range.start().unwrap_or((0, 0));
        let mut rows = range.rows();
        let header: Vec<String> = rows
            .next()
            .map(|r| r.iter().map(text).collect())
            .unwrap_or_default();
        let column = |names: (&str, &str)| header.iter().position(|h| h == names.0 || h == names.1);
        let (Some(id_col), Some(verdict_col)) = (column(RISK_ID_HEADER), column(VERDICT_HEADER))
        else {
            let (id_ja, id_en) = RISK_ID_HEADER;
            let (verdict_ja, verdict_en) = VERDICT_HEADER;
            return Err(ReviewError::Layout(loc!(
                "シート「{sheet}」の 1 行目に「{id_ja}」と「{verdict_ja}」の列がありません。列を消したり名前を変えたりしないでください",
                "sheet \"{sheet}\" has no \"{id_en}\" and \"{verdict_en}\" columns in its first row: do not delete or rename columns"
            )));
        };
        let comment_col = column(COMMENT_HEADER);
        for (i, row) in rows.enumerate() {
            let row_number = first_row as usize + i + 2;
            let id = row.get(id_col).map(text).unwrap_or_default();
            if id.is_empty() {
                continue;
            }
            let cell_name = |col: usize| {
                format!(
                    "{sheet}!{}{row_number}",
                    column_letters(first_col as usize + col)
                )
            };
            let answer = row.get(verdict_col).map(text).unwrap_or_default();
            let comment = comment_col
                .and_then(|c| row.get(c))
                .map(text)
                .filter(|c| !c.is_empty());
            if answer.is_empty() {
                review.unanswered.push(id);
                continue;
            }
            let Some(verdict) = VERDICTS
                .iter()
                .find(|(_, ja, en)| answer == *ja || answer == *en)
                .map(|(v, _, _)| *v)
            else {
                let cell = cell_name(verdict_col);
                return Err(ReviewError::Cell(loc!(
                    "{cell} の「{answer}」は確認結果ではありません。合意・要協議・差戻しのいずれかを選んでください",
                    "{cell}: \"{answer}\" is not a review result; choose agreed, to discuss or rejected"
                )));
            };
            review.rows.push(ReviewedRow {
                cell: cell_name(id_col),
                risk: id,
                verdict,
                comment,
            });
        }
    }
    Ok(review)
}

/// The answers held against the model as it is now.
#[derive(Clone, Debug, Serialize)]
pub struct ReviewImport {
    /// The digest of the model's treatment list now.
    pub current_digest: String,
    /// The digest the workbook was made with.
    pub workbook_digest: Option<String>,
    /// Whether the workbook was made from this version of the model.
    pub same_version: bool,
    pub agreed: Vec<ReviewedRow>,
    pub discuss: Vec<ReviewedRow>,
    pub sent_back: Vec<ReviewedRow>,
    /// Answered rows whose risk the model no longer has (or never had).
    pub unknown: Vec<ReviewedRow>,
    /// Risks the treatment list has now that the workbook did not answer.
    pub unanswered: Vec<String>,
}

pub fn compare(review: WorkbookReview, a: &Assessment) -> ReviewImport {
    let current_digest = treatment_digest(a);
    let listed: std::collections::BTreeSet<&str> = a
        .risks
        .iter()
        .filter(|r| listed(r))
        .map(|r| r.id.as_str())
        .collect();
    let mut import = ReviewImport {
        same_version: review.digest.as_deref() == Some(current_digest.as_str()),
        current_digest,
        workbook_digest: review.digest,
        agreed: Vec::new(),
        discuss: Vec::new(),
        sent_back: Vec::new(),
        unknown: Vec::new(),
        unanswered: Vec::new(),
    };
    let answered: std::collections::BTreeSet<String> =
        review.rows.iter().map(|r| r.risk.clone()).collect();
    for row in review.rows {
        if !listed.contains(row.risk.as_str()) {
            import.unknown.push(row);
            continue;
        }
        match row.verdict {
            Verdict::Agreed => import.agreed.push(row),
            Verdict::Discuss => import.discuss.push(row),
            Verdict::SentBack => import.sent_back.push(row),
        }
    }
    import.unanswered = listed
        .into_iter()
        .filter(|id| !answered.contains(*id))
        .map(str::to_owned)
        .collect();
    import
}

impl ReviewImport {
    /// A plain report of the import.
    pub fn render(&self, lang: Lang) -> String {
        let ja = lang == Lang::Ja;
        let mut out = String::new();
        if !self.same_version {
            out.push_str(&match (&self.workbook_digest, ja) {
                (Some(d), true) => format!(
                    "注意: このブックは別の版のモデルから作られています (ブック {}…, 現在 {}…)。確認結果は現在のリスク対応一覧に対するものではありません。\n\n",
                    &d[..d.len().min(12)],
                    &self.current_digest[..12]
                ),
                (Some(d), false) => format!(
                    "Warning: this workbook was made from another version of the model (workbook {}…, now {}…); its answers are not about the current treatment list.\n\n",
                    &d[..d.len().min(12)],
                    &self.current_digest[..12]
                ),
                (None, true) => "注意: このブックには版の識別子がありません。どの版に対する確認か分かりません。\n\n".to_owned(),
                (None, false) => "Warning: this workbook carries no version id; which version was reviewed is unknown.\n\n".to_owned(),
            });
        }
        let section = |out: &mut String, title: &str, rows: &[ReviewedRow]| {
            out.push_str(&format!("{title}: {}\n", rows.len()));
            for r in rows {
                out.push_str(&format!("  {}  ({})", r.risk, r.cell));
                if let Some(c) = &r.comment {
                    out.push_str(&format!("  — {c}"));
                }
                out.push('\n');
            }
        };
        let t = |j: &'static str, e: &'static str| if ja { j } else { e };
        section(&mut out, t("合意", "Agreed"), &self.agreed);
        section(&mut out, t("要協議", "To discuss"), &self.discuss);
        section(&mut out, t("差戻し", "Sent back"), &self.sent_back);
        if !self.unknown.is_empty() {
            section(
                &mut out,
                t("モデルにないリスク", "Risks the model does not have"),
                &self.unknown,
            );
        }
        out.push_str(&format!(
            "{}: {}\n",
            t("未回答", "Unanswered"),
            self.unanswered.len()
        ));
        out
    }
}

fn text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        other => other.to_string().trim().to_owned(),
    }
}

/// `0` → `A`, `26` → `AA`.
fn column_letters(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_lettered_like_excel() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(13), "N");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }
}
