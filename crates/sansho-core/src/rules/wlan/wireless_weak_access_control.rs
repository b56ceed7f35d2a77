//! WLAN001 wireless-weak-access-control: wireless LAN admission by MAC filter or shared key only.

use crate::rules::prelude::*;

declare_rule!(r#"
code: WLAN001
name: wireless-weak-access-control
title: {ja: "無線 LAN の接続制限が MAC アドレスや共有鍵だけ", en: "Wireless LAN admission by MAC filter or shared key only"}
what:
  ja: "無線 LAN の接続のうち、端末の接続制限が IEEE 802.1X と電子証明書の組み合わせでないもの (MAC アドレスフィルタ、事前共有鍵 (PSK)、パスワードによる 802.1X、制限なし) を検出します。ガイドラインは MAC アドレスフィルタより安全な方法を求め、802.1X と証明書をその例に挙げています。パスワードによる 802.1X も検出するのは、証明書を基準とする sansho の判断です。接続制限が書かれていない場合は、何を書けばよいかを警告します。"
  en: "Flags wireless LAN connections that do not admit devices with IEEE 802.1X and certificates, relying instead on MAC filtering, a pre-shared key, 802.1X with passwords, or nothing. The guideline asks for something safer than MAC filtering and names 802.1X with certificates as an example; flagging 802.1X with passwords too is sansho's reading, which takes certificates as the bar. Where the admission is not stated, a warning says what to state."
why:
  ja: "MAC アドレスは容易に偽装でき、共有鍵は一度漏れると誰でも接続できるため、建物の外からの侵入や盗聴 (T1・T2) を防げません。"
  en: "MAC addresses are easily spoofed and a shared key, once leaked, lets anyone in, so intrusion and eavesdropping from outside the building (T1, T2) are not prevented."
fix:
  ja: "IEEE 802.1X と端末ごとの電子証明書 (EAP-TLS など) を組み合わせて接続を認証し、通信を WPA2 (AES) 以上で暗号化します。無線 LAN を医療機関等が運用する場合は、その設定を医療機関等へ対応を求める事項に含めます。"
  en: "Authenticate devices with IEEE 802.1X and a certificate per device (EAP-TLS or similar) and encrypt with WPA2 (AES) or better. Where the institution runs the wireless LAN, include these settings among the things the institution must do."
example:
  explanation:
    ja: "データセンター内の LAN を無線 LAN にする。共有鍵と MAC アドレス制限では検出され、証明書による IEEE 802.1X なら検出されない。"
    en: "The data-centre LAN is wireless. A shared key and MAC filtering fire; IEEE 802.1X with certificates does not."
  fires: |
    connections:
      - {id: lan, name: 無線 LAN, kind: wireless_lan, wireless_access_control: [psk, mac_filter]}
  element: "lan"
  passes: |
    connections:
      - {id: lan, name: 無線 LAN, kind: wireless_lan, wireless_access_control: [ieee8021x_certificate]}
sources:
  - clause: "PGL-1.1 5.1.5(イ)④"
    strength: unknown
    verified: false
    note: "The 1.1 text of ④ was not read (p.38 not stored)."
  - clause: "PGL-2.0 5.1.5(イ)④"
    strength: should
    quote: "IEEE 802.1X と電子証明書を組み合わせる等のより安全な方法を採用すべき"
    verified: false
    note: "Memo wording, 'すべき' read as should; 802.1X with certificates is an example ('等') of a safer method, not the only one."
  - clause: "MGL-6.0 システム運用編 13⑬"
    strength: unknown
    quote: "医療情報システムにおいて無線LAN を利用する場合"
    verified: true
    note: "KB cites ch.13 only; WLAN is 13⑬ [V], which mentions refusing ANY connections and MAC filtering with caveats but, as far as read, not 802.1X."
rank: B
fact: wireless_weak_access_control
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    for c in &model.connections {
        let Some(admission) = judge::wireless_admission(c) else {
            continue;
        };
        let (id, name) = (&c.id, &c.name);
        if admission == judge::WirelessAdmission::NotStated {
            ctx.unknown(
                id,
                Some(c.span),
                loc!(
                    "{name} ({id}) の接続制限 (wireless_access_control) を書いてください",
                    "state how {name} ({id}) admits terminals (`wireless_access_control`)"
                ),
            );
        } else if admission.is_weak() {
            let labels: Vec<Localized> = c.wireless_access_control.iter().map(|w| w.label()).collect();
            let ja: Vec<&str> = labels.iter().map(|l| l.ja.as_str()).collect();
            let en: Vec<&str> = labels.iter().map(|l| l.en.as_str()).collect();
            let (ja, en) = (ja.join("と"), en.join(" and "));
            ctx.fail(id, Some(c.span), loc!("{name} ({id}) の接続制限は{ja}だけです", "{name} ({id}) admits terminals by {en} only"));
        }
    }
}
