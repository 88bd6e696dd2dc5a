/**
 * Signatures that already verified, so the same bytes checked again under
 * the same key cost a hash instead of an ECDSA verification. The edge checks
 * each report's signature when it accepts it and again when admission
 * judges the commit that carries it; a memo shared by both does the second
 * check for free, and is exactly as strict as doing it again: an entry is
 * keyed by SHA-256 over everything the verification's answer depends on —
 * the public key's PEM, the payload type, the payload and the signature —
 * so only the very same check hits. Which key a hint names still comes from
 * the caller's trust root on every call: a key the root no longer enrolls
 * is refused before the memo is asked, and another key under the same hint
 * is another entry. Only successes are kept, at most `capacity` of them
 * (the oldest go first); high-S acceptance is never memoised.
 *
 * @example
 *   const memo = new SignatureMemo();
 *   await verifyBundle(bundle, { publicKeys, memo }); // verifies and remembers
 *   await verifyBundle(bundle, { publicKeys, memo }); // a hash, no ECDSA
 */
import { sha256Hex } from './encoding.js';

/** Entries a memo keeps unless told otherwise (a few hours of reports for one node at the goal's rate). */
const DEFAULT_CAPACITY = 4096;

export class SignatureMemo {
  private readonly verified = new Set<string>();
  /** Verifications answered from the memo (for tests and measurements). */
  hits = 0;

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** The entry for one check: SHA-256 over each input, length-prefixed so no two inputs run together. */
  async key(publicKeyPem: string, payloadType: string, payload: Uint8Array, signature: Uint8Array): Promise<string> {
    const encoder = new TextEncoder();
    const parts = [encoder.encode(publicKeyPem), encoder.encode(payloadType), payload, signature];
    let length = 0;
    for (const part of parts) length += 4 + part.length;
    const bytes = new Uint8Array(length);
    const view = new DataView(bytes.buffer);
    let at = 0;
    for (const part of parts) {
      view.setUint32(at, part.length);
      bytes.set(part, at + 4);
      at += 4 + part.length;
    }
    return sha256Hex(bytes);
  }

  /** Whether this exact check verified before (counted as a hit). */
  has(key: string): boolean {
    const found = this.verified.has(key);
    if (found) this.hits += 1;
    return found;
  }

  /** Remembers a check that verified. */
  add(key: string): void {
    this.verified.add(key);
    if (this.verified.size > this.capacity) {
      const oldest = this.verified.values().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
  }
}
