//! Two-factor sign-in with an authenticator app (TOTP) and recovery codes: setting it
//! up, signing in with a code, a code refused the second time, recovery codes good
//! once, replacing them, turning it off, and wrong codes throttled like passwords.

mod common;

use common::{Backend, PASSWORD, TestServer, code, signed_up};
use confab_client::Client;
use confab_client::proto::ErrorCode;
use confab_client::proto::auth::SignInMethod;
use std::time::{SystemTime, UNIX_EPOCH};
use totp_rs::{Algorithm, Secret, TOTP};

on_both_backends!(
    an_authenticator_app_guards_sign_in_and_each_code_works_once,
    recovery_codes_work_once_and_can_be_replaced,
    turning_it_off_needs_the_password_and_a_code,
    wrong_codes_are_throttled_like_wrong_passwords,
);

/// The authenticator app of the test: the code of a 30-second step.
struct App(TOTP);

impl App {
    fn new(secret: &str) -> Self {
        let bytes = Secret::Encoded(secret.to_owned()).to_bytes().unwrap();
        Self(TOTP::new_unchecked(
            Algorithm::SHA1,
            6,
            0,
            30,
            bytes,
            None,
            String::new(),
        ))
    }

    /// The step now.
    fn step() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            / 30
    }

    fn code(&self, step: u64) -> String {
        self.0.generate(step * 30)
    }
}

/// Signs up and turns two-factor sign-in on; returns the client, the username, the
/// app, the step whose code confirmed it, and the recovery codes.
async fn with_two_factor(
    server: &TestServer,
    prefix: &str,
) -> (Client, String, App, u64, Vec<String>) {
    let (client, username) = signed_up(server, prefix).await;
    let status = client.two_factor_status().await.unwrap();
    assert!(!status.totp_enabled);
    assert_eq!(
        code(client.begin_totp("not my password").await),
        ErrorCode::InvalidInput
    );
    let setup = client.begin_totp(PASSWORD).await.unwrap();
    assert_eq!((setup.digits, setup.period_secs), (6, 30));
    assert!(
        setup.otpauth_uri.starts_with(&format!(
            "otpauth://totp/Confab:{username}?secret={}",
            setup.secret
        )),
        "{}",
        setup.otpauth_uri
    );
    // Until confirmed, the password alone still signs in.
    server
        .client()
        .sign_in(&username, PASSWORD, None)
        .await
        .expect("not in force before it is confirmed");
    let app = App::new(&setup.secret);
    let step = App::step();
    let wrong = format!(
        "{:06}",
        (app.code(step).parse::<u32>().unwrap() + 1) % 1_000_000
    );
    assert_eq!(
        code(client.confirm_totp(&wrong).await),
        ErrorCode::InvalidInput
    );
    let recovery = client.confirm_totp(&app.code(step)).await.unwrap().codes;
    assert_eq!(recovery.len(), 10);
    let status = client.two_factor_status().await.unwrap();
    assert!(status.totp_enabled);
    assert_eq!(status.recovery_codes_left, 10);
    // On already: a second app cannot be started over it.
    assert_eq!(
        code(client.begin_totp(PASSWORD).await),
        ErrorCode::InvalidInput
    );
    (client, username, app, step, recovery)
}

async fn an_authenticator_app_guards_sign_in_and_each_code_works_once(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (client, username, app, step, _) = with_two_factor(&server, "tia").await;
    let device = server.client();

    // The password alone is not enough now; a wrong password still says nothing more.
    assert_eq!(
        code(device.sign_in(&username, PASSWORD, None).await),
        ErrorCode::SecondFactorRequired
    );
    assert_eq!(
        code(
            device
                .sign_in_with_second_factor(&username, "wrong password 1", &app.code(step + 1))
                .await
        ),
        ErrorCode::InvalidCredentials
    );
    // The code that confirmed the app is spent.
    assert_eq!(
        code(
            device
                .sign_in_with_second_factor(&username, PASSWORD, &app.code(step))
                .await
        ),
        ErrorCode::InvalidSecondFactor
    );
    // The next step's code works (a step either side is accepted), typed with a space.
    let next = app.code(step + 1);
    let typed = format!("{} {}", &next[..3], &next[3..]);
    device
        .sign_in_with_second_factor(&username, PASSWORD, &typed)
        .await
        .expect("sign-in with the app's code");
    // Once.
    assert_eq!(
        code(
            server
                .client()
                .sign_in_with_second_factor(&username, PASSWORD, &next)
                .await
        ),
        ErrorCode::InvalidSecondFactor
    );
    // Far from now: refused.
    assert_eq!(
        code(
            server
                .client()
                .sign_in_with_second_factor(&username, PASSWORD, &app.code(step + 20))
                .await
        ),
        ErrorCode::InvalidSecondFactor
    );

    let sessions = client.sessions().await.unwrap();
    let methods: Vec<_> = sessions.iter().map(|s| s.sign_in_method).collect();
    assert!(methods.contains(&SignInMethod::PasswordTotp), "{methods:?}");
    assert!(methods.contains(&SignInMethod::Password), "{methods:?}");
}

