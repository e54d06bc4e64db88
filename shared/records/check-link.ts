/**
 * The one place that decides whether a record continues its session's chain, and the one set
 * of failure reasons and messages for it. `ChainVerifier` (streaming) calls it for every record;
 * `verifyChain` (batch) is a wrapper over `ChainVerifier`, so both report alike.
 */

export type ChainFailureReason =
  | 'malformed' // not JSON, or not exactly the ten-field record shape
  | 'not_canonical' // bytes differ from the canonical form of what they parse to
  | 'hash_mismatch' // content does not hash to `hash`
  | 'seq_gap' // a seq is missing (e.g. a record was removed)
  | 'seq_duplicate' // a seq appears twice
  | 'seq_out_of_order' // the seq exists in the input, but not at this position
  | 'prev_hash_mismatch' // `prevHash` is not the previous record's `hash` (64 zeros for seq 1)
  | 'unknown_key' // signed by a key id not among the trusted keys (an export without certificates)
  | 'uncertified_key' // neither a trusted key nor a key certified by one (an export with certificates)
  | 'key_outside_window' // signed by a certified key, but `at` lies outside the certificate's window
  | 'key_wrong_function' // signed by a key certified for a function that does not sign this record type
  | 'certificate_invalid' // a `key.certified` record that certifies nothing (docs/record-format.md 6a)
  | 'signature_invalid'; // `sig` does not verify with the key of its key id

export interface ChainFailure {
  /** 0-based position in the input (the JSONL line number minus one). */
  index: number;
  sessionId: string | null;
  seq: number | null;
  reason: ChainFailureReason;
  message: string;
}

export interface LinkProblem {
  reason: ChainFailureReason;
  message: string;
}

/** Where a session's chain stands: seq 0 and the genesis hash before its first record. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** What `checkLink` needs of a parsed record. */
export interface ChainLink {
  seq: number;
  prevHash: string;
  hash: string;
  /** SHA-256 of the record's content, computed by the verifier: what `hash` must be. */
  contentHash: string;
  keyId: string;
}

/**
 * What a verifier knows about a session's seqs beyond its head. A streaming verifier knows only
 * the head (`seenBefore` = the head's seq, `comesLater` = never); a batch verifier holding the
 * whole input also knows which seqs appeared earlier and which are still to come, and so can
 * tell a reordered record from a removed one.
 */
export interface SeqHistory {
  seenBefore(seq: number): boolean;
  comesLater(seq: number): boolean;
}

/**
 * The first problem with `link` as the record after `head`, in this order: hash, seq
 * continuity, `prevHash` link, key id known (`keyKnown` may name its own problem instead of
 * `false`: an uncertified key, a record outside its key's window, a key of another function). Null when it continues the chain; its signature is
 * then still to check (`signatureInvalid` names a failure there).
 *
 * @example
 * const problem = checkLink({ seq: 0, hash: GENESIS_HASH }, { seq: 1, prevHash, hash, contentHash, keyId }, (id) => keys.has(id));
 */
export function checkLink(
  head: ChainHead,
  link: ChainLink,
  keyKnown: (keyId: string) => boolean | LinkProblem,
  history?: SeqHistory,
): LinkProblem | null {
  if (link.contentHash !== link.hash) return hashMismatch(link.hash, link.contentHash);
  const next = head.seq + 1;
  if (link.seq !== next) {
    const seen = link.seq === head.seq || history?.seenBefore(link.seq) === true;
    if (seen) return { reason: 'seq_duplicate', message: `seq ${link.seq} appears again` };
    if (link.seq > next && history?.comesLater(next) !== true) {
      return { reason: 'seq_gap', message: `expected seq ${next}, found ${link.seq}: seq ${next} is missing here` };
    }
    return { reason: 'seq_out_of_order', message: `expected seq ${next}, found ${link.seq}: out of order` };
  }
  if (link.prevHash !== head.hash) {
    const what = link.seq === 1 ? 'the genesis hash (64 zeros)' : `the hash of seq ${head.seq} (${head.hash})`;
    return { reason: 'prev_hash_mismatch', message: `prevHash ${link.prevHash} is not ${what}` };
  }
  const key = keyKnown(link.keyId);
  if (key === false) return { reason: 'unknown_key', message: `signed by unknown key ${link.keyId}` };
  return key === true ? null : key;
}

/** The failure of a record whose signature does not verify with the key of its key id. */
export function signatureInvalid(keyId: string): LinkProblem {
  return { reason: 'signature_invalid', message: `signature does not verify with key ${keyId}` };
}

/** The failure of a record whose content does not hash to its `hash`. */
export function hashMismatch(hash: string, contentHash: string): LinkProblem {
  return { reason: 'hash_mismatch', message: `hash is ${hash}, content hashes to ${contentHash}` };
}
