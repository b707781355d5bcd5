// Wire types of the Confab protocol, version 2 (docs/protocol.md). They are not
// written here: wire.gen.ts is generated from the server's OpenAPI document,
// docs/openapi.json, which the server generates from crates/confab-proto
// (`npm run wire` regenerates it; `npm run wire:check` runs in scripts/test). This
// module gives them short names and adds the few things the document cannot say.
// Unknown fields are ignored and unknown event or frame types are skipped, as the
// protocol asks.

import type { components } from './wire.gen';

type Schemas = components['schemas'];

export type UserId = Schemas['UserId'];
export type RoomId = Schemas['RoomId'];
export type EventId = Schemas['EventId'];
export type SessionId = Schemas['SessionId'];
/** A room's sequence number (`seq`): 1, 2, 3, ... per room. */
export type Seq = number;

export type Profile = Schemas['Profile'];
export type AuthTokens = Schemas['AuthTokens'];
export type AuthResponse = Schemas['AuthResponse'];
export type DeviceSession = Schemas['DeviceSession'];
export type SessionList = Schemas['SessionList'];
export type RevokedCount = Schemas['RevokedCount'];
export type UserList = Schemas['UserList'];
export type UpdateProfileRequest = Schemas['UpdateProfileRequest'];

export type Role = Schemas['Role'];
export type Room = Schemas['Room'];
export type RoomSummary = Schemas['RoomSummary'];
export type RoomList = Schemas['RoomList'];
export type UpdateRoomRequest = Schemas['UpdateRoomRequest'];
export type RoomVisibility = Schemas['RoomVisibility'];
export type PostingPolicy = Schemas['PostingPolicy'];
/** Who may pin messages in a group: admins and the owner (the default), or every member. */
export type PinPolicy = Schemas['PinPolicy'];
export type ChannelEntry = Schemas['ChannelEntry'];
export type ChannelPage = Schemas['ChannelPage'];
export type Member = Schemas['Member'];
export type MemberList = Schemas['MemberList'];

export type MessageBody = Schemas['MessageBody'];
export type Reaction = Schemas['Reaction'];
/** What happened in a room, tagged by `type`. `unknown` is never sent. */
export type EventContent = Schemas['EventContent'];
export type MessageContent = Extract<EventContent, { type: 'message' }>;
export type RoomEvent = Schemas['RoomEvent'];
export type MessageEvent = RoomEvent & { content: MessageContent };
export type HistoryPage = Schemas['HistoryPage'];
/** What the server found at a message's first link: title, description and maybe a picture. */
export type LinkPreview = Schemas['LinkPreview'];
/** A pinned message (its current state, without reactions), who pinned it and when. */
export type Pin = Schemas['Pin'];
/** `GET /api/v1/rooms/{id}/pins`: the latest pin first. */
export type PinList = Schemas['PinList'];

/** An uploaded file; images carry their size in pixels and a thumbnail. */
export type FileInfo = Schemas['FileInfo'];
export type ThumbnailInfo = Schemas['ThumbnailInfo'];
/** A file shared in a room, with the message that carries it (`GET /rooms/{id}/files`). */
export type SharedFile = Schemas['SharedFile'];
export type SharedFilePage = Schemas['SharedFilePage'];

/** An invitation to a room as the invited person sees it; a direct room's is a message request. */
export type Invitation = Schemas['Invitation'];
export type InvitationList = Schemas['InvitationList'];
/** An invitation as the room's members see it (`GET /rooms/{id}/invitations`). */
export type PendingInvitation = Schemas['PendingInvitation'];
export type PendingInvitationList = Schemas['PendingInvitationList'];
export type BlockedUser = Schemas['BlockedUser'];
export type BlockList = Schemas['BlockList'];

/** A part of a search hit's snippet; `highlight` parts match a word of the query. */
export type SnippetPart = Schemas['SnippetPart'];
/** A message that matches a search (`GET /api/v1/search`). */
export type SearchHit = Schemas['SearchHit'];
/** A page of search hits, newest first; `next_before` is the cursor of the next page. */
export type SearchResults = Schemas['SearchResults'];

/** One notification (named so as not to hide the DOM's `Notification`). */
export type NotificationRecord = Schemas['Notification'];
export type NotificationKind = Schemas['NotificationKind'];
export type NotificationPage = Schemas['NotificationPage'];
export type NotificationCount = Schemas['NotificationCount'];
export type NotificationSettings = Schemas['NotificationSettings'];
export type QuietHours = Schemas['QuietHours'];
/** When a room notifies me: every message, mentions (and replies, membership changes), or nothing. */
export type NotificationLevel = Schemas['NotificationLevel'];
export type RoomNotificationLevel = Schemas['RoomNotificationLevel'];
export type MarkNotificationsReadRequest = Schemas['MarkNotificationsReadRequest'];
export type PushKey = Schemas['PushKey'];
/** A push subscription of one of my devices, as the server lists it. */
export type PushSubscriptionRecord = Schemas['PushSubscription'];
export type PushSubscriptionList = Schemas['PushSubscriptionList'];