async fn recovery_codes_work_once_and_can_be_replaced(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (client, username, _, _, recovery) = with_two_factor(&server, "rex").await;

    // Typed in capitals with spaces for the dash: still the code.
    let typed = recovery[0].to_uppercase().replace('-', " ");
    let signed_in = server.client();
    signed_in
        .sign_in_with_second_factor(&username, PASSWORD, &typed)
        .await
        .expect("a recovery code signs in");
    assert_eq!(
        code(
            server
                .client()
                .sign_in_with_second_factor(&username, PASSWORD, &recovery[0])
                .await
        ),
        ErrorCode::InvalidSecondFactor,
        "a recovery code works once"
    );
    assert_eq!(
        client
            .two_factor_status()
            .await
            .unwrap()
            .recovery_codes_left,
        9
    );
    let current = signed_in.sessions().await.unwrap();
    let mine = current.iter().find(|s| s.current).unwrap();
    assert_eq!(mine.sign_in_method, SignInMethod::PasswordRecoveryCode);

    // New codes replace the old ones.
    assert_eq!(
        code(client.new_recovery_codes("not my password").await),
        ErrorCode::InvalidInput
    );
    let fresh = client.new_recovery_codes(PASSWORD).await.unwrap().codes;
    assert_eq!(fresh.len(), 10);
    assert!(fresh.iter().all(|c| !recovery.contains(c)));
    assert_eq!(
        code(
            server
                .client()
                .sign_in_with_second_factor(&username, PASSWORD, &recovery[1])
                .await
        ),
        ErrorCode::InvalidSecondFactor,
        "the old codes stopped working"
    );
    server
        .client()
        .sign_in_with_second_factor(&username, PASSWORD, &fresh[0])
        .await
        .expect("a new code works");
}

async fn turning_it_off_needs_the_password_and_a_code(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (client, username, app, step, recovery) = with_two_factor(&server, "oto").await;
    assert_eq!(
        code(
            client
                .disable_two_factor("not my password", &app.code(step + 1))
                .await
        ),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(client.disable_two_factor(PASSWORD, "000000").await),
        ErrorCode::InvalidInput
    );
    client
        .disable_two_factor(PASSWORD, &recovery[3])
        .await
        .expect("off with a recovery code");
    let status = client.two_factor_status().await.unwrap();
    assert!(!status.totp_enabled);
    assert_eq!(status.recovery_codes_left, 0);
    server
        .client()
        .sign_in(&username, PASSWORD, None)
        .await
        .expect("the password alone signs in again");
    // Off means off: recovery codes are gone too, and a new setup starts afresh.
    assert_eq!(
        code(client.new_recovery_codes(PASSWORD).await),
        ErrorCode::InvalidInput
    );
    client.begin_totp(PASSWORD).await.expect("set up again");
}

async fn wrong_codes_are_throttled_like_wrong_passwords(backend: Backend) {
    let server = TestServer::start_with(
        backend,
        &[
            "--signin-free-failures",
            "3",
            "--signin-backoff-base",
            "30s",
        ],
    )
    .await;
    let (_, username, app, step, _) = with_two_factor(&server, "thr").await;
    let device = server.client();
    for guess in ["111111", "222222", "333333"] {
        let guess = if app.code(step + 1) == guess {
            "444444"
        } else {
            guess
        };
        assert_eq!(
            code(
                device
                    .sign_in_with_second_factor(&username, PASSWORD, guess)
                    .await
            ),
            ErrorCode::InvalidSecondFactor
        );
    }
    // The account backs off now, even for the right password and code.
    assert_eq!(
        code(
            device
                .sign_in_with_second_factor(&username, PASSWORD, &app.code(step + 1))
                .await
        ),
        ErrorCode::RateLimited
    );
}
