//! Password policy and argon2id hashing.
//!
//! Hashing is deliberately expensive (that is its job), so it runs on the blocking
//! thread pool behind a semaphore: at most `concurrency` hashes run at once, and a
//! burst of sign-ins queues instead of starving the async runtime or exhausting
//! memory. The queue itself is bounded (`--password-hash-queue`): beyond it a request
//! is refused at once with `ServiceError::Busy`, rather than waiting behind an
//! unbounded crowd.
//!
//! Each running hash needs `memory_kib` of working memory. Left to the allocator,
//! every blocking thread that ever hashed keeps its own freed copy in its own malloc
//! arena, so a burst over many threads left hundreds of MiB held; instead the
//! working memory comes from [`ScratchPool`]: one buffer per permit, allocated on
//! first use and reused, so memory stays at `concurrency x memory_kib` for good.

use crate::config::{PASSWORD_MAX_CHARS, PasswordConfig};
use crate::service::{ServiceError, ServiceResult};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

/// zxcvbn's cost grows quickly with length; the first characters decide the score.
const STRENGTH_CHECK_CHARS: usize = 100;

/// Checks, hashes and verifies passwords.
pub struct Passwords {
    params: Params,
    min_chars: usize,
    permits: Semaphore,
    /// One working-memory buffer per permit.
    scratch: ScratchPool,
    /// Requests waiting for a permit, and how many may.
    waiting: AtomicUsize,
    queue: usize,
    /// Verified against when the account does not exist, so that "no such user"
    /// takes as long as "wrong password" and cannot be told apart by timing.
    decoy_hash: String,
}

impl Passwords {
    pub fn new(config: &PasswordConfig) -> anyhow::Result<Arc<Self>> {
        let params = Params::new(config.memory_kib, config.iterations, 1, None)
            .map_err(|e| anyhow::anyhow!("invalid argon2 parameters: {e}"))?;
        let scratch = ScratchPool::new(params.block_count());
        let salt = SaltString::generate(&mut OsRng);
        let decoy_hash = scratch
            .with(|memory| {
                hash(
                    &params,
                    b"decoy password nobody has",
                    salt.as_salt(),
                    memory,
                )
            })
            .map_err(|e| anyhow::anyhow!("argon2 failed: {e}"))?;
        Ok(Arc::new(Self {
            params,
            min_chars: config.min_chars,
            permits: Semaphore::new(config.concurrency.max(1)),
            scratch,
            waiting: AtomicUsize::new(0),
            queue: config.queue.max(1),
            decoy_hash,
        }))
    }

    /// Checks `password` against the policy: length bounds, and a strength estimate
    /// (zxcvbn) that rejects the most common passwords, keyboard walks, dates and
    /// anything built from `personal` inputs such as the username.
    pub fn check_policy(&self, password: &str, personal: &[&str]) -> ServiceResult<()> {
        let chars = password.chars().count();
        if chars < self.min_chars {
            return Err(ServiceError::weak_password(format!(
                "a password has at least {} characters",
                self.min_chars
            )));
        }
        if chars > PASSWORD_MAX_CHARS {
            return Err(ServiceError::weak_password(format!(
                "a password has at most {PASSWORD_MAX_CHARS} characters"
            )));
        }
        let checked: String = password.chars().take(STRENGTH_CHECK_CHARS).collect();
        let estimate = zxcvbn::zxcvbn(&checked, personal);
        if u8::from(estimate.score()) < 2 {
            let reason = estimate
                .feedback()
                .and_then(|feedback| feedback.warning())
                .map(|warning| format!(": {}", why_guessable(warning)))
                .unwrap_or_default();
            return Err(ServiceError::weak_password(format!(
                "This password is too easy to guess{reason}. A few unrelated words make a strong password that is easy to remember."
            )));
        }
        Ok(())
    }

