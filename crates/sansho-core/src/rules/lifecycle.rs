//! LIFE: the lifecycle (PGL 3.2): termination flows that return, transfer or dispose of the data
//! with evidence, and periodic reports and self-inspection during operation.

use super::Ctx;
use crate::diagnostics::Code;
use crate::loc;
use crate::vocab::{Operation, Phase};

pub fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    let ends = |ops: &[Operation]| {
        ops.iter().any(|o| {
            matches!(
                o,
                Operation::Return | Operation::Export | Operation::Dispose | Operation::Transfer
            )
        })
    };
    let system_id = model.system.id.clone();
    if !model
        .flows
        .iter()
        .any(|f| f.phase == Phase::Termination && ends(&f.how))
    {
        ctx.emit(
            Code::TerminationFlowsMissing,
            &system_id,
            ctx.system_span(),
            loc!(
                "契約終了フェーズで情報を返却・移管・破棄する情報流がありません",
                "no termination-phase flow returns, transfers or disposes of the data"
            ),
        );
    }
    for f in &model.flows {
        let hands_over = f.how.iter().any(|o| {
            matches!(
                o,
                Operation::Return | Operation::Export | Operation::Dispose
            )
        });
        if f.phase == Phase::Termination && hands_over && f.evidence.is_none() {
            let id = &f.id;
            ctx.emit(
                Code::TerminationEvidenceMissing,
                id,
                Some(f.span),
                loc!(
                    "情報流 {id} に証跡 (evidence) がありません",
                    "flow {id} plans no evidence"
                ),
            );
        }
    }
    let reports = model.agreement.as_ref();
    let missing: Vec<&str> = [
        (
            "operation",
            reports.and_then(|a| a.reports_operation.as_ref()).is_none(),
        ),
        (
            "self_inspection",
            reports
                .and_then(|a| a.reports_self_inspection.as_ref())
                .is_none(),
        ),
    ]
    .iter()
    .filter(|(_, m)| *m)
    .map(|(n, _)| *n)
    .collect();
    if !missing.is_empty() {
        let list = missing.join(", ");
        ctx.emit(
            Code::PeriodicReportsMissing,
            &system_id,
            ctx.system_span(),
            loc!(
                "agreement.reports に {list} がありません",
                "agreement.reports lacks {list}"
            ),
        );
    }
}
