import type { Severity } from '../../../model/severity.ts';
import type { ChatAlert, ChatFact } from '../payload.ts';
import { clip, escapeClip } from './clip.ts';

/** Discord's limits: content 2000; an embed's title 256, description 4096, 25 fields (name 256, value 1024), footer 2048, 6000 across. */
const CONTENT = 2000;
const TITLE = 256;
const DESCRIPTION = 4096;
const FIELD_NAME = 256;
const FIELD_VALUE = 1024;
const FIELDS = 25;
const EMBED_TOTAL = 6000;

/** The embed's colour bar, by severity. */
const COLOURS: Record<Severity, number> = {
  critical: 0xb71c1c,
  high: 0xe65100,
  medium: 0xf9a825,
  low: 0x1565c0,
  info: 0x0288d1,
  debug: 0x757575,
};

/**
 * Discord markdown: a backslash before any of these shows it as it is, so an event's text makes no
 * bold, masked link, mention or timestamp markup; `-`, `#` and `>` only start a list, heading or quote.
 */
const MARKDOWN = new Set(['\\', '*', '_', '~', '`', '|', '[', ']', '<', '@']);
const LINE_START = new Set(['-', '#', '>']);
function esc(text: string, max: number): string {
  let previous = '\n';
  return escapeClip(text, max, (ch) => {
    const out = MARKDOWN.has(ch) || (previous === '\n' && LINE_START.has(ch)) ? `\\${ch}` : ch;
    previous = ch;
    return out;
  });
}

/** Times as Discord's timestamp markup, which each reader sees in their own zone. */
function value(f: ChatFact): string {
  const ms = f.time ? Date.parse(f.value) : Number.NaN;
  if (Number.isNaN(ms)) return esc(f.value, 256) || '-';
  const s = Math.floor(ms / 1000);
  return `<t:${s}:f> (<t:${s}:R>)`;
}

/** A webhook message: a one-line `content` and one embed, with no mention parsed from anything. */
export function discordBody(m: ChatAlert) {
  const title = esc(m.title, TITLE);
  const fields = m.facts
    .slice(0, FIELDS)
    .map((f) => ({ name: clip(esc(f.label, FIELD_NAME), FIELD_NAME), value: clip(value(f), FIELD_VALUE), inline: true }));
  const footer = clip(
    ['unitrack', m.fingerprint && `group ${m.fingerprint}`, m.traceId && `trace ${m.traceId}`].filter(Boolean).join(' · '),
    2048,
  );
  let used = title.length + footer.length;
  for (const f of fields) used += f.name.length + f.value.length;
  const budget = Math.min(DESCRIPTION, EMBED_TOTAL - used);

  const head: string[] = [`**${esc(m.reason, 300)}**`];
  if (m.error) head.push(esc(m.error, 800));
  if (m.message) head.push(esc(m.message, 1200));
  if (m.traceUrl) head.push(`[Trace on the dashboard](${m.traceUrl.replace(/\)/g, '%29')})`);
  let description = clip(head.join('\n'), budget);
  const room = budget - description.length - 9; // "\n```\n" … "```"
  if (m.stack && room > 80) description += `\n\`\`\`\n${clip(m.stack.replace(/```/g, '`\u200b``'), room)}\`\`\``;

  const embed: Record<string, unknown> = { title, description, color: COLOURS[m.severity], fields, footer: { text: footer } };
  if (m.groupUrl) embed.url = m.groupUrl;
  if (!Number.isNaN(Date.parse(m.time))) embed.timestamp = m.time;
  return {
    content: clip(`**${m.severity.toUpperCase()}** · ${esc(m.reason, 300)} · ${title}`, CONTENT),
    embeds: [embed],
    allowed_mentions: { parse: [] },
  };
}
