//! The Japanese font the PDF report is set in: the files named with `--font`, or else the first
//! font of the system with a Japanese name, preferring the common gothic families.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use sansho_core::Lang;
use sansho_report::pdf::FontFile;

/// Families tried first, in order: fonts a Japanese reader expects in a business document.
const PREFERRED: [&str; 12] = [
    "IPAexGothic",
    "Noto Sans CJK JP",
    "Noto Sans JP",
    "Source Han Sans JP",
    "IPAGothic",
    "TakaoGothic",
    "VL Gothic",
    "Hiragino Sans",
    "Hiragino Kaku Gothic ProN",
    "Yu Gothic",
    "Meiryo",
    "MS Gothic",
];

/// Font files larger than this are refused: the largest CJK collections are about 100 MB.
const MAX_FONT_BYTES: u64 = 256 * 1024 * 1024;

fn read(path: &Path) -> anyhow::Result<FontFile> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("{}: cannot read the font file", path.display()))?
        .len();
    anyhow::ensure!(
        size <= MAX_FONT_BYTES,
        "{}: {size} bytes is too large for a font file",
        path.display()
    );
    let data = std::fs::read(path)
        .with_context(|| format!("{}: cannot read the font file", path.display()))?;
    Ok(FontFile {
        name: path.display().to_string(),
        data: Arc::new(data),
    })
}

/// The fonts for the PDF: `explicit` when given, else one found on the system.
pub fn for_pdf(explicit: &[PathBuf], lang: Lang) -> anyhow::Result<Vec<FontFile>> {
    if !explicit.is_empty() {
        return explicit.iter().map(|p| read(p)).collect();
    }
    let mut db = fontdb::Database::new();
    db.load_system_fonts();
    let preferred = PREFERRED.iter().find_map(|family| {
        db.query(&fontdb::Query {
            families: &[fontdb::Family::Name(family)],
            ..fontdb::Query::default()
        })
    });
    let japanese = || {
        db.faces()
            .find(|face| {
                face.families
                    .iter()
                    .any(|(_, language)| *language == fontdb::Language::Japanese_Japan)
            })
            .map(|face| face.id)
    };
    let Some(id) = preferred.or_else(japanese) else {
        anyhow::bail!(match lang {
            Lang::Ja =>
                "PDF に使う日本語フォントがこの機械に見つかりません。フォントをインストールするか (Debian: apt install fonts-ipaexfont-gothic)、--font でフォントファイルを指定してください",
            Lang::En =>
                "no Japanese font for the PDF on this machine: install one (Debian: apt install fonts-ipaexfont-gothic) or name a font file with --font",
        });
    };
    match db.face_source(id) {
        Some((fontdb::Source::File(path) | fontdb::Source::SharedFile(path, _), _)) => {
            Ok(vec![read(&path)?])
        }
        _ => anyhow::bail!("the system's Japanese font is not in a file sansho can read"),
    }
}
