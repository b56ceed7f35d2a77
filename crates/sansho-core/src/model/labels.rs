//! Japanese and English labels of the model's enumerations, as the guidelines name them.

use crate::text::Localized;
use crate::vocab::{
    AssetKind, AuthMethod, CertificationScheme, Cia, ContinuityScenario, ControlCategory,
    Evaluator, Layer, Operation, Phase, SignatureMethod, StoragePrinciple, TimestampKind,
    TlsVersion, TreatmentOption, WirelessAccessControl,
};

fn l(ja: &str, en: &str) -> Localized {
    Localized::new(ja, en)
}

impl Phase {
    pub fn label(self) -> Localized {
        match self {
            Phase::Development => l("開発", "development"),
            Phase::Operation => l("運用", "operation"),
            Phase::Termination => l("契約終了", "termination"),
        }
    }
}

impl Layer {
    pub fn label(self) -> Localized {
        match self {
            Layer::Application => l("アプリケーション", "application"),
            Layer::Platform => l("プラットフォーム", "platform"),
            Layer::Infrastructure => l("インフラ", "infrastructure"),
        }
    }
}

impl TreatmentOption {
    pub fn label(self) -> Localized {
        match self {
            TreatmentOption::Reduce => l("リスク低減", "reduce"),
            TreatmentOption::Avoid => l("リスク回避", "avoid"),
            TreatmentOption::Share => l("リスク共有", "share"),
            TreatmentOption::Accept => l("リスク受容", "accept"),
        }
    }
}

impl ControlCategory {
    pub fn label(self) -> Localized {
        match self {
            ControlCategory::HumanOrganizational => l("人的・組織的", "human-organisational"),
            ControlCategory::Physical => l("物理的", "physical"),
            ControlCategory::Technical => l("技術的", "technical"),
        }
    }
}

impl Operation {
    pub fn label(self) -> Localized {
        match self {
            Operation::Create => l("作成", "create"),
            Operation::View => l("閲覧", "view"),
            Operation::Update => l("更新", "update"),
            Operation::Delete => l("削除", "delete"),
            Operation::Store => l("保存", "store"),
            Operation::Transfer => l("送信", "transfer"),
            Operation::Print => l("印刷", "print"),
            Operation::Backup => l("バックアップ", "back up"),
            Operation::Restore => l("復元", "restore"),
            Operation::Export => l("出力", "export"),
            Operation::Import => l("取込", "import"),
            Operation::Carry => l("搬送", "carry"),
            Operation::Return => l("返却", "return"),
            Operation::Dispose => l("廃棄", "dispose"),
            Operation::Log => l("ログ記録", "log"),
            Operation::Develop => l("開発", "develop"),
            Operation::Deploy => l("リリース", "deploy"),
            Operation::Maintain => l("保守", "maintain"),
            Operation::Monitor => l("監視", "monitor"),
        }
    }
}

impl AssetKind {
    pub fn label(self) -> Localized {
        match self {
            AssetKind::Server => l("サーバ", "server"),
            AssetKind::Database => l("データベース", "database"),
            AssetKind::LogServer => l("ログサーバ", "log server"),
            AssetKind::BackupStorage => l("バックアップ装置", "backup storage"),
            AssetKind::Storage => l("ストレージ", "storage"),
            AssetKind::Terminal => l("端末", "terminal"),
            AssetKind::Tablet => l("タブレット", "tablet"),
            AssetKind::Smartphone => l("スマートフォン", "smartphone"),
            AssetKind::Printer => l("プリンタ", "printer"),
            AssetKind::NetworkDevice => l("ネットワーク機器", "network device"),
            AssetKind::IotDevice => l("IoT 機器", "IoT device"),
            AssetKind::MedicalDevice => l("医療機器", "medical device"),
            AssetKind::PortableMedia => l("小型半導体メモリ", "portable flash media"),
            AssetKind::PortableDisk => l("可搬型ハードディスク", "portable disk"),
            AssetKind::BackupMedia => l("バックアップ媒体", "backup media"),
            AssetKind::CloudService => l("クラウドサービス", "cloud service"),
        }
    }
}

impl Cia {
    pub fn label(self) -> Localized {
        match self {
            Cia::Confidentiality => l("機密性", "confidentiality"),
            Cia::Integrity => l("完全性", "integrity"),
            Cia::Availability => l("可用性", "availability"),
        }
    }
}

impl SignatureMethod {
    pub fn label(self) -> Localized {
        match self {
            SignatureMethod::Hpki => l("HPKI 電子署名", "HPKI signature"),
            SignatureMethod::QualifiedOther => l(
                "資格を電子的に確認できる電子署名",
                "signature whose qualification can be verified",
            ),
            SignatureMethod::Unqualified => l(
                "資格を確認できない電子署名",
                "signature without verifiable qualification",
            ),
            SignatureMethod::None => l("電子署名なし", "no signature"),
        }
    }
}

