//! Random tokens and their stored form: the client holds the token, the store its SHA-256, so a
//! copy of the database opens no session and no API.

use base64::Engine as _;

use crate::keys::random;

/// A new random token (256 bits, URL-safe base64) with a prefix that says what it is for.
pub fn token(prefix: &str) -> String {
    let bytes: [u8; 32] = random();
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// What the store keeps of a token.
pub fn hash(token: &str) -> String {
    sansho_store::records::sha256_hex(token.as_bytes())
}

/// A new random id for a record (128 bits, hex).
pub fn id() -> String {
    hex::encode(random::<16>())
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq as _;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}
