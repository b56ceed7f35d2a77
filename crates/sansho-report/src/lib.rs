//! sansho-report: the documents an institution receives, written from an assessment result.
//!
//! Every writer takes a [`sansho_core::Assessment`] (or a change report) and a `&mut dyn Write`;
//! none reads the model, the knowledge base or the file system. The CLI decides where the bytes go.
//!
//! | format | module |
//! |---|---|
//! | Excel workbook (.xlsx) | [`xlsx`] |
//! | HTML report, self-contained | [`html`] |
//! | configuration and flow diagrams (DOT, Mermaid, SVG) | [`diagram`] |
//! | Markdown | [`markdown`] |
//! | SARIF 2.1.0 | [`sarif`] |
//! | change report (text, JSON, HTML) | [`change`] |
//!
//! [`review`] reads back the institution's answers from a filled workbook.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod change;
pub mod diagram;
pub mod html;
mod labels;
pub mod layout;
pub mod markdown;
mod package;
pub mod pdf;
pub mod review;
pub mod sarif;
mod summarise;
pub mod terminal;
pub mod text;
pub mod xlsx;
pub mod zones;

use std::io::Write;

use sansho_core::vocab::Phase;
use sansho_core::vocab::Vocabulary;
use sansho_core::{Assessment, Lang};

/// The formats `sansho report` writes, with their file names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    Xlsx,
    Html,
    Markdown,
    Json,
    Sarif,
    Dot,
    Mermaid,
    Svg,
    Pdf,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 9] = [
        Format::Xlsx,
        Format::Html,
        Format::Markdown,
        Format::Json,
        Format::Sarif,
        Format::Dot,
        Format::Mermaid,
        Format::Svg,
        Format::Pdf,
    ];

    /// What `sansho report` writes when no format is named: every format but the PDF, which
    /// needs a Japanese font on the machine.
    pub const DEFAULT: [Format; 8] = [
        Format::Xlsx,
        Format::Html,
        Format::Markdown,
        Format::Json,
        Format::Sarif,
        Format::Dot,
        Format::Mermaid,
        Format::Svg,
    ];

    pub fn file_name(self) -> &'static str {
        match self {
            Format::Xlsx => "sansho-report.xlsx",
            Format::Html => "sansho-report.html",
            Format::Markdown => "sansho-report.md",
            Format::Json => "sansho-result.json",
            Format::Sarif => "sansho.sarif",
            Format::Dot => "configuration.dot",
            Format::Mermaid => "configuration.mmd",
            Format::Svg => "configuration.svg",
            Format::Pdf => "sansho-report.pdf",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Html => "html",
            Format::Markdown => "markdown",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Dot => "dot",
            Format::Mermaid => "mermaid",
            Format::Svg => "svg",
            Format::Pdf => "pdf",
        }
    }

    pub fn parse(text: &str) -> Option<Format> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == text || (text == "md" && *f == Format::Markdown))
    }
}

/// One file of a report: a format's main document, or one phase's flow diagram in a diagram
/// format. Files are independent of each other, so callers may write them in parallel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Output {
    pub format: Format,
    /// `Some` for the flow diagram of one phase.
    pub phase: Option<Phase>,
}

impl Output {
    pub fn file_name(&self) -> String {
        match self.phase {
            None => self.format.file_name().to_owned(),
            Some(phase) => {
                let ext = match self.format {
                    Format::Dot => "dot",
                    Format::Mermaid => "mmd",
                    _ => "svg",
                };
                format!("flows-{}.{ext}", phase.name())
            }
        }
    }
}

/// The files the chosen formats make: each diagram format also gets one flow diagram per phase.
pub fn outputs(formats: &[Format]) -> Vec<Output> {
    let mut files = Vec::new();
    for &format in formats {
        files.push(Output {
            format,
            phase: None,
        });
        if matches!(format, Format::Dot | Format::Mermaid | Format::Svg) {
            for phase in [Phase::Development, Phase::Operation, Phase::Termination] {
                files.push(Output {
                    format,
                    phase: Some(phase),
                });
            }
        }
    }
    files
}

/// What the caller decides for every document of a report.
#[derive(Clone, Debug)]
pub struct Options {
    pub lang: Lang,
    /// The date written into documents' metadata (the workbook's creation date), `YYYY-MM-DD`.
    /// When `None`, the model's `as_of`, else a fixed date: the same model always gives the same
    /// bytes, and no writer reads the clock.
    pub document_date: Option<String>,
    /// The model's directory relative to the checkout code scanning reads (normally the current
    /// directory), ending in `/`: SARIF says where its locations are relative to.
    pub model_dir: Option<String>,
    /// Font files for the PDF (one with Japanese glyphs is needed); read by the caller, since
    /// writers read no files.
    pub fonts: Vec<pdf::FontFile>,
}

impl Options {
    pub fn new(lang: Lang) -> Self {
        Options {
            lang,
            document_date: None,
            model_dir: None,
            fonts: Vec::new(),
        }
    }
}

/// Writes one file of a report.
pub fn write_output(
    output: Output,
    assessment: &Assessment,
    options: &Options,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let lang = options.lang;
    let Some(phase) = output.phase else {
        return write(output.format, assessment, options, out);
    };
    let d = diagram::flows(assessment, phase, lang);
    match output.format {
        Format::Dot => out.write_all(diagram::render_dot(&d).as_bytes()),
        Format::Mermaid => out.write_all(diagram::render_mermaid(&d).as_bytes()),
        _ => diagram::write_svg(&d, lang, out),
    }
}

/// Renders the chosen formats in memory, as (file name, bytes).
pub fn render(
    formats: &[Format],
    assessment: &Assessment,
    options: &Options,
) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    outputs(formats)
        .into_iter()
        .map(|output| {
            let mut bytes = Vec::new();
            write_output(output, assessment, options, &mut bytes)?;
            Ok((output.file_name(), bytes))
        })
        .collect()
}

/// Writes one format.
pub fn write(
    format: Format,
    assessment: &Assessment,
    options: &Options,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let lang = options.lang;
    match format {
        Format::Xlsx => xlsx::write(assessment, options, out),
        Format::Html => html::write(assessment, lang, out),
        Format::Markdown => markdown::write(assessment, lang, out),
        Format::Json => {
            // Compact: at 100,000 flows indentation alone would add hundreds of megabytes.
            serde_json::to_writer(&mut *out, assessment)?;
            writeln!(out)
        }
        Format::Sarif => sarif::write(assessment, options.model_dir.as_deref(), out),
        Format::Dot => {
            out.write_all(diagram::render_dot(&diagram::configuration(assessment, lang)).as_bytes())
        }
        Format::Mermaid => out.write_all(
            diagram::render_mermaid(&diagram::configuration(assessment, lang)).as_bytes(),
        ),
        Format::Svg => diagram::write_svg(&diagram::configuration(assessment, lang), lang, out),
        Format::Pdf => pdf::write(assessment, options, out),
    }
}
