//! The whole story in headless Chromium, as people click it: the clinic's reviewer logs in with
//! password and TOTP, questions a request and agrees to the rest; the provider answers and
//! records the minutes; the reviewer agrees; the director signs; the provider's manager
//! countersigns; a changed model comes back with only the changed item to agree again. Hostile
//! text typed into the forms stays text in the browser. Screenshots of the main pages are
//! written to the test's target directory (`target/tmp/server-screenshots/`) to be looked at.
//! The operation phase is clicked through as well, on SQLite and on PostgreSQL: a take-out
//! approved by the clinic's planning manager and returned, an inventory with a discrepancy, a
//! periodic report delivered and acknowledged; a continuity drill; a device lent to a patient
//! with consent; a disposal outsourced with its certificate; an incident disclosed to two
//! clinics, one agreeing to the recurrence prevention and the other questioning it; the
//! contract end with evidence on every line, confirmed and sealed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::PathBuf;
use std::time::Duration;

use chromiumoxide::Page;
use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::page::ScreenshotParams;
use futures::StreamExt;
use sansho_server::demo::DemoUser;
use sansho_store::records::Role;
use support::{Api, Backend, Server, user};

fn chromium() -> PathBuf {
    for candidate in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = std::process::Command::new("which").arg(candidate).output()
            && out.status.success()
        {
            return PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        }
    }
    panic!(
        "headless Chromium is required for this test: run scripts/test.sh, which installs Debian's chromium"
    );
}

