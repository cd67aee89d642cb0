import { hash } from 'node:crypto';
import { BoundedCache } from './message-normalizer.ts';
import type { GroupingFrame } from './stack-frame.ts';

/**
 * Fingerprints computed recently, by normalized message and then by the rest of the key (type,
 * frame, component): a repeat costs two Map lookups, not a SHA-256, and no joined key of the whole
 * message is built and hashed for each record (a message string hashes once).
 */
const computed = new BoundedCache<Map<string, string>>(8192);
/** Keys kept per message (the rest of the key: most messages come from one or a few places). */
const MAX_PER_MESSAGE = 64;
/** Longer messages are not cached: they would hold memory for little gain. */
const MAX_CACHED_MESSAGE = 512;

/** What a group key is made of (issue 3): type, normalized message, top in-app frame, component. */
export interface FingerprintParts {
  type?: string;
  normalizedMessage: string;
  frame?: GroupingFrame;
  component?: string;
}

/** The placeholder a caller-supplied fingerprint uses for the computed one (as in Sentry). */
export const DEFAULT_FINGERPRINT = '{{ default }}';

/** SHA-256 over the parts, first 128 bits as lowercase hex. */
export function computeFingerprint(parts: FingerprintParts): string {
  const frame = parts.frame ? `${parts.frame.file}:${parts.frame.fn}` : '';
  const message = parts.normalizedMessage;
  const rest = `${parts.type ?? ''}\n${frame}\n${parts.component ?? ''}`;
  // What the fingerprint has always hashed: type, message, frame, component, a line each.
  const input = () => `${parts.type ?? ''}\n${message}\n${frame}\n${parts.component ?? ''}`;
  if (message.length > MAX_CACHED_MESSAGE) return digest(input());
  let byRest = computed.get(message);
  if (byRest === undefined) computed.set(message, (byRest = new Map()));
  let fingerprint = byRest.get(rest);
  if (fingerprint === undefined) {
    if (byRest.size >= MAX_PER_MESSAGE) byRest.clear();
    byRest.set(rest, (fingerprint = digest(input())));
  }
  return fingerprint;
}

/** A caller's fingerprint array, with `{{ default }}` standing for the computed key. */
export function customFingerprint(parts: readonly string[], computed: () => string): string {
  return digest(parts.map((p) => (p === DEFAULT_FINGERPRINT ? computed() : p)).join('\n'));
}

function digest(text: string): string {
  return hash('sha256', text, 'hex').slice(0, 32);
}
