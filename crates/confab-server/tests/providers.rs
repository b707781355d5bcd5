//! Sign-in with identity providers, end to end against a real OpenID provider (the
//! OpenID-certified `oidc-provider` package, started by `scripts/test`; its URL in
//! `CONFAB_TEST_OIDC_URL`), with a cookie-keeping HTTP client playing the browser:
//! sign-up on first sign-in, sign-in again, linking to an existing account, GitHub
//! (the test provider's imitation of its OAuth endpoints), the last sign-in method
//! kept, and every check of the provider's answer refusing a bad one: a tampered
//! `state`, an answer carried to another browser, a replayed callback, a wrong
//! nonce, another audience, an expired ID token, another issuer, a bad signature.

mod common;

use common::{Backend, PASSWORD, TestServer, signed_up};
use confab_client::Client;
use confab_client::proto::ErrorCode;
use confab_client::proto::auth::{AuthResponse, SignInMethod};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::{Value, json};
use tempfile::TempDir;

on_both_backends!(
    the_first_sign_in_creates_an_account_and_the_next_signs_in,
    an_identity_links_to_the_signed_in_account_only_on_request,
    github_signs_in_over_oauth,
    the_last_way_to_sign_in_cannot_be_removed,
    a_tampered_state_or_another_browser_is_refused,
    id_tokens_that_fail_a_check_are_refused,
);

fn provider_url() -> String {
    std::env::var("CONFAB_TEST_OIDC_URL")
        .expect("CONFAB_TEST_OIDC_URL: the test OpenID provider (scripts/test starts one with scripts/oidc-test-provider)")
        .trim_end_matches('/')
        .to_owned()
}

/// A server with the test provider as `test` and its GitHub imitation as `github`.
async fn server(backend: Backend) -> (TestServer, TempDir) {
    let oidc = provider_url();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("providers.toml");
    std::fs::write(
        &file,
        format!(
            "[[provider]]\nid = \"test\"\nname = \"Test SSO\"\nissuer = \"{oidc}\"\nclient_id = \"confab\"\nclient_secret = \"confab-secret\"\n\n\
             [[provider]]\nid = \"github\"\nkind = \"github\"\nclient_id = \"confab\"\nclient_secret = \"confab-secret\"\n\
             github_url = \"{oidc}/github/\"\ngithub_api_url = \"{oidc}/github/api/\"\n"
        ),
    )
    .unwrap();
    let server =
        TestServer::start_with(backend, &["--sign-in-providers", file.to_str().unwrap()]).await;
    (server, dir)
}

/// A subject no other test uses.
fn subject(prefix: &str) -> String {
    common::unique_username(prefix)
}

/// A browser: keeps cookies, follows no redirect by itself.
struct Browser {
    http: reqwest::Client,
    base: String,
}

impl Browser {
    fn new(server: &TestServer) -> Self {
        Self {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: server.url.to_owned(),
        }
    }

