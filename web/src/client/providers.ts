// Sign-in with identity providers (docs/protocol.md, "Sign-in with identity
// providers"): the REST calls of the flow and of the account's sign-in methods, and
// `ProviderFlow`, which carries a flow across the trip to the provider and back.
//
// The browser leaves for the provider and comes back to `/?provider_flow=done` (or
// `failed&code=...`), a fresh page load. What the page needs to remember meanwhile
// (which provider, and whether it was linking) is not secret and goes in
// sessionStorage; the flow itself is tied to this browser by the server's HttpOnly
// cookie. No token ever travels in a URL.

import { ApiError, UNREACHABLE_MESSAGE, type Rest } from './rest';
import type {
  ChangePasswordRequest,
  CompleteProviderFlow,
  LinkedIdentity,
  LinkIdentityRequest,
  PasswordConfirmation,
  ProviderInfo,
  ProviderList,
  ProviderOutcome,
  ProviderRedirect,
  RevokedCount,
  SignInMethods,
} from './types';
import { waitMessage } from './twoFactor';

/** The REST calls of provider sign-in, linking, and the account's sign-in methods. */
export class Providers {
  constructor(private readonly rest: Pick<Rest, 'get' | 'post' | 'call'>) {}

  /** The providers the operator configured; empty when there are none. */
  async list(): Promise<ProviderInfo[]> {
    return (await this.options()).providers;
  }

  /** The ways to sign in besides a password: the providers, and whether passkeys are on. */
  async options(): Promise<SignInOptions> {
    const answer = await this.rest.get<ProviderList>('/auth/providers');
    return { providers: answer.providers, passkeys: answer.passkeys === true };
  }

  /** Starts a sign-in: the server sets the flow's cookie; answers where to send the browser. */
  async start(providerId: string): Promise<string> {
    return (await this.rest.post<ProviderRedirect>(`/auth/providers/${encodeURIComponent(providerId)}/start`)).authorization_url;
  }

  /** Starts linking an identity at `providerId` to the signed-in account (then as a sign-in). */
  async link(providerId: string): Promise<string> {
    return (await this.rest.post<ProviderRedirect>('/users/me/identities', { provider_id: providerId } satisfies LinkIdentityRequest)).authorization_url;
  }

  /** Finishes the flow of this browser (its cookie); with `username`, creates the account. */
  complete(request: CompleteProviderFlow): Promise<ProviderOutcome> {
    return this.rest.post<ProviderOutcome>('/auth/providers/complete', request);
  }

  /** Every way the signed-in account can sign in. */
  methods(): Promise<SignInMethods> {
    return this.rest.get<SignInMethods>('/users/me/sign-in-methods');
  }

  async unlink(identityId: string): Promise<void> {
    await this.rest.call('DELETE', `/users/me/identities/${encodeURIComponent(identityId)}`);
  }

  /** The first password of an account made through a provider (it has no current one). */
  setPassword(newPassword: string): Promise<RevokedCount> {
    return this.rest.post<RevokedCount>('/users/me/password', { current_password: '', new_password: newPassword } satisfies ChangePasswordRequest);
  }

  /** Removes the password, confirmed with it: the account then signs in only through providers. */
  async removePassword(password: string): Promise<void> {
    await this.rest.call('DELETE', '/users/me/password', { password } satisfies PasswordConfirmation);
  }
}

/** `GET /auth/providers`: the providers, and whether passkey sign-in is on (an older server does not say: off). */
export interface SignInOptions {
  providers: ProviderInfo[];
  passkeys: boolean;
}

/** What the page was loaded with on its way back from the provider (`/?provider_flow=...`). */
export type ProviderReturn = { status: 'done' } | { status: 'failed'; code: string };

/** The provider's answer in the page's query, if it has one. */
export function readProviderReturn(search: string): ProviderReturn | null {
  const params = new URLSearchParams(search);
  const status = params.get('provider_flow');
  if (status === 'done') return { status: 'done' };
  if (status === 'failed') return { status: 'failed', code: params.get('code') ?? 'internal' };
  return null;
}

/** The query without the provider's answer, for `history.replaceState` ('' when nothing is left). */
export function withoutProviderReturn(search: string): string {
  const params = new URLSearchParams(search);
  params.delete('provider_flow');
  params.delete('code');
  const rest = params.toString();
  return rest ? `?${rest}` : '';
}

/** What a failed flow means, in words. `provider` is its name, when known. */
export function providerFailureMessage(code: string, provider: string | null): string {
  const name = provider ?? 'The identity provider';
  switch (code) {
    case 'provider_rejected':
      return `${name} did not sign you in, or its answer could not be verified. Try again.`;
    case 'provider_flow_invalid':
      return 'That sign-in expired or was started in another browser. Try again.';
    case 'provider_unavailable':
      return `${name} could not be reached, or answered something Confab cannot use. Try again later.`;
    case 'identity_in_use':
      return `That ${provider ?? 'identity provider'} account is already linked to another Confab account. Sign in to that account to use it, or unlink it there first.`;
    case 'not_found':
      return 'That sign-in provider is no longer offered here.';
    default:
      return `Signing in with ${provider ?? 'the identity provider'} failed. Try again.`;
  }
}

/** The label of a provider's sign-in button. */
export function continueLabel(provider: Pick<ProviderInfo, 'name'>): string {
  return `Continue with ${provider.name}`;
}

