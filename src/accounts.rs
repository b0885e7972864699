//! Account rules with no I/O: password hashing, random tokens, and the
//! validation of usernames, display names and passwords.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::Rng;
use rand::seq::IndexedRandom;
use sha2::{Digest, Sha256};

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password accepted (hashing cost is bounded too).
pub const MAX_PASSWORD_CHARS: usize = 256;
/// Longest display name.
pub const MAX_DISPLAY_NAME_CHARS: usize = 64;

/// Most Argon2 computations that may run at once: each holds 19 MiB, so
/// 8 bound their memory to about 152 MiB however many logins arrive.
pub const MAX_ARGON2_AT_ONCE: usize = 8;

/// The Argon2 computations running now, and a condition to wait for a slot.
static RUNNING: Mutex<usize> = Mutex::new(0);
static SLOT_FREED: Condvar = Condvar::new();
/// The most Argon2 computations that ever ran at once (for tests).
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// A slot to run one Argon2 computation; waits (blocking the thread) while
/// [`MAX_ARGON2_AT_ONCE`] run. Freed on drop.
struct Slot;

impl Slot {
    fn take() -> Slot {
        let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
        while *running >= MAX_ARGON2_AT_ONCE {
            running = SLOT_FREED.wait(running).unwrap_or_else(|e| e.into_inner());
        }
        *running += 1;
        PEAK.fetch_max(*running, Ordering::Relaxed);
        Slot
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
        *running = running.saturating_sub(1);
        SLOT_FREED.notify_one();
    }
}

/// The most Argon2 computations that have run at once since start.
pub fn argon2_peak() -> usize {
    PEAK.load(Ordering::Relaxed)
}

/// Hashes a password with Argon2id and the crate's default parameters
/// (19 MiB, t=2, p=1). Slow on purpose: call from a blocking thread. At most
/// [`MAX_ARGON2_AT_ONCE`] hashes and checks run at once; others wait.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let _slot = Slot::take();
    let hash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))?;
    Ok(hash.to_string())
}

/// Checks `password` against a stored PHC hash string (under the same
/// bound as [`hash_password`]).
pub fn verify_password(password: &str, stored: &str) -> bool {
    let _slot = Slot::take();
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Verifies against a fixed dummy hash, so that an unknown username costs
/// the same time as a wrong password.
pub fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let hash = DUMMY
        .get_or_init(|| hash_password("not a real password, only for timing").unwrap_or_default());
    let _ = verify_password(password, hash);
}

/// A new random token: 32 bytes (256 bits) as lowercase hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    hex(&bytes)
}

/// Letters of invite codes: lowercase a–z and digits without the easily
/// confused `i l o 0 1` (31 symbols).
pub const INVITE_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
/// Symbols in an invite code, not counting the two dashes.
pub const INVITE_CODE_SYMBOLS: usize = 12;

/// A short invite code people can type: [`INVITE_CODE_SYMBOLS`] symbols
/// drawn uniformly from [`INVITE_ALPHABET`] with the thread-local CSPRNG,
/// in dashed groups of four (`abcd-efgh-jkmn`, 14 characters, ~59 bits).
pub fn new_invite_code() -> String {
    invite_code_from(&mut rand::rng())
}

/// An invite code drawn from `rng`; each symbol is chosen with
/// [`IndexedRandom::choose`], so every letter is equally likely (no modulo bias).
pub fn invite_code_from<R: Rng + ?Sized>(rng: &mut R) -> String {
    let symbols: Vec<char> = (0..INVITE_CODE_SYMBOLS)
        .filter_map(|_| INVITE_ALPHABET.choose(rng))
        .map(|&b| char::from(b))
        .collect();
    symbols
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// SHA-256 of a token, as stored in the database instead of the token itself.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Normalises and validates a username: 3–32 of `a-z0-9_-`, compared
/// case-insensitively (so it is stored lowercase).
pub fn normalize_username(input: &str) -> Result<String, &'static str> {
    let name = input.trim().to_ascii_lowercase();
    if name.len() < 3 || name.len() > 32 {
        return Err("A username is 3 to 32 characters long.");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
    {
        return Err("A username uses only letters a–z, digits, '_' and '-'.");
    }
    Ok(name)
}

/// Validates a display name; empty means "use the username".
pub fn normalize_display_name(input: &str, username: &str) -> Result<String, &'static str> {
    let name = input.trim();
    if name.chars().count() > MAX_DISPLAY_NAME_CHARS {
        return Err("A display name is at most 64 characters.");
    }
    if name.chars().any(char::is_control) {
        return Err("A display name cannot contain control characters.");
    }
    Ok(if name.is_empty() {
        username.to_string()
    } else {
        name.to_string()
    })
}