    /// Checks the policy, then hashes. Both run off the async runtime.
    pub async fn hash_new(
        self: &Arc<Self>,
        password: &str,
        personal: &[&str],
    ) -> ServiceResult<String> {
        let password = password.to_owned();
        let personal: Vec<String> = personal.iter().map(|s| (*s).to_owned()).collect();
        self.run_blocking(move |this| {
            let personal: Vec<&str> = personal.iter().map(String::as_str).collect();
            this.check_policy(&password, &personal)?;
            let salt = SaltString::generate(&mut OsRng);
            this.scratch
                .with(|memory| hash(&this.params, password.as_bytes(), salt.as_salt(), memory))
                .map_err(|e| ServiceError::Internal(format!("argon2 hashing failed: {e}")))
        })
        .await
    }

    /// True if `password` matches `hash`. With no hash (unknown account, or one
    /// without a password) a decoy is verified and the answer is false.
    pub async fn verify(
        self: &Arc<Self>,
        password: &str,
        hash: Option<&str>,
    ) -> ServiceResult<bool> {
        let password = password.to_owned();
        let hash = hash.map(str::to_owned);
        self.run_blocking(move |this| {
            let (stored, real) = match &hash {
                Some(hash) => (hash.as_str(), true),
                None => (this.decoy_hash.as_str(), false),
            };
            let parsed = PasswordHash::new(stored).map_err(|e| {
                ServiceError::Internal(format!("stored password hash is malformed: {e}"))
            })?;
            // Verification uses the parameters recorded in the hash itself, so hashes
            // made under older settings keep working.
            let matches = this
                .scratch
                .with(|memory| verify(password.as_bytes(), &parsed, memory))
                .map_err(|e| {
                    ServiceError::Internal(format!("stored password hash is unusable: {e}"))
                })?;
            Ok(real && matches)
        })
        .await
    }

    async fn run_blocking<T: Send + 'static>(
        self: &Arc<Self>,
        work: impl FnOnce(&Self) -> ServiceResult<T> + Send + 'static,
    ) -> ServiceResult<T> {
        let place = QueuePlace::take(&self.waiting, self.queue)?;
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| ServiceError::Internal("password hashing is shut down".to_owned()))?;
        drop(place);
        let this = Arc::clone(self);
        tokio::task::spawn_blocking(move || work(&this))
            .await
            .map_err(|e| ServiceError::Internal(format!("password hashing task failed: {e}")))?
    }
}

/// argon2id's working memory, kept between hashes: at most one buffer per hashing
/// permit exists, since only a permit holder takes one.
struct ScratchPool {
    free: Mutex<Vec<Vec<Block>>>,
    /// Blocks (of 1 KiB) of one buffer: the configured memory cost.
    blocks: usize,
}

impl ScratchPool {
    fn new(blocks: usize) -> Self {
        Self {
            free: Mutex::new(Vec::new()),
            blocks,
        }
    }

    /// Runs `work` with a buffer of the configured size, allocated only if none is
    /// free, and wiped (it held values derived from a password) before it is put
    /// back. A buffer is lost, not put back, if `work` panics.
    fn with<T>(&self, work: impl FnOnce(&mut [Block]) -> T) -> T {
        let taken = self.free.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut memory = taken.unwrap_or_else(|| vec![Block::default(); self.blocks]);
        let result = work(&mut memory);
        memory.fill(Block::default());
        self.free
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(memory);
        result
    }
}

/// The PHC string of argon2id over `password` with `params`, computed in `memory`.
fn hash(
    params: &Params,
    password: &[u8],
    salt: Salt<'_>,
    memory: &mut [Block],
) -> argon2::password_hash::Result<String> {
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output = compute(&argon, password, salt, output_len, memory)?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params)?,
        salt: Some(salt),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

