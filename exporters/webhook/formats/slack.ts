import type { ChatAlert, ChatFact } from '../payload.ts';
import { escapeClip } from './clip.ts';

/** Block Kit limits (Slack's reference): header text 150, section text 3000, 10 fields of 2000, 10 context elements. */
const HEADER = 150;
const SECTION = 3000;
const FIELD = 2000;
const FIELDS = 10;

/** Slack reads `&`, `<` and `>` as control characters (links, mentions such as <!channel>): text escapes them. */
function escapeChar(ch: string): string {
  return ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : ch === '>' ? '&gt;' : ch;
}
const esc = (text: string, max: number) => escapeClip(text, max, escapeChar);

/** A code block's text: a run of three backticks would close it early. */
const code = (text: string, max: number) => `\`\`\`${esc(text.replace(/```/g, '`\u200b``'), max - 6)}\`\`\``;

/** A link target: escaped like text, and no `|`, which would end the URL early. */
const url = (u: string) => esc(u.replace(/\|/g, '%7C'), 1000);

/** Slack shows `<!date^…>` in the reader's time zone; the text after `|` is the fallback. */
function value(f: ChatFact): string {
  const ms = f.time ? Date.parse(f.value) : Number.NaN;
  if (Number.isNaN(ms)) return esc(f.value, FIELD - f.label.length - 8);
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time_secs}|${esc(f.value, 64)}>`;
}

/** An incoming webhook's message: `text` (the notification and fallback) and Block Kit `blocks`. */
export function slackBody(m: ChatAlert): { text: string; blocks: object[] } {
  const blocks: object[] = [
    { type: 'header', text: { type: 'plain_text', text: esc(`${m.severity.toUpperCase()} · ${m.title}`, HEADER), emoji: false } },
  ];
  const lines = [`*${esc(m.reason, 300)}*`];
  if (m.error) lines.push(esc(m.error, 1200));
  if (m.message) lines.push(esc(m.message, 1200));
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } });
  blocks.push({
    type: 'section',
    fields: m.facts.slice(0, FIELDS).map((f) => ({ type: 'mrkdwn', text: `*${esc(f.label, 50)}*\n${value(f)}` })),
  });
  if (m.stack) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: code(m.stack, SECTION) } });
  const context: string[] = [];
  if (m.groupUrl) context.push(`<${url(m.groupUrl)}|Open in unitrack>`);
  if (m.fingerprint) context.push(`group \`${esc(m.fingerprint, 64)}\``);
  if (m.traceId) context.push(m.traceUrl ? `<${url(m.traceUrl)}|trace ${esc(m.traceId, 64)}>` : `trace \`${esc(m.traceId, 64)}\``);
  if (context.length) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] });
  return { text: esc(m.summary, SECTION), blocks };
}
