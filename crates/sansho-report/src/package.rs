//! Parts of the agreement package that every document shows the same way: the system and its
//! evaluation, the legal records and how their storage meets 真正性・見読性・保存性, the
//! certifications, and the scales and matrix the ranks come from. Each is made here once as
//! plain rows; the workbook, the HTML and the Markdown only lay them out.

use sansho_core::vocab::Rank;
use sansho_core::{Assessment, Lang};

use crate::labels::t;

/// A table of plain texts.
pub(crate) struct PlainTable {
    pub id: &'static str,
    pub title: String,
    /// The workbook's sheet name (at most 31 characters).
    pub sheet: &'static str,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
    /// Said under the table (where the figures come from, why rows are missing).
    pub note: Option<String>,
    /// Said in the table when it has no rows: an empty table leaves the reader asking whether
    /// something is missing.
    pub none: Option<String>,
}

/// Document control (文書管理), as (label, text): what the model states, and that it states
/// nothing when it does not.
pub(crate) fn document_facts(a: &Assessment, lang: Lang) -> Vec<(String, String)> {
    let l = |ja: &'static str, en: &'static str| t(lang, ja, en).to_owned();
    let Some(d) = &a.system.document else {
        return vec![(l("文書管理", "Document control"), l("未記載", "not stated"))];
    };
    [
        (l("版数", "Version"), d.version.clone()),
        (l("作成日", "Created"), d.created.clone()),
        (l("改訂日", "Revised"), d.revised.clone()),
        (l("作成者", "Author"), d.author.clone()),
        (l("承認者", "Approver"), d.approver.clone()),
        (
            l("提出先", "Addressed to"),
            d.addressee.as_ref().map(|o| o.name.to_string()),
        ),
    ]
    .into_iter()
    .filter_map(|(label, value)| Some((label, value?)))
    .collect()
}

/// Document control for the foot of every printed page: version and date, addressee.
pub(crate) fn print_control(a: &Assessment, lang: Lang) -> String {
    let d = a.system.document.clone().unwrap_or_default();
    let mut parts = Vec::new();
    if let Some(v) = &d.version {
        parts.push(format!("{} {v}", t(lang, "版", "version")));
    }
    if let Some(date) = d
        .revised
        .as_ref()
        .or(d.created.as_ref())
        .or(a.system.as_of.as_ref())
    {
        parts.push(date.clone());
    }
    if let Some(to) = &d.addressee {
        parts.push(format!("{} {}", t(lang, "提出先", "for"), to.name));
    }
    parts.join(" · ")
}

/// The system description and the safety evaluation (PGL 4.3), as (label, text).
pub(crate) fn system_facts(a: &Assessment, lang: Lang) -> Vec<(String, String)> {
    let l = |ja: &'static str, en: &'static str| t(lang, ja, en).to_owned();
    vec![
        (
            l("システムの概要", "System"),
            a.system
                .description
                .clone()
                .unwrap_or_else(|| l("（モデルに記載なし）", "(not described in the model)")),
        ),
        (
            l(
                "安全管理に係る評価 (PGL 4.3)",
                "Safety evaluation (PGL 4.3)",
            ),
            a.configuration.evaluation_label.as_ref().map_or_else(
                || l("未実施・未記載", "not done or not stated"),
                |e| e.get(lang).to_owned(),
            ),
        ),
    ]
}

/// 制度上の要求事項への対応: each legally kept record with how each principle is met.
pub(crate) fn legal_records(a: &Assessment, lang: Lang) -> PlainTable {
    let l = |ja: &'static str, en: &'static str| t(lang, ja, en).to_owned();
    let missing = l("対策なし", "no control");
    let rows: Vec<Vec<String>> = a
        .configuration
        .legal_records
        .iter()
        .map(|r| {
            let mut row = vec![
                r.information.name.to_string(),
                match (r.retention_years, &r.law) {
                    (Some(y), Some(law)) => format!("{y}{} ({law})", t(lang, " 年", " years")),
                    (Some(y), None) => format!("{y}{}", t(lang, " 年", " years")),
                    (None, Some(law)) => law.clone(),
                    (None, None) => l("未記載", "not stated"),
                },
                names(r.stored_on.iter().map(|s| &*s.name), lang),
            ];
            for p in &r.principles {
                row.push(if p.controls.is_empty() {
                    missing.clone()
                } else {
                    names(p.controls.iter().map(|c| &*c.name), lang)
                });
            }
            row.push(match (&r.signature, r.requires_signature) {
                (Some(s), _) => s.get(lang).to_owned(),
                (None, true) => l("必要だが未記載", "required, not stated"),
                (None, false) => l("不要", "not required"),
            });
            row
        })
        .collect();
    PlainTable {
        none: Some(l(
            "該当なし (このシステムに法定保存文書として保存する記録はありません)",
            "none (the system keeps no legally kept record)",
        )),
        id: "legal-records",
        sheet: t(lang, "制度上の要求事項", "Institutional requirements"),
        title: l(
            "制度上の要求事項への対応 (法定保存文書の電子保存)",
            "Legal requirements (electronic storage of legally kept records)",
        ),
        headers: vec![
            t(lang, "記録", "Record"),
            t(lang, "保存期間 (根拠法)", "Retention (law)"),
            t(lang, "保存場所", "Stored on"),
            t(lang, "真正性", "Authenticity"),
            t(lang, "見読性", "Readability"),
            t(lang, "保存性", "Preservability"),
            t(lang, "電子署名・タイムスタンプ", "Signature and time-stamp"),
        ],
        // How to read the principles' columns; said only when there are rows to read.
        note: (!rows.is_empty()).then(|| {
            l(
                "各原則の欄は、その記録または記録を保持する機器に適用され、その原則を確保すると宣言された対策です。",
                "Each principle lists the controls that apply to the record or to a device holding it and declare that principle.",
            )
        }),
        rows,
    }
}

