// Two-factor sign-in (docs/protocol.md, "Two-factor sign-in"): the REST calls that
// turn it on and off and make recovery codes, and the small pure pieces the screens
// share: what a refused sign-in asks of the user next, how a secret is grouped for
// typing, the text of a recovery-codes file, and how a session was signed in.
//
// Codes and passwords only ever travel in request bodies: nothing here logs them or
// puts them in a URL.

import { ApiError, UNREACHABLE_MESSAGE, type Rest } from './rest';
import type { ConfirmTotpRequest, DisableTwoFactorRequest, PasswordConfirmation, RecoveryCodes, SignInMethod, TotpSetup, TwoFactorStatus } from './types';

/** Turning two-factor sign-in on and off, and recovery codes, for the signed-in user. */
export class TwoFactor {
  constructor(private readonly rest: Pick<Rest, 'get' | 'post'>) {}

  /** Whether it is on, and how many recovery codes are left. */
  status(): Promise<TwoFactorStatus> {
    return this.rest.get<TwoFactorStatus>('/users/me/two-factor');
  }

  /** Starts (or restarts) the setup: a new secret, not in force until confirmed. */
  startTotp(password: string): Promise<TotpSetup> {
    return this.rest.post<TotpSetup>('/users/me/two-factor/totp', { password } satisfies PasswordConfirmation);
  }

  /** Confirms the setup with the app's current code; answers the ten recovery codes. */
  async confirmTotp(code: string): Promise<string[]> {
    return (await this.rest.post<RecoveryCodes>('/users/me/two-factor/totp/confirm', { code: code.trim() } satisfies ConfirmTotpRequest)).codes;
  }

  /** Ten new recovery codes; the old ones stop working. */
  async newRecoveryCodes(password: string): Promise<string[]> {
    return (await this.rest.post<RecoveryCodes>('/users/me/two-factor/recovery-codes', { password } satisfies PasswordConfirmation)).codes;
  }

  /** Turns it off, with the password and an app code or a recovery code. */
  async disable(password: string, secondFactor: string): Promise<void> {
    await this.rest.post('/users/me/two-factor/disable', { password, second_factor: secondFactor.trim() } satisfies DisableTwoFactorRequest);
  }
}

/** What a refused sign-in means for the sign-in screen. */
export type SignInRefusal =
  /** The password was right: ask for a code and send the sign-in again with it. */
  | { kind: 'code_needed' }
  /** The code was wrong, expired or used: stay on the code step. */
  | { kind: 'wrong_code'; message: string }
  | { kind: 'rate_limited'; message: string }
  /** The username or password is wrong (or changed meanwhile): back to the first step. */
  | { kind: 'wrong_password'; message: string }
  /** Anything else, shown above the form (or next to `field`). */
  | { kind: 'other'; message: string; field?: string };

export const WRONG_CODE_MESSAGE = 'That code is wrong, expired or already used.';

/** Sorts a sign-in's refusal into what the screen does next. */
export function signInRefusal(error: unknown): SignInRefusal {
  if (!(error instanceof ApiError)) return { kind: 'other', message: UNREACHABLE_MESSAGE };
  switch (error.code) {
    case 'second_factor_required':
      return { kind: 'code_needed' };
    case 'invalid_second_factor':
      return { kind: 'wrong_code', message: WRONG_CODE_MESSAGE };
    case 'rate_limited':
      return { kind: 'rate_limited', message: waitMessage(error.retryAfterSecs) };
    case 'invalid_credentials':
      return { kind: 'wrong_password', message: 'Wrong username or password.' };
    default:
      return { kind: 'other', message: error.message, field: error.field };
  }
}

/** "Too many attempts" with the server's wait, in words. */
export function waitMessage(secs: number | undefined): string {
  if (secs === undefined) return 'Too many attempts. Wait a little and try again.';
  const wait = secs >= 90 ? `${Math.ceil(secs / 60)} minutes` : `${Math.max(1, Math.ceil(secs))} seconds`;
  return `Too many attempts. Try again in ${wait}.`;
}

/** A TOTP secret (base32) in groups of four characters, for typing it into an app. */
export function groupSecret(secret: string): string {
  return (secret.replace(/\s+/g, '').match(/.{1,4}/g) ?? []).join(' ');
}

/** The contents of the downloadable recovery-codes file. */
export function recoveryCodesFile(codes: readonly string[], username: string, host: string, madeAt: Date): string {
  return [
    `Confab recovery codes for @${username} on ${host}`,
    `Made ${madeAt.toISOString().slice(0, 16).replace('T', ' ')} UTC. Each code works once.`,
    'Keep them somewhere safe: they sign you in if you lose your authenticator app.',
    '',
    ...codes,
    '',
  ].join('\n');
}

/** How a session was signed in, in words; unknown methods (added within a version) say so. */
export function signInMethodLabel(method: SignInMethod | undefined): string | null {
  switch (method) {
    case 'password':
      return 'Password';
    case 'password_totp':
      return 'Password + authenticator app';
    case 'password_recovery_code':
      return 'Password + recovery code';
    case 'provider':
      return 'Identity provider';
    case 'passkey':
      return 'Passkey';
    case 'password_passkey':
      return 'Password + passkey';
    case undefined:
      // An older server does not say.
      return null;
    default:
      // `unknown`, or a method added after this client was built.
      return 'Another sign-in method';
  }
}

/** Recovery codes left at or below which Settings warns. */
export const FEW_RECOVERY_CODES = 3;
