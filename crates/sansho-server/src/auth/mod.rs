//! Login as the guideline sansho enforces asks of everyone: Argon2id password hashes, a password
//! policy (length, mixed characters, no reuse, lockout), a second factor for every user (TOTP
//! with one-time recovery codes), server-side sessions with idle and absolute timeouts, and API
//! tokens stored as hashes.

pub mod password;
pub mod secret;
pub mod totp;
