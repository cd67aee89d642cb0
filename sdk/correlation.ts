import { randomUUID } from 'node:crypto';
import { context, propagation } from '@opentelemetry/api';
import { BAGGAGE_CORRELATION_ID, BAGGAGE_REQUEST_ID } from '../model/attributes.ts';
import { trackingState } from './state.ts';

export interface Correlation {
  correlationId?: string;
  requestId?: string;
}

/**
 * Runs `fn` with correlation IDs in W3C baggage, so they reach other services beside
 * `traceparent` and come back on their records. A missing `correlationId` is generated.
 */
export function withCorrelation<T>(ids: Correlation, fn: () => T): T {
  trackingState(); // the default set-up registers the context manager that carries baggage
  const active = context.active();
  let baggage = propagation.getBaggage(active) ?? propagation.createBaggage();
  const correlationId = ids.correlationId ?? baggage.getEntry(BAGGAGE_CORRELATION_ID)?.value ?? randomUUID();
  baggage = baggage.setEntry(BAGGAGE_CORRELATION_ID, { value: correlationId });
  if (ids.requestId) baggage = baggage.setEntry(BAGGAGE_REQUEST_ID, { value: ids.requestId });
  return context.with(propagation.setBaggage(active, baggage), fn);
}

/** The correlation IDs carried by the active context. */
export function currentCorrelation(): Correlation {
  const baggage = propagation.getBaggage(context.active());
  if (!baggage) return {};
  return {
    correlationId: baggage.getEntry(BAGGAGE_CORRELATION_ID)?.value,
    requestId: baggage.getEntry(BAGGAGE_REQUEST_ID)?.value,
  };
}
