// Passkeys (WebAuthn; docs/protocol.md, "Passkeys"): the REST calls that register,
// list, rename and remove the account's passkeys and start a sign-in with one, and
// the browser's half of each ceremony.
//
// A ceremony takes two requests. The first answers `{ceremony_id, options}`; the
// browser's authenticator is asked with `options.publicKey`, parsed by
// `PublicKeyCredential.parseCreationOptionsFromJSON` (a new passkey) or
// `parseRequestOptionsFromJSON` (signing in), and the second request sends the id back
// with the credential as `credential.toJSON()`. No library: the browser does the
// encoding. A ceremony works once; a refused or expired one is started again.
//
// The browser's refusals (the person cancelled, the prompt timed out) come back as
// `PasskeyError`s whose message is meant for the person, never a DOMException dump.

import { ApiError, UNREACHABLE_MESSAGE, type Rest } from './rest';
import { waitMessage } from './twoFactor';
import type { CredentialJson, FinishPasskeyRegistration, PasskeyAssertion, PasskeyCeremony, PasskeyInfo, PasskeyList, RenamePasskey, StartPasskeyRegistration } from './types';

export type { PasskeyAssertion, PasskeyCeremony, PasskeyInfo } from './types';

/** The REST calls of passkeys: mine while signed in, and the sign-in challenge. */
export class Passkeys {
  constructor(private readonly rest: Pick<Rest, 'get' | 'post' | 'call'>) {}

  /** My passkeys, oldest first. */
  async list(): Promise<PasskeyInfo[]> {
    return (await this.rest.get<PasskeyList>('/users/me/passkeys')).passkeys;
  }

  /** Starts registering a passkey; `password` is required when the account has one. */
  startRegistration(password?: string): Promise<PasskeyCeremony> {
    return this.rest.post<PasskeyCeremony>('/users/me/passkeys/registration', (password ? { password } : {}) satisfies StartPasskeyRegistration);
  }

  /** Finishes a registration with the browser's new credential; answers the passkey. */
  finishRegistration(ceremonyId: string, credential: CredentialJson, name?: string): Promise<PasskeyInfo> {
    const trimmed = name?.trim();
    return this.rest.post<PasskeyInfo>('/users/me/passkeys', { ceremony_id: ceremonyId, credential, ...(trimmed ? { name: trimmed } : {}) } satisfies FinishPasskeyRegistration);
  }

  rename(id: string, name: string): Promise<PasskeyInfo> {
    return this.rest.call<PasskeyInfo>('PATCH', `/users/me/passkeys/${encodeURIComponent(id)}`, { name: name.trim() } satisfies RenamePasskey);
  }

  async remove(id: string): Promise<void> {
    await this.rest.call('DELETE', `/users/me/passkeys/${encodeURIComponent(id)}`);
  }

  /** A sign-in ceremony: for signing in with a passkey alone, or as the second factor. */
  challenge(): Promise<PasskeyCeremony> {
    return this.rest.post<PasskeyCeremony>('/auth/passkey/challenge', {});
  }
}

/** The browser's WebAuthn, as far as this client uses it; a fake in the unit tests. */
export interface Authenticator {
  /** Whether this browser can make and use passkeys (and parse the server's JSON options). */
  supported(): boolean;
  /** `navigator.credentials.create()`; answers the new credential's `toJSON()`. */
  create(publicKey: PublicKeyCredentialCreationOptionsJSON): Promise<CredentialJson>;
  /** `navigator.credentials.get()`; answers the assertion's `toJSON()`. */
  get(publicKey: PublicKeyCredentialRequestOptionsJSON, mediation?: CredentialMediationRequirement): Promise<CredentialJson>;
}

/** The browser's own, through `navigator.credentials`. */
export const browserAuthenticator: Authenticator = {
  supported() {
    return (
      typeof window !== 'undefined' &&
      window.isSecureContext &&
      typeof window.PublicKeyCredential === 'function' &&
      typeof PublicKeyCredential.parseCreationOptionsFromJSON === 'function' &&
      typeof PublicKeyCredential.parseRequestOptionsFromJSON === 'function' &&
      !!navigator.credentials
    );
  },
  async create(publicKey) {
    const credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(publicKey) });
    return credentialJson(credential);
  },
  async get(publicKey, mediation) {
    const credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(publicKey), ...(mediation ? { mediation } : {}) });
    return credentialJson(credential);
  },
};

function credentialJson(credential: Credential | null): CredentialJson {
  if (!(credential instanceof PublicKeyCredential)) throw new PasskeyError('no_credential', 'Your browser did not give a passkey. Try again.');
  return credential.toJSON() as CredentialJson;
}

/** Why a passkey step did not happen, in words for the person (`message`). */
export type PasskeyProblem =
  /** Cancelled, timed out, or no passkey chosen (the browser says `NotAllowedError` for all three). */
  | 'cancelled'
  /** This authenticator holds a passkey for this account already (`InvalidStateError` at registration). */
  | 'already_registered'
  /** The browser or device cannot do it. */
  | 'unsupported'
  /** The page's address is not the one passkeys are set up for (`SecurityError`). */
  | 'wrong_address'
  | 'no_credential'
  | 'other';

export class PasskeyError extends Error {
  constructor(
    readonly problem: PasskeyProblem,
    message: string,
  ) {
    super(message);
    this.name = 'PasskeyError';
  }
}

