// Generated from docs/openapi.json by openapi-typescript (web/scripts/wire.mjs).
// Do not edit: run `npm run wire` in web/ after docs/openapi.json changes.
// Import the types through ./types.ts.

export type paths = Record<string, never>;
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description Response of sign-up and sign-in: who you are, and your new session's tokens. */
        AuthResponse: {
            tokens: components["schemas"]["AuthTokens"];
            user: components["schemas"]["Profile"];
        };
        /**
         * @description Credentials of one device session, returned by sign-up, sign-in and refresh.
         *
         *     The refresh token rotates: each refresh returns a new one and the old one stops
         *     working. Presenting an old one again revokes the whole session.
         */
        AuthTokens: {
            /** @description Signed bearer token for `Authorization: Bearer ...`. */
            access_token: string;
            /** Format: date-time */
            access_token_expires_at: string;
            /**
             * @description Opaque, single-use token that obtains the next pair. Left out when the client
             *     asked for it in the `confab_refresh` cookie (`X-Confab-Refresh: cookie`).
             */
            refresh_token?: string;
            /** Format: date-time */
            refresh_token_expires_at: string;
            session_id: components["schemas"]["SessionId"];
        };
        /** @description `GET /api/v1/blocks`: everyone I blocked, most recent first. */
        BlockList: {
            blocked: components["schemas"]["BlockedUser"][];
        };
        /** @description Someone I blocked. */
        BlockedUser: {
            /** Format: date-time */
            blocked_at: string;
            user_id: components["schemas"]["UserId"];
        };
        /** @description `POST /api/v1/users/me/password` */
        ChangePasswordRequest: {
            current_password: string;
            new_password: string;
        };
        /** @description One public group of the channel directory. */
        ChannelEntry: {
            avatar_file_id?: string;
            /** @description Whether I am a member. */
            joined: boolean;
            /** Format: date-time */
            last_activity_at: string;
            /** Format: int64 */
            member_count: number;
            name: string;
            posting: components["schemas"]["PostingPolicy"];
            room_id: components["schemas"]["RoomId"];
            topic: string;
        };
        /** @description `GET /api/v1/channels`: public groups, most members first. */
        ChannelPage: {
            channels: components["schemas"]["ChannelEntry"][];
            /**
             * Format: int64
             * @description How many public groups match, in all pages.
             */
            total: number;
        };
        /**
         * @description `POST /api/v1/mls/key-packages/claim`: one key package of each device of these
         *     users, to add them to a group.
         */
        ClaimKeyPackages: {
            /** @description At most 100; each must share a room with the caller (or be the caller). */
            user_ids: components["schemas"]["UserId"][];
        };
        /** @description A key package handed out by a claim. */
        ClaimedKeyPackage: {
            device_id: components["schemas"]["SessionId"];
            key_package: string;
            user_id: components["schemas"]["UserId"];
        };
        /**
         * @description The answer to a claim: one per device that had one. A device without key
         *     packages is left out (it cannot be added until it uploads some).
         */
        ClaimedKeyPackages: {
            key_packages: components["schemas"]["ClaimedKeyPackage"][];
        };
        /** @description Frames a client sends. */
        ClientFrame: {
            since?: components["schemas"]["EventId"];
            token: string;
            /** @enum {string} */
            type: "hello";
        } | {
            id: string;
            token: string;
            /** @enum {string} */
            type: "refresh";
        } | {
            /** @description Ids of files I uploaded, as in `POST /api/v1/rooms/{id}/messages`. */
            attachments?: string[];
            body: components["schemas"]["MessageBody"];
            client_id: string;
            id: string;
            /** Format: int64 */
            reply_to?: number;
            room_id: components["schemas"]["RoomId"];
            /** @enum {string} */
            type: "send";
        } | {
            body: components["schemas"]["MessageBody"];
            id: string;
            room_id: components["schemas"]["RoomId"];
            /** Format: int64 */
            seq: number;
            /** @enum {string} */
            type: "edit";
        } | {
            id: string;
            room_id: components["schemas"]["RoomId"];
            /** Format: int64 */
            seq: number;
            /** @enum {string} */
            type: "delete";
        } | {
            add: boolean;
            emoji: string;
            id: string;
            room_id: components["schemas"]["RoomId"];
            /** Format: int64 */
            seq: number;
            /** @enum {string} */
            type: "react";
        } | {
            id: string;
            room_id: components["schemas"]["RoomId"];
            /** Format: int64 */
            seq: number;
            /** @enum {string} */
            type: "read";
        } | {
            id: string;
            room_id: components["schemas"]["RoomId"];
            /** Format: int64 */
            seq: number;
            /** @enum {string} */
            type: "delivered";
        } | {
            room_id: components["schemas"]["RoomId"];
            /** @enum {string} */
            type: "typing";
            typing: boolean;
        } | {
            status: components["schemas"]["PresenceStatus"];
            /** @enum {string} */
            type: "presence";
        } | {
            id: string;
            /** @enum {string} */
            type: "ping";
        };
        /**
         * @description Close codes of the WebSocket beside the standard ones (1000, 1001, 1009, 1011); see docs/protocol.md#close-codes.
         * @enum {integer}
         */
        CloseCode: CloseCode;
        /** @description `GET /api/v1/rooms/{id}/mls/commits`: the commits after an epoch, in order. */
        CommitList: {
            commits: components["schemas"]["RoomEvent"][];
        };
        /** @description `POST /api/v1/auth/providers/complete` */
        CompleteProviderFlow: {
            /** @description A name for this device's session, as at sign-in. */
            device_name?: string;
            /** @description For a new account: the username chosen, after a `choose_username` answer. */
            username?: string;
        };
        /** @description `POST /api/v1/users/me/two-factor/totp/confirm` */
        ConfirmTotpRequest: {
            /** @description The code the authenticator app shows now. */
            code: string;
        };
        /** @description `POST /api/v1/rooms`: create a group. */
        CreateGroupRequest: {
            /** @description End-to-end encrypted room: fixed at creation. */
            encrypted?: boolean;
            /**
             * @description People to invite besides the creator, who becomes owner. Each joins by
             *     accepting the invitation.
             */
            members?: components["schemas"]["UserId"][];
            name: string;
            /** @description `everyone`: every member may pin messages, not only admins and the owner. */
            pinning?: components["schemas"]["PinPolicy"];
            /** @description `admins`: only admins and the owner post (an announcements room). */
            posting?: components["schemas"]["PostingPolicy"];
            topic?: string;
            /**
             * @description `public`: listed in the channel directory and open to anyone signed in
             *     (not with `encrypted`).
             */
            visibility?: components["schemas"]["RoomVisibility"];
        };
        /** @description A device of a member that is not in the group yet. */
        DeviceRef: {
            device_id: components["schemas"]["SessionId"];
            user_id: components["schemas"]["UserId"];
        };
        /** @description One signed-in device, as listed by `GET /api/v1/sessions`. */
        DeviceSession: {
            /** Format: date-time */
            created_at: string;
            /** @description True for the session that made this request. */
            current: boolean;
            device_name: string;
            id: components["schemas"]["SessionId"];
            /** @description Address the session was last seen from. */
            ip?: string;
            /** Format: date-time */
            last_seen_at: string;
            sign_in_method: components["schemas"]["SignInMethod"];
            user_agent?: string;
        };
        /** @description `POST /api/v1/users/me/two-factor/disable` */
        DisableTwoFactorRequest: {
            password: string;
            /** @description A code from the authenticator app, or an unused recovery code. */
            second_factor: string;
        };
        /** @description `PATCH /api/v1/rooms/{id}/messages/{seq}` */
        EditMessageRequest: {
            body: components["schemas"]["MessageBody"];
        };
        /** @description Envelope of every error response. */
        ErrorBody: {
            error: components["schemas"]["ErrorDetail"];
        };
        /**
         * @description Stable error codes. New codes may be added within a protocol version; clients
         *     must treat a code they do not know as [`ErrorCode::Unknown`].
         * @enum {string}
         */
        ErrorCode: "invalid_json" | "invalid_input" | "weak_password" | "username_taken" | "invalid_credentials" | "second_factor_required" | "invalid_second_factor" | "provider_flow_invalid" | "provider_rejected" | "provider_unavailable" | "identity_in_use" | "last_sign_in_method" | "passkeys_disabled" | "passkey_ceremony_invalid" | "passkey_rejected" | "too_many_passkeys" | "too_many_pins" | "mls_epoch_stale" | "mls_not_in_group" | "mls_removal_pending" | "mls_group_exists" | "unauthenticated" | "invalid_token" | "token_expired" | "session_revoked" | "refresh_token_reused" | "forbidden" | "not_found" | "method_not_allowed" | "payload_too_large" | "quota_exceeded" | "range_not_satisfiable" | "unsupported_media_type" | "rate_limited" | "internal" | "unavailable" | "unknown";
        /** @description What went wrong, for programs (`code`) and for people (`message`). */
        ErrorDetail: {
            /** @description Stable, machine-readable reason; see [`ErrorCode`]. */
            code: components["schemas"]["ErrorCode"];
            /** @description The request field the error is about, when there is one (e.g. `password`). */
            field?: string;
            /** @description Human-readable explanation, safe to show to the user. Not stable. */
            message: string;
            /**
             * Format: int64
             * @description For `rate_limited`: whole seconds until the caller may try again.
             */
            retry_after_secs?: number;
        };
        /** @description What happened. Tagged by `type`. */
        EventContent: {
            encrypted: boolean;
            name: string;
            /** @enum {string} */
            type: "room_created";
        } | (components["schemas"]["MessageState"] & {
            /** @enum {string} */
            type: "message";
        }) | {
            body?: components["schemas"]["MessageBody"];
            /** Format: int64 */
            target_seq: number;
            /** @enum {string} */
            type: "message_edited";
        } | {
            /** Format: int64 */
            target_seq: number;
            /** @enum {string} */
            type: "message_deleted";
        } | {
            emoji: string;
            /** Format: int64 */
            target_seq: number;
            /** @enum {string} */
            type: "reaction_added";
        } | {
            emoji: string;
            /** Format: int64 */
            target_seq: number;
            /** @enum {string} */
            type: "reaction_removed";
        } | {
            role: components["schemas"]["Role"];
            /** @enum {string} */
            type: "member_added";
            user_id: components["schemas"]["UserId"];
        } | {
            /** @enum {string} */
            type: "member_left";
            user_id: components["schemas"]["UserId"];
        } | {
            /** @enum {string} */
            type: "member_removed";
            user_id: components["schemas"]["UserId"];
        } | {
            role: components["schemas"]["Role"];
            /** @enum {string} */
            type: "role_changed";
            user_id: components["schemas"]["UserId"];
        } | {
            from: components["schemas"]["UserId"];
            to: components["schemas"]["UserId"];
            /** @enum {string} */
            type: "ownership_transferred";
        } | {
            /** Format: int64 */
            seq: number;
            /** @enum {string} */
            type: "read_up_to";
            user_id: components["schemas"]["UserId"];
        } | {
            /** Format: int64 */
            seq: number;
            /** @enum {string} */
            type: "delivered_up_to";
            user_id: components["schemas"]["UserId"];
        } | {
            name: string;
            /** @enum {string} */
            type: "room_renamed";
        } | {
            topic: string;
            /** @enum {string} */
            type: "topic_changed";
        } | {
            avatar_file_id?: string;
            /** @enum {string} */
            type: "room_avatar_changed";
        } | {
            /** @description Absent in events stored before pins existed: `admins`. */
            pinning?: components["schemas"]["PinPolicy"];
            posting: components["schemas"]["PostingPolicy"];
            /** @enum {string} */
            type: "room_access_changed";
            visibility: components["schemas"]["RoomVisibility"];
        } | {
            /** Format: int64 */
            target_seq: number;
            /** @enum {string} */
            type: "message_pinned";
        } | {
            /** Format: int64 */
            target_seq: number;
            /** @enum {string} */
            type: "message_unpinned";
        } | {
            preview: components["schemas"]["LinkPreview"];
            /** Format: int64 */
            target_seq: number;
            /** @enum {string} */
            type: "link_preview_added";
        } | {
            /** Format: int64 */
            target_seq: number;
            /** @enum {string} */
            type: "link_preview_removed";
        } | {
            /** @description Devices it added, with their new leaves. */
            added?: components["schemas"]["GroupMember"][];
            /** @description The `MLSMessage` (a `PublicMessage`), standard base64. */
            commit: string;
            /** @description The device that made it. */
            device_id: components["schemas"]["SessionId"];
            /**
             * Format: int64
             * @description The epoch the commit starts.
             */
            epoch: number;
            /** @description Leaves it removed. */
            removed?: components["schemas"]["GroupMember"][];
            /** @enum {string} */
            type: "mls_commit";
        } | {
            /** @enum {string} */
            type: "unknown";
        };
        /**
         * Format: int64
         * @description Position of an event in the server's global event log. Increases with every
         *     stored event in commit order; a client's resume cursor is the last one it saw.
         */
        EventId: number;
        /**
         * @description An uploaded file. The content type is what the server found in the bytes, never
         *     what the uploader claimed.
         */
        FileInfo: {
            content_type: string;
            /** Format: int32 */
            height?: number;
            /** @description Download it from `/api/v1/files/{id}`. */
            id: string;
            name: string;
            /** Format: int64 */
            size: number;
            /** @description Images only: a smaller copy at `/api/v1/files/{id}/thumbnail`. */
            thumbnail?: components["schemas"]["ThumbnailInfo"];
            /**
             * Format: int32
             * @description Images only: their size in pixels.
             */
            width?: number;
        };
        /** @description `POST /api/v1/users/me/passkeys`: the second half of a registration. */
        FinishPasskeyRegistration: {
            ceremony_id: string;
            /** @description The new credential, as `PublicKeyCredential.toJSON()` gives it. */
            credential: {
                [key: string]: unknown;
            };
            /**
             * @description What to call it in the list, for example the device it lives on; one line of
             *     at most 64 characters. `Passkey` when left out.
             */
            name?: string;
        };
        /** @description A device's leaf in a group. */
        GroupMember: {
            device_id: components["schemas"]["SessionId"];
            /** Format: int32 */
            leaf_index: number;
            user_id: components["schemas"]["UserId"];
        };
        /** @description `GET /api/v1/rooms/{id}/mls`: the room's group as the server orders it. */
        GroupState: {
            /** @description `false` until a member's device creates the group. */
            created: boolean;
            /**
             * Format: int64
             * @description The current epoch: the one commits and messages must be made in.
             */
            epoch: number;
            /** @description Standard base64 of the group id (`confab:room:{room_id}`). */
            group_id: string;
            /** @description The leaves, by leaf index. */
            members: components["schemas"]["GroupMember"][];
            /** @description Devices of current members that are not in the group: a member adds them. */
            to_add: components["schemas"]["DeviceRef"][];
            /**
             * @description Leaves that must be removed before anyone may send again: their user is no
             *     longer a member, or their device session ended.
             */
            to_remove: components["schemas"]["GroupMember"][];
        };
        /** @description A page of history: timeline events, oldest first. */
        HistoryPage: {
            events: components["schemas"]["RoomEvent"][];
            /** @description Newer timeline events exist after the last one of this page. */
            has_newer: boolean;
            /** @description Older timeline events exist before the first one of this page. */
            has_older: boolean;
        };
        /** @description An invitation to a room, as the invited person sees it. */
        Invitation: {
            /** Format: date-time */
            invited_at: string;
            invited_by: components["schemas"]["UserId"];
            /**
             * @description The room as it is now; for a direct room (a message request) `name` is empty
             *     and `invited_by` is the person who wants to talk.
             */
            room: components["schemas"]["Room"];
        };
        /** @description `GET /api/v1/invitations`: my pending invitations, newest first. */
        InvitationList: {
            invitations: components["schemas"]["Invitation"][];
        };
        /** @description `POST /api/v1/rooms/{id}/invitations`: invite people to a group. */
        InviteRequest: {
            user_ids: components["schemas"]["UserId"][];
        };
        /** @description How many key packages this device has in stock. */
        KeyPackageStock: {
            /** @description Whether a last-resort key package is stored. */
            last_resort: boolean;
            /**
             * Format: int64
             * @description One-time key packages not yet claimed.
             */
            one_time: number;
        };
        /**
         * @description `POST /api/v1/users/me/identities`: start linking an identity at this provider
         *     to the signed-in account (then as steps 2 to 4 of a sign-in).
         */
        LinkIdentityRequest: {
            provider_id: string;
        };
        /** @description What a linked page says about itself, as the server fetched it. */
        LinkPreview: {
            /** @description The page's description; may be empty. */
            description: string;
            /**
             * @description The page's picture, scaled by the server
             *     (`GET /api/v1/rooms/{room_id}/messages/{seq}/preview/image`).
             */
            image?: components["schemas"]["PreviewImage"];
            /** @description The site's name; may be empty. */
            site_name: string;
            /** @description The page's title; may be empty. */
            title: string;
            /** @description The link, as the message has it. */
            url: string;
        };
        /** @description An identity at a provider, linked to an account: a way to sign in to it. */
        LinkedIdentity: {
            /** Format: date-time */
            created_at: string;
            id: string;
            /**
             * @description Who the user is there, to tell identities apart: the email address or the
             *     username the provider gave, else its subject identifier.
             */
            label: string;
            /** Format: date-time */
            last_used_at?: string;
            provider_id: string;
            /** @description The provider's name as configured now (its id if it is no longer configured). */
            provider_name: string;
        };
        /** @description `POST /api/v1/notifications/read`: marks my notifications read. */
        MarkNotificationsReadRequest: {
            /**
             * @description These notifications. Without `ids`, every notification up to `up_to`, or all
             *     of them without either.
             */
            ids?: number[] | null;
            /** Format: int64 */
            up_to?: number | null;
        };
        /** @description A member of a room. */
        Member: {
            /**
             * Format: int64
             * @description Everything up to this sequence number has reached one of the member's devices.
             */
            delivered_seq: number;
            /** Format: date-time */
            joined_at: string;
            /**
             * Format: int64
             * @description Everything up to this sequence number has been read by the member.
             */
            read_seq: number;
            role: components["schemas"]["Role"];
            user_id: components["schemas"]["UserId"];
        };
        /** @description `GET /api/v1/rooms/{id}/members` */
        MemberList: {
            members: components["schemas"]["Member"][];
        };
        /** @description The body of a message. Tagged by `type` so new kinds (attachments) can be added. */
        MessageBody: {
            text: string;
            /** @enum {string} */
            type: "text";
        } | {
            ciphertext: string;
            /** @enum {string} */
            type: "encrypted";
        };
        /**
         * @description A message: its current body (none once deleted), what it replies to, whom it
         *     mentions, and its reactions.
         */
        MessageState: {
            /** @description The files it carries, in the order sent; gone once it is deleted. */
            attachments?: components["schemas"]["FileInfo"][];
            /** @description `None` once deleted: the tombstone stays in history. */
            body?: components["schemas"]["MessageBody"];
            /** @description The sender's idempotency key. */
            client_id: string;
            /** Format: date-time */
            deleted_at?: string;
            /** Format: date-time */
            edited_at?: string;
            /** @description The members it mentions, found when it was sent; never its sender. */
            mentions?: components["schemas"]["UserId"][];
            /** @description The preview of its first link, once the server fetched it. */
            preview?: components["schemas"]["LinkPreview"];
            reactions?: components["schemas"]["Reaction"][];
            /** Format: int64 */
            reply_to?: number;
        };
        /** @description A device that can take part in encrypted rooms. */
        MlsDevice: {
            /** Format: date-time */
            created_at: string;
            /** @description The device session's id; with `user_id` it makes the credential identity. */
            device_id: components["schemas"]["SessionId"];
            /** @description The Ed25519 public key its credential must carry, standard base64. */
            signature_key: string;
            user_id: components["schemas"]["UserId"];
        };
        /**
         * @description `GET /api/v1/users/{user_id}/devices`: a user's devices, oldest first. Devices whose
         *     session ended are not listed.
         */
        MlsDeviceList: {
            devices: components["schemas"]["MlsDevice"][];
        };
        /**
         * @description One notification. The event it is about is `seq` in `room_id`
         *     (`GET /api/v1/rooms/{room_id}/messages?around={seq}` loads the history around it).
         */
        Notification: {
            /** @description Who caused it: the sender, the reacting user, the admin who changed my role. */
            actor_id: components["schemas"]["UserId"];
            /** Format: date-time */
            created_at: string;
            /** @description `reaction`: the emoji. */
            emoji?: string;
            event_id: components["schemas"]["EventId"];
            /**
             * @description Messages: the start of the text as it was sent (at most 200 characters).
             *     Never present for end-to-end encrypted rooms.
             */
            excerpt?: string;
            /**
             * Format: int64
             * @description Increases with every notification; `GET /api/v1/notifications?before=` pages by it.
             */
            id: number;
            kind: components["schemas"]["NotificationKind"];
            /** @description I read it: marked read, or my read marker in the room passed `seq`. */
            read: boolean;
            /** @description `role_changed`: my new role. */
            role?: components["schemas"]["Role"];
            room_id: components["schemas"]["RoomId"];
            /** @description `room_renamed`: the new name. */
            room_name?: string;
            /**
             * Format: int64
             * @description The event's sequence number in its room.
             */
            seq: number;
        };
        /** @description The answer to marking notifications read. */
        NotificationCount: {
            /**
             * Format: int64
             * @description How many of my notifications are unread (capped at 999).
             */
            unread_count: number;
        };
        /**
         * @description Why I am notified.
         * @enum {string}
         */
        NotificationKind: "direct_message" | "message" | "mention" | "room_mention" | "reply" | "reaction" | "added" | "removed" | "role_changed" | "room_renamed";
        /**
         * @description When a room notifies me.
         * @enum {string}
         */
        NotificationLevel: "all" | "mentions" | "nothing";
        /** @description `GET /api/v1/notifications`: newest first. */
        NotificationPage: {
            /**
             * Format: int64
             * @description Pass as `before` for the next (older) page; absent on the last page.
             */
            next_before?: number;
            notifications: components["schemas"]["Notification"][];
            /**
             * Format: int64
             * @description How many of all my notifications are unread (capped at 999).
             */
            unread_count: number;
        };
        /**
         * @description `GET /api/v1/notifications/settings` (and the answer to `PUT`): my global
         *     notification settings.
         *     While do-not-disturb is in effect, notifications are still recorded (and listed)
         *     but nothing is pushed and clients show no pop-ups.
         */
        NotificationSettings: {
            /** @description Whether do-not-disturb is in effect now. */
            dnd_active?: boolean;
            /**
             * Format: date-time
             * @description Do not disturb until this time (absent: not switched on by hand).
             */
            dnd_until?: string;
            /** @description Do not disturb every day (or on some days) at these hours. */
            quiet_hours?: components["schemas"]["QuietHours"];
            /** @description Notify me of reactions to my messages (off by default). */
            reactions?: boolean;
        };
        /**
         * @description `POST /api/v1/rooms/direct`: the direct room with one person, created if needed.
         *     With someone I share no room with, it starts as a request: they are invited, and
         *     the room has one member until they accept.
         */
        OpenDirectRequest: {
            /**
             * @description The pair's end-to-end encrypted direct room instead of the plain one: a pair
             *     may have one of each.
             */
            encrypted?: boolean;
            user_id: components["schemas"]["UserId"];
        };
        /**
         * @description The second half of a sign-in ceremony (from `POST /api/v1/auth/passkey/challenge`):
         *     the browser's assertion.
         */
        PasskeyAssertion: {
            ceremony_id: string;
            /** @description The assertion, as `PublicKeyCredential.toJSON()` gives it. */
            credential: {
                [key: string]: unknown;
            };
        };
        /** @description The first half of a ceremony: what the browser's authenticator is asked. */
        PasskeyCeremony: {
            /** @description Sent back with the credential; good once, until the ceremony times out. */
            ceremony_id: string;
            /**
             * @description WebAuthn options as JSON: `{"publicKey": {...}}`, the `publicKey` member in
             *     the form of `PublicKeyCredentialCreationOptionsJSON` (registration) or
             *     `PublicKeyCredentialRequestOptionsJSON` (sign-in), binary values in base64url.
             */
            options: {
                [key: string]: unknown;
            };
        };
        /** @description A passkey registered to the account. */
        PasskeyInfo: {
            /** Format: date-time */
            created_at: string;
            id: string;
            /**
             * Format: date-time
             * @description The last sign-in with it; left out if it has not signed in yet.
             */
            last_used_at?: string;
            name: string;
        };
        /** @description `GET /api/v1/users/me/passkeys`: oldest first. */
        PasskeyList: {
            passkeys: components["schemas"]["PasskeyInfo"][];
        };
        /** @description `POST /api/v1/auth/passkey/signin`: sign in with a passkey alone. */
        PasskeySignInRequest: {
            ceremony_id: string;
            /** @description The assertion, as `PublicKeyCredential.toJSON()` gives it. */
            credential: {
                [key: string]: unknown;
            };
            /** @description At most 64 characters, one line. */
            device_name?: string;
        };
        /**
         * @description `POST /api/v1/users/me/two-factor/totp`, and `POST
         *     /api/v1/users/me/two-factor/recovery-codes`: the current password again.
         */
        PasswordConfirmation: {
            password: string;
        };
        /** @description An invitation as the room's members see it: who is invited, by whom. */
        PendingInvitation: {
            /** Format: date-time */
            invited_at: string;
            invited_by: components["schemas"]["UserId"];
            room_id: components["schemas"]["RoomId"];
            user_id: components["schemas"]["UserId"];
        };
        /** @description `GET /api/v1/rooms/{id}/invitations`, and what `POST` to it created. */
        PendingInvitationList: {
            invitations: components["schemas"]["PendingInvitation"][];
        };
        /** @description A Welcome kept for one device until it takes it. */
        PendingWelcome: {
            /** Format: date-time */
            created_at: string;
            /**
             * Format: int64
             * @description The epoch the Welcome joins.
             */
            epoch: number;
            /** Format: int64 */
            id: number;
            room_id: components["schemas"]["RoomId"];
            /** @description The `Welcome` `MLSMessage`, standard base64. */
            welcome: string;
        };
        /** @description A pinned message of a room. */
        Pin: {
            /** @description The message as it is now (edits applied), without reactions. */
            message: components["schemas"]["RoomEvent"];
            /** Format: date-time */
            pinned_at: string;
            /** @description Who pinned it. */
            pinned_by: components["schemas"]["UserId"];
        };
        /** @description `GET /api/v1/rooms/{id}/pins`: the room's pinned messages, latest pin first. */
        PinList: {
            pins: components["schemas"]["Pin"][];
        };
        /**
         * @description Who may pin messages in a group. In a direct room both people pin.
         * @enum {string}
         */
        PinPolicy: "admins" | "everyone";
        /**
         * @description Who may post messages in a group.
         * @enum {string}
         */
        PostingPolicy: "everyone" | "admins";
        /** @description One user's presence. */
        Presence: {
            /**
             * Format: date-time
             * @description When the user was last connected or active, if known.
             */
            last_seen_at?: string;
            status: components["schemas"]["PresenceStatus"];
            user_id: components["schemas"]["UserId"];
        };
        /** @description `GET /api/v1/presence?user_ids=1,2,3`: only people who share a room with me. */
        PresenceList: {
            users: components["schemas"]["Presence"][];
        };
        /**
         * @description Whether someone is around. Combined over all of a user's connections: online if
         *     any device is active, away if all connected devices are idle, offline if none.
         * @enum {string}
         */
        PresenceStatus: "online" | "away" | "offline";
        /** @description The picture of a link preview. */
        PreviewImage: {
            /** @description `image/jpeg` or `image/png`. */
            content_type: string;
            /** Format: int32 */
            height: number;
            /** Format: int32 */
            width: number;
        };
        /** @description What every signed-in user may see of an account. */
        Profile: {
            /** @description Id of the avatar image in file storage, when one is set. */
            avatar_file_id?: string;
            /** Format: date-time */
            created_at: string;
            /**
             * @description Whether user search lists the account for people it shares no room with.
             *     Anyone who knows the exact username can look it up either way.
             */
            discoverable: boolean;
            display_name: string;
            id: components["schemas"]["UserId"];
            /** @description Free text such as "On holiday until Monday"; empty when unset. */
            status_text: string;
            /** @description As chosen at sign-up (case preserved). */
            username: string;
        };
        /** @description One configured provider, for a sign-in button. */
        ProviderInfo: {
            /** @description The provider's id in URLs, for example `corp` or `github`. */
            id: string;
            kind: components["schemas"]["ProviderKind"];
            /** @description The name to show, for example `Corp SSO`. */
            name: string;
        };
        /**
         * @description What kind of provider this is.
         * @enum {string}
         */
        ProviderKind: "oidc" | "github" | "unknown";
        /** @description `GET /api/v1/auth/providers` */
        ProviderList: {
            /** @description Passkey sign-in is on (`POST /api/v1/auth/passkey/challenge`). */
            passkeys?: boolean;
            providers: components["schemas"]["ProviderInfo"][];
        };
        /** @description What completing a flow did. */
        ProviderOutcome: {
            auth: components["schemas"]["AuthResponse"];
            /** @enum {string} */
            outcome: "signed_in";
        } | {
            identity: components["schemas"]["LinkedIdentity"];
            /** @enum {string} */
            outcome: "linked";
        } | {
            display_name: string;
            /** @enum {string} */
            outcome: "choose_username";
            proposed_username: string;
            provider_name: string;
        };
        /** @description Where to send the browser to sign in at the provider. */
        ProviderRedirect: {
            authorization_url: string;
        };
        /**
         * @description `GET /api/v1/push/key`: the server's VAPID public key, the
         *     `applicationServerKey` for `PushManager.subscribe()`.
         */
        PushKey: {
            /** @description The uncompressed P-256 public key, base64url without padding. */
            public_key: string;
        };
        /** @description The keys of a push subscription, as `PushSubscription.toJSON()` gives them. */
        PushKeys: {
            /** @description The 16-byte authentication secret, base64url. */
            auth: string;
            /** @description The browser's P-256 public key, base64url. */
            p256dh: string;
        };
        /** @description A push subscription of one of my devices. */
        PushSubscription: {
            /** Format: date-time */
            created_at: string;
            endpoint: string;
            /** Format: int64 */
            id: number;
            /** @description The device session that registered it; it ends with the session. */
            session_id: components["schemas"]["SessionId"];
        };
        /** @description `GET /api/v1/push/subscriptions` */
        PushSubscriptionList: {
            subscriptions: components["schemas"]["PushSubscription"][];
        };
        /**
         * @description `POST /api/v1/push/subscriptions`: this device's push subscription
         *     (`PushSubscription.toJSON()`; other fields are ignored). Registering the same
         *     endpoint again replaces its keys.
         */
        PushSubscriptionRequest: {
            endpoint: string;
            keys: components["schemas"]["PushKeys"];
        };
        /**
         * @description A daily quiet period: from `start` to `end` (local times `HH:MM` in `time_zone`;
         *     `end` before `start` runs past midnight) on the given days.
         */
        QuietHours: {
            /** @description Days on which the period starts, 0 = Monday ... 6 = Sunday; empty = every day. */
            days?: number[];
            end: string;
            start: string;
            /** @description An IANA time zone name, such as `Europe/Berlin`. */
            time_zone: string;
        };
        /** @description Who reacted with one emoji. */
        Reaction: {
            emoji: string;
            user_ids: components["schemas"]["UserId"][];
        };
        /** @description `POST /api/v1/rooms/{id}/read`: I have read everything up to `seq`. */
        ReadMarkerRequest: {
            /** Format: int64 */
            seq: number;
        };
        /**
         * @description Single-use codes that stand in for the authenticator app at sign-in. The server
         *     keeps only their hashes: this is the only time they are shown.
         */
        RecoveryCodes: {
            codes: string[];
        };
        /** @description `POST /api/v1/auth/refresh` */
        RefreshRequest: {
            /**
             * @description The current refresh token. Left out (or empty) by a client that keeps it in
             *     the `confab_refresh` cookie and sends `X-Confab-Refresh: cookie`.
             */
            refresh_token?: string;
        };
        /** @description `PUT /api/v1/mls/device`: this device's MLS signature public key. */
        RegisterDevice: {
            /** @description The Ed25519 public key (32 bytes), standard base64. */
            signature_key: string;
        };
        /** @description `PATCH /api/v1/users/me/passkeys/{id}` */
        RenamePasskey: {
            /** @description One line of at most 64 characters. */
            name: string;
        };
        /** @description `POST /api/v1/sessions/revoke-others` */
        RevokedCount: {
            /** Format: int64 */
            revoked: number;
        };
        /**
         * @description What a member may do. Owners and admins manage members and settings; only the
         *     owner can make admins or hand over ownership.
         * @enum {string}
         */
        Role: "member" | "admin" | "owner";
        /** @description A room as its members see it. */
        Room: {
            avatar_file_id?: string;
            /** Format: date-time */
            created_at: string;
            created_by: components["schemas"]["UserId"];
            /** @description Set at creation; messages in an encrypted room are opaque to the server. */
            encrypted: boolean;
            id: components["schemas"]["RoomId"];
            kind: components["schemas"]["RoomKind"];
            /** Format: date-time */
            last_activity_at: string;
            /**
             * Format: int64
             * @description Sequence number of the room's latest event.
             */
            last_seq: number;
            /** Format: int64 */
            member_count: number;
            /** @description Empty for direct rooms. */
            name: string;
            /** @description Who may pin messages: always `everyone` in a direct room. */
            pinning?: components["schemas"]["PinPolicy"];
            /** @description Who may post messages (groups). */
            posting?: components["schemas"]["PostingPolicy"];
            topic: string;
            /** @description Who may join (groups). */
            visibility?: components["schemas"]["RoomVisibility"];
        };
        /** @description One event of a room. */
        RoomEvent: {
            content: components["schemas"]["EventContent"];
            /** Format: date-time */
            created_at: string;
            id: components["schemas"]["EventId"];
            room_id: components["schemas"]["RoomId"];
            sender_id: components["schemas"]["UserId"];
            /** Format: int64 */
            seq: number;
        };
        /**
         * Format: int64
         * @description Identifies a room (a direct conversation or a group).
         */
        RoomId: number;
        /**
         * @description Direct rooms hold exactly two people, one room per pair; groups have a name.
         * @enum {string}
         */
        RoomKind: "direct" | "group";
        /** @description `GET /api/v1/rooms` */
        RoomList: {
            rooms: components["schemas"]["RoomSummary"][];
        };
        /** @description `PUT /api/v1/rooms/{id}/notification-level`, and what `GET` returns. */
        RoomNotificationLevel: {
            /**
             * @description `GET` only: true when `level` is the room kind's default, not my choice.
             *     `PUT` with `"default": true` goes back to the default (`level` is then ignored).
             */
            default?: boolean;
            level: components["schemas"]["NotificationLevel"];
        };
        /** @description One entry of my room list. */
        RoomSummary: {
            /** @description Latest message, if any. */
            last_message?: components["schemas"]["RoomEvent"];
            /**
             * Format: int64
             * @description Of those, the ones that mention me (capped at 999).
             */
            mention_count: number;
            my_role: components["schemas"]["Role"];
            /** @description When this room notifies me (`PUT /api/v1/rooms/{id}/notification-level`). */
            notification_level?: components["schemas"]["NotificationLevel"];
            /** @description For direct rooms: the other person. */
            peer?: components["schemas"]["UserId"];
            /**
             * Format: int64
             * @description My read marker: I have read everything up to this sequence number.
             */
            read_seq: number;
            room: components["schemas"]["Room"];
            /**
             * Format: int64
             * @description Messages from others after my read marker that are not deleted (capped at
             *     999).
             */
            unread_count: number;
        };
        /**
         * @description Who may join a group. Direct rooms are always `private`.
         * @enum {string}
         */
        RoomVisibility: "private" | "public";
        /** @description A message that matches. */
        SearchHit: {
            event_id: components["schemas"]["EventId"];
            /** @description The message carries at least one attachment. */
            has_attachment: boolean;
            room_id: components["schemas"]["RoomId"];
            sender_id: components["schemas"]["UserId"];
            /** Format: date-time */
            sent_at: string;
            /**
             * Format: int64
             * @description The message's sequence number (`GET /api/v1/rooms/{room_id}/messages?around={seq}`
             *     loads the history around it).
             */
            seq: number;
            /**
             * @description The message text (as edited) around the first match, at most about 200
             *     characters; cut parts are marked with "…". Concatenating the parts' text
             *     gives the snippet.
             */
            snippet: components["schemas"]["SnippetPart"][];
        };
        /** @description `GET /api/v1/search`: newest first. */
        SearchResults: {
            hits: components["schemas"]["SearchHit"][];
            /** @description Pass as `before` for the next (older) page; absent on the last page. */
            next_before?: components["schemas"]["EventId"];
        };
        /** @description `POST /api/v1/rooms/{id}/messages` */
        SendMessageRequest: {
            /** @description Ids of files I uploaded, to carry in this message (`--max-attachments`). */
            attachments?: string[];
            body: components["schemas"]["MessageBody"];
            /**
             * @description Client-generated id, 1-64 characters, unique per sender. Sending again with
             *     the same id returns the original message instead of creating a second one.
             */
            client_id: string;
            /**
             * Format: int64
             * @description Sequence number of the message this replies to.
             */
            reply_to?: number | null;
        };
        /** @description Frames the server sends. */
        ServerFrame: {
            cursor: components["schemas"]["EventId"];
            /** Format: int32 */
            protocol: number;
            session_id: components["schemas"]["SessionId"];
            /** @enum {string} */
            type: "ready";
            user_id: components["schemas"]["UserId"];
        } | {
            event: components["schemas"]["RoomEvent"];
            /** @enum {string} */
            type: "event";
        } | {
            cursor: components["schemas"]["EventId"];
            /** @enum {string} */
            type: "resync_required";
        } | {
            event?: components["schemas"]["RoomEvent"];
            id: string;
            /** @enum {string} */
            type: "ok";
        } | {
            code: components["schemas"]["ErrorCode"];
            id?: string;
            message: string;
            /** @enum {string} */
            type: "error";
        } | {
            room_id: components["schemas"]["RoomId"];
            /** @enum {string} */
            type: "typing";
            typing: boolean;
            user_id: components["schemas"]["UserId"];
        } | (components["schemas"]["Presence"] & {
            /** @enum {string} */
            type: "presence";
        }) | (components["schemas"]["Profile"] & {
            /** @enum {string} */
            type: "profile";
        }) | {
            invitation: components["schemas"]["Invitation"];
            /** @enum {string} */
            type: "invitation_received";
        } | {
            room_id: components["schemas"]["RoomId"];
            /** @enum {string} */
            type: "invitation_ended";
        } | {
            notification: components["schemas"]["Notification"];
            /** @enum {string} */
            type: "notification";
            /**
             * Format: int64
             * @description How many of my notifications are unread now (capped at 999).
             */
            unread_count: number;
        } | {
            ids?: number[];
            /** @description For a read marker that moved: that room's notifications up to `seq`. */
            room_id?: components["schemas"]["RoomId"];
            /** Format: int64 */
            seq?: number;
            /** @enum {string} */
            type: "notifications_read";
            /** Format: int64 */
            unread_count: number;
            /** Format: int64 */
            up_to?: number;
        } | {
            id: string;
            /** @enum {string} */
            type: "pong";
        } | {
            device_id: components["schemas"]["SessionId"];
            /**
             * Format: int64
             * @description One-time key packages still in stock.
             */
            remaining: number;
            /** @enum {string} */
            type: "mls_key_packages_low";
        } | {
            /** @enum {string} */
            type: "unknown";
        };
        /**
         * Format: int64
         * @description Identifies one signed-in device session of an account.
         */
        SessionId: number;
        /** @description `GET /api/v1/sessions` */
        SessionList: {
            sessions: components["schemas"]["DeviceSession"][];
        };
        /**
         * @description `PUT /api/v1/users/me/avatar` and `PUT /api/v1/rooms/{id}/avatar`: an image I
         *     uploaded, from which the server makes the avatar.
         */
        SetAvatarRequest: {
            file_id: string;
        };
        /**
         * @description `PUT /api/v1/notifications/settings`: replaces my settings; a field left out (or
         *     `null`) is off.
         */
        SetNotificationSettingsRequest: {
            /**
             * Format: date-time
             * @description Do not disturb until this time.
             */
            dnd_until?: string | null;
            quiet_hours?: null | components["schemas"]["QuietHours"];
            /** @description Notify me of reactions to my messages. */
            reactions?: boolean;
        };
        /** @description `PUT /api/v1/rooms/{id}/members/{user_id}/role` */
        SetRoleRequest: {
            role: components["schemas"]["Role"];
        };
        /** @description A file shared in a room: which message carries it. */
        SharedFile: {
            file: components["schemas"]["FileInfo"];
            room_id: components["schemas"]["RoomId"];
            sender_id: components["schemas"]["UserId"];
            /**
             * Format: int64
             * @description The message that carries it.
             */
            seq: number;
            /** Format: date-time */
            shared_at: string;
        };
        /** @description `GET /api/v1/rooms/{id}/files`: newest first. */
        SharedFilePage: {
            files: components["schemas"]["SharedFile"][];
            /**
             * Format: int64
             * @description Pass as `before` for the next (older) page; absent on the last page.
             */
            next_before?: number;
        };
        /**
         * @description How a device session was signed in.
         * @enum {string}
         */
        SignInMethod: "password" | "password_totp" | "password_recovery_code" | "provider" | "passkey" | "password_passkey" | "unknown";
        /**
         * @description `GET /api/v1/users/me/sign-in-methods`: every way the account can sign in. The
         *     last one cannot be removed (`last_sign_in_method`).
         */
        SignInMethods: {
            identities: components["schemas"]["LinkedIdentity"][];
            /**
             * Format: int32
             * @description Passkeys registered (listed at `/api/v1/users/me/passkeys`).
             */
            passkeys: number;
            /** @description The account has a password. */
            password: boolean;
        };
        /** @description `POST /api/v1/auth/signin` */
        SignInRequest: {
            /** @description At most 64 characters, one line. */
            device_name?: string | null;
            /**
             * @description For an account with two-factor sign-in: one of its passkeys as the second
             *     factor instead of a code, from a ceremony started with `POST
             *     /api/v1/auth/passkey/challenge`.
             */
            passkey?: components["schemas"]["PasskeyAssertion"];
            password: string;
            /**
             * @description For an account with two-factor sign-in: the 6-digit code its authenticator
             *     app shows now, or one of its unused recovery codes (spaces and dashes are
             *     ignored). Without it, such an account's sign-in answers
             *     `second_factor_required` once the password is right.
             */
            second_factor?: string | null;
            username: string;
        };
        /** @description `POST /api/v1/auth/signup` */
        SignUpRequest: {
            /**
             * @description Label for the device session this sign-up opens (e.g. "Firefox on Linux"), at
             *     most 64 characters, one line.
             */
            device_name?: string | null;
            /**
             * @description Shown instead of the username; defaults to the username. 1-64 characters, one
             *     line (protocol.md's one-line text rules).
             */
            display_name?: string | null;
            /**
             * @description At least `--password-min-chars` (8 or more) and at most 256 characters, and not
             *     easy to guess (see protocol.md's password policy).
             */
            password: string;
            /**
             * @description 3-32 characters from `a-z`, `A-Z`, `0-9`, `_`, `.`, `-`, starting with a letter
             *     or digit. Unique without regard to case. A few names (such as `admin`) are
             *     reserved.
             */
            username: string;
        };
        /** @description One part of a snippet: matched text is highlighted. */
        SnippetPart: {
            /** @description This part matches a word of the query. */
            highlight?: boolean;
            text: string;
        };
        /** @description `POST /api/v1/users/me/passkeys/registration` */
        StartPasskeyRegistration: {
            /** @description The current password; required when the account has one. */
            password?: string;
        };
        /** @description `POST /api/v1/rooms/{id}/mls/commits` */
        SubmitCommit: {
            /**
             * @description The commit, an `MLSMessage` holding a `PublicMessage`, made in the current
             *     epoch by the caller's leaf, with its proposals inline.
             */
            commit: string;
            /** @description The `Welcome` for the devices the commit adds; required exactly when it adds. */
            welcome?: string;
        };
        /** @description The thumbnail of an image: at most 320 pixels on its longer side. */
        ThumbnailInfo: {
            content_type: string;
            /** Format: int32 */
            height: number;
            /** Format: int32 */
            width: number;
        };
        /** @description A new authenticator secret, not in force until confirmed with a code. */
        TotpSetup: {
            /**
             * Format: int32
             * @description Digits per code (6).
             */
            digits: number;
            /** @description The same as an `otpauth://totp/...` URI, for a QR code. */
            otpauth_uri: string;
            /**
             * Format: int32
             * @description Seconds each code is valid for (30).
             */
            period_secs: number;
            /** @description The secret in base32 (RFC 4648, no padding), for typing into the app. */
            secret: string;
        };
        /** @description `POST /api/v1/rooms/{id}/transfer-ownership` */
        TransferOwnershipRequest: {
            user_id: components["schemas"]["UserId"];
        };
        /** @description `GET /api/v1/users/me/two-factor` */
        TwoFactorStatus: {
            /**
             * Format: int32
             * @description Recovery codes not used yet (0 while two-factor sign-in is off).
             */
            recovery_codes_left: number;
            /** @description Password sign-in asks for a code from the authenticator app. */
            totp_enabled: boolean;
        };
        /** @description `PATCH /api/v1/users/me`: fields left out are not changed. */
        UpdateProfileRequest: {
            /** @description Whether user search lists me for people I share no room with. */
            discoverable?: boolean | null;
            /** @description 1-64 characters, one line (protocol.md's one-line text rules). */
            display_name?: string | null;
            /** @description 0-140 characters, one line. */
            status_text?: string | null;
        };
        /** @description `PATCH /api/v1/rooms/{id}`: fields left out stay as they are. */
        UpdateRoomRequest: {
            name?: string | null;
            pinning?: null | components["schemas"]["PinPolicy"];
            posting?: null | components["schemas"]["PostingPolicy"];
            topic?: string | null;
            visibility?: null | components["schemas"]["RoomVisibility"];
        };
        /** @description `POST /api/v1/mls/key-packages`: key packages of this device. */
        UploadKeyPackages: {
            /** @description One-time key packages, each claimed once (`--mls-max-key-packages` in stock). */
            key_packages?: string[];
            /**
             * @description Handed out when the one-time ones run out, and never used up; replaces the
             *     previous one.
             */
            last_resort?: string;
        };
        /**
         * Format: int64
         * @description Identifies an account.
         */
        UserId: number;
        /** @description `GET /api/v1/users?prefix=...` */
        UserList: {
            users: components["schemas"]["Profile"][];
        };
        /** @description `GET /api/v1/mls/welcomes`: this device's Welcomes, oldest first. */
        WelcomeList: {
            welcomes: components["schemas"]["PendingWelcome"][];
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export enum CloseCode {
    // The first frame was not a valid `hello`, or a frame broke the protocol.
    Protocol = 4000,
    // The access token or its session is not valid (any more); sign in again.
    Unauthenticated = 4001,
    // No frame (not even a pong) arrived within the idle timeout.
    TimedOut = 4003,
    // The client read too slowly and its outbound queue filled up; reconnect and resume from the last event id received.
    TooSlow = 4008
}
export type operations = Record<string, never>;
