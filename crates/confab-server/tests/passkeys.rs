//! Passkeys over the API, with a software authenticator: registering (the password
//! asked for), naming, signing in with a passkey alone and as the second factor of a
//! password sign-in, ceremonies that work once and for their own account only,
//! forged and unknown answers refused, the per-account limit, and the last way in
//! never removed, also by two removals at once.

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Backend, PASSWORD, TestServer, code, signed_up};
use confab_client::Client;
use confab_client::proto::ErrorCode;
use confab_client::proto::auth::{SignInMethod, SignInRequest};
use confab_client::proto::passkeys::{
    FinishPasskeyRegistration, PasskeyAssertion, PasskeyCeremony, PasskeyInfo, PasskeySignInRequest,
};
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};
use totp_rs::{Algorithm, Secret, TOTP};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::prelude::{
    CreationChallengeResponse, RequestChallengeResponse, Url,
};
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

on_both_backends!(
    a_passkey_registers_and_signs_in_alone,
    ceremonies_work_once_and_forged_answers_are_refused,
    a_passkey_is_a_second_factor,
    the_limit_holds_and_the_last_way_in_stays,
    passkeys_are_off_without_an_origin,
);

/// Any port of localhost is accepted for this origin.
const SERVER_ORIGIN: &str = "http://localhost";
/// The page the test's "browser" runs on.
const PAGE_ORIGIN: &str = "http://localhost:8080";

async fn server(backend: Backend, extra: &[&str]) -> TestServer {
    let mut args = vec!["--passkey-origin", SERVER_ORIGIN];
    args.extend_from_slice(extra);
    TestServer::start_with(backend, &args).await
}

