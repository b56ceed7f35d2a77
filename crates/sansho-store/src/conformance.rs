//! The conformance suite every backend runs in its tests: each change, each read, the audit
//! chain, atomicity and concurrent appends. A backend passes when [`run`] returns.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // A test suite fails loudly.

use std::sync::Arc;

use crate::audit::{self, AuditEntry, Checkpoint, GENESIS};
use crate::ids::*;
use crate::records::*;
use crate::time::Time;
use crate::{Change, Event, Store, StoreError};

fn event(actor: Option<&UserId>, orgs: &[&OrgId], action: &str) -> Event {
    Event {
        at: Time::now(),
        actor: actor.cloned(),
        orgs: orgs.iter().map(|o| (*o).clone()).collect(),
        action: action.to_owned(),
        details: serde_json::json!({"note": "適合性試験 <script>"}),
        ip: "192.0.2.1".to_owned(),
    }
}

fn org(id: &str, kind: OrgKind) -> Organization {
    Organization {
        id: OrgId::new(id),
        name: format!("組織 {id}"),
        kind,
        created_at: Time::now(),
    }
}

fn user(id: &str, org: &OrgId, role: Role) -> User {
    User {
        id: UserId::new(id),
        org: org.clone(),
        email: format!("{id}@example.jp"),
        name: format!("利用者 {id}"),
        role,
        password_hash: Some(format!("$argon2id$fake${id}")),
        password_changed_at: Some(Time::now()),
        totp_secret: None,
        totp_last_step: None,
        failed_logins: 0,
        locked_until: None,
        disabled: false,
        created_at: Time::now(),
    }
}

async fn apply(
    store: &dyn Store,
    change: Change,
    actor: Option<&UserId>,
    orgs: &[&OrgId],
) -> AuditEntry {
    let name = change.name();
    match store.apply(change, event(actor, orgs, name)).await {
        Ok(applied) => applied.entry,
        Err(e) => panic!("{name} failed: {e}"),
    }
}

