// A trace: every stored event that carries its id, in order.
import { $, api } from './dom.js';
import { eventDetail } from './events.js';

export async function loadTrace(traceId) {
  $('trace-id').textContent = traceId;
  const { events } = await api(`/api/traces/${traceId}`);
  $('trace-events').replaceChildren(...events.map((e) => eventDetail(e)));
}