impl TimestampKind {
    pub fn label(self) -> Localized {
        match self {
            TimestampKind::Accredited => l("認定タイムスタンプ", "accredited time-stamp"),
            TimestampKind::Other => l("その他のタイムスタンプ", "other time-stamp"),
            TimestampKind::None => l("タイムスタンプなし", "no time-stamp"),
        }
    }
}

impl crate::diagnostics::Severity {
    pub fn label(self) -> Localized {
        match self {
            crate::diagnostics::Severity::Error => l("重大", "error"),
            crate::diagnostics::Severity::Warning => l("警告", "warning"),
            crate::diagnostics::Severity::Note => l("参考", "note"),
        }
    }
}

impl StoragePrinciple {
    pub fn label(self) -> Localized {
        match self {
            StoragePrinciple::Authenticity => l("真正性", "authenticity"),
            StoragePrinciple::Readability => l("見読性", "readability"),
            StoragePrinciple::Preservability => l("保存性", "preservability"),
        }
    }
}

impl ContinuityScenario {
    pub fn label(self) -> Localized {
        match self {
            ContinuityScenario::Outage => l("システム停止", "system outage"),
            ContinuityScenario::DemandSurge => {
                l("災害時の需要急増", "surge of demand in a disaster")
            }
            ContinuityScenario::RecoveryInconsistency => {
                l("復旧・再開時の不整合", "inconsistency on recovery")
            }
        }
    }
}

impl Evaluator {
    pub fn label(self) -> Localized {
        match self {
            Evaluator::ThirdParty => l("第三者による評価", "third-party evaluation"),
            Evaluator::InternalAudit => l("内部監査", "internal audit"),
            Evaluator::SelfAssessment => l("自己評価", "self-assessment"),
        }
    }
}

impl CertificationScheme {
    pub fn label(self) -> Localized {
        match self {
            CertificationScheme::Pmark => l("プライバシーマーク", "PrivacyMark"),
            CertificationScheme::Isms => l("ISMS 認証 (ISO/IEC 27001)", "ISMS (ISO/IEC 27001)"),
            CertificationScheme::IsmsCloud => l(
                "ISMS クラウドセキュリティ認証 (ISO/IEC 27017)",
                "ISMS cloud security (ISO/IEC 27017)",
            ),
            CertificationScheme::Ismap => l("ISMAP", "ISMAP"),
            CertificationScheme::IsmapLiu => l("ISMAP-LIU", "ISMAP-LIU"),
            CertificationScheme::Fedramp => l("FedRAMP", "FedRAMP"),
            CertificationScheme::FedrampLiSaas => l("FedRAMP Li-SaaS", "FedRAMP Li-SaaS"),
            CertificationScheme::Soc2 => l("SOC 2 報告書", "SOC 2 report"),
            CertificationScheme::Soc3 => l("SOC 3 報告書", "SOC 3 report"),
            CertificationScheme::CsGoldMark => l("CS ゴールドマーク", "CS Gold Mark"),
            CertificationScheme::ExternalAudit => l("外部監査", "external audit"),
            CertificationScheme::Other => l("その他の認証", "other certification"),
        }
    }
}

impl AuthMethod {
    pub fn label(self) -> Localized {
        match self {
            AuthMethod::None => l("認証なし", "no authentication"),
            AuthMethod::Password => l("パスワード", "password"),
            AuthMethod::Pin => l("PIN", "PIN"),
            AuthMethod::IcCard => l("IC カード", "IC card"),
            AuthMethod::HardwareToken => l("ハードウェアトークン", "hardware token"),
            AuthMethod::Totp => l("ワンタイムパスワード (TOTP)", "one-time password (TOTP)"),
            AuthMethod::SmsCode => l("SMS の確認コード", "SMS code"),
            AuthMethod::ClientCertificate => l("クライアント証明書", "client certificate"),
            AuthMethod::Biometric => l("生体認証", "biometrics"),
        }
    }
}

impl WirelessAccessControl {
    pub fn label(self) -> Localized {
        match self {
            WirelessAccessControl::None => l("制限なし", "none"),
            WirelessAccessControl::Psk => l("共有鍵 (PSK)", "a pre-shared key (PSK)"),
            WirelessAccessControl::MacFilter => l("MAC アドレス制限", "MAC address filtering"),
            WirelessAccessControl::Ieee8021xPassword => {
                l("IEEE 802.1X (パスワード)", "IEEE 802.1X with passwords")
            }
            WirelessAccessControl::Ieee8021xCertificate => {
                l("IEEE 802.1X (電子証明書)", "IEEE 802.1X with certificates")
            }
        }
    }
}

impl TlsVersion {
    pub fn label(self) -> Localized {
        let name = match self {
            TlsVersion::Ssl3 => "SSL 3.0",
            TlsVersion::Tls10 => "TLS 1.0",
            TlsVersion::Tls11 => "TLS 1.1",
            TlsVersion::Tls12 => "TLS 1.2",
            TlsVersion::Tls13 => "TLS 1.3",
        };
        l(name, name)
    }
}
