//! Japanese and English labels of the model's enumerations, as the guidelines name them.

use crate::text::Localized;
use crate::vocab::{ControlCategory, Layer, Operation, Phase, TreatmentOption};

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
