//! `sansho review import`: the institution's answers in a filled workbook, held against the model.

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use sansho_core::{KnowledgeBase, Lang};

use crate::{Common, EXIT_FAIL_ON, EXIT_INVALID, assess_model};

/// Larger than any workbook sansho writes for a model it can assess.
const MAX_WORKBOOK_BYTES: u64 = 1 << 30;

pub fn import(
    workbook: &Path,
    model: &Path,
    json: bool,
    kb: &KnowledgeBase,
    common: &Common,
) -> anyhow::Result<ExitCode> {
    let lang: Lang = common.lang.into();
    let mut bytes = Vec::new();
    std::fs::File::open(workbook)
        .with_context(|| format!("{}", workbook.display()))?
        .take(MAX_WORKBOOK_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("{}", workbook.display()))?;
    if bytes.len() as u64 > MAX_WORKBOOK_BYTES {
        eprintln!(
            "{}: {}",
            workbook.display(),
            match lang {
                Lang::Ja => "1 GiB を超えるブックは読みません",
                Lang::En => "workbooks over 1 GiB are not read",
            }
        );
        return Ok(ExitCode::from(EXIT_INVALID));
    }
    let review = match sansho_report::review::read(&bytes) {
        Ok(review) => review,
        Err(e) => {
            eprintln!("{}: {}", workbook.display(), e.message().get(lang));
            return Ok(ExitCode::from(EXIT_INVALID));
        }
    };
    let Some(assessment) = assess_model(model, kb, common)? else {
        return Ok(ExitCode::from(EXIT_INVALID));
    };
    let import = sansho_report::review::compare(review, &assessment);
    if json {
        println!("{}", serde_json::to_string_pretty(&import)?);
    } else {
        print!("{}", import.render(lang));
    }
    Ok(if import.same_version {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAIL_ON)
    })
}
