//! What the server does, one function per act, used alike by the pages and the API. Each
//! checks what the act requires (state, sizes, texts) and makes its changes through
//! [`crate::state::AppState::record`], so each lands in the audit chain.

pub mod accounts;
pub mod agreement;
pub mod engagements;
pub mod export;
pub mod items;
pub mod notify;
pub mod operations;
pub mod publish;
pub mod review;
pub mod security_keys;
pub mod share;
