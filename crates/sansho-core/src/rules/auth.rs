//! AUTH: user authentication (PGL 5.1.5(イ)①): multi-factor, counted by factor type.

use super::Ctx;
use crate::diagnostics::Code;
use crate::loc;
use crate::model::ElementRef;
use crate::vocab::AuthFactor;
use crate::vocab::Vocabulary;
use crate::vocab::{ActorKind, AuthMethod, Operation};

/// Operations through which a person reads or changes information (not carrying, disposing).
fn accesses_content(op: Operation) -> bool {
    matches!(
        op,
        Operation::View
            | Operation::Create
            | Operation::Update
            | Operation::Delete
            | Operation::Export
            | Operation::Import
            | Operation::Restore
            | Operation::Maintain
    )
}

pub fn check(ctx: &mut Ctx<'_>) {
    for (ix, asset) in ctx.model.assets.iter().enumerate() {
        let flows: Vec<&str> = ctx
            .flows_at(ix)
            .filter(|f| {
                // The guideline's user authentication concerns staff and vendors, not patients.
                let staff = f
                    .who
                    .is_some_and(|a| ctx.model.actors[a].kind != Some(ActorKind::Patient));
                staff && ctx.flow_is_medical(f) && f.how.iter().any(|op| accesses_content(*op))
            })
            .map(|f| f.id.as_str())
            .collect();
        if flows.is_empty() || !asset.kind.has_login() {
            continue;
        }
        let detail = match &asset.authentication {
            None => loc!(
                "認証方式が書かれていません",
                "the authentication is not stated"
            ),
            Some(methods) if methods.contains(&AuthMethod::None) => {
                loc!("認証がありません", "there is no authentication")
            }
            Some(methods) => {
                let mut factors: Vec<AuthFactor> = methods
                    .iter()
                    .filter_map(|m| ctx.kb.auth_factors.get(m).copied())
                    .collect();
                factors.sort_unstable();
                factors.dedup();
                if factors.len() >= 2 {
                    continue;
                }
                let names: Vec<&str> = methods.iter().map(|m| m.name()).collect();
                let names = names.join(" + ");
                loc!(
                    "{names} は 1 種類の要素だけです",
                    "{names} is a single factor type"
                )
            }
        };
        let (name, id, list) = (&asset.name, &asset.id, Ctx::list(flows.into_iter()));
        let (dj, de) = (&detail.ja, &detail.en);
        let span = ctx.model.element_span(ElementRef::Asset(ix));
        ctx.emit(
            Code::HumanAccessWithoutMfa,
            id,
            span,
            loc!(
                "{name} ({id}) — {dj} (情報流 {list})",
                "{name} ({id}) — {de} (flows {list})"
            ),
        );
    }
}
