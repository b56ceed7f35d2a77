//! The words of the pages, Japanese first, English on request (`?lang=en`, remembered in a
//! cookie). Templates ask `t.get("key")`; a test checks that every key a template uses is here.

use sansho_core::Lang;

/// The translator a template holds.
#[derive(Clone, Copy, Debug)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn new(lang: Lang) -> Tr {
        Tr { lang }
    }

    pub fn en(&self) -> bool {
        self.lang == Lang::En
    }

    /// The text of `key`; the key itself when missing (visible, and caught by the test).
    pub fn get(&self, key: &str) -> &'static str {
        match CATALOG.iter().find(|(k, _, _)| *k == key) {
            Some((_, ja, en)) => match self.lang {
                Lang::Ja => ja,
                Lang::En => en,
            },
            None => "⟦missing text⟧",
        }
    }

    /// One of two texts given inline.
    pub fn pick<'a>(&self, ja: &'a str, en: &'a str) -> &'a str {
        match self.lang {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }

    pub fn html_lang(&self) -> &'static str {
        match self.lang {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }
}

/// (key, Japanese, English).
pub const CATALOG: &[(&str, &str, &str)] = &[
    (
        "app.name",
        "sansho — 医療情報システムのリスク合意",
        "sansho — agreeing the risks of medical information systems",
    ),
    ("app.short", "sansho", "sansho"),
    ("nav.home", "ホーム", "Home"),
    ("nav.account", "アカウント", "Account"),
    (
        "nav.organization",
        "組織と利用者",
        "Organisation and people",
    ),
    ("nav.audit", "監査ログ", "Audit log"),
    ("nav.logout", "ログアウト", "Log out"),
    ("nav.language", "English", "日本語"),
    ("nav.skip", "本文へ移動", "Skip to content"),
    ("login.title", "ログイン", "Log in"),
    ("login.email", "メールアドレス", "E-mail address"),
    ("login.password", "パスワード", "Password"),
    ("login.submit", "次へ", "Next"),
    (
        "login.help",
        "パスワードの次に、認証アプリの確認コードを入力します。",
        "After the password, you enter a code from your authenticator app.",
    ),
    ("mfa.title", "確認コードの入力", "Enter your code"),
    (
        "mfa.code",
        "認証アプリに表示された 6 桁のコード",
        "The 6-digit code shown in your authenticator app",
    ),
    (
        "mfa.recovery",
        "スマートフォンを使えない場合は、回復コード (xxxx-xxxx-xxxx) を入力できます。",
        "If you cannot use your phone, enter a recovery code (xxxx-xxxx-xxxx).",
    ),
    ("mfa.submit", "ログイン", "Log in"),
    (
        "enrol.title",
        "二要素認証の設定",
        "Set up two-factor authentication",
    ),
    (
        "enrol.why",
        "このサーバーでは、すべての利用者に二要素認証が必須です。認証アプリ (Google Authenticator、Microsoft Authenticator など) で下の QR コードを読み取り、表示されたコードを入力してください。",
        "Every user of this server needs two-factor authentication. Scan the QR code below with an authenticator app (Google Authenticator, Microsoft Authenticator …) and enter the code it shows.",
    ),
    (
        "enrol.manual",
        "QR コードを読み取れない場合は、次のキーを手で入力します",
        "If you cannot scan the code, type this key",
    ),
    ("enrol.submit", "設定を完了する", "Finish"),
    ("recovery.title", "回復コード", "Recovery codes"),
    (
        "recovery.why",
        "スマートフォンをなくしたときに使うコードです。それぞれ 1 回だけ使えます。この画面は二度と表示されません。印刷するか、安全な場所に保管してください。",
        "Use these when you lose your phone. Each works once. This page is never shown again: print them or keep them somewhere safe.",
    ),
    (
        "recovery.continue",
        "保管しました。続ける",
        "I have kept them. Continue",
    ),
    ("home.title", "ホーム", "Home"),
    (
        "home.engagements",
        "契約 (医療機関等との合意)",
        "Engagements",
    ),
    ("home.none", "まだ契約はありません。", "No engagements yet."),
    ("home.systems", "当社のシステム", "Our systems"),
    (
        "home.publish_how",
        "新しい版は、モデルのあるディレクトリで次のコマンドを実行して公開します",
        "Publish a new version from the model's directory with",
    ),
    ("home.new_engagement", "契約を追加する", "Add an engagement"),
    ("col.system", "システム", "System"),
    ("col.provider", "提供事業者", "Provider"),
    ("col.institution", "医療機関等", "Institution"),
    ("col.contract", "契約形態", "Contract"),
    ("col.status", "状態", "Status"),
    ("col.version", "版", "Version"),
    ("col.published", "公開日時", "Published"),
    ("col.rank", "ランク", "Rank"),
    ("col.item", "項目", "Item"),
    ("col.verdict", "判断", "Verdict"),
    ("col.comment", "コメント", "Comment"),
    ("col.name", "氏名", "Name"),
    ("col.email", "メールアドレス", "E-mail"),
    ("col.role", "役割", "Role"),
    ("col.when", "日時", "When"),
    ("col.who", "誰が", "Who"),
    ("col.what", "何を", "What"),
    ("contract.individual", "個別契約", "Individual contract"),
    ("contract.yakkan", "約款", "Standard-form contract (約款)"),
    ("engagement.versions", "共有された版", "Versions shared"),
    ("engagement.review", "確認する", "Review"),
    ("engagement.minutes", "議事録", "Minutes"),
    (
        "engagement.new_minutes",
        "議事録を記録する",
        "Record minutes",
    ),
    ("engagement.agreements", "合意の記録", "Agreements"),
    (
        "engagement.export",
        "記録を書き出す (JSON)",
        "Export the record (JSON)",
    ),
    ("engagement.share", "この版を共有する", "Share this version"),
    ("engagement.messages", "質問と回答", "Questions and answers"),
    (
        "review.title",
        "リスク対応の確認",
        "Review of the risk treatment",
    ),
    (
        "review.intro",
        "提供事業者が示した内容を項目ごとに確認し、「合意」「要協議」「差戻し」のいずれかを選んでください。特に「医療機関等に求める事項」は、貴院が自ら行う必要がある対策です。",
        "Go through what the provider presents, item by item, and choose agree, to discuss or send back. Above all, the items asked of the institution are measures you must take yourselves.",
    ),
    (
        "review.changed",
        "前回合意した版からの変更",
        "Changes since the last agreed version",
    ),
    (
        "review.carried",
        "前回合意済み (変更なし)",
        "Agreed before (unchanged)",
    ),
    ("review.pending", "未確認", "No verdict yet"),
    ("review.submit", "判断を記録する", "Record the verdict"),
    ("review.ask", "質問する", "Ask a question"),
    ("review.answer", "回答する", "Answer"),
    (
        "review.documents",
        "この版の資料",
        "Documents of this version",
    ),
    ("review.progress", "進み具合", "Progress"),
    (
        "review.settled",
        "すべての項目が合意済みです。合意を記録できます。",
        "Every item is agreed. The agreement can be recorded.",
    ),
    (
        "review.not_current",
        "この版は新しい版に置き換えられています。",
        "A newer version has replaced this one.",
    ),
    (
        "review.yakkan",
        "約款による契約です。合意の前に、以下のリスクが約款とは別に明示されたことを確認してください。",
        "This is a standard-form contract. Before agreeing, confirm that the risks below were stated to you apart from the standard terms.",
    ),
    (
        "review.acknowledge",
        "リスクの明示を受けたことを確認しました",
        "We confirm the risks were stated to us",
    ),
    (
        "item.why",
        "なぜ必要か (想定されるリスク)",
        "Why (what could happen)",
    ),
    (
        "item.provider_does",
        "提供事業者が行う対策",
        "What the provider does",
    ),
    ("item.remains", "残るリスク", "What remains"),
    ("item.risks", "関係するリスク", "Risks concerned"),
    (
        "item.thread",
        "この項目についての質問と回答",
        "Questions and answers on this item",
    ),
    ("verdict.agree", "合意", "Agree"),
    ("verdict.discuss", "要協議", "To discuss"),
    ("verdict.return", "差戻し", "Send back"),
    ("agreement.title", "合意書", "Agreement"),
    ("agreement.sign", "この内容で合意する", "Agree to this"),
    (
        "agreement.confirm",
        "上記の合意文を読み、内容を理解しました",
        "I have read and understood the statement above",
    ),
    (
        "agreement.countersign",
        "提供事業者として確認する",
        "Countersign for the provider",
    ),
    ("agreement.print", "印刷する", "Print"),
    ("agreement.verify", "検証のための情報", "For verification"),
    (
        "agreement.carried",
        "前回の合意を引き継いでいます (合意した内容に変更がないため)",
        "Carries the earlier agreement (nothing agreed changed)",
    ),
    ("minutes.held_on", "開催日", "Date"),
    ("minutes.attendees", "出席者", "Attendees"),
    ("minutes.agenda", "議題", "Agenda"),
    ("minutes.decisions", "決定事項", "Decisions"),
    ("minutes.items", "関係する項目", "Items discussed"),
    ("minutes.attachment", "添付ファイル", "Attachment"),
    ("minutes.submit", "議事録を記録する", "Record the minutes"),
    ("account.title", "アカウント", "Account"),
    (
        "account.password",
        "パスワードの変更",
        "Change the password",
    ),
    ("account.current", "現在のパスワード", "Current password"),
    ("account.new", "新しいパスワード", "New password"),
    (
        "account.tokens",
        "API トークン (コマンドラインと CI 用)",
        "API tokens (for the command line and CI)",
    ),
    ("account.token_name", "名前", "Name"),
    ("account.token_days", "有効期間 (日)", "Lifetime (days)"),
    ("account.token_create", "トークンを作る", "Create a token"),
    (
        "account.token_shown_once",
        "このトークンは一度だけ表示されます。今すぐ保管してください",
        "This token is shown once: keep it now",
    ),
    ("account.revoke", "無効にする", "Revoke"),
    ("org.title", "組織と利用者", "Organisation and people"),
    ("org.invite", "利用者を招待する", "Invite someone"),
    (
        "org.invite_link",
        "招待リンク (一度だけ表示されます)",
        "Invitation link (shown once)",
    ),
    ("org.disable", "無効にする", "Disable"),
    ("org.enable", "有効にする", "Enable"),
    ("invite.title", "sansho への参加", "Join sansho"),
    (
        "invite.set_password",
        "パスワードを決める",
        "Choose a password",
    ),
    (
        "invite.policy",
        "12 文字以上で、英大文字・英小文字・数字・記号のうち 3 種類以上を混ぜてください。次の画面で二要素認証を設定します。",
        "At least 12 characters mixing three of upper case, lower case, digits and symbols. The next page sets up two-factor authentication.",
    ),
    ("invite.submit", "参加する", "Join"),
    ("audit.title", "監査ログ", "Audit log"),
    (
        "audit.intro",
        "このサーバーでのすべての操作は、前の記録のハッシュを含む改ざん検知可能な記録として残ります。",
        "Every act on this server is kept in a tamper-evident chain: each entry holds the hash of the one before.",
    ),
    ("error.title", "エラー", "Error"),
    ("error.back", "前のページに戻る", "Go back"),
    ("role.provider_editor", "事業者 担当者", "Provider editor"),
    (
        "role.provider_approver",
        "事業者 責任者",
        "Provider approver",
    ),
    (
        "role.institution_reviewer",
        "医療機関等 確認担当者",
        "Institution reviewer",
    ),
    (
        "role.institution_signatory",
        "医療機関等 管理者 (合意権限)",
        "Institution signatory",
    ),
    (
        "role.auditor",
        "監査担当者 (閲覧のみ)",
        "Auditor (read only)",
    ),
];

/// The label of a role.
pub fn role(tr: Tr, role: sansho_store::records::Role) -> &'static str {
    tr.get(&format!("role.{}", role.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_a_template_uses_is_in_the_catalog_once() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for part in text.split("t.get(\"").skip(1) {
                let key = part.split('"').next().unwrap();
                if !CATALOG.iter().any(|(k, _, _)| *k == key) {
                    missing.push(format!("{}: {key}", path.display()));
                }
            }
        }
        assert!(missing.is_empty(), "{missing:#?}");
        let mut keys: Vec<&str> = CATALOG.iter().map(|(k, _, _)| *k).collect();
        keys.sort_unstable();
        let before = keys.len();
        keys.dedup();
        assert_eq!(before, keys.len(), "a key is listed twice");
    }
}