/// True if `password` matches `stored`, recomputed with the algorithm, version and
/// parameters `stored` records, in `memory` (or, for a stored cost above the
/// configured one, in memory allocated for this check alone). The outputs are
/// compared in constant time.
fn verify(
    password: &[u8],
    stored: &PasswordHash<'_>,
    memory: &mut [Block],
) -> argon2::password_hash::Result<bool> {
    let (Some(salt), Some(expected)) = (&stored.salt, &stored.hash) else {
        return Ok(false);
    };
    let algorithm = Algorithm::try_from(stored.algorithm)?;
    let version = stored
        .version
        .map(Version::try_from)
        .transpose()?
        .unwrap_or_default();
    let params = Params::try_from(stored)?;
    let mut larger = Vec::new();
    let memory = if params.block_count() <= memory.len() {
        memory
    } else {
        larger.resize(params.block_count(), Block::default());
        &mut larger[..]
    };
    let argon = Argon2::new(algorithm, version, params);
    let computed = compute(&argon, password, *salt, expected.len(), memory)?;
    Ok(computed == *expected)
}

/// `argon`'s output of `output_len` bytes over `password` and `salt`, in `memory`.
fn compute(
    argon: &Argon2<'_>,
    password: &[u8],
    salt: Salt<'_>,
    output_len: usize,
    memory: &mut [Block],
) -> argon2::password_hash::Result<Output> {
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    Output::init_with(output_len, |out| {
        Ok(argon.hash_password_into_with_memory(password, salt_bytes, out, &mut *memory)?)
    })
}

/// A place in the queue of requests waiting for a hashing permit.
struct QueuePlace<'a>(&'a AtomicUsize);

impl<'a> QueuePlace<'a> {
    /// Takes a place, or refuses with `Busy` when `limit` requests already wait.
    fn take(waiting: &'a AtomicUsize, limit: usize) -> ServiceResult<Self> {
        let taken = waiting.fetch_update(Ordering::AcqRel, Ordering::Acquire, |now| {
            (now < limit).then_some(now + 1)
        });
        match taken {
            Ok(_) => Ok(Self(waiting)),
            Err(_) => Err(ServiceError::Busy {
                retry_after: Duration::from_secs(1),
            }),
        }
    }
}