export type PresenceStatus = Schemas['PresenceStatus'];
export type Presence = Schemas['Presence'];
export type PresenceList = Schemas['PresenceList'];

/** Frames the client sends over the WebSocket. */
export type ClientFrame = Schemas['ClientFrame'];
/** Frames the server sends. `unknown` is never sent: it stands for types this client does not know. */
export type ServerFrame = Schemas['ServerFrame'];
/** The live frames about my notifications (not in the event log, never replayed). */
export type NotificationFrame = Extract<ServerFrame, { type: 'notification' | 'notifications_read' }>;

/** The REST error body: `{"error": {"code", "message", "field"?, "retry_after_secs"?}}`. */
export type ErrorBody = Schemas['ErrorBody'];
export type ErrorCode = Schemas['ErrorCode'];

/** Close codes of the server beside the standard ones (docs/protocol.md#close-codes). */
export { CloseCode } from './wire.gen';

/** The WebSocket protocol version this client speaks. */
export const PROTOCOL_VERSION = 2;

/** Distributive request frame without its `id`, for `Session.request`. */
export type RequestFrame = ClientFrame extends infer F
  ? F extends { id: string }
    ? Omit<F, 'id'>
    : never
  : never;

// Two-factor sign-in (protocol.md, "Two-factor sign-in").
/** `GET /api/v1/users/me/two-factor`: on or off, and recovery codes left. */
export type TwoFactorStatus = Schemas['TwoFactorStatus'];
/** A new authenticator secret, with its `otpauth://` URI for the QR code. */
export type TotpSetup = Schemas['TotpSetup'];
/** The ten recovery codes, shown once. */
export type RecoveryCodes = Schemas['RecoveryCodes'];
export type PasswordConfirmation = Schemas['PasswordConfirmation'];
export type ConfirmTotpRequest = Schemas['ConfirmTotpRequest'];
export type DisableTwoFactorRequest = Schemas['DisableTwoFactorRequest'];
/** How a device session was signed in; `unknown` stands for methods added later. */
export type SignInMethod = Schemas['SignInMethod'];

// Sign-in with identity providers (protocol.md, "Sign-in with identity providers").
export type ChangePasswordRequest = Schemas['ChangePasswordRequest'];
/** A configured provider, for a sign-in button; `kind` is `oidc`, `github` or unknown. */
export type ProviderInfo = Schemas['ProviderInfo'];
export type ProviderList = Schemas['ProviderList'];
export type ProviderRedirect = Schemas['ProviderRedirect'];
export type LinkIdentityRequest = Schemas['LinkIdentityRequest'];
export type CompleteProviderFlow = Schemas['CompleteProviderFlow'];
/** What completing a flow did: signed in, linked, or a username to choose. */
export type ProviderOutcome = Schemas['ProviderOutcome'];
/** An identity at a provider, linked to my account. */
export type LinkedIdentity = Schemas['LinkedIdentity'];
/** Every way my account can sign in. */
export type SignInMethods = Schemas['SignInMethods'];

// Passkeys (protocol.md, "Passkeys").
export type PasskeyInfo = Schemas['PasskeyInfo'];
export type PasskeyList = Schemas['PasskeyList'];
export type StartPasskeyRegistration = Schemas['StartPasskeyRegistration'];
export type RenamePasskey = Schemas['RenamePasskey'];
/**
 * The first half of a ceremony. The document calls `options` only "a JSON object": it is
 * `{publicKey, mediation?}`, `publicKey` in the form of
 * `PublicKeyCredentialCreationOptionsJSON` (registration) or
 * `PublicKeyCredentialRequestOptionsJSON` (sign-in).
 */
export type PasskeyCeremony<K = unknown> = Omit<Schemas['PasskeyCeremony'], 'options'> & { options: { publicKey: K; mediation?: string } };
/** A browser's credential as `PublicKeyCredential.toJSON()` gives it. */
export type CredentialJson = Schemas['PasskeyAssertion']['credential'];
export type FinishPasskeyRegistration = Schemas['FinishPasskeyRegistration'];
/** A sign-in ceremony's id with the browser's assertion. */
export type PasskeyAssertion = Schemas['PasskeyAssertion'];
export type PasskeySignInRequest = Schemas['PasskeySignInRequest'];
/** A password sign-in; `second_factor` (a code) or `passkey` when the account asks for a second factor. */
export type SignInRequest = Schemas['SignInRequest'];
