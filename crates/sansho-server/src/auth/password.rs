//! Passwords: the policy (checked when a password is set), Argon2id hashing and verification.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::config::SecurityPolicy;
use crate::error::AppError;

/// Longer passwords are refused: hashing cost grows with length, and no one types more.
const MAX_LENGTH: usize = 256;

/// Checks `password` against the policy; the error names every rule it breaks, in Japanese and
/// English. `email` and `name` may not appear in it.
pub fn check_policy(
    policy: &SecurityPolicy,
    password: &str,
    email: &str,
    name: &str,
) -> Result<(), AppError> {
    let mut ja: Vec<String> = Vec::new();
    let mut en: Vec<String> = Vec::new();
    let length = password.chars().count();
    if length < policy.password_min_length {
        ja.push(format!(
            "{} 文字以上にしてください (今は {length} 文字)",
            policy.password_min_length
        ));
        en.push(format!(
            "use at least {} characters (now {length})",
            policy.password_min_length
        ));
    }
    if length > MAX_LENGTH {
        ja.push(format!("{MAX_LENGTH} 文字以内にしてください"));
        en.push(format!("use at most {MAX_LENGTH} characters"));
    }
    let classes = character_classes(password);
    if classes < policy.password_min_classes {
        ja.push(format!(
            "英大文字・英小文字・数字・記号のうち {} 種類以上を混ぜてください (今は {classes} 種類)",
            policy.password_min_classes
        ));
        en.push(format!(
            "mix at least {} of upper case, lower case, digits and symbols (now {classes})",
            policy.password_min_classes
        ));
    }
    let lower = password.to_lowercase();
    let local = email.split('@').next().unwrap_or_default().to_lowercase();
    if local.chars().count() >= 3 && lower.contains(&local) {
        ja.push("メールアドレスを含めないでください".into());
        en.push("do not include your e-mail address".into());
    }
    let name = name.to_lowercase().replace(' ', "");
    if name.chars().count() >= 3 && lower.contains(&name) {
        ja.push("氏名を含めないでください".into());
        en.push("do not include your name".into());
    }
    if ja.is_empty() {
        Ok(())
    } else {
        Err(AppError::bad(
            format!("パスワードが条件を満たしません: {}", ja.join("、")),
            format!("the password does not meet the policy: {}", en.join("; ")),
        ))
    }
}

/// How many of upper case, lower case, digits and symbols (everything else) a password mixes.
pub fn character_classes(password: &str) -> usize {
    let upper = password.chars().any(|c| c.is_ascii_uppercase());
    let lower = password.chars().any(|c| c.is_ascii_lowercase());
    let digit = password.chars().any(|c| c.is_ascii_digit());
    let other = password.chars().any(|c| !c.is_ascii_alphanumeric());
    [upper, lower, digit, other]
        .into_iter()
        .filter(|x| *x)
        .count()
}

/// The Argon2id hash (PHC string) of a password, with a fresh salt.
pub fn hash(password: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("argon2: {e}")))
}

/// Whether `password` matches the stored hash (an unreadable hash matches nothing).
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Verifies against a fixed hash, so that a login for an unknown address takes as long as one
/// for a known address.
pub fn verify_nothing(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let stored = DUMMY.get_or_init(|| hash("sansho timing equaliser").unwrap_or_default());
    let _ = verify(password, stored);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_each_rule_broken() {
        let policy = SecurityPolicy::default();
        assert!(check_policy(&policy, "Kusuri-Bako-2026", "taro@example.jp", "山田 太郎").is_ok());
        let AppError::BadRequest { ja, en } =
            check_policy(&policy, "short", "taro@example.jp", "").unwrap_err()
        else {
            panic!()
        };
        assert!(
            ja.contains("12 文字以上") && ja.contains("種類以上"),
            "{ja}"
        );
        assert!(en.contains("at least 12"), "{en}");
        let err = check_policy(&policy, "Taro-Example-2026", "taro@example.jp", "").unwrap_err();
        assert!(err.message().0.contains("メールアドレス"));
        assert_eq!(
            character_classes("あいうえおかきくけこさし1A"),
            3,
            "Japanese counts as a symbol class"
        );
    }

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash("Kusuri-Bako-2026").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify("Kusuri-Bako-2026", &h));
        assert!(!verify("kusuri-bako-2026", &h));
        assert!(!verify("anything", "not a hash"));
    }
}