fn shots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("server-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// One person's browser: its own profile, so its own cookies.
struct Person {
    browser: Browser,
    page: Page,
    _profile: tempfile::TempDir,
    _handler: tokio::task::JoinHandle<()>,
    base: String,
}

impl Person {
    async fn open(base: &str) -> Person {
        let profile = tempfile::tempdir().unwrap();
        let config = BrowserConfig::builder()
            .chrome_executable(chromium())
            .no_sandbox()
            .new_headless_mode()
            .user_data_dir(profile.path())
            .window_size(1280, 900)
            .viewport(chromiumoxide::handler::viewport::Viewport {
                width: 1280,
                height: 900,
                ..Default::default()
            })
            .arg("--disable-gpu")
            .arg("--lang=ja")
            .launch_timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let (browser, mut handler) = Browser::launch(config).await.unwrap();
        let handler = tokio::spawn(async move { while handler.next().await.is_some() {} });
        let page = browser.new_page("about:blank").await.unwrap();
        Person {
            browser,
            page,
            _profile: profile,
            _handler: handler,
            base: base.to_owned(),
        }
    }

    async fn go(&self, path: &str) {
        self.page
            .goto(format!("{}{path}", self.base))
            .await
            .unwrap();
        self.page.wait_for_navigation().await.unwrap();
    }

    /// Sets a field's value as typing would (Japanese included).
    async fn fill(&self, selector: &str, value: &str) {
        let js = format!(
            "(() => {{ const e = document.querySelector({}); e.value = {}; return true; }})()",
            serde_json::to_string(selector).unwrap(),
            serde_json::to_string(value).unwrap()
        );
        self.page.evaluate(js).await.unwrap();
    }

    async fn click(&self, selector: &str) {
        self.page
            .find_element(selector)
            .await
            .unwrap_or_else(|e| panic!("{selector}: {e}"))
            .click()
            .await
            .unwrap();
    }

    /// Clicks a submit button and waits for the page it leads to: a new document (the marker
    /// set on the old one is gone) that has finished loading.
    async fn submit(&self, selector: &str) {
        self.page
            .evaluate("window.__sanshoOld = true")
            .await
            .unwrap();
        self.click(selector).await;
        for _ in 0..400 {
            tokio::time::sleep(Duration::from_millis(25)).await;
            let loaded = self
                .page
                .evaluate("window.__sanshoOld !== true && document.readyState === 'complete'")
                .await
                .ok()
                .and_then(|r| r.into_value::<bool>().ok());
            if loaded == Some(true) {
                return;
            }
        }
        panic!("{selector}: no new page after ten seconds");
    }

    async fn text(&self, selector: &str) -> String {
        self.page
            .find_element(selector)
            .await
            .unwrap_or_else(|e| panic!("{selector}: {e}"))
            .inner_text()
            .await
            .unwrap()
            .unwrap_or_default()
    }

    async fn eval<T: serde::de::DeserializeOwned>(&self, js: &str) -> T {
        self.page.evaluate(js).await.unwrap().into_value().unwrap()
    }

    async fn path(&self) -> String {
        let url = self.page.url().await.unwrap().unwrap_or_default();
        url.strip_prefix(&self.base).unwrap_or(&url).to_owned()
    }

    async fn shot(&self, name: &str) {
        let path = shots().join(format!("{name}.png"));
        self.page
            .save_screenshot(ScreenshotParams::builder().full_page(true).build(), &path)
            .await
            .unwrap();
    }

    async fn login(&self, who: &DemoUser, ahead: u64) {
        self.go("/login").await;
        self.fill("#email", &who.email).await;
        self.fill("#password", &who.password).await;
        self.submit("main form button[type=submit]").await;
        assert!(
            self.path().await.starts_with("/login/mfa"),
            "{}: {}",
            who.email,
            self.path().await
        );
        self.fill("#code", &support::code(who, ahead)).await;
        self.submit("main form button[type=submit]").await;
        assert_eq!(self.path().await, "/", "{} is logged in", who.email);
    }

    async fn close(mut self) {
        self.browser.close().await.ok();
        self.browser.wait().await.ok();
    }
}

/// Agrees to every item without a verdict on the review page, one form at a time as a person
/// would (items marked 要協議 are left for their discussion).
async fn agree_to_open_items(person: &Person, review: &str) -> usize {
    let mut agreed = 0;
    loop {
        person.go(review).await;
        let open: Vec<u32> = person
            .eval("Array.from(document.querySelectorAll('form.verdict')).filter(f => !f.querySelector('input[name=verdict]:checked')).map(f => parseInt(f.closest('li').id.slice(5)))")
            .await;
        let Some(position) = open.first() else {
            return agreed;
        };
        person
            .click(&format!("#item-{position} input[value=agree]"))
            .await;
        person
            .submit(&format!("#item-{position} button[type=submit]"))
            .await;
        agreed += 1;
    }
}

const HOSTILE: &str =
    "<img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'</script>";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_story_in_chromium() {
    tokio::time::timeout(Duration::from_secs(600), story())
        .await
        .expect("the story finishes within ten minutes");
}

async fn story() {
    let server = Server::start(Backend::Sqlite, "browser").await;
    let demo = server.demo().await;
    let engagement = demo.engagement.clone();
    let base = server.url.clone();

    // The clinic's reviewer.
    let reviewer = Person::open(&base).await;
    reviewer.go("/login").await;
    reviewer.shot("01-login").await;
    reviewer
        .login(user(&demo, Role::InstitutionReviewer), 0)
        .await;
    reviewer.shot("02-home").await;
    reviewer.go(&format!("/engagements/{engagement}")).await;
    assert_eq!(reviewer.text("#engagement-status").await, "確認中");
    reviewer.shot("03-engagement").await;
    let review: String = reviewer
        .eval("document.querySelector('a.button.small').getAttribute('href')")
        .await;
    reviewer.go(&review).await;
    reviewer.shot("04-review").await;
    let total: u32 = reviewer
        .eval("document.querySelectorAll('li.item').length")
        .await;
    assert!(total > 20);

    // A request of the clinic is questioned, with hostile text in the question.
    let request: u32 = reviewer
        .eval("parseInt(Array.from(document.querySelectorAll('li.item')).find(li => li.querySelector('.request')).id.slice(5))")
        .await;
    reviewer.go(&format!("{review}/items/{request}")).await;
    reviewer
        .fill(
            "#body",
            &format!("月次の確認は誰が行う想定ですか。{HOSTILE}"),
        )
        .await;
    reviewer
        .submit("form textarea#body ~ button[type=submit]")
        .await;
    reviewer.click("input[value=discuss]").await;
    reviewer.fill("#comment", "担当者を確認したい").await;
    reviewer.submit("form.verdict button[type=submit]").await;
    let title: String = reviewer.eval("document.title").await;
    assert_ne!(title, "pwned", "the hostile text ran");
    let live_images: u32 = reviewer
        .eval("document.querySelectorAll('img[src=x]').length")
        .await;
    assert_eq!(live_images, 0, "the hostile text became an element");
    let shown: String = reviewer.eval("document.body.innerText").await;
    assert!(
        shown.contains("<img src=x"),
        "the hostile text is shown as text"
    );
    reviewer.shot("05-item-question").await;
    assert_eq!(
        agree_to_open_items(&reviewer, &review).await as u32,
        total - 1
    );

    // The provider's editor answers and records the minutes.
    let editor = Person::open(&base).await;
    editor.login(user(&demo, Role::ProviderEditor), 0).await;
    editor.go(&format!("{review}/items/{request}")).await;
    editor
        .fill(
            "#body",
            "貴院の事務長に毎月確認いただき、管理ポータルに記録してください。",
        )
        .await;
    editor
        .submit("form textarea#body ~ button[type=submit]")
        .await;
    editor
        .go(&format!("/engagements/{engagement}/minutes/new"))
        .await;
    editor.fill("#held_on", "2026-11-20").await;
    editor
        .fill("#attendees", "院長、事務長、提供事業者 担当者")
        .await;
    editor.fill("#agenda", "端末の月次確認の担当").await;
    editor
        .fill(
            "#decisions",
            "毎月の確認は事務長が行い、管理ポータルに記録する。",
        )
        .await;
    editor.submit("main form button[type=submit]").await;
    assert_eq!(
        editor.path().await,
        format!("/engagements/{engagement}?done=minutes"),
        "minutes recorded"
    );
    editor.shot("06-engagement-minutes").await;
    editor.close().await;

    // The reviewer reads the answer and agrees.
    reviewer.go(&format!("{review}/items/{request}")).await;
    let thread: String = reviewer.eval("document.body.innerText").await;
    assert!(
        thread.contains("管理ポータルに記録してください"),
        "the answer is shown"
    );
    reviewer.shot("07-item-answered").await;
    reviewer.click("input[value=agree]").await;
    reviewer.submit("form.verdict button[type=submit]").await;

    // The director signs.
    let director = Person::open(&base).await;
    director
        .login(user(&demo, Role::InstitutionSignatory), 0)
        .await;
    director.go(&review).await;
    director.shot("08-review-settled").await;
    director.click("input[name=confirm]").await;
    director.submit("section.sign button[type=submit]").await;
    assert!(
        director.path().await.contains("/agreements/"),
        "{}",
        director.path().await
    );
    let agreement_path = director.path().await;
    let agreement_path = agreement_path.split('?').next().unwrap().to_owned();

    // The provider's manager countersigns.
    let manager = Person::open(&base).await;
    manager.login(user(&demo, Role::ProviderApprover), 0).await;
    manager.go(&agreement_path).await;
    manager
        .submit("form[action$=countersign] button[type=submit]")
        .await;
    assert_ne!(manager.text("#countersigned-by").await, "確認待ち");
    manager.shot("09-agreement").await;
    let printed = manager.page.pdf(Default::default()).await.unwrap();
    std::fs::write(shots().join("09-agreement.pdf"), &printed).unwrap();
    assert!(printed.starts_with(b"%PDF"));
    manager.go(&format!("/engagements/{engagement}")).await;
    assert_eq!(manager.text("#engagement-status").await, "合意済み");

    // A changed model is published (from the command line, with a token).
    let editor_session = support::login(&base, user(&demo, Role::ProviderEditor), 1).await;
    let api = Api::new(&base, &editor_session.token("publish").await);
    let mut bundle = support::example_bundle();
    let decisions = bundle["files"]["decisions.yaml"]
        .as_str()
        .unwrap()
        .replacen(
            "問診用タブレットは受付で貸出・回収し",
            "問診用タブレットは受付で職員が貸出・回収し",
            1,
        );
    bundle["files"]["decisions.yaml"] = serde_json::Value::String(decisions);
    let (status, published) = api.post("/api/v1/versions", &bundle).await;
    assert_eq!(status, 201, "{published}");

    // Only what changed comes back.
    reviewer.go(&format!("/engagements/{engagement}")).await;
    assert_eq!(reviewer.text("#engagement-status").await, "再合意待ち");
    reviewer.shot("10-engagement-reagreement").await;
    let review2 = format!(
        "/engagements/{engagement}/versions/{}",
        published["version"].as_str().unwrap()
    );
    reviewer.go(&review2).await;
    reviewer.shot("11-review-changed").await;
    let pending: String = reviewer.text("#count-pending").await;
    assert_eq!(pending, "1", "one item changed");
    assert_eq!(agree_to_open_items(&reviewer, &review2).await, 1);
    director.go(&review2).await;
    director.click("input[name=confirm]").await;
    director.submit("section.sign button[type=submit]").await;
    let agreement2 = director.path().await.split('?').next().unwrap().to_owned();
    manager.go(&agreement2).await;
    manager
        .submit("form[action$=countersign] button[type=submit]")
        .await;
    manager.go(&format!("/engagements/{engagement}")).await;
    assert_eq!(manager.text("#engagement-status").await, "合意済み");
    manager.shot("12-engagement-agreed-again").await;

    // The whole record as a readable, printable document.
    manager
        .go(&format!("/engagements/{engagement}/record"))
        .await;
    let record: String = manager.eval("document.body.innerText").await;
    for expected in [
        "リスクコミュニケーションの記録簿",
        "判断の記録",
        "管理ポータルに記録してください",
        "端末の月次確認の担当",
        "担当者を確認したい",
    ] {
        assert!(record.contains(expected), "the record shows {expected}");
    }
    assert!(
        record.contains("提供事業者の確認"),
        "audit actions are named in Japanese"
    );
    manager.shot("14-record").await;
    let printed = manager.page.pdf(Default::default()).await.unwrap();
    std::fs::write(shots().join("14-record.pdf"), &printed).unwrap();

    // In English on request.
    reviewer
        .go(&format!("/engagements/{engagement}?lang=en"))
        .await;
    assert_eq!(reviewer.text("#engagement-status").await, "agreed");
    reviewer.shot("13-engagement-en").await;

    reviewer.close().await;
    director.close().await;
    manager.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_security_key_is_registered_and_used_as_the_second_factor() {
    tokio::time::timeout(Duration::from_secs(300), security_key())
        .await
        .expect("finishes within five minutes");
}

async fn security_key() {
    use chromiumoxide::cdp::browser_protocol::web_authn::{
        AddVirtualAuthenticatorParams, AuthenticatorProtocol, AuthenticatorTransport, EnableParams,
        VirtualAuthenticatorOptions,
    };
    // WebAuthn needs a domain name: the server is reached as localhost.
    let server = Server::start_with(Backend::Sqlite, "security-key", |c| {
        c.policy.login_burst = 10_000;
        c.public_url = format!("http://localhost:{}", c.listen.port());
    })
    .await;
    let demo = server.demo().await;
    let base = server.state.config.public_url.clone();
    let reviewer = user(&demo, Role::InstitutionReviewer);
    let person = Person::open(&base).await;
    person.page.execute(EnableParams::default()).await.unwrap();
    let options = VirtualAuthenticatorOptions::builder()
        .protocol(AuthenticatorProtocol::Ctap2)
        .transport(AuthenticatorTransport::Internal)
        .has_resident_key(true)
        .has_user_verification(true)
        .is_user_verified(true)
        .automatic_presence_simulation(true)
        .build()
        .unwrap();
    person
        .page
        .execute(AddVirtualAuthenticatorParams::new(options))
        .await
        .unwrap();

    // Registered on the account page.
    person.login(reviewer, 0).await;
    person.go("/account").await;
    person.fill("#key-name", "事務室の指紋認証").await;
    person.submit("#register-key").await;
    assert_eq!(person.path().await, "/account?done=security_key");
    let listed: String = person.text("#security-keys tbody").await;
    assert!(listed.contains("事務室の指紋認証"), "{listed}");
    person.shot("20-account-security-key").await;

    // Used after the password, instead of a code.
    person.submit("form[action='/logout'] button").await;
    person.go("/login").await;
    person.fill("#email", &reviewer.email).await;
    person.fill("#password", &reviewer.password).await;
    person.submit("main form button[type=submit]").await;
    assert!(person.path().await.starts_with("/login/mfa"));
    person.shot("21-mfa-with-key").await;
    person.submit("#use-key").await;
    assert_eq!(person.path().await, "/", "logged in with the key");
    let actions: Vec<serde_json::Value> = sansho_server::service::export::audit(&server.state)
        .await
        .unwrap()
        .entries
        .iter()
        .filter(|e| e.action == "login.completed")
        .map(|e| e.details.clone())
        .collect();
    assert!(
        actions.iter().any(|d| d["method"] == "security_key"),
        "{actions:?}"
    );

    // Removed again.
    person.go("/account").await;
    person.submit("#security-keys form button").await;
    assert_eq!(person.path().await, "/account?done=security_key_removed");
    let keys = server
        .store()
        .security_keys(
            &server
                .store()
                .user_by_email(&reviewer.email)
                .await
                .unwrap()
                .unwrap()
                .id,
        )
        .await
        .unwrap();
    assert!(keys.is_empty());
    person.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operation_phase_in_chromium_on_sqlite() {
    tokio::time::timeout(Duration::from_secs(600), operations(Backend::Sqlite))
        .await
        .expect("the operation phase finishes within ten minutes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operation_phase_in_chromium_on_postgres() {
    tokio::time::timeout(Duration::from_secs(600), operations(Backend::Postgres))
        .await
        .expect("the operation phase finishes within ten minutes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lending_disposal_incident_drill_and_contract_end_in_chromium_on_sqlite() {
    tokio::time::timeout(Duration::from_secs(600), more_operations(Backend::Sqlite))
        .await
        .expect("the scenario finishes within ten minutes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lending_disposal_incident_drill_and_contract_end_in_chromium_on_postgres() {
    tokio::time::timeout(Duration::from_secs(600), more_operations(Backend::Postgres))
        .await
        .expect("the scenario finishes within ten minutes");
}

/// The operation phase as people click it: the provider's editor imports the ledger and
/// requests a take-out (with hostile text in its purpose), the clinic's director approves it,
/// the editor records it out and back; an inventory with one item not found; a periodic report
/// delivered and acknowledged.
async fn operations(backend: Backend) {
    let server = Server::start(backend, "browser_operations").await;
    let demo = server.demo().await;
    let engagement = demo.engagement.clone();
    let base = server.url.clone();
    let ops = format!("/engagements/{engagement}/operations");

    let editor = Person::open(&base).await;
    editor.login(user(&demo, Role::ProviderEditor), 0).await;
    editor.go(&format!("/engagements/{engagement}")).await;
    editor.submit("#operations-link").await;
    assert_eq!(editor.path().await, ops);
    editor.submit("#seed-ledger").await;
    assert!(
        editor
            .text("#ledger-table")
            .await
            .contains("移行用暗号化HDD")
    );

    // A take-out request, its purpose carrying hostile text.
    let hdd: String = editor
        .eval("Array.from(document.querySelectorAll('#to-item option')).find(o => o.textContent.includes('移行用暗号化HDD')).value")
        .await;
    editor.fill("#to-item", &hdd).await;
    editor
        .fill("#to-purpose", &format!("データ移行{HOSTILE}"))
        .await;
    editor.fill("#to-destination", "ひので内科クリニック").await;
    editor.fill("#to-out", "2026-12-01").await;
    editor.fill("#to-due", "2026-12-03").await;
    editor.submit("#request-take-out").await;
    assert_eq!(editor.text("#record-state").await, "承認待ち");
    let take_out = editor.path().await;
    let take_out = take_out.split('?').next().unwrap().to_owned();
    let title: String = editor.eval("document.title").await;
    assert_ne!(title, "pwned", "the hostile purpose ran");
    assert!(
        editor.text("#record-facts").await.contains("<script>"),
        "the hostile purpose shows as text"
    );
    editor.shot("ops-01-take-out-requested").await;

    // The clinic's director (the planning manager) approves.
    let director = Person::open(&base).await;
    director
        .login(user(&demo, Role::InstitutionSignatory), 0)
        .await;
    director.go(&take_out).await;
    director.click("input[name=decision][value=approve]").await;
    director
        .fill("#decision-note", "暗号化と台帳登録を確認")
        .await;
    director.submit("#decide").await;
    assert_eq!(director.text("#record-state").await, "承認済み");

    // Out and back.
    editor.go(&take_out).await;
    editor.submit("#mark-out").await;
    assert_eq!(editor.text("#record-state").await, "持出し中");
    editor.click("input[name=outcome][value=returned]").await;
    editor.fill("#return-note", "封印・台数を確認").await;
    editor.submit("#come-back").await;
    assert_eq!(editor.text("#record-state").await, "返却済み");
    editor.shot("ops-02-take-out-returned").await;

    // An inventory today: every item found but the first, which gets a note.
    let today: jiff::civil::Date = sansho_store::Time::now().date_in_japan().parse().unwrap();
    editor.go(&ops).await;
    editor.fill("#inv-date", &today.to_string()).await;
    editor.submit("#schedule-inventory").await;
    let lines: u32 = editor
        .eval("(() => { const yes = Array.from(document.querySelectorAll('#count-sheet input[value=yes]')); yes.forEach(r => r.checked = true); const first = document.querySelector('#count-sheet tbody tr'); first.querySelector('input[value=no]').checked = true; first.querySelector('input[name^=\"note:\"]').value = '保管庫に見当たらず照合中'; return yes.length; })()")
        .await;
    assert!(lines > 5, "{lines} lines on the count sheet");
    editor.fill("#counted-on", &today.to_string()).await;
    editor.submit("#close-inventory").await;
    assert!(editor.text("#count-result").await.contains("無 (差異)"));
    editor.shot("ops-03-inventory").await;

    // A periodic report, delivered and acknowledged.
    let from = today.checked_sub(jiff::Span::new().days(30)).unwrap();
    editor.go(&ops).await;
    editor.fill("#rp-kind", "operation").await;
    editor.fill("#rp-from", &from.to_string()).await;
    editor.fill("#rp-to", &today.to_string()).await;
    editor.fill("#rp-due", &today.to_string()).await;
    editor
        .submit("form[action$='/operations/reports'] button[type=submit]")
        .await;
    editor
        .fill("#rp-body", "期間中の運用に重大な問題はありませんでした。")
        .await;
    editor.submit("#deliver").await;
    assert!(
        editor
            .text("#report-facts")
            .await
            .contains("棚卸: 1 回 (差異 1 件)")
    );
    let report = editor.path().await;
    let report = report.split('?').next().unwrap().to_owned();
    director.go(&report).await;
    director.fill("#ack-comment", "内容を確認しました").await;
    director.submit("#acknowledge").await;
    assert!(director.text("#record-state").await.contains("確認済み"));
    director.shot("ops-04-report-acknowledged").await;
    director.go(&ops).await;
    director.shot("ops-05-operations").await;
    let title: String = director.eval("document.title").await;
    assert_ne!(title, "pwned");
    editor.close().await;
    director.close().await;
}

/// A file chosen in a form's file input, as a person picking it would: `bytes` (as a JS array
/// literal) under `name`.
async fn choose_file(person: &Person, input: &str, name: &str, mime: &str, bytes: &[u8]) {
    let js = format!(
        "(() => {{ const dt = new DataTransfer(); dt.items.add(new File([new Uint8Array({})], {}, {{type: {}}})); document.querySelector({}).files = dt.files; return true; }})()",
        serde_json::to_string(bytes).unwrap(),
        serde_json::to_string(name).unwrap(),
        serde_json::to_string(mime).unwrap(),
        serde_json::to_string(input).unwrap(),
    );
    let done: bool = person.eval(&js).await;
    assert!(done);
}

/// A small PDF, as a disposer's certificate or a receipt would be.
const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// The rest of the operation phase as people click it: a continuity drill; a home monitor lent
/// to a patient with explanation and consent, and returned; a disposal by an outside disposer
/// with its certificate, acknowledged by the clinic; an incident disclosed to two clinics, whose
/// recurrence prevention one agrees to and the other questions; the contract end, each line
/// with its evidence, confirmed by the clinic's director and sealed by the provider's manager.
async fn more_operations(backend: Backend) {
    let server = Server::start(backend, "browser_more").await;
    let demo = server.demo().await;
    let engagement = demo.engagement.clone();
    let base = server.url.clone();
    let ops = format!("/engagements/{engagement}/operations");
    let today = sansho_store::Time::now().date_in_japan();

    let editor = Person::open(&base).await;
    editor.login(user(&demo, Role::ProviderEditor), 0).await;
    // The provider's manager logs in now: a second login of the same person later needs the
    // next one-time code (a code is never accepted twice).
    let manager = Person::open(&base).await;
    manager.login(user(&demo, Role::ProviderApprover), 0).await;
    editor.go(&ops).await;
    editor.submit("#seed-ledger").await;

    // A drill of the outage plan.
    editor.fill("#dr-scenario", "outage").await;
    editor.fill("#dr-held", &today).await;
    editor
        .fill("#dr-participants", "運用担当 4 名、診療所 事務長")
        .await;
    editor
        .fill("#dr-result", "大阪サイトへの切替えを 40 時間で完了")
        .await;
    editor.submit("#record-drill").await;
    assert!(editor.text("#record-facts").await.contains("40 時間"));
    editor.go(&ops).await;
    let plans = editor.text("#plan-table").await;
    assert!(plans.contains(&today), "{plans}");

    // A home monitor added by hand and lent to a patient.
    editor.fill("#li-name", "在宅血圧計 BP-01").await;
    editor.fill("#li-category", "IoT 機器").await;
    editor.fill("#li-location", "診療所 在宅医療室").await;
    editor.fill("#li-custodian", "在宅医療担当").await;
    editor.fill("#li-information", "バイタルデータ").await;
    editor.click("input[name=medical]").await;
    editor.click("input[name=encrypted]").await;
    editor.click("input[name=for_patients]").await;
    editor
        .submit("form[action$='/operations/ledger'] button[type=submit]")
        .await;
    editor.go(&ops).await;
    let monitor: String = editor
        .eval("Array.from(document.querySelectorAll('#ln-item option')).find(o => o.textContent.includes('BP-01')).value")
        .await;
    editor.fill("#ln-item", &monitor).await;
    editor.fill("#ln-patient", "P-000123").await;
    editor
        .fill("#ln-risks", "紛失・盗難時に測定値が第三者に見られるおそれ")
        .await;
    editor
        .fill("#ln-care", "自宅の外へ持ち出さない。家族以外に貸さない。")
        .await;
    editor
        .fill("#ln-contact", "ひので内科 在宅医療担当 03-0000-0000")
        .await;
    editor.fill("#ln-consent-form", "同意書に署名").await;
    editor.submit("#lend").await;
    assert_eq!(editor.text("#record-state").await, "貸出し中");
    editor.shot("ops-06-lent").await;
    editor.fill("#ln-note", "初期化・動作確認済み").await;
    editor.submit("#give-back").await;
    assert_eq!(editor.text("#record-state").await, "返却済み");

    // A disposal by an outside disposer, with the certificate; the clinic acknowledges it.
    editor.go(&format!("{ops}/disposals/new")).await;
    let tapes: String = editor
        .eval("Array.from(document.querySelectorAll('#d-item option')).find(o => o.textContent.includes('LTO')).value")
        .await;
    editor.fill("#d-item", &tapes).await;
    editor.click("input[name=procedure]").await;
    editor.fill("#d-method", "物理破砕").await;
    editor.fill("#d-by", "運用担当 佐藤").await;
    editor.fill("#d-on", &today).await;
    editor.fill("#d-check", "破砕後の片を目視で確認").await;
    editor.fill("#d-disposer", "東都データ消去株式会社").await;
    choose_file(
        &editor,
        "#d-certificate",
        "破棄証明書.pdf",
        "application/pdf",
        PDF,
    )
    .await;
    editor.submit("#record-disposal").await;
    let facts = editor.text("#record-facts").await;
    assert!(
        facts.contains("破棄証明書.pdf") && facts.contains("東都データ消去"),
        "{facts}"
    );
    let disposal = editor.path().await.split('?').next().unwrap().to_owned();
    editor.shot("ops-07-disposal").await;
    let director = Person::open(&base).await;
    director
        .login(user(&demo, Role::InstitutionSignatory), 0)
        .await;
    director.go(&disposal).await;
    director.submit("#acknowledge").await;
    assert!(director.text("#record-facts").await.contains("確認"));

    // An incident for two clinics: the provider discloses it to each; one agrees to the
    // measures, the other questions them.
    let approver = support::login(&base, user(&demo, Role::ProviderApprover), 1).await;
    let http_editor = support::login(&base, user(&demo, Role::ProviderEditor), 1).await;
    let (second, other) =
        support::second_clinic(&server, &engagement, &approver, &http_editor).await;
    editor.go(&ops).await;
    editor
        .fill("#inc-title", "バックアップテープの誤配送")
        .await;
    editor
        .fill(
            "#inc-what",
            "遠隔保管庫への搬送で、テープ 1 巻が別の顧客の保管庫へ配送された。",
        )
        .await;
    editor
        // Midnight of today in Japan is never in the future; 09:00 is, until 09:00 in Japan.
        .fill("#inc-detected", &format!("{today}T00:00"))
        .await;
    editor.click("input[name='harm:confidentiality']").await;
    editor.click(&format!("input[name='also:{second}']")).await;
    editor.submit("#open-incident button[type=submit]").await;
    let first_incident = editor.path().await.split('?').next().unwrap().to_owned();
    let second_ops = format!("/engagements/{second}/operations");
    editor.go(&second_ops).await;
    let second_incident: String = editor
        .eval("Array.from(document.querySelectorAll('ul.plain a')).find(a => a.textContent.includes('誤配送')).getAttribute('href')")
        .await;
    for incident in [&first_incident, &second_incident] {
        editor.go(incident).await;
        editor
            .fill(
                "#disclosure-text",
                "暗号化済みテープ 1 巻の誤配送。未開封で回収済み。",
            )
            .await;
        editor
            .submit("form[action$='/disclosure'] button[type=submit]")
            .await;
        editor.fill("#cause", "搬送伝票の宛先確認の漏れ").await;
        editor
            .fill("#measures", "宛先の二重確認と封印番号の照合")
            .await;
        editor
            .submit("form[action$='/prevention'] button[type=submit]")
            .await;
    }
    director.go(&first_incident).await;
    director.submit("#acknowledge").await;
    director.click("input[name=verdict][value=agree]").await;
    director.submit("#judge").await;
    assert!(director.text("article.prevention").await.contains("合意"));
    director.shot("ops-08-incident-agreed").await;
    let other_director = Person::open(&base).await;
    other_director.login(&other, 0).await;
    other_director.go(&second_incident).await;
    other_director.submit("#acknowledge").await;
    other_director
        .click("input[name=verdict][value=discuss]")
        .await;
    other_director
        .fill(
            "#verdict-comment",
            "封印番号の照合を誰が行うか明記してください",
        )
        .await;
    other_director.submit("#judge").await;
    assert!(
        other_director
            .text("article.prevention")
            .await
            .contains("要協議")
    );
    other_director.shot("ops-09-incident-questioned").await;
    // Neither clinic sees the other's record.
    other_director.go(&first_incident).await;
    let shown: bool = other_director
        .eval("document.querySelector('#record-facts') !== null || document.body.innerText.includes('未開封で回収済み')")
        .await;
    assert!(!shown, "the other clinic's record stays hidden");

    // The contract end: started by the provider's manager, every line done with its evidence,
    // confirmed by the clinic's director, sealed.
    manager.go(&ops).await;
    manager.submit("#start-contract-end").await;
    let end = manager.path().await.split('?').next().unwrap().to_owned();
    editor.go(&end).await;
    loop {
        let open: u32 = editor
            .eval("document.querySelectorAll('#closure-lines form').length")
            .await;
        if open == 0 {
            break;
        }
        choose_file(
            &editor,
            "#closure-lines form input[type=file]",
            "消去証明書.pdf",
            "application/pdf",
            PDF,
        )
        .await;
        editor
            .submit("#closure-lines form button[type=submit]")
            .await;
    }
    editor.shot("ops-10-contract-end-lines").await;
    director.go(&end).await;
    director.submit("#confirm-contract-end").await;
    manager.go(&end).await;
    manager.submit("#seal").await;
    assert!(manager.text("#record-state").await.contains("封印済み"));
    manager.shot("ops-11-sealed").await;
    // Sealed: the operations page offers no form any more.
    editor.go(&ops).await;
    let forms: u32 = editor
        .eval("document.querySelectorAll('main form').length")
        .await;
    assert_eq!(forms, 0, "no form after the seal");
    for person in [editor, director, other_director, manager] {
        person.close().await;
    }
}
