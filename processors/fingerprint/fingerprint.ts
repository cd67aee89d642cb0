import { hash } from 'node:crypto';
import { BoundedCache } from './message-normalizer.ts';
import type { GroupingFrame } from './stack-frame.ts';

/** Keys of computed fingerprints (their hash input) seen recently: a repeat costs a Map lookup, not a SHA-256. */
const computed = new BoundedCache<string>(8192);
/**
 * The same for the usual event (no exception type, no frame), by normalized message and then
 * component: no joined key is built and hashed for each record (a message string hashes once).
 */
const plain = new BoundedCache<Map<string, string>>(8192);
/** Components kept per message in `plain`. */
const MAX_COMPONENTS = 64;

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
  if (parts.type === undefined && !frame && parts.normalizedMessage.length <= 256) {
    const component = parts.component ?? '';
    let byComponent = plain.get(parts.normalizedMessage);
    if (byComponent === undefined) plain.set(parts.normalizedMessage, (byComponent = new Map()));
    let fingerprint = byComponent.get(component);
    if (fingerprint === undefined) {
      if (byComponent.size >= MAX_COMPONENTS) byComponent.clear();
      byComponent.set(component, (fingerprint = digest(`\n${parts.normalizedMessage}\n\n${component}`)));
    }
    return fingerprint;
  }
  const text = `${parts.type ?? ''}\n${parts.normalizedMessage}\n${frame}\n${parts.component ?? ''}`;
  // Long keys are not cached: they would hold memory for little gain.
  if (text.length > 512) return digest(text);
  let fingerprint = computed.get(text);
  if (fingerprint === undefined) computed.set(text, (fingerprint = digest(text)));
  return fingerprint;
}

/** A caller's fingerprint array, with `{{ default }}` standing for the computed key. */
export function customFingerprint(parts: readonly string[], computed: () => string): string {
  return digest(parts.map((p) => (p === DEFAULT_FINGERPRINT ? computed() : p)).join('\n'));
}

function digest(text: string): string {
  return hash('sha256', text, 'hex').slice(0, 32);
}