/// Certifications and audits of every organisation, with expired ones marked.
pub(crate) fn certifications(a: &Assessment, lang: Lang) -> PlainTable {
    let l = |ja: &'static str, en: &'static str| t(lang, ja, en).to_owned();
    let rows = a
        .configuration
        .organizations
        .iter()
        .flat_map(|o| {
            o.certifications.iter().map(move |c| {
                vec![
                    format!("{} ({})", o.name, crate::labels::role(o.role).get(lang)),
                    c.scheme.label().get(lang).to_owned(),
                    c.id.clone().unwrap_or_default(),
                    c.scope.clone().unwrap_or_default(),
                    c.valid_until.clone().unwrap_or_default(),
                    if c.expired {
                        format!(
                            "{} ({} {})",
                            t(lang, "失効", "expired"),
                            t(lang, "基準日", "as of"),
                            a.system.as_of.as_deref().unwrap_or_default()
                        )
                    } else if c.valid_until.is_some() {
                        l("有効", "valid")
                    } else {
                        l("有効期限の記載なし", "no expiry stated")
                    },
                ]
            })
        })
        .collect();
    PlainTable {
        none: Some(l(
            "該当なし (モデルに第三者認証・監査の記載はありません)",
            "none (the model states no certification or audit)",
        )),
        id: "certifications",
        sheet: t(lang, "認証・監査", "Certifications"),
        title: l("第三者認証・監査", "Certifications and audits"),
        headers: vec![
            t(lang, "組織", "Organisation"),
            t(lang, "認証", "Certification"),
            t(lang, "登録番号", "Number"),
            t(lang, "範囲", "Scope"),
            t(lang, "有効期限", "Valid until"),
            t(lang, "状態", "Status"),
        ],
        rows,
        note: None,
    }
}

/// The two five-level scales, with the note on where their criteria come from.
pub(crate) fn scales(a: &Assessment, lang: Lang) -> Vec<PlainTable> {
    let l = |ja: &'static str, en: &'static str| t(lang, ja, en).to_owned();
    let Some(scales) = &a.scales else {
        return Vec::new();
    };
    let note = scales.note.as_ref().map(|n| n.get(lang).to_owned());
    let table = |id, sheet, title: String, levels: &[sansho_core::kb::ScaleLevel]| PlainTable {
        id,
        sheet,
        title,
        headers: vec![
            t(lang, "レベル", "Level"),
            t(lang, "区分", "Label"),
            t(lang, "基準", "Criteria"),
        ],
        rows: levels
            .iter()
            .rev()
            .map(|s| {
                vec![
                    s.level.to_string(),
                    s.label.get(lang).to_owned(),
                    s.criteria.get(lang).to_owned(),
                ]
            })
            .collect(),
        note: note.clone(),
        none: None,
    };
    vec![
        table(
            "scale-likelihood",
            t(lang, "顕在化率の尺度", "Likelihood scale"),
            l("顕在化率の尺度", "Likelihood scale"),
            &scales.likelihood,
        ),
        table(
            "scale-impact",
            t(lang, "影響度の尺度", "Impact scale"),
            l("影響度の尺度", "Impact scale"),
            &scales.impact,
        ),
    ]
}

/// The rank matrix: impact 5 to 1 down, likelihood 1 to 5 across.
pub(crate) fn matrix(a: &Assessment, lang: Lang) -> PlainTable {
    let l = |ja: &'static str, en: &'static str| t(lang, ja, en).to_owned();
    let mut headers = vec![t(lang, "影響度 ＼ 顕在化率", "Impact \\ likelihood")];
    headers.extend(["1", "2", "3", "4", "5"]);
    PlainTable {
        id: "matrix",
        sheet: t(lang, "ランク表", "Rank matrix"),
        title: l("リスクレベル（ランク）の表", "Risk level (rank) matrix"),
        headers,
        rows: a
            .matrix
            .rows
            .iter()
            .rev()
            .map(|(impact, ranks)| {
                let mut row = vec![impact.to_string()];
                row.extend(ranks.iter().map(|r| r.as_str().to_owned()));
                row
            })
            .collect(),
        note: Some(a.matrix.source.get(lang).to_owned()),
        none: None,
    }
}

/// Whether a cell of the matrix is a rank (the writers colour it).
pub(crate) fn as_rank(text: &str) -> Option<Rank> {
    Rank::ALL.into_iter().find(|r| r.as_str() == text)
}

fn names<'a>(names: impl Iterator<Item = &'a str>, lang: Lang) -> String {
    let names: Vec<&str> = names.collect();
    names.join(t(lang, "、", ", "))
}
