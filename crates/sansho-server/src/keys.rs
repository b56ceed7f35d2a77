//! The server's own keys, kept in its data directory (mode 0600), made on first start:
//! an Ed25519 key that signs the audit chain's checkpoints, and a key that seals the TOTP
//! secrets at rest (XChaCha20-Poly1305). Servers sharing one PostgreSQL database share these
//! files too.

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use ed25519_dalek::SigningKey;

const SIGNING_FILE: &str = "audit-signing.key";
const SEALING_FILE: &str = "secret-sealing.key";

/// The server's keys.
#[derive(Clone)]
pub struct ServerKeys {
    pub signing: SigningKey,
    sealing: [u8; 32],
}

impl std::fmt::Debug for ServerKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerKeys")
            .field("public_key", &self.public_key_hex())
            .finish_non_exhaustive()
    }
}

/// `n` random bytes from the operating system.
pub fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // The OS generator failing leaves no safe way on: no key, token or nonce may be made.
    if let Err(e) = getrandom::fill(&mut bytes) {
        panic!("the operating system's random generator failed: {e}");
    }
    bytes
}

impl ServerKeys {
    /// Reads the keys from `dir`, making them (and `dir`) when missing.
    pub fn load_or_create(dir: &Path) -> anyhow::Result<ServerKeys> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let signing = SigningKey::from_bytes(&read_or_make(&dir.join(SIGNING_FILE))?);
        let sealing = read_or_make(&dir.join(SEALING_FILE))?;
        Ok(ServerKeys { signing, sealing })
    }

    /// Keys for tests and the demo, made fresh in memory.
    pub fn ephemeral() -> ServerKeys {
        ServerKeys {
            signing: SigningKey::from_bytes(&random()),
            sealing: random(),
        }
    }

    pub fn public_key_hex(&self) -> String {
        hex::encode(self.signing.verifying_key().as_bytes())
    }

    /// Encrypts a secret for storage: base64 of nonce ‖ ciphertext.
    pub fn seal(&self, plain: &[u8]) -> String {
        let cipher = XChaCha20Poly1305::new((&self.sealing).into());
        let nonce: [u8; 24] = random();
        let sealed = cipher
            .encrypt(&XNonce::from(nonce), plain)
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend(sealed);
        base64::engine::general_purpose::STANDARD.encode(out)
    }

    /// Decrypts what [`seal`](Self::seal) made; `None` when it was altered or sealed by another key.
    pub fn unseal(&self, sealed: &str) -> Option<Vec<u8>> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(sealed)
            .ok()?;
        if bytes.len() < 24 {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(24);
        let nonce: [u8; 24] = nonce.try_into().ok()?;
        let cipher = XChaCha20Poly1305::new((&self.sealing).into());
        cipher.decrypt(&XNonce::from(nonce), ciphertext).ok()
    }
}

fn read_or_make(path: &Path) -> anyhow::Result<[u8; 32]> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let bytes = hex::decode(text.trim())
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
                .with_context(|| format!("{} is not a key (64 hex digits)", path.display()))?;
            Ok(bytes)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key: [u8; 32] = random();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options
                .open(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            file.write_all(hex::encode(key).as_bytes())?;
            file.sync_all()?;
            Ok(key)
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_persist_and_seal_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let a = ServerKeys::load_or_create(dir.path()).unwrap();
        let b = ServerKeys::load_or_create(dir.path()).unwrap();
        assert_eq!(a.public_key_hex(), b.public_key_hex());
        let sealed = a.seal(b"JBSWY3DPEHPK3PXP");
        assert_eq!(b.unseal(&sealed).as_deref(), Some(&b"JBSWY3DPEHPK3PXP"[..]));
        assert!(
            ServerKeys::ephemeral().unseal(&sealed).is_none(),
            "another key cannot open it"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(SIGNING_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
