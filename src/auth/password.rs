//! argon2id password hashes, computed on the blocking pool through
//! [`off_thread`], a few at a time.

use std::sync::{LazyLock, OnceLock};

use tokio::sync::Semaphore;

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};

use crate::domain::Password;
use crate::error::AppError;

/// Runs argon2 work `f` on the blocking pool, at most one per core at once.
/// Each hash takes 19 MiB and sign-in is open to anyone: unbounded, a burst of
/// `POST /login` would take gigabytes. Requests beyond the bound wait.
pub async fn off_thread<T, F>(f: F) -> Result<T, AppError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    static SLOTS: LazyLock<Semaphore> = LazyLock::new(|| {
        Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    });
    let _slot = SLOTS
        .acquire()
        .await
        .map_err(|_| AppError::internal("the argon2 semaphore is closed"))?;
    Ok(actix_web::web::block(f).await?)
}

/// OWASP's minimum for argon2id: 19 MiB, 2 iterations, 1 lane.
const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;

fn hasher() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash(password: &Password) -> String {
    hasher()
        .hash_password(password.expose().as_bytes())
        .expect("argon2 hashing with valid parameters")
        .to_string()
}

/// Verifies `password` against `stored`; with no stored hash (unknown user) it
/// verifies against a dummy hash, so both cases take the same time.
pub fn verify(password: &Password, stored: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| {
        hash(&Password::parse_attempt("dummy password for unknown users").expect("valid"))
    });
    let ok = hasher()
        .verify_password(password.expose().as_bytes(), stored.unwrap_or(dummy))
        .is_ok();
    ok && stored.is_some()
}

/// True when `stored` was made with weaker settings than today's (another
/// algorithm or version, less memory, fewer iterations): the sign-in that
/// proves the password then stores a new hash.
pub fn needs_rehash(stored: &str) -> bool {
    let mut parts = stored.split('$');
    let (Some(""), Some(alg), Some(version), Some(params)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return true;
    };
    if alg != "argon2id" || version != "v=19" {
        return true;
    }
    let get = |name: &str| {
        params
            .split(',')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    };
    get("m") < MEMORY_KIB || get("t") < ITERATIONS
}

/// Computes the dummy hash ahead of the first sign-in.
pub fn warm_up() {
    let _ = verify(
        &Password::parse_attempt("warm-up password").expect("valid"),
        None,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let pw = Password::parse_attempt("correct horse battery").unwrap();
        let h = hash(&pw);
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify(&pw, Some(&h)));
        let wrong = Password::parse_attempt("wrong horse battery").unwrap();
        assert!(!verify(&wrong, Some(&h)));
        assert!(!verify(&pw, None));
        assert!(!needs_rehash(&h));
    }

    #[test]
    fn weaker_hashes_are_upgraded() {
        for weak in [
            "$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHQ$aGFzaA",
            "$argon2id$v=19$m=19456,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
            "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
            "$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
            "not a hash",
        ] {
            assert!(needs_rehash(weak), "{weak}");
        }
        assert!(!needs_rehash(
            "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaA"
        ));
    }
}
