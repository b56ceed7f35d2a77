//! NET: network routes (PGL 5.1.5(イ)③): TLS on the internet, the high-security TLS profile,
//! client-type SSL-VPN only, IPsec with IKE, secure networks for staff and vendors.

use super::Ctx;
use crate::diagnostics::Code;
use crate::loc;
use crate::model::ElementRef;
use crate::vocab::{ActorKind, ConnectionKind, SslVpnType, TlsVersion};

pub fn check(ctx: &mut Ctx<'_>) {
    for (ix, c) in ctx.model.connections.iter().enumerate() {
        let element = ElementRef::Connection(ix);
        let (id, name) = (&c.id, &c.name);
        let medical_flows: Vec<&str> = ctx
            .medical_flows_through(element)
            .map(|f| f.id.as_str())
            .collect();
        if c.kind == ConnectionKind::Internet
            && c.tls.is_none()
            && !c.unencrypted_by_law
            && !medical_flows.is_empty()
        {
            let list = Ctx::list(medical_flows.iter().copied());
            ctx.emit(
                Code::MedicalOverInternetWithoutTls,
                id,
                Some(c.span),
                loc!(
                    "{name} ({id}) を医療情報が TLS なしで通ります (情報流 {list})",
                    "{name} ({id}) carries medical information without TLS (flows {list})"
                ),
            );
        }
        if let Some(tls) = &c.tls {
            let legacy: Vec<&str> = tls
                .versions
                .iter()
                .filter_map(|v| match v {
                    TlsVersion::Ssl3 => Some("ssl3"),
                    TlsVersion::Tls10 => Some("tls1.0"),
                    TlsVersion::Tls11 => Some("tls1.1"),
                    _ => None,
                })
                .collect();
            if !legacy.is_empty() {
                let list = legacy.join(", ");
                ctx.emit(
                    Code::TlsVersionNotAllowed,
                    id,
                    Some(tls.versions_span),
                    loc!("{id} が {list} を許可しています", "{id} allows {list}"),
                );
            } else if tls.versions.contains(&TlsVersion::Tls12) && tls.reason_for_tls12.is_none() {
                ctx.emit(
                    Code::TlsVersionNotAllowed,
                    id,
                    Some(tls.versions_span),
                    loc!("{id} が TLS 1.2 を許可していますが、TLS 1.3 にできない理由 (reason_for_tls12) がありません", "{id} allows TLS 1.2 without a recorded reason (reason_for_tls12)"),
                );
            }
            for (suite, span) in tls.cipher_suites.iter().zip(&tls.cipher_suite_spans) {
                if !ctx.kb.tables.tls_cipher_suites.iter().any(|s| s == suite) {
                    ctx.emit(
                        Code::TlsCipherNotAllowed,
                        id,
                        Some(*span),
                        loc!(
                            "{id} の {suite} は許可リストにありません",
                            "{suite} on {id} is not on the allow-list"
                        ),
                    );
                }
            }
        }
        if c.kind == ConnectionKind::SslVpn && c.ssl_vpn != Some(SslVpnType::Client) {
            let detail = if c.ssl_vpn.is_none() {
                loc!(
                    "{name} ({id}) はクライアント型と書かれていません",
                    "{name} ({id}) is not stated to be client-type"
                )
            } else {
                loc!(
                    "{name} ({id}) はクライアントレス型です",
                    "{name} ({id}) is clientless"
                )
            };
            ctx.emit(Code::ClientlessSslVpn, id, Some(c.span), detail);
        }
        if c.kind == ConnectionKind::IpsecVpn && c.ike != Some(true) {
            let detail = if c.ike.is_none() {
                loc!(
                    "{name} ({id}) で IKE を使うか書かれていません",
                    "{name} ({id}) does not state whether IKE is used"
                )
            } else {
                loc!(
                    "{name} ({id}) は IKE を使いません",
                    "{name} ({id}) does not use IKE"
                )
            };
            ctx.emit(Code::IpsecWithoutIke, id, Some(c.span), detail);
        }
        if c.kind == ConnectionKind::Internet
            && !c.tls.as_ref().is_some_and(|t| t.client_certificates)
        {
            let staff: Vec<&str> = ctx
                .medical_flows_through(element)
                .filter(|f| {
                    f.who
                        .is_some_and(|a| ctx.model.actors[a].kind != Some(ActorKind::Patient))
                })
                .map(|f| f.id.as_str())
                .collect();
            if !staff.is_empty() {
                let list = Ctx::list(staff.into_iter());
                ctx.emit(
                    Code::InsecureRouteForStaff,
                    id,
                    Some(c.span),
                    loc!(
                        "職員・事業者が {name} ({id}) のインターネット経由で医療情報を扱います (情報流 {list})",
                        "staff or vendors handle medical information over the internet via {name} ({id}) (flows {list})"
                    ),
                );
            }
        }
    }
}
