// The typed errors of the MLS engine (engine.ts). Every failure the engine reports
// is one of these, so a caller can tell "this peer is not who it claims" from "this
// message is too old" from "this group is gone for me" without reading messages.

/** Base class of every error the MLS engine throws. */
export class MlsEngineError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MlsEngineError';
  }
}

/**
 * A leaf (in a key package, a commit or the tree of a Welcome) failed the
 * authentication service: not a Basic credential, an identity not of the form
 * `confab:{user_id}:{device_id}`, or a signature key that is not the one the server
 * registered for that device.
 */
export class MlsIdentityError extends MlsEngineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MlsIdentityError';
  }
}

/**
 * The message is of an epoch this state cannot process: older than the retained
 * past epochs, a commit of a past epoch (a competing commit that lost), or of a
 * future epoch (a commit before it is missing).
 */
export class MlsEpochError extends MlsEngineError {
  constructor(
    message: string,
    readonly messageEpoch: bigint,
    readonly groupEpoch: bigint,
  ) {
    super(message);
    this.name = 'MlsEpochError';
  }
}

/** The message belongs to another group than the state it was given to. */
export class MlsWrongGroupError extends MlsEngineError {
  constructor(message: string) {
    super(message);
    this.name = 'MlsWrongGroupError';
  }
}

/** This device was removed from the group: the state can no longer send or receive. */
export class MlsRemovedError extends MlsEngineError {
  constructor() {
    super('this device is no longer a member of the group');
    this.name = 'MlsRemovedError';
  }
}

/**
 * The bytes are not what the wire contract allows: undecodable, a wrong wire format
 * or ciphersuite, a commit sent as PrivateMessage, a stand-alone proposal, a proposal
 * reference, a Welcome without the ratchet tree, or a failed signature or decryption.
 */
export class MlsProtocolError extends MlsEngineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MlsProtocolError';
  }
}
