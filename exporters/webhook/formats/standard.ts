/**
 * The design's signed body `{type, timestamp, data: {reason, detail?, group, event}}`: `event` is
 * the last key of `data`, and `data` the last of the payload, so the event's JSON text is embedded
 * as it is, before the closing `}}`.
 */
export function standardBody(data: object, eventJson: string, now: Date): string {
  const envelope = JSON.stringify({ type: 'unitrack.alert', timestamp: now.toISOString(), data });
  return `${envelope.slice(0, -2)},"event":${eventJson}}}`;
}
