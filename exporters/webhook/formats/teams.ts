import type { Severity } from '../../../model/severity.ts';
import type { ChatAlert } from '../payload.ts';
import { clip } from './clip.ts';

/** Teams refuses messages over about 28 KB; texts are clipped well under it. */
const TITLE = 256;
const TEXT = 2000;
const STACK = 6000;
const FACT = 500;

/** Adaptive Card text colours, by severity. */
const COLOURS: Record<Severity, string> = {
  critical: 'Attention',
  high: 'Attention',
  medium: 'Warning',
  low: 'Accent',
  info: 'Default',
  debug: 'Default',
};

const text = (t: string, more: object = {}) => ({ type: 'TextBlock', text: t, wrap: true, ...more });

/**
 * A Workflows (Power Automate) webhook message: one Adaptive Card 1.4 attachment, its facts in a
 * FactSet. Teams only mentions someone through `msteams.entities`, which the card never carries.
 */
export function teamsBody(m: ChatAlert) {
  const body: object[] = [
    text(clip(`${m.severity.toUpperCase()} · ${m.title}`, TITLE), { size: 'Medium', weight: 'Bolder', color: COLOURS[m.severity] }),
    text(clip(m.reason, 300), { isSubtle: true, spacing: 'None' }),
  ];
  if (m.error) body.push(text(clip(m.error, TEXT), { weight: 'Bolder' }));
  if (m.message) body.push(text(clip(m.message, TEXT)));
  body.push({ type: 'FactSet', facts: m.facts.map((f) => ({ title: clip(f.label, 100), value: clip(f.value, FACT) })) });
  if (m.stack) body.push(text(clip(m.stack, STACK), { fontType: 'Monospace', size: 'Small', isSubtle: true, maxLines: 30 }));
  const footer = [m.fingerprint && `group ${m.fingerprint}`, m.traceId && `trace ${m.traceId}`].filter(Boolean).join(' · ');
  if (footer) body.push(text(footer, { size: 'Small', isSubtle: true }));
  const actions: object[] = [];
  if (m.groupUrl) actions.push({ type: 'Action.OpenUrl', title: 'Open in unitrack', url: m.groupUrl });
  if (m.traceUrl) actions.push({ type: 'Action.OpenUrl', title: 'Trace', url: m.traceUrl });
  const card: Record<string, unknown> = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
    msteams: { width: 'Full' },
  };
  if (actions.length) card.actions = actions;
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }],
  };
}