/// The test's authenticator: webauthn-authenticator-rs's `SoftPasskey`. It verifies
/// the user (it claims to) but keeps no resident keys, so for the discoverable
/// sign-ins the server asks for, the test does the two things such an authenticator
/// does by itself: it picks the credential, and it returns the account's user handle
/// (which the signature does not cover).
struct Authenticator {
    soft: SoftPasskey,
    /// Each credential made: its id and the user handle it was made for.
    credentials: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Authenticator {
    fn new() -> Self {
        Self {
            soft: SoftPasskey::new(true),
            credentials: Vec::new(),
        }
    }

    fn origin() -> Url {
        Url::parse(PAGE_ORIGIN).unwrap()
    }

    /// Answers a registration ceremony: the new credential as a browser's
    /// `toJSON()` gives it.
    fn register(&mut self, ceremony: &PasskeyCeremony) -> Value {
        let mut options = ceremony.options.clone();
        let selection = &mut options["publicKey"]["authenticatorSelection"];
        assert_eq!(selection["residentKey"], "required", "discoverable asked");
        assert_eq!(selection["userVerification"], "required");
        selection["residentKey"] = "discouraged".into();
        selection["requireResidentKey"] = false.into();
        let handle = URL_SAFE_NO_PAD
            .decode(options["publicKey"]["user"]["id"].as_str().unwrap())
            .unwrap();
        let options: CreationChallengeResponse = serde_json::from_value(options).unwrap();
        let credential = self
            .soft
            .do_registration(Self::origin(), options)
            .expect("the soft authenticator registers");
        self.credentials.push((credential.raw_id.clone(), handle));
        serde_json::to_value(credential).unwrap()
    }

    /// Answers a sign-in ceremony with credential `which`.
    fn sign_in(&mut self, ceremony: &PasskeyCeremony, which: usize) -> Value {
        let (id, handle) = self.credentials[which].clone();
        let mut options = ceremony.options.clone();
        assert_eq!(options["publicKey"]["allowCredentials"], json!([]));
        options["publicKey"]["allowCredentials"] =
            json!([{ "type": "public-key", "id": URL_SAFE_NO_PAD.encode(&id) }]);
        let options: RequestChallengeResponse = serde_json::from_value(options).unwrap();
        let mut credential = self
            .soft
            .do_authentication(Self::origin(), options)
            .expect("the soft authenticator signs");
        credential.response.user_handle = Some(handle);
        serde_json::to_value(credential).unwrap()
    }
}

/// Registers a passkey named `name` for the signed-in `client`.
async fn add_passkey(
    client: &Client,
    authenticator: &mut Authenticator,
    password: Option<&str>,
    name: &str,
) -> PasskeyInfo {
    let ceremony = client.begin_passkey_registration(password).await.unwrap();
    let credential = authenticator.register(&ceremony);
    client
        .finish_passkey_registration(&FinishPasskeyRegistration {
            ceremony_id: ceremony.ceremony_id,
            credential,
            name: Some(name.to_owned()),
        })
        .await
        .unwrap()
}

/// A sign-in with credential `which` of `authenticator`, on a new device.
async fn passkey_sign_in(
    server: &TestServer,
    authenticator: &mut Authenticator,
    which: usize,
) -> (
    Client,
    Result<confab_client::proto::auth::AuthResponse, confab_client::ClientError>,
) {
    let device = server.client();
    let ceremony = device.passkey_challenge().await.unwrap();
    let credential = authenticator.sign_in(&ceremony, which);
    let result = device
        .passkey_sign_in(&PasskeySignInRequest {
            ceremony_id: ceremony.ceremony_id,
            credential,
            device_name: Some("phone".to_owned()),
        })
        .await;
    (device, result)
}

async fn a_passkey_registers_and_signs_in_alone(backend: Backend) {
    let server = server(backend, &[]).await;
    let (client, username) = signed_up(&server, "pka").await;
    assert!(server.client().sign_in_providers().await.unwrap().passkeys);
    assert_eq!(client.sign_in_methods().await.unwrap().passkeys, 0);
    // An account with a password gives it again.
    assert_eq!(
        code(client.begin_passkey_registration(None).await),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(client.begin_passkey_registration(Some("not it")).await),
        ErrorCode::InvalidInput
    );
    let mut authenticator = Authenticator::new();
    let laptop = add_passkey(&client, &mut authenticator, Some(PASSWORD), "Laptop").await;
    assert_eq!(laptop.name, "Laptop");
    assert_eq!(laptop.last_used_at, None);
    assert_eq!(client.sign_in_methods().await.unwrap().passkeys, 1);

    // No username: the passkey names the account.
    let (device, signed_in) = passkey_sign_in(&server, &mut authenticator, 0).await;
    let response = signed_in.expect("passkey sign-in");
    assert_eq!(response.user.username, username);
    let sessions = device.sessions().await.unwrap();
    let mine = sessions.iter().find(|s| s.current).unwrap();
    assert_eq!(mine.sign_in_method, SignInMethod::Passkey);
    assert_eq!(mine.device_name, "phone");

    let listed = client.passkeys().await.unwrap().passkeys;
    assert_eq!(listed.len(), 1);
    assert!(listed[0].last_used_at.is_some(), "the sign-in is recorded");
    let renamed = client
        .rename_passkey(&laptop.id, "Work laptop")
        .await
        .unwrap();
    assert_eq!(renamed.name, "Work laptop");
    assert_eq!(
        code(client.rename_passkey(&laptop.id, "two\nlines").await),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(client.rename_passkey("no-such-passkey", "x").await),
        ErrorCode::NotFound
    );
    // Someone else's passkey is not theirs to rename or remove.
    let (other, _) = signed_up(&server, "pkb").await;
    assert_eq!(
        code(other.rename_passkey(&laptop.id, "mine").await),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(other.remove_passkey(&laptop.id).await),
        ErrorCode::NotFound
    );

    // Removed, it no longer signs in.
    client.remove_passkey(&laptop.id).await.unwrap();
    assert!(client.passkeys().await.unwrap().passkeys.is_empty());
    let (_, refused) = passkey_sign_in(&server, &mut authenticator, 0).await;
    assert_eq!(code(refused), ErrorCode::PasskeyRejected);
}

async fn ceremonies_work_once_and_forged_answers_are_refused(backend: Backend) {
    let server = server(backend, &[]).await;
    let (alice, _) = signed_up(&server, "pkc").await;
    let (bob, _) = signed_up(&server, "pkd").await;
    let mut authenticator = Authenticator::new();

    // A registration ceremony belongs to the account that started it, and works once.
    let ceremony = alice
        .begin_passkey_registration(Some(PASSWORD))
        .await
        .unwrap();
    let credential = authenticator.register(&ceremony);
    let finish = FinishPasskeyRegistration {
        ceremony_id: ceremony.ceremony_id.clone(),
        credential,
        name: None,
    };
    assert_eq!(
        code(bob.finish_passkey_registration(&finish).await),
        ErrorCode::PasskeyCeremonyInvalid
    );
    // Bob's attempt spent it: Alice starts again.
    assert_eq!(
        code(alice.finish_passkey_registration(&finish).await),
        ErrorCode::PasskeyCeremonyInvalid
    );
    let passkey = add_passkey(&alice, &mut authenticator, Some(PASSWORD), "Key").await;
    assert_eq!(alice.passkeys().await.unwrap().passkeys, vec![passkey]);
    // The authenticator's first credential was never registered; this is its second.
    let registered = 1;

    // A malformed credential is bad input, not a server error.
    let ceremony = alice
        .begin_passkey_registration(Some(PASSWORD))
        .await
        .unwrap();
    let malformed = FinishPasskeyRegistration {
        ceremony_id: ceremony.ceremony_id,
        credential: json!({ "id": "x" }),
        name: None,
    };
    assert_eq!(
        code(alice.finish_passkey_registration(&malformed).await),
        ErrorCode::InvalidInput
    );

    // A sign-in ceremony works once.
    let device = server.client();
    let ceremony = device.passkey_challenge().await.unwrap();
    let credential = authenticator.sign_in(&ceremony, registered);
    let request = PasskeySignInRequest {
        ceremony_id: ceremony.ceremony_id,
        credential,
        device_name: None,
    };
    device.passkey_sign_in(&request).await.unwrap();
    assert_eq!(
        code(server.client().passkey_sign_in(&request).await),
        ErrorCode::PasskeyCeremonyInvalid
    );

    // An answer to another ceremony's challenge does not verify.
    let first = device.passkey_challenge().await.unwrap();
    let second = device.passkey_challenge().await.unwrap();
    let answer_to_first = authenticator.sign_in(&first, registered);
    let replayed = PasskeySignInRequest {
        ceremony_id: second.ceremony_id,
        credential: answer_to_first,
        device_name: None,
    };
    assert_eq!(
        code(device.passkey_sign_in(&replayed).await),
        ErrorCode::PasskeyRejected
    );

    // A passkey this server never registered is refused.
    let mut stranger = Authenticator::new();
    let elsewhere =
        TestServer::start_with(Backend::Sqlite, &["--passkey-origin", SERVER_ORIGIN]).await;
    let (carol, _) = signed_up(&elsewhere, "pke").await;
    add_passkey(&carol, &mut stranger, Some(PASSWORD), "Elsewhere").await;
    let (_, refused) = passkey_sign_in(&server, &mut stranger, 0).await;
    assert_eq!(code(refused), ErrorCode::PasskeyRejected);
}

/// Turns two-factor codes on for the signed-in `client`.
async fn turn_on_two_factor(client: &Client) {
    let setup = client.begin_totp(PASSWORD).await.unwrap();
    let bytes = Secret::Encoded(setup.secret).to_bytes().unwrap();
    let app = TOTP::new_unchecked(Algorithm::SHA1, 6, 0, 30, bytes, None, String::new());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    client.confirm_totp(&app.generate(now)).await.unwrap();
}

async fn a_passkey_is_a_second_factor(backend: Backend) {
    let server = server(backend, &[]).await;
    let (alice, alice_name) = signed_up(&server, "pkf").await;
    let (bob, _) = signed_up(&server, "pkg").await;
    let mut authenticator = Authenticator::new();
    add_passkey(&alice, &mut authenticator, Some(PASSWORD), "Alice's key").await;
    add_passkey(&bob, &mut authenticator, Some(PASSWORD), "Bob's key").await;
    turn_on_two_factor(&alice).await;

    let device = server.client();
    let with_passkey = |ceremony: PasskeyCeremony, credential: Value| SignInRequest {
        username: alice_name.clone(),
        password: PASSWORD.to_owned(),
        device_name: None,
        second_factor: None,
        passkey: Some(PasskeyAssertion {
            ceremony_id: ceremony.ceremony_id,
            credential,
        }),
    };
    assert_eq!(
        code(device.sign_in(&alice_name, PASSWORD, None).await),
        ErrorCode::SecondFactorRequired
    );
    // Bob's passkey is not Alice's second factor.
    let ceremony = device.passkey_challenge().await.unwrap();
    let bobs = authenticator.sign_in(&ceremony, 1);
    assert_eq!(
        code(device.sign_in_with(&with_passkey(ceremony, bobs)).await),
        ErrorCode::InvalidSecondFactor
    );
    let ceremony = device.passkey_challenge().await.unwrap();
    let alices = authenticator.sign_in(&ceremony, 0);
    device
        .sign_in_with(&with_passkey(ceremony, alices))
        .await
        .expect("password and passkey");
    let sessions = device.sessions().await.unwrap();
    let mine = sessions.iter().find(|s| s.current).unwrap();
    assert_eq!(mine.sign_in_method, SignInMethod::PasswordPasskey);
}

async fn the_limit_holds_and_the_last_way_in_stays(backend: Backend) {
    let server = server(backend, &["--max-passkeys-per-user", "2"]).await;
    let (client, _) = signed_up(&server, "pkh").await;
    let mut authenticator = Authenticator::new();
    let first = add_passkey(&client, &mut authenticator, Some(PASSWORD), "One").await;
    add_passkey(&client, &mut authenticator, Some(PASSWORD), "Two").await;
    assert_eq!(
        code(client.begin_passkey_registration(Some(PASSWORD)).await),
        ErrorCode::TooManyPasskeys
    );

    // Passkeys are a way in: the password may go, and then none is asked for.
    client.remove_password(PASSWORD).await.unwrap();
    client.remove_passkey(&first.id).await.unwrap();
    add_passkey(&client, &mut authenticator, None, "Three").await;
    let remaining = client.passkeys().await.unwrap().passkeys;
    assert_eq!(remaining.len(), 2);

    // Two removals at once: one wins, the other finds it is the last way in.
    let ids: Vec<String> = remaining.iter().map(|p| p.id.clone()).collect();
    let (a, b) = tokio::join!(
        client.remove_passkey(&ids[0]),
        client.remove_passkey(&ids[1])
    );
    let outcomes = [a.is_ok(), b.is_ok()];
    assert_eq!(
        outcomes.iter().filter(|ok| **ok).count(),
        1,
        "exactly one removal passes: {a:?} {b:?}"
    );
    let refused = if a.is_err() { a } else { b };
    assert_eq!(code(refused), ErrorCode::LastSignInMethod);
    let left = client.passkeys().await.unwrap().passkeys;
    assert_eq!(left.len(), 1);
    assert!(ids.contains(&left[0].id));
    // The account still signs in with what is left.
    let which = if left[0].name == "Two" { 1 } else { 2 };
    let (_, signed_in) = passkey_sign_in(&server, &mut authenticator, which).await;
    signed_in.expect("the last passkey signs in");
}

async fn passkeys_are_off_without_an_origin(backend: Backend) {
    let server = TestServer::start(backend).await;
    assert!(!server.client().sign_in_providers().await.unwrap().passkeys);
    assert_eq!(
        code(server.client().passkey_challenge().await),
        ErrorCode::PasskeysDisabled
    );
    let (client, _) = signed_up(&server, "pki").await;
    assert_eq!(
        code(client.begin_passkey_registration(Some(PASSWORD)).await),
        ErrorCode::PasskeysDisabled
    );
    assert!(client.passkeys().await.unwrap().passkeys.is_empty());
}