/// Runs the suite on an empty store.
pub async fn run(store: Arc<dyn Store>) {
    let s = store.as_ref();
    assert!(
        s.audit_head().await.unwrap().is_none(),
        "the suite needs an empty store"
    );

    // Parties and people.
    let provider = org("provider", OrgKind::Provider);
    let clinic = org("clinic", OrgKind::Institution);
    let other = org("other-clinic", OrgKind::Institution);
    for o in [&provider, &clinic, &other] {
        apply(s, Change::CreateOrganization(o.clone()), None, &[&o.id]).await;
    }
    assert_eq!(
        s.organization(&clinic.id).await.unwrap(),
        Some(clinic.clone())
    );
    assert_eq!(s.organizations().await.unwrap().len(), 3);

    let editor = user("editor", &provider.id, Role::ProviderApprover);
    let reviewer = user("reviewer", &clinic.id, Role::InstitutionSignatory);
    let stranger = user("stranger", &other.id, Role::InstitutionReviewer);
    for u in [&editor, &reviewer, &stranger] {
        apply(s, Change::CreateUser(u.clone()), None, &[&u.org]).await;
    }
    assert_eq!(
        s.user(&reviewer.id).await.unwrap().as_ref(),
        Some(&reviewer)
    );
    assert_eq!(
        s.user_by_email("reviewer@example.jp")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(reviewer.id.clone())
    );
    assert_eq!(s.users_of(&clinic.id).await.unwrap().len(), 1);

    // A failed change leaves nothing behind, audit entry included.
    let head = s.audit_head().await.unwrap().unwrap().seq;
    let mut twin = user("twin", &clinic.id, Role::InstitutionReviewer);
    twin.email = reviewer.email.clone();
    let err = s
        .apply(Change::CreateUser(twin), event(None, &[&clinic.id], "x"))
        .await;
    assert!(matches!(err, Err(StoreError::Conflict(_))), "{err:?}");
    assert_eq!(s.audit_head().await.unwrap().unwrap().seq, head);
    assert!(s.user(&UserId::new("twin")).await.unwrap().is_none());

    // Passwords, second factor, sessions.
    let at = Time::now();
    apply(
        s,
        Change::SetPassword {
            user: reviewer.id.clone(),
            password_hash: "$argon2id$second".into(),
            at,
        },
        Some(&reviewer.id),
        &[&clinic.id],
    )
    .await;
    let history = s.password_history(&reviewer.id).await.unwrap();
    assert_eq!(history.len(), 2);
    assert!(history.contains(&"$argon2id$second".to_owned()));
    apply(
        s,
        Change::EnrolTotp {
            user: reviewer.id.clone(),
            secret: "sealed".into(),
            recovery_code_hashes: vec!["r1".into(), "r2".into()],
        },
        Some(&reviewer.id),
        &[&clinic.id],
    )
    .await;
    assert_eq!(s.recovery_codes(&reviewer.id).await.unwrap().len(), 2);
    apply(
        s,
        Change::LoginFailed {
            user: reviewer.id.clone(),
            failed_logins: 3,
            locked_until: Some(at.plus_seconds(60)),
        },
        None,
        &[&clinic.id],
    )
    .await;
    let locked = s.user(&reviewer.id).await.unwrap().unwrap();
    assert_eq!(
        (locked.failed_logins, locked.locked_until.is_some()),
        (3, true)
    );

    let session = Session {
        id_hash: "session-1".into(),
        user: reviewer.id.clone(),
        created_at: at,
        last_seen_at: at,
        mfa_at: None,
        csrf_token: "csrf".into(),
        ip: "192.0.2.1".into(),
        user_agent: "test".into(),
        ended_at: None,
    };
    apply(
        s,
        Change::SessionStarted(session.clone()),
        Some(&reviewer.id),
        &[&clinic.id],
    )
    .await;
    assert_eq!(
        s.user(&reviewer.id).await.unwrap().unwrap().failed_logins,
        3,
        "a right password alone does not reset the count: the second factor could be guessed"
    );
    let mfa = |step: i64| Change::MfaPassed {
        session: "session-1".into(),
        user: reviewer.id.clone(),
        at,
        totp_step: Some(step),
        recovery_code: None,
        security_key: None,
    };
    apply(s, mfa(100), Some(&reviewer.id), &[&clinic.id]).await;
    assert_eq!(
        s.user(&reviewer.id).await.unwrap().unwrap().failed_logins,
        0,
        "a completed login resets the count"
    );
    assert!(
        s.session("session-1")
            .await
            .unwrap()
            .unwrap()
            .mfa_at
            .is_some()
    );
    assert_eq!(
        s.user(&reviewer.id).await.unwrap().unwrap().totp_last_step,
        Some(100)
    );
    // The same step again (a replayed code) on a new session is refused.
    let mut second = session.clone();
    second.id_hash = "session-2".into();
    apply(
        s,
        Change::SessionStarted(second),
        Some(&reviewer.id),
        &[&clinic.id],
    )
    .await;
    let replay = Change::MfaPassed {
        session: "session-2".into(),
        user: reviewer.id.clone(),
        at,
        totp_step: Some(100),
        recovery_code: None,
        security_key: None,
    };
    let err = s.apply(replay, event(None, &[], "x")).await;
    assert!(matches!(err, Err(StoreError::Stale(_))), "{err:?}");
    let recovery = |code: &str| Change::MfaPassed {
        session: "session-2".into(),
        user: reviewer.id.clone(),
        at,
        totp_step: None,
        recovery_code: Some(code.into()),
        security_key: None,
    };
    apply(s, recovery("r1"), Some(&reviewer.id), &[&clinic.id]).await;
    assert!(
        s.recovery_codes(&reviewer.id)
            .await
            .unwrap()
            .iter()
            .any(|c| c.code_hash == "r1" && c.used_at.is_some())
    );
    // Security keys: added, used (the credential as updated is kept), removed; a key of nobody
    // cannot be used or removed.
    let key = SecurityKey {
        user: reviewer.id.clone(),
        id: "cred-1".into(),
        name: "USB key".into(),
        credential: "{\"counter\":1}".into(),
        created_at: at,
        last_used_at: None,
    };
    apply(
        s,
        Change::AddSecurityKey(key.clone()),
        Some(&reviewer.id),
        &[&clinic.id],
    )
    .await;
    assert_eq!(s.security_keys(&reviewer.id).await.unwrap(), vec![key]);
    let third = Session {
        id_hash: "session-3".into(),
        ..session.clone()
    };
    apply(
        s,
        Change::SessionStarted(third),
        Some(&reviewer.id),
        &[&clinic.id],
    )
    .await;
    let by_key = |id: &str, session: &str| Change::MfaPassed {
        session: session.into(),
        user: reviewer.id.clone(),
        at,
        totp_step: None,
        recovery_code: None,
        security_key: Some((id.into(), "{\"counter\":2}".into())),
    };
    let err = s
        .apply(by_key("cred-unknown", "session-3"), event(None, &[], "x"))
        .await;
    assert!(matches!(err, Err(StoreError::NotFound(_))), "{err:?}");
    apply(
        s,
        by_key("cred-1", "session-3"),
        Some(&reviewer.id),
        &[&clinic.id],
    )
    .await;
    let used = &s.security_keys(&reviewer.id).await.unwrap()[0];
    assert_eq!(
        (used.credential.as_str(), used.last_used_at),
        ("{\"counter\":2}", Some(at))
    );
    apply(
        s,
        Change::RemoveSecurityKey {
            user: reviewer.id.clone(),
            key: "cred-1".into(),
        },
        Some(&reviewer.id),
        &[&clinic.id],
    )
    .await;
    assert!(s.security_keys(&reviewer.id).await.unwrap().is_empty());

    s.touch_session("session-2", at.plus_seconds(5))
        .await
        .unwrap();
    assert_eq!(
        s.session("session-2").await.unwrap().unwrap().last_seen_at,
        at.plus_seconds(5)
    );
    apply(
        s,
        Change::SessionEnded {
            session: "session-2".into(),
            at,
        },
        Some(&reviewer.id),
        &[&clinic.id],
    )
    .await;
    assert!(
        s.session("session-2")
            .await
            .unwrap()
            .unwrap()
            .ended_at
            .is_some()
    );

    apply(
        s,
        Change::SetRole {
            user: stranger.id.clone(),
            role: Role::InstitutionSignatory,
        },
        Some(&editor.id),
        &[&other.id],
    )
    .await;
    apply(
        s,
        Change::SetDisabled {
            user: stranger.id.clone(),
            disabled: true,
        },
        Some(&editor.id),
        &[&other.id],
    )
    .await;
    let changed = s.user(&stranger.id).await.unwrap().unwrap();
    assert_eq!(
        (changed.role, changed.disabled),
        (Role::InstitutionSignatory, true)
    );

    // Invitations and tokens.
    let invitation = Invitation {
        id: InvitationId::new("inv-1"),
        token_hash: "invite-hash".into(),
        org: clinic.id.clone(),
        role: Role::InstitutionReviewer,
        email: "nurse@example.jp".into(),
        name: "看護師".into(),
        created_by: editor.id.clone(),
        created_at: at,
        expires_at: at.plus_seconds(3600),
        accepted_at: None,
    };
    apply(
        s,
        Change::CreateInvitation(invitation.clone()),
        Some(&editor.id),
        &[&clinic.id],
    )
    .await;
    assert_eq!(
        s.invitation("invite-hash").await.unwrap().map(|i| i.id),
        Some(invitation.id.clone())
    );
    let nurse = user("nurse", &clinic.id, Role::InstitutionReviewer);
    apply(
        s,
        Change::AcceptInvitation {
            invitation: invitation.id.clone(),
            user: nurse.clone(),
            at,
        },
        Some(&nurse.id),
        &[&clinic.id],
    )
    .await;
    let again = s
        .apply(
            Change::AcceptInvitation {
                invitation: invitation.id.clone(),
                user: user("nurse2", &clinic.id, Role::InstitutionReviewer),
                at,
            },
            event(None, &[], "x"),
        )
        .await;
    assert!(
        matches!(again, Err(StoreError::Stale(_))),
        "an invitation is used once: {again:?}"
    );
    assert_eq!(s.invitations_of(&clinic.id).await.unwrap().len(), 1);

    let token = ApiToken {
        id: TokenId::new("tok-1"),
        user: editor.id.clone(),
        name: "CI".into(),
        token_hash: "token-hash".into(),
        scopes: vec![Scope::Read, Scope::Publish],
        created_at: at,
        expires_at: at.plus_seconds(86_400),
        revoked_at: None,
    };
    apply(
        s,
        Change::CreateApiToken(token.clone()),
        Some(&editor.id),
        &[&provider.id],
    )
    .await;
    assert_eq!(
        s.api_token("token-hash").await.unwrap(),
        Some(token.clone())
    );
    apply(
        s,
        Change::RevokeApiToken {
            token: token.id.clone(),
            at,
        },
        Some(&editor.id),
        &[&provider.id],
    )
    .await;
    assert!(
        s.api_tokens_of(&editor.id).await.unwrap()[0]
            .revoked_at
            .is_some()
    );

    // A notification leaves only its audit entry, which names the user.
    let head = s.audit_head().await.unwrap().unwrap();
    let users_before = s.users_of(&provider.id).await.unwrap();
    apply(
        s,
        Change::Notified {
            user: editor.id.clone(),
            day: "2026-12-01".into(),
        },
        None,
        &[&provider.id],
    )
    .await;
    let entry = s.audit_head().await.unwrap().unwrap();
    assert_eq!(entry.seq, head.seq + 1);
    assert_eq!(entry.target, format!("user:{}", editor.id));
    assert_eq!(s.users_of(&provider.id).await.unwrap(), users_before);

    // A system, a version with files and items.
    let system = System {
        id: SystemId::new("sys-1"),
        provider: provider.id.clone(),
        key: "ehr".into(),
        name: "電子カルテ".into(),
        created_at: at,
    };
    apply(
        s,
        Change::CreateSystem(system.clone()),
        Some(&editor.id),
        &[&provider.id],
    )
    .await;
    assert_eq!(
        s.system_by_key(&provider.id, "ehr").await.unwrap(),
        Some(system.clone())
    );
    let bytes = "sansho: 1\n".as_bytes().to_vec();
    let sha = sha256_hex(&bytes);
    let version = Version {
        id: VersionId::new("v1-digest"),
        system: system.id.clone(),
        number: 1,
        published_by: editor.id.clone(),
        published_at: at,
        generator: "sansho test".into(),
        kb_digest: "kb".into(),
        entry: "sansho.yaml".into(),
        name: "電子カルテ".into(),
        as_of: Some("2026-11-01".into()),
        summary: VersionSummary {
            flows: 3,
            risks: 9,
            residual_by_rank: vec![("A".into(), 1)],
            ..VersionSummary::default()
        },
        documents_digest: "docs".into(),
    };
    let file = VersionFile {
        version: version.id.clone(),
        role: FileRole::Model,
        path: "sansho.yaml".into(),
        media_type: "application/yaml".into(),
        sha256: sha.clone(),
        size: bytes.len() as u64,
    };
    let item = ReviewItem {
        version: version.id.clone(),
        key: "request:ctl-1".into(),
        kind: ItemKind::Request,
        position: 0,
        title_ja: "端末のパスワード管理".into(),
        title_en: "Terminal passwords".into(),
        rank: Some("A".into()),
        detail: serde_json::json!({"text": "<b>太字</b>", "risks": ["a/b/c/T1"]}),
        content_digest: "item-digest".into(),
    };
    let publish = |v: &Version| Change::PublishVersion {
        version: v.clone(),
        files: vec![file.clone()],
        blobs: vec![(sha.clone(), bytes.clone())],
        items: vec![item.clone()],
    };
    apply(s, publish(&version), Some(&editor.id), &[&provider.id]).await;
    // Content stored ahead of the change that names it, as the server stores reports: once,
    // whatever the number of times it is put.
    let ahead = b"stored ahead".to_vec();
    let ahead_sha = sha256_hex(&ahead);
    assert_eq!(s.blob(&ahead_sha).await.unwrap(), None);
    s.put_blob(&ahead_sha, &ahead).await.unwrap();
    s.put_blob(&ahead_sha, &ahead).await.unwrap();
    assert_eq!(s.blob(&ahead_sha).await.unwrap(), Some(ahead));
    let dup = s.apply(publish(&version), event(None, &[], "x")).await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    assert_eq!(s.version(&version.id).await.unwrap(), Some(version.clone()));
    assert_eq!(
        s.versions_of(&system.id).await.unwrap(),
        vec![version.clone()]
    );
    assert_eq!(
        s.version_files(&version.id).await.unwrap(),
        vec![file.clone()]
    );
    assert_eq!(s.blob(&sha).await.unwrap(), Some(bytes.clone()));
    assert_eq!(
        s.review_items(&version.id).await.unwrap(),
        vec![item.clone()]
    );

    // An engagement and what happens in it.
    let engagement = Engagement {
        id: EngagementId::new("eng-1"),
        system: system.id.clone(),
        provider: provider.id.clone(),
        institution: clinic.id.clone(),
        contract_form: ContractForm::Yakkan,
        created_by: editor.id.clone(),
        created_at: at,
    };
    apply(
        s,
        Change::CreateEngagement(engagement.clone()),
        Some(&editor.id),
        &[&provider.id, &clinic.id],
    )
    .await;
    assert_eq!(
        s.engagements_of(&clinic.id).await.unwrap(),
        vec![engagement.clone()]
    );
    assert_eq!(
        s.engagements_of(&provider.id).await.unwrap(),
        vec![engagement.clone()]
    );
    assert!(s.engagements_of(&other.id).await.unwrap().is_empty());

    let share = Share {
        engagement: engagement.id.clone(),
        version: version.id.clone(),
        base: None,
        shared_by: editor.id.clone(),
        shared_at: at,
        risks_acknowledged_at: None,
        change_report: None,
    };
    apply(
        s,
        Change::ShareVersion {
            share: share.clone(),
            change_report: None,
        },
        Some(&editor.id),
        &[&provider.id, &clinic.id],
    )
    .await;
    let acknowledged = Share {
        risks_acknowledged_at: Some(at),
        ..share.clone()
    };
    apply(
        s,
        Change::AcknowledgeRisks(acknowledged.clone()),
        Some(&reviewer.id),
        &[&provider.id, &clinic.id],
    )
    .await;
    assert_eq!(s.shares(&engagement.id).await.unwrap(), vec![acknowledged]);

    let mut review = Review {
        engagement: engagement.id.clone(),
        version: version.id.clone(),
        item_key: item.key.clone(),
        verdict: Verdict::Discuss,
        comment: "説明をお願いします".into(),
        by: reviewer.id.clone(),
        at,
    };
    apply(
        s,
        Change::RecordReview(review.clone()),
        Some(&reviewer.id),
        &[&provider.id, &clinic.id],
    )
    .await;
    review.verdict = Verdict::Agree;
    review.comment = "了解しました".into();
    apply(
        s,
        Change::RecordReview(review.clone()),
        Some(&reviewer.id),
        &[&provider.id, &clinic.id],
    )
    .await;
    assert_eq!(
        s.reviews(&engagement.id, &version.id).await.unwrap(),
        vec![review.clone()],
        "a later verdict replaces the earlier"
    );

    let message = Message {
        id: MessageId::new("msg-1"),
        engagement: engagement.id.clone(),
        version: version.id.clone(),
        item_key: Some(item.key.clone()),
        author: reviewer.id.clone(),
        body: "なぜですか？".into(),
        at,
    };
    apply(
        s,
        Change::PostMessage(message.clone()),
        Some(&reviewer.id),
        &[&provider.id, &clinic.id],
    )
    .await;
    assert_eq!(s.messages(&engagement.id).await.unwrap(), vec![message]);

    let attachment_bytes = b"%PDF-1.7 minutes".to_vec();
    let attachment = Attachment {
        id: AttachmentId::new("att-1"),
        engagement: engagement.id.clone(),
        filename: "議事録.pdf".into(),
        media_type: "application/pdf".into(),
        sha256: sha256_hex(&attachment_bytes),
        size: attachment_bytes.len() as u64,
        uploaded_by: editor.id.clone(),
        at,
    };
    apply(
        s,
        Change::AddAttachment {
            attachment: attachment.clone(),
            bytes: attachment_bytes.clone(),
        },
        Some(&editor.id),
        &[&provider.id, &clinic.id],
    )
    .await;
    assert_eq!(
        s.attachment(&attachment.id).await.unwrap(),
        Some(attachment.clone())
    );
    assert_eq!(
        s.blob(&attachment.sha256).await.unwrap(),
        Some(attachment_bytes)
    );

    let minutes = Minutes {
        id: MinutesId::new("min-1"),
        engagement: engagement.id.clone(),
        version: Some(version.id.clone()),
        held_on: "2026-11-20".into(),
        attendees: "甲、乙".into(),
        agenda: "リスク対応".into(),
        decisions: "合意".into(),
        item_keys: vec![item.key.clone()],
        attachments: vec![attachment.id.clone()],
        recorded_by: editor.id.clone(),
        at,
    };
    apply(
        s,
        Change::RecordMinutes(minutes.clone()),
        Some(&editor.id),
        &[&provider.id, &clinic.id],
    )
    .await;
    assert_eq!(s.minutes(&engagement.id).await.unwrap(), vec![minutes]);

    let head = s.audit_head().await.unwrap().unwrap();
    let agreement = Agreement {
        id: AgreementId::new("agr-1"),
        engagement: engagement.id.clone(),
        version: version.id.clone(),
        basis: AgreementBasis::Signed,
        statement: "内容を理解し合意します".into(),
        documents_digest: "docs".into(),
        items_digest: "items".into(),
        signed_by: reviewer.id.clone(),
        signed_at: at,
        signed_from: "192.0.2.1".into(),
        audit_seq: head.seq,
        audit_hash: head.hash.clone(),
        countersigned_by: None,
        countersigned_at: None,
    };
    apply(
        s,
        Change::RecordAgreement(agreement.clone()),
        Some(&reviewer.id),
        &[&provider.id, &clinic.id],
    )
    .await;
    let countersigned = Agreement {
        countersigned_by: Some(editor.id.clone()),
        countersigned_at: Some(at),
        ..agreement.clone()
    };
    apply(
        s,
        Change::Countersign(countersigned.clone()),
        Some(&editor.id),
        &[&provider.id, &clinic.id],
    )
    .await;
    let twice = s
        .apply(
            Change::Countersign(countersigned.clone()),
            event(None, &[], "x"),
        )
        .await;
    assert!(
        matches!(twice, Err(StoreError::Stale(_))),
        "a countersignature is made once: {twice:?}"
    );
    assert_eq!(
        s.agreement(&agreement.id).await.unwrap(),
        Some(countersigned.clone())
    );
    assert_eq!(
        s.agreements(&engagement.id).await.unwrap(),
        vec![countersigned]
    );

    // Operational records: created at revision 1, each step one revision on; a step made on
    // an older revision is stale and changes nothing.
    let ledger_item = crate::operations::LedgerItem {
        asset: Some("usb-1".into()),
        seeded_from: None,
        name: "USB メモリ <b>".into(),
        category: "小型半導体メモリ".into(),
        location: "本社".into(),
        custodian: "運用担当".into(),
        information: vec!["移行データ".into()],
        medical: true,
        encrypted: true,
        portable: true,
        runs_apps: false,
        minimal_apps: false,
        for_patients: false,
        status: crate::operations::LedgerStatus::InService,
        model_last_inventory: Some("2026-10-01".into()),
        note: String::new(),
    };
    let created = crate::operations::OpRecord::new(
        OpId::new("op-1"),
        engagement.id.clone(),
        &editor.id,
        Time::now(),
        crate::operations::OpBody::LedgerItem(ledger_item.clone()),
    );
    apply(
        s,
        Change::PutOpRecord(created.clone()),
        Some(&editor.id),
        &[&provider.id, &clinic.id],
    )
    .await;
    assert_eq!(
        s.op_record(&created.id).await.unwrap(),
        Some(created.clone())
    );
    let mut lost = ledger_item.clone();
    lost.status = crate::operations::LedgerStatus::Lost;
    let moved = created.next(
        &editor.id,
        Time::now(),
        crate::operations::OpBody::LedgerItem(lost),
    );
    apply(
        s,
        Change::PutOpRecord(moved.clone()),
        Some(&editor.id),
        &[&provider.id, &clinic.id],
    )
    .await;
    let head_before = s.audit_head().await.unwrap();
    let again = s
        .apply(Change::PutOpRecord(moved.clone()), event(None, &[], "x"))
        .await;
    assert!(
        matches!(again, Err(StoreError::Stale(_))),
        "a step on an old revision is stale: {again:?}"
    );
    assert_eq!(
        s.audit_head().await.unwrap(),
        head_before,
        "a refused step leaves no audit entry"
    );
    let orphan = crate::operations::OpRecord::new(
        OpId::new("op-2"),
        EngagementId::new("no-such-engagement"),
        &editor.id,
        Time::now(),
        crate::operations::OpBody::LedgerItem(ledger_item),
    );
    assert!(
        s.apply(Change::PutOpRecord(orphan), event(None, &[], "x"))
            .await
            .is_err(),
        "a record of no engagement is refused"
    );
    // Several changes in one transaction: a failing one undoes the others and their entries.
    let fresh = crate::operations::OpRecord::new(
        OpId::new("op-3"),
        engagement.id.clone(),
        &editor.id,
        Time::now(),
        moved.body.clone(),
    );
    let all_or_nothing = s
        .apply_all(vec![
            (Change::PutOpRecord(fresh.clone()), event(None, &[], "a")),
            (Change::PutOpRecord(moved.clone()), event(None, &[], "b")),
        ])
        .await;
    assert!(matches!(all_or_nothing, Err(StoreError::Stale(_))));
    assert!(s.op_record(&fresh.id).await.unwrap().is_none());
    assert_eq!(s.audit_head().await.unwrap(), head_before);
    let second = fresh.next(&editor.id, Time::now(), fresh.body.clone());
    let both = s
        .apply_all(vec![
            (Change::PutOpRecord(fresh.clone()), event(None, &[], "a")),
            (Change::PutOpRecord(second.clone()), event(None, &[], "b")),
        ])
        .await
        .unwrap();
    let head_seq = head_before.as_ref().map_or(0, |e| e.seq);
    assert_eq!(
        both.iter().map(|a| a.entry.seq).collect::<Vec<_>>(),
        vec![head_seq + 1, head_seq + 2]
    );
    assert_eq!(both[1].entry.prev_hash, both[0].entry.hash);
    assert_eq!(s.op_record(&fresh.id).await.unwrap().unwrap().revision, 2);
    assert_eq!(
        s.op_records(&engagement.id).await.unwrap(),
        vec![moved, second]
    );
    assert!(s.op_record(&OpId::new("op-2")).await.unwrap().is_none());

    // Concurrent appends never fork the chain.
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = Arc::clone(&store);
        let clinic = clinic.id.clone();
        tasks.push(tokio::spawn(async move {
            let change = Change::SessionEnded {
                session: format!("concurrent-{i}"),
                at: Time::now(),
            };
            store
                .apply(change, event(None, &[&clinic], "concurrent"))
                .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }

    // The chain: consecutive, linked, each hash recomputes.
    let head = s.audit_head().await.unwrap().unwrap();
    let entries = s.audit_entries(1, head.seq).await.unwrap();
    assert_eq!(entries.len() as u64, head.seq);
    let mut prev = GENESIS.to_owned();
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e.seq, i as u64 + 1);
        assert_eq!(
            e.prev_hash, prev,
            "entry {} links to its predecessor",
            e.seq
        );
        assert_eq!(
            e.computed_hash(),
            e.hash,
            "entry {} round-trips unchanged",
            e.seq
        );
        prev = e.hash.clone();
    }
    assert_eq!(entries.last(), Some(&head));
    let of_other = s.audit_entries_of(&other.id, 1000).await.unwrap();
    assert!(of_other.iter().all(|e| e.orgs.contains(&other.id)));
    assert!(
        !of_other.iter().any(|e| e.target.starts_with("engagement:")),
        "another tenant sees none of the engagement"
    );
    assert_eq!(s.audit_entries(2, 3).await.unwrap().len(), 2);

    // Checkpoints, and an export that verifies.
    let key = ed25519_dalek::SigningKey::from_bytes(&[42; 32]);
    let checkpoint = Checkpoint::sign(&key, head.seq, &head.hash, Time::now());
    s.add_checkpoint(&checkpoint).await.unwrap();
    s.add_checkpoint(&checkpoint).await.unwrap();
    assert_eq!(s.checkpoints().await.unwrap(), vec![checkpoint]);
    let export = audit::export(s, &hex::encode(key.verifying_key().as_bytes()))
        .await
        .unwrap();
    let verified = audit::verify(&export, None);
    assert!(verified.is_intact(), "{:#?}", verified.problems);
    assert!(
        verified.records >= 10,
        "the export holds the records: {}",
        verified.records
    );
}

/// Asserts that two stores hold the same records and audit chain (a backup and its original).
pub async fn same_records(a: &dyn Store, b: &dyn Store) {
    let left = audit::export(a, "").await.unwrap();
    let right = audit::export(b, "").await.unwrap();
    assert_eq!(left.entries, right.entries);
    assert_eq!(left.checkpoints, right.checkpoints);
    assert_eq!(left.records, right.records);
    for v in &left.records.versions {
        for f in a.version_files(&v.id).await.unwrap() {
            assert_eq!(
                a.blob(&f.sha256).await.unwrap(),
                b.blob(&f.sha256).await.unwrap()
            );
        }
    }
}