    /// Presses the sign-in button of `provider`: the provider's authorization URL.
    async fn start(&self, provider: &str) -> String {
        let response = self
            .http
            .post(format!(
                "{}/api/v1/auth/providers/{provider}/start",
                self.base
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let cookie = response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .to_owned();
        for part in [
            "confab_provider_flow=",
            "HttpOnly",
            "SameSite=Lax",
            "Path=/api/v1/auth/providers",
        ] {
            assert!(cookie.contains(part), "{cookie}");
        }
        let body: Value = response.json().await.unwrap();
        body["authorization_url"].as_str().unwrap().to_owned()
    }

    /// Presses "link" in the settings of the account signed in on `client`.
    async fn start_link(&self, client: &Client, provider: &str) -> String {
        let token = client.tokens().await.unwrap().access_token;
        let response = self
            .http
            .post(format!("{}/api/v1/users/me/identities", self.base))
            .bearer_auth(token)
            .json(&json!({ "provider_id": provider }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        body["authorization_url"].as_str().unwrap().to_owned()
    }

    /// Signs in at the provider as `sub` with `username` and `email`, following its
    /// pages; the URL it sends the browser back to Confab with.
    async fn at_provider(&self, url: &str, sub: &str, username: &str, email: &str) -> String {
        let mut url = url.to_owned();
        for _ in 0..10 {
            if url.starts_with(&self.base) {
                return url;
            }
            let response = self.http.get(&url).send().await.unwrap();
            let next = if response.status().is_redirection() {
                location(&url, &response)
            } else {
                let page = response.text().await.unwrap();
                let action = page
                    .split("action=\"")
                    .nth(1)
                    .and_then(|rest| rest.split('"').next())
                    .unwrap_or_else(|| panic!("no sign-in form at {url}: {page}"))
                    .replace("&amp;", "&")
                    .replace("&#38;", "&");
                let form = [
                    ("login", sub),
                    ("preferred_username", username),
                    ("email", email),
                    ("name", "Test Person"),
                ];
                let posted = self
                    .http
                    .post(absolute(&url, &action))
                    .form(&form)
                    .send()
                    .await
                    .unwrap();
                assert!(
                    posted.status().is_redirection(),
                    "{}",
                    posted.text().await.unwrap()
                );
                location(&url, &posted)
            };
            url = next;
        }
        panic!("the provider did not send the browser back to Confab");
    }

    /// Follows the provider's redirect to Confab's callback: where Confab sends the
    /// browser next (`/?provider_flow=...`).
    async fn callback(&self, url: &str) -> String {
        let response = self.http.get(url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        response.headers()[LOCATION].to_str().unwrap().to_owned()
    }

    async fn complete(&self, username: Option<&str>) -> (StatusCode, Value) {
        let mut body = json!({ "device_name": "test browser" });
        if let Some(name) = username {
            body["username"] = json!(name);
        }
        let response = self
            .http
            .post(format!("{}/api/v1/auth/providers/complete", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        (response.status(), response.json().await.unwrap())
    }

    /// The whole sign-in as `sub`, up to the first completion.
    async fn sign_in(&self, provider: &str, sub: &str, username: &str) -> (StatusCode, Value) {
        let start = self.start(provider).await;
        let back = self
            .at_provider(&start, sub, username, &format!("{sub}@example.org"))
            .await;
        assert_eq!(self.callback(&back).await, "/?provider_flow=done");
        self.complete(None).await
    }
}

fn location(from: &str, response: &reqwest::Response) -> String {
    absolute(from, response.headers()[LOCATION].to_str().unwrap())
}

fn absolute(base: &str, link: &str) -> String {
    reqwest::Url::parse(base)
        .unwrap()
        .join(link)
        .unwrap()
        .to_string()
}

/// A Confab client signed in with the tokens of a `signed_in` outcome.
async fn client_of(server: &TestServer, outcome: &Value) -> Client {
    assert_eq!(outcome["outcome"], "signed_in", "{outcome}");
    let auth: AuthResponse = serde_json::from_value(outcome["auth"].clone()).unwrap();
    let client = server.client();
    client.set_tokens(Some(auth.tokens)).await;
    client
}

async fn the_first_sign_in_creates_an_account_and_the_next_signs_in(backend: Backend) {
    let (server, _dir) = server(backend).await;
    let sub = subject("oidc");
    let browser = Browser::new(&server);
    let (status, asked) = browser.sign_in("test", &sub, &sub).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(asked["outcome"], "choose_username", "{asked}");
    assert_eq!(asked["proposed_username"], sub.to_lowercase());
    assert_eq!(asked["display_name"], "Test Person");
    assert_eq!(asked["provider_name"], "Test SSO");

    // A taken username leaves the flow for another try.
    let (_, taken) = signed_up(&server, "taken").await;
    let (status, error) = browser.complete(Some(&taken)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error["error"]["code"], "username_taken");
    let chosen = format!("{sub}x");
    let (status, created) = browser.complete(Some(&chosen)).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let client = client_of(&server, &created).await;
    let me = client.me().await.unwrap();
    assert_eq!(me.username, chosen);
    assert_eq!(me.display_name, "Test Person");
    let sessions = client.sessions().await.unwrap();
    assert_eq!(sessions[0].sign_in_method, SignInMethod::Provider);
    let methods = client.sign_in_methods().await.unwrap();
    assert!(!methods.password);
    assert_eq!(methods.identities.len(), 1);
    assert_eq!(methods.identities[0].label, format!("{sub}@example.org"));
    assert_eq!(methods.identities[0].provider_name, "Test SSO");

    // The flow is spent.
    let (status, error) = browser.complete(Some("someone.else")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["error"]["code"], "provider_flow_invalid");

    // Next time, in another browser, the same identity signs in to the same account.
    let (status, again) = Browser::new(&server)
        .sign_in("test", &sub, "renamed.there")
        .await;
    assert_eq!(status, StatusCode::OK);
    let again = client_of(&server, &again).await;
    assert_eq!(again.me().await.unwrap().id, me.id);
    assert!(
        again.sign_in_methods().await.unwrap().identities[0]
            .last_used_at
            .is_some()
    );

    // A password-less account has no password to guess.
    let guess = server.client().sign_in(&chosen, "", None).await;
    assert_eq!(common::code(guess), ErrorCode::InvalidCredentials);
}

async fn an_identity_links_to_the_signed_in_account_only_on_request(backend: Backend) {
    let (server, _dir) = server(backend).await;
    let (alice, alice_name) = signed_up(&server, "alice").await;
    let sub = subject("linked");
    // Someone at the provider using Alice's email address and username gets a new
    // account of their own: nothing is linked by matching either.
    let browser = Browser::new(&server);
    let start = browser.start("test").await;
    let back = browser
        .at_provider(
            &start,
            &subject("mallory"),
            &alice_name,
            "alice@example.org",
        )
        .await;
    browser.callback(&back).await;
    let (_, asked) = browser.complete(None).await;
    assert_eq!(asked["outcome"], "choose_username");
    assert_ne!(asked["proposed_username"], alice_name.to_lowercase());
    assert!(alice.sign_in_methods().await.unwrap().identities.is_empty());

    // Alice links her identity from her settings.
    let browser = Browser::new(&server);
    let start = browser.start_link(&alice, "test").await;
    let back = browser
        .at_provider(&start, &sub, "alice.there", "alice@example.org")
        .await;
    assert_eq!(browser.callback(&back).await, "/?provider_flow=done");
    let (status, linked) = browser.complete(None).await;
    assert_eq!(status, StatusCode::OK, "{linked}");
    assert_eq!(linked["outcome"], "linked");
    let methods = alice.sign_in_methods().await.unwrap();
    assert!(methods.password);
    assert_eq!(methods.identities.len(), 1);

    // From now on the identity signs in to Alice's account.
    let (_, outcome) = Browser::new(&server).sign_in("test", &sub, "x").await;
    let signed_in = client_of(&server, &outcome).await;
    assert_eq!(signed_in.me().await.unwrap().username, alice_name);

    // Bob cannot link the same identity.
    let (bob, _) = signed_up(&server, "bob").await;
    let browser = Browser::new(&server);
    let start = browser.start_link(&bob, "test").await;
    let back = browser
        .at_provider(&start, &sub, "alice.there", "alice@example.org")
        .await;
    browser.callback(&back).await;
    let (status, error) = browser.complete(None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error["error"]["code"], "identity_in_use");
    assert!(bob.sign_in_methods().await.unwrap().identities.is_empty());
}

async fn github_signs_in_over_oauth(backend: Backend) {
    let (server, _dir) = server(backend).await;
    let listed = server.client().sign_in_providers().await.unwrap();
    let ids: Vec<&str> = listed.providers.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["test", "github"]);
    assert_eq!(listed.providers[1].name, "GitHub");

    let sub = subject("octo");
    let browser = Browser::new(&server);
    let (_, asked) = browser.sign_in("github", &sub, "Octo-Cat").await;
    assert_eq!(asked["outcome"], "choose_username", "{asked}");
    assert_eq!(asked["proposed_username"], "octo-cat");
    let (_, created) = browser.complete(Some(&sub)).await;
    let client = client_of(&server, &created).await;
    let methods = client.sign_in_methods().await.unwrap();
    assert_eq!(methods.identities[0].provider_id, "github");
    assert_eq!(methods.identities[0].label, "Octo-Cat");

    let (_, again) = Browser::new(&server)
        .sign_in("github", &sub, "Octo-Cat")
        .await;
    let again = client_of(&server, &again).await;
    assert_eq!(again.me().await.unwrap().username, sub);
}

async fn the_last_way_to_sign_in_cannot_be_removed(backend: Backend) {
    let (server, _dir) = server(backend).await;
    let sub = subject("last");
    let browser = Browser::new(&server);
    browser.sign_in("test", &sub, &sub).await;
    let (_, created) = browser.complete(Some(&sub)).await;
    let client = client_of(&server, &created).await;
    let first = client.sign_in_methods().await.unwrap().identities[0]
        .id
        .clone();
    assert_eq!(
        common::code(client.unlink_identity(&first).await),
        ErrorCode::LastSignInMethod
    );

    // With a second identity linked, the first can go, and then the second cannot.
    let browser = Browser::new(&server);
    let start = browser.start_link(&client, "github").await;
    let back = browser
        .at_provider(&start, &subject("gh"), "second", "second@example.org")
        .await;
    browser.callback(&back).await;
    assert_eq!(browser.complete(None).await.1["outcome"], "linked");
    client.unlink_identity(&first).await.unwrap();
    let methods = client.sign_in_methods().await.unwrap();
    assert_eq!(methods.identities.len(), 1);
    assert_eq!(methods.identities[0].provider_id, "github");
    assert_eq!(
        common::code(client.unlink_identity(&methods.identities[0].id).await),
        ErrorCode::LastSignInMethod
    );
    assert_eq!(
        common::code(client.unlink_identity(&first).await),
        ErrorCode::NotFound
    );
    // The unlinked identity no longer signs in to the account: it would make a new one.
    let (_, outcome) = Browser::new(&server).sign_in("test", &sub, &sub).await;
    assert_eq!(outcome["outcome"], "choose_username");

    // A first password is set with an empty current password, and can be removed
    // again while the identity remains; then the identity is the last way in.
    let wrong = client.change_password("not empty", PASSWORD).await;
    assert_eq!(common::code(wrong), ErrorCode::InvalidInput);
    client.change_password("", PASSWORD).await.unwrap();
    let username = client.me().await.unwrap().username;
    server
        .client()
        .sign_in(&username, PASSWORD, None)
        .await
        .unwrap();
    assert!(client.sign_in_methods().await.unwrap().password);
    assert_eq!(
        common::code(client.remove_password("wrong password").await),
        ErrorCode::InvalidInput
    );
    client.remove_password(PASSWORD).await.unwrap();
    assert!(!client.sign_in_methods().await.unwrap().password);
    let signin = server.client().sign_in(&username, PASSWORD, None).await;
    assert_eq!(common::code(signin), ErrorCode::InvalidCredentials);
    let github = &client.sign_in_methods().await.unwrap().identities[0].id;
    assert_eq!(
        common::code(client.unlink_identity(github).await),
        ErrorCode::LastSignInMethod
    );

    // A password that is the only way in stays.
    let (password_only, _) = signed_up(&server, "only").await;
    assert_eq!(
        common::code(password_only.remove_password(PASSWORD).await),
        ErrorCode::LastSignInMethod
    );
}

async fn a_tampered_state_or_another_browser_is_refused(backend: Backend) {
    let (server, _dir) = server(backend).await;
    let sub = subject("state");
    let browser = Browser::new(&server);
    let start = browser.start("test").await;
    let back = browser
        .at_provider(&start, &sub, &sub, "s@example.org")
        .await;
    let mut tampered = reqwest::Url::parse(&back).unwrap();
    let pairs: Vec<(String, String)> = tampered
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" {
                format!("{v}x")
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    tampered.query_pairs_mut().clear().extend_pairs(pairs);
    assert_eq!(
        browser.callback(tampered.as_str()).await,
        "/?provider_flow=failed&code=provider_flow_invalid"
    );
    // The right answer, carried to another browser (no flow cookie), is refused too.
    let elsewhere = Browser::new(&server);
    assert_eq!(
        elsewhere.callback(&back).await,
        "/?provider_flow=failed&code=provider_flow_invalid"
    );
    assert_eq!(elsewhere.complete(None).await.0, StatusCode::BAD_REQUEST);
    // In the browser that started it, it goes through, once.
    assert_eq!(browser.callback(&back).await, "/?provider_flow=done");
    assert_eq!(
        browser.callback(&back).await,
        "/?provider_flow=failed&code=provider_flow_invalid"
    );
    assert_eq!(browser.complete(None).await.1["outcome"], "choose_username");

    // A provider's refusal (the user declined) is reported as such.
    let browser = Browser::new(&server);
    let start = reqwest::Url::parse(&browser.start("test").await).unwrap();
    let state = start
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let declined = format!(
        "{}/api/v1/auth/providers/test/callback?error=access_denied&state={state}",
        server.url
    );
    assert_eq!(
        browser.callback(&declined).await,
        "/?provider_flow=failed&code=provider_rejected"
    );
    // Unknown providers are not found.
    let response = browser
        .http
        .post(format!("{}/api/v1/auth/providers/nope/start", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

async fn id_tokens_that_fail_a_check_are_refused(backend: Backend) {
    let (server, _dir) = server(backend).await;
    let tamper = reqwest::Client::new();
    for mode in ["nonce", "audience", "expired", "issuer", "signature"] {
        let sub = subject(mode);
        tamper
            .post(format!("{}/test/tamper", provider_url()))
            .json(&json!({ "sub": sub, "mode": mode }))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap();
        let browser = Browser::new(&server);
        let start = browser.start("test").await;
        let back = browser
            .at_provider(&start, &sub, &sub, "t@example.org")
            .await;
        assert_eq!(
            browser.callback(&back).await,
            "/?provider_flow=failed&code=provider_rejected",
            "an ID token with a bad {mode} was accepted"
        );
        let (status, error) = browser.complete(None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{mode}");
        assert_eq!(error["error"]["code"], "provider_flow_invalid");
    }
    // The same provider, untampered, still works: each refusal was about its token.
    let sub = subject("fine");
    let (_, outcome) = Browser::new(&server).sign_in("test", &sub, &sub).await;
    assert_eq!(outcome["outcome"], "choose_username");
    let log = server.log().join("\n");
    assert!(
        log.contains("ID token that fails a check"),
        "the reason is logged"
    );
}