/** The rules of a username at sign-up (protocol.md), checked before the server sees it. */
export function usernameProblem(username: string): string | null {
  if (username.length < 3 || username.length > 32) return 'A username has 3 to 32 characters.';
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(username)) return 'Use letters, digits, “_”, “.” and “-”, starting with a letter or digit.';
  return null;
}

/** Where the flow stands on this page. */
export type FlowState =
  | { step: 'none' }
  /** Posting `complete`. */
  | { step: 'completing'; provider: string | null }
  /** No account has this identity: a username for the new account. */
  | { step: 'choose_username'; proposal: Extract<ProviderOutcome, { outcome: 'choose_username' }>; busy: boolean; error: string | null }
  /** The flow ended without signing in (or linking); `message` says why. */
  | { step: 'failed'; message: string }
  | { step: 'linked'; identity: LinkedIdentity };

/** What the page keeps between leaving for the provider and coming back. */
interface Pending {
  /** The provider's name, for messages. */
  name: string;
  linking: boolean;
}

const PENDING_KEY = 'confab.providerFlow';

export interface FlowDeps {
  providers: Pick<Providers, 'start' | 'link'>;
  /** Posts `complete` with this device's name; a `signed_in` outcome signs in. */
  complete(username?: string): Promise<ProviderOutcome>;
  /** Where the page goes to sign in at the provider (`location.assign`). */
  navigate(url: string): void;
  /** sessionStorage: it lasts for the tab, across the provider's pages. */
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
}

/**
 * A sign-in or link through a provider: `begin` leaves for the provider, `resume`
 * takes the answer when the page comes back, and `chooseUsername` creates the account
 * when the identity is new. Subscribable, for the screens.
 */
export class ProviderFlow {
  private state: FlowState = { step: 'none' };
  private readonly listeners = new Set<() => void>();

  constructor(private readonly deps: FlowDeps) {}

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getState = (): FlowState => this.state;

  /**
   * Signs in (or, with `linking`, links) at `provider`: the server starts the flow and
   * the page leaves for the provider. Throws the server's refusal (ApiError) or
   * NetworkError; on success the page is on its way out.
   */
  async begin(provider: Pick<ProviderInfo, 'id' | 'name'>, linking = false): Promise<void> {
    const url = linking ? await this.deps.providers.link(provider.id) : await this.deps.providers.start(provider.id);
    this.deps.storage.setItem(PENDING_KEY, JSON.stringify({ name: provider.name, linking } satisfies Pending));
    this.deps.navigate(url);
  }

  /**
   * Takes the provider's answer from the page's query (`readProviderReturn`): on
   * `done`, completes the flow. Call once per page load; does nothing without one.
   * Whether the flow was a link is answered at once (for where the page lands).
   */
  resume(answer: ProviderReturn | null): { linking: boolean } {
    if (!answer) return { linking: false };
    const pending = this.takePending();
    const provider = pending?.name ?? null;
    if (answer.status === 'failed') {
      this.set({ step: 'failed', message: providerFailureMessage(answer.code, provider) });
    } else {
      this.set({ step: 'completing', provider });
      void this.complete(undefined, provider);
    }
    return { linking: pending?.linking ?? false };
  }

  /** Creates the account with `username`, after a `choose_username` answer. */
  async chooseUsername(username: string): Promise<void> {
    const current = this.state;
    if (current.step !== 'choose_username') return;
    const problem = usernameProblem(username);
    if (problem) {
      this.set({ ...current, error: problem });
      return;
    }
    this.set({ ...current, busy: true, error: null });
    await this.complete(username, current.proposal.provider_name);
  }

  /** Back to nothing to show (a message read, a form given up). */
  dismiss(): void {
    this.set({ step: 'none' });
  }

  private async complete(username: string | undefined, provider: string | null): Promise<void> {
    let outcome: ProviderOutcome;
    try {
      outcome = await this.deps.complete(username);
    } catch (error) {
      const current = this.state;
      // A taken username leaves the flow for another try; so does a refused one,
      // shown beside the field (if the server ended the flow, the next try says so).
      if (current.step === 'choose_username' && error instanceof ApiError && (error.code === 'username_taken' || error.code === 'invalid_input')) {
        const message = error.code === 'username_taken' ? 'That username is taken. Choose another.' : error.message;
        this.set({ ...current, busy: false, error: message });
        return;
      }
      this.set({ step: 'failed', message: failureOf(error, provider) });
      return;
    }
    switch (outcome.outcome) {
      case 'signed_in':
        this.set({ step: 'none' });
        return;
      case 'choose_username':
        this.set({ step: 'choose_username', proposal: outcome, busy: false, error: null });
        return;
      case 'linked':
        this.set({ step: 'linked', identity: outcome.identity });
        return;
    }
  }

  private takePending(): Pending | null {
    try {
      const raw = this.deps.storage.getItem(PENDING_KEY);
      this.deps.storage.removeItem(PENDING_KEY);
      return raw ? (JSON.parse(raw) as Pending) : null;
    } catch {
      return null;
    }
  }

  private set(next: FlowState): void {
    this.state = next;
    for (const l of this.listeners) l();
  }
}

/** A refused `complete` (or a start) in words. */
export function failureOf(error: unknown, provider: string | null): string {
  if (!(error instanceof ApiError)) return UNREACHABLE_MESSAGE;
  if (error.code === 'rate_limited') return waitMessage(error.retryAfterSecs);
  if (error.code === 'invalid_input' || error.code === 'internal') return error.message;
  return providerFailureMessage(error.code, provider);
}