impl Drop for QueuePlace<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Why zxcvbn finds a password guessable, in words for people (its own wording reads
/// like a library's).
fn why_guessable(warning: zxcvbn::feedback::Warning) -> &'static str {
    use zxcvbn::feedback::Warning::*;
    match warning {
        StraightRowsOfKeysAreEasyToGuess | ShortKeyboardPatternsAreEasyToGuess => {
            "it follows a pattern on the keyboard"
        }
        RepeatsLikeAaaAreEasyToGuess | RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess => {
            "it repeats the same letters or words"
        }
        ThisIsATop10Password | ThisIsATop100Password | ThisIsACommonPassword => {
            "it is one of the most common passwords"
        }
        ThisIsSimilarToACommonlyUsedPassword => "it is a common password with small changes",
        SequencesLikeAbcAreEasyToGuess => "it contains a sequence like abc or 6543",
        RecentYearsAreEasyToGuess | DatesAreOftenEasyToGuess => "it contains a date or a year",
        AWordByItselfIsEasyToGuess => "a single word is easy to guess",
        NamesAndSurnamesByThemselvesAreEasyToGuess | CommonNamesAndSurnamesAreEasyToGuess => {
            "names are easy to guess"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passwords() -> Arc<Passwords> {
        // Small costs: these tests check behaviour, not strength.
        Passwords::new(&PasswordConfig {
            min_chars: 8,
            memory_kib: 1024,
            iterations: 1,
            concurrency: 2,
            queue: 4,
        })
        .unwrap()
    }

    #[test]
    fn the_queue_refuses_beyond_its_limit_and_frees_places() {
        let waiting = AtomicUsize::new(0);
        let first = QueuePlace::take(&waiting, 2).unwrap();
        let _second = QueuePlace::take(&waiting, 2).unwrap();
        assert!(matches!(
            QueuePlace::take(&waiting, 2),
            Err(ServiceError::Busy { .. })
        ));
        drop(first);
        assert!(QueuePlace::take(&waiting, 2).is_ok());
    }

    #[test]
    fn policy_rejects_short_common_and_personal_passwords() {
        let p = passwords();
        assert!(matches!(
            p.check_policy("short", &[]),
            Err(ServiceError::WeakPassword { .. })
        ));
        assert!(matches!(
            p.check_policy("password1", &[]),
            Err(ServiceError::WeakPassword { .. })
        ));
        assert!(matches!(
            p.check_policy("qwertyuiop", &[]),
            Err(ServiceError::WeakPassword { .. })
        ));
        assert!(matches!(
            p.check_policy("alice_smith", &["alice_smith"]),
            Err(ServiceError::WeakPassword { .. })
        ));
        assert!(
            p.check_policy(&"x".repeat(PASSWORD_MAX_CHARS + 1), &[])
                .is_err()
        );
        assert!(
            p.check_policy("violet tractor fumbles oddly", &["alice"])
                .is_ok()
        );
    }

    #[test]
    fn a_weak_password_is_explained_in_words_for_people() {
        let p = passwords();
        let message = |password: &str| match p.check_policy(password, &[]) {
            Err(ServiceError::WeakPassword { message, .. }) => message,
            other => panic!("{password}: {other:?}"),
        };
        assert_eq!(
            message("password"),
            "This password is too easy to guess: it is one of the most common passwords. \
             A few unrelated words make a strong password that is easy to remember."
        );
        for password in ["password", "qwertyuiop", "aaaaaaaaaa", "19851985"] {
            let text = message(password);
            assert!(!text.contains("This is a"), "library wording: {text}");
            assert!(!text.contains('('), "{text}");
        }
    }

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let p = passwords();
        let hash = p
            .hash_new("violet tractor fumbles oddly", &[])
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{hash}");
        assert!(
            p.verify("violet tractor fumbles oddly", Some(&hash))
                .await
                .unwrap()
        );
        assert!(
            !p.verify("violet tractor fumbles oddlY", Some(&hash))
                .await
                .unwrap()
        );
        assert!(!p.verify("anything", None).await.unwrap());
    }

    #[tokio::test]
    async fn hashes_made_by_the_argon2_crate_under_other_settings_still_verify() {
        use argon2::password_hash::PasswordHasher as _;
        let p = passwords();
        // A larger memory cost than the pool's buffers, and another time cost.
        let params = Params::new(2048, 2, 1, None).unwrap();
        let salt = SaltString::generate(&mut OsRng);
        let older = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(b"violet tractor fumbles oddly", &salt)
            .unwrap()
            .to_string();
        assert!(
            p.verify("violet tractor fumbles oddly", Some(&older))
                .await
                .unwrap()
        );
        assert!(
            !p.verify("violet tractor fumbles", Some(&older))
                .await
                .unwrap()
        );
        // And ours verify with the crate's own verifier.
        use argon2::password_hash::PasswordVerifier as _;
        let ours = p
            .hash_new("violet tractor fumbles oddly", &[])
            .await
            .unwrap();
        Argon2::default()
            .verify_password(
                b"violet tractor fumbles oddly",
                &PasswordHash::new(&ours).unwrap(),
            )
            .unwrap();
    }

    #[test]
    fn the_pool_reuses_one_wiped_buffer() {
        let pool = ScratchPool::new(8);
        let first = pool.with(|memory| {
            memory[0].as_mut()[0] = 7;
            memory.as_ptr() as usize
        });
        let second = pool.with(|memory| {
            assert!(
                memory
                    .iter()
                    .all(|block| block.as_ref().iter().all(|word| *word == 0))
            );
            memory.as_ptr() as usize
        });
        assert_eq!(first, second, "the buffer was allocated again");
        assert_eq!(pool.free.lock().unwrap().len(), 1);
    }
}