export const CANCELLED_MESSAGE = 'No passkey was used: the request was cancelled or timed out. Try again when you are ready.';
export const UNSUPPORTED_MESSAGE = 'This browser cannot use passkeys.';

/** A browser's refusal (a DOMException from `create` or `get`) as a PasskeyError. */
export function browserProblem(error: unknown, registering: boolean): PasskeyError {
  if (error instanceof PasskeyError) return error;
  // A DOMException is an Error in browsers; anything with a `name` will do.
  const name = typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
  switch (name) {
    case 'NotAllowedError':
    case 'AbortError':
      return new PasskeyError('cancelled', CANCELLED_MESSAGE);
    case 'InvalidStateError':
      return registering
        ? new PasskeyError('already_registered', 'This device or password manager already has a passkey for your account.')
        : new PasskeyError('other', 'Your browser could not use a passkey just now. Try again.');
    case 'NotSupportedError':
      return new PasskeyError('unsupported', registering ? 'This browser or device cannot create a passkey of the kind this server asks for.' : UNSUPPORTED_MESSAGE);
    case 'SecurityError':
      return new PasskeyError('wrong_address', 'Passkeys are not set up for this address of the server. Open Confab at its usual address and try again.');
    case 'TypeError':
      // The options could not be parsed (or the API is missing): this browser is too old.
      return new PasskeyError('unsupported', UNSUPPORTED_MESSAGE);
    default:
      return new PasskeyError('other', registering ? 'Your browser could not create the passkey. Try again.' : 'Your browser could not use a passkey just now. Try again.');
  }
}

/**
 * Registers a new passkey: the ceremony (with the password when the account has one),
 * the browser's prompt, and the credential sent back under `name`. Throws the
 * server's ApiError, NetworkError, or a PasskeyError from the browser.
 */
export async function registerPasskey(passkeys: Pick<Passkeys, 'startRegistration' | 'finishRegistration'>, authenticator: Authenticator, input: { password?: string; name?: string }): Promise<PasskeyInfo> {
  if (!authenticator.supported()) throw new PasskeyError('unsupported', UNSUPPORTED_MESSAGE);
  const ceremony = await passkeys.startRegistration(input.password);
  const { options } = ceremony as PasskeyCeremony<PublicKeyCredentialCreationOptionsJSON>;
  let credential: CredentialJson;
  try {
    credential = await authenticator.create(options.publicKey);
  } catch (error) {
    throw browserProblem(error, true);
  }
  return passkeys.finishRegistration(ceremony.ceremony_id, credential, input.name);
}

/**
 * The browser's half of a sign-in: a ceremony from the server, and the person's
 * passkey for it. Answers the assertion for `POST /auth/passkey/signin`, or for
 * `passkey` in a password sign-in (the second factor).
 */
export async function assertPasskey(passkeys: Pick<Passkeys, 'challenge'>, authenticator: Authenticator): Promise<PasskeyAssertion> {
  if (!authenticator.supported()) throw new PasskeyError('unsupported', UNSUPPORTED_MESSAGE);
  const ceremony = await passkeys.challenge();
  const { options } = ceremony as PasskeyCeremony<PublicKeyCredentialRequestOptionsJSON>;
  // A button asks at once: conditional mediation belongs to the autofill of a field.
  const mediation = options.mediation && options.mediation !== 'conditional' ? (options.mediation as CredentialMediationRequirement) : undefined;
  let credential: CredentialJson;
  try {
    credential = await authenticator.get(options.publicKey, mediation);
  } catch (error) {
    throw browserProblem(error, false);
  }
  return { ceremony_id: ceremony.ceremony_id, credential };
}

/**
 * Any failure of a passkey step in words: the browser's (PasskeyError), the server's
 * refusal by code, or no answer. `context` picks the words for a refused passkey.
 */
export function passkeyFailure(error: unknown, context: 'register' | 'sign_in' | 'second_factor'): string {
  if (error instanceof PasskeyError) return error.message;
  if (!(error instanceof ApiError)) return UNREACHABLE_MESSAGE;
  switch (error.code) {
    case 'rate_limited':
      return waitMessage(error.retryAfterSecs);
    case 'passkey_ceremony_invalid':
      return 'That took too long, or the request was already used. Try again.';
    case 'passkey_rejected':
      return context === 'register' ? 'The new passkey could not be verified. Try again.' : 'That passkey is not registered here, or it could not be verified. Try another, or sign in with your password.';
    case 'invalid_second_factor':
      return 'That passkey does not belong to this account, or it could not be verified. Try another, or use a code.';
    case 'passkeys_disabled':
      return 'Passkeys are turned off on this server.';
    case 'too_many_passkeys':
      return 'Your account has as many passkeys as it can have. Remove one you no longer use first.';
    default:
      return error.message;
  }
}

/** "Passkey" unless a name is typed; one line of at most 64 characters. */
export const DEFAULT_PASSKEY_NAME = 'Passkey';
export const PASSKEY_NAME_MAX = 64;

/** What is wrong with a passkey's name (empty, too long, several lines), or null. */
export function passkeyNameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (!trimmed) return 'Enter a name.';
  if ([...trimmed].length > PASSKEY_NAME_MAX) return `At most ${PASSKEY_NAME_MAX} characters.`;
  if (/[\r\n]/.test(trimmed)) return 'One line only.';
  return null;
}
