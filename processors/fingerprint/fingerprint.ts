import { hash } from 'node:crypto';
import type { GroupingFrame } from './stack-frame.ts';

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
  return digest(`${parts.type ?? ''}\n${parts.normalizedMessage}\n${frame}\n${parts.component ?? ''}`);
}

/** A caller's fingerprint array, with `{{ default }}` standing for the computed key. */
export function customFingerprint(parts: readonly string[], computed: () => string): string {
  return digest(parts.map((p) => (p === DEFAULT_FINGERPRINT ? computed() : p)).join('\n'));
}

function digest(text: string): string {
  return hash('sha256', text, 'hex').slice(0, 32);
}