/// Validates a new password and its confirmation.
pub fn check_new_password(password: &str, confirm: &str) -> Result<(), &'static str> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err("A password needs at least 10 characters.");
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err("A password is at most 256 characters.");
    }
    if password != confirm {
        return Err("The two passwords do not match.");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2_work_is_bounded() {
        let hash = hash_password("a long enough password").unwrap();
        let threads: Vec<_> = (0..4 * MAX_ARGON2_AT_ONCE)
            .map(|_| {
                let hash = hash.clone();
                std::thread::spawn(move || verify_password("a long enough password", &hash))
            })
            .collect();
        for t in threads {
            assert!(t.join().unwrap());
        }
        assert!(argon2_peak() <= MAX_ARGON2_AT_ONCE, "{}", argon2_peak());
        assert!(argon2_peak() >= 1);
    }

    #[test]
    fn hashes_are_argon2id_with_default_params_and_verify() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong horse battery", &hash));
        assert!(!verify_password("x", "not a hash"));
        assert_ne!(
            hash,
            hash_password("correct horse battery").unwrap(),
            "salted"
        );
    }

    #[test]
    fn usernames() {
        assert_eq!(normalize_username(" Ada_L "), Ok("ada_l".into()));
        assert!(normalize_username("ab").is_err());
        assert!(normalize_username(&"a".repeat(33)).is_err());
        assert!(normalize_username("ada lovelace").is_err());
        assert!(normalize_username("ädä").is_err());
    }

    #[test]
    fn passwords() {
        assert!(check_new_password("short", "short").is_err());
        assert!(check_new_password("long enough pw", "long enough px").is_err());
        assert!(check_new_password("long enough pw", "long enough pw").is_ok());
    }

    #[test]
    fn tokens_are_long_and_random() {
        let a = new_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, new_token());
        assert_eq!(token_hash(&a).len(), 32);
    }

    #[test]
    fn invite_codes_are_three_dashed_groups_from_the_alphabet() {
        let code = new_invite_code();
        assert_eq!(code.len(), 14, "{code}");
        let groups: Vec<&str> = code.split('-').collect();
        assert_eq!(groups.len(), 3, "{code}");
        for g in groups {
            assert_eq!(g.len(), 4, "{code}");
            assert!(g.bytes().all(|b| INVITE_ALPHABET.contains(&b)), "{code}");
        }
    }

    #[test]
    fn every_letter_of_the_alphabet_occurs_about_equally() {
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut counts = std::collections::BTreeMap::<char, usize>::new();
        let codes = 20_000;
        for _ in 0..codes {
            for c in invite_code_from(&mut rng).chars().filter(|&c| c != '-') {
                *counts.entry(c).or_default() += 1;
            }
        }
        let mut letters: Vec<char> = INVITE_ALPHABET.iter().map(|&b| char::from(b)).collect();
        letters.sort_unstable();
        assert_eq!(counts.keys().copied().collect::<Vec<_>>(), letters);
        // 240,000 draws over 31 letters: about 7,742 each (σ ≈ 87). Taking a
        // random byte modulo 31 would give the first 8 letters 9% more.
        let expected = codes * INVITE_CODE_SYMBOLS / INVITE_ALPHABET.len();
        for (c, n) in counts {
            assert!(
                n.abs_diff(expected) < expected / 25,
                "{c} drawn {n} times, expected about {expected}"
            );
        }
    }
}
