//! Identifiers of records. Made by the server (random, unguessable), stored as text; a type per
//! kind of record, so an engagement id cannot be passed where a version id is expected.

macro_rules! record_id {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}

record_id! {
    /// An organisation: provider, subcontractor, other provider or medical institution.
    OrgId;
    UserId;
    /// A system a provider publishes (one per `system.id` of its models).
    SystemId;
    /// A published version: the SHA-256 of its model bundle, so the same bundle is one version.
    VersionId;
    /// A system offered to one institution.
    EngagementId;
    MessageId;
    MinutesId;
    AttachmentId;
    AgreementId;
    TokenId;
    InvitationId;
    /// An operational record: a ledger item, an inventory, a take-out, an incident.
    OpId;
}
