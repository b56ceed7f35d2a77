//! Time-based one-time codes (RFC 6238: SHA-1, 6 digits, 30 s — what authenticator apps do),
//! with the time step of the accepted code returned so that the store refuses it a second time,
//! and recovery codes for a lost phone.

use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::keys::random;

const STEP_SECONDS: u64 = 30;
/// Codes one step either side of now are accepted (clock drift).
const SKEW_STEPS: i64 = 1;
const RECOVERY_CODES: usize = 10;

/// A new secret (160 bits, as RFC 4226 recommends).
pub fn new_secret() -> Vec<u8> {
    random::<20>().to_vec()
}

/// The secret in base32, as typed into an app by hand.
pub fn base32(secret: &[u8]) -> String {
    Secret::from(secret.to_vec()).to_base32()
}

fn totp(secret: &[u8], account: &str) -> Option<Totp> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(STEP_SECONDS)
        .with_secret(secret.to_vec())
        .with_issuer(Some("sansho"))
        .with_account_name(account)
        .build()
        .ok()
}

/// The `otpauth://` URL an app reads from a QR code.
pub fn url(secret: &[u8], account: &str) -> String {
    totp(secret, account)
        .and_then(|t| t.to_url().ok())
        .unwrap_or_default()
}

/// The QR code of [`url`] as a PNG, base64.
pub fn qr_png_base64(secret: &[u8], account: &str) -> Option<String> {
    totp(secret, account)?.to_qr_base64().ok()
}

/// The code for a moment (tests and the demo).
pub fn code_at(secret: &[u8], unix_seconds: u64) -> String {
    totp(secret, "")
        .map(|t| t.generate(unix_seconds).to_string())
        .unwrap_or_default()
}

/// The code of now for a secret written in base32 (`sansho serve code`).
pub fn code_now_base32(secret: &str) -> Option<String> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    code_now_base32_at(secret, now)
}

/// The code at `unix_seconds` for a secret written in base32.
pub fn code_now_base32_at(secret: &str, unix_seconds: u64) -> Option<String> {
    let raw = Secret::try_from_base32(secret.trim()).ok()?;
    totp(raw.as_bytes(), "").map(|t| t.generate(unix_seconds).to_string())
}

/// If `code` is right at `unix_seconds` (± one step), the time step it belongs to.
pub fn check(secret: &[u8], code: &str, unix_seconds: u64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let t = totp(secret, "")?;
    let now = i64::try_from(unix_seconds / STEP_SECONDS).ok()?;
    let mut found = None;
    // Every candidate is compared, so the time taken says nothing about which matched.
    for step in now - SKEW_STEPS..=now + SKEW_STEPS {
        let at = u64::try_from(step).ok()? * STEP_SECONDS;
        if crate::auth::secret::same(&t.generate(at).to_string(), &code) {
            found = Some(step);
        }
    }
    found
}

/// New recovery codes (shown once) and their hashes (stored).
pub fn recovery_codes() -> (Vec<String>, Vec<String>) {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let bytes: [u8; 12] = random();
        let chars: String = bytes
            .iter()
            .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
            .collect();
        codes.push(format!(
            "{}-{}-{}",
            &chars[0..4],
            &chars[4..8],
            &chars[8..12]
        ));
    }
    let hashes = codes.iter().map(|c| recovery_hash(c)).collect();
    (codes, hashes)
}

/// What the store keeps of a recovery code (case and separators do not matter when typed).
pub fn recovery_hash(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    crate::auth::secret::hash(&normal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_accepted_near_its_time_with_its_step() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let code = code_at(&secret, now);
        assert_eq!(check(&secret, &code, now), Some((now / 30) as i64));
        assert_eq!(
            check(&secret, &code, now + 30),
            Some((now / 30) as i64),
            "one step late is fine"
        );
        assert_eq!(
            check(&secret, &code, now + 120),
            None,
            "four steps late is not"
        );
        assert_eq!(check(&secret, "12345", now), None);
        assert_eq!(check(&secret, "abcdef", now), None);
        let (codes, hashes) = recovery_codes();
        assert_eq!(codes.len(), 10);
        assert_eq!(recovery_hash(&codes[0].to_uppercase()), hashes[0]);
    }
}
