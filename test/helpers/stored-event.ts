import type { StoredEvent } from '../../exporters/dashboard/event-store.ts';

/** A minimal event as the dashboard's ring holds it, numbered `id`. */
export const storedEvent = (id: number): StoredEvent => ({
  id,
  json: `{"message":"e${id}"}`,
  head: { time: new Date(0).toISOString(), severity: 'info', category: undefined, component: undefined, trace_id: undefined },
});
