//! JSON Schemas (draft-07, which editors support fully) of the model format, the knowledge-base
//! override format and the assessment result. Committed copies live in `schemas/`; a test fails
//! when they are stale.

use serde_json::Value;

use crate::load::structure::draft07 as generate;

/// Schema of a model file.
pub fn model_schema() -> Value {
    generate::<crate::model::raw::RawFile>()
}

/// Schema of a knowledge-base override file.
pub fn kb_schema() -> Value {
    generate::<crate::kb::load::KbFile>()
}

/// Schema of the operational facts (`sansho assess --facts`, the server's export).
pub fn facts_schema() -> Value {
    generate::<crate::facts::OperationalFacts>()
}

/// Schema of the assessment result (`sansho assess --format json`).
pub fn result_schema() -> Value {
    generate::<crate::result::Assessment>()
}
