/** Attribute keys unitrack writes (DESIGN.md, Records), and the semantic conventions it uses. */
export const ATTR_CATEGORY = 'unitrack.category';
export const ATTR_COMPONENT = 'unitrack.component';
export const ATTR_CORRELATION_ID = 'unitrack.correlation_id';
export const ATTR_REQUEST_ID = 'unitrack.request_id';
export const ATTR_FINGERPRINT = 'unitrack.fingerprint';
export const ATTR_GROUP_COUNT = 'unitrack.group.count';
export const ATTR_SAMPLE_RATE = 'unitrack.sample.rate';
export const ATTR_SUPPRESSED = 'unitrack.suppressed';
/** A caller-supplied fingerprint array, consumed by the fingerprint processor. */
export const ATTR_FINGERPRINT_INPUT = 'unitrack.fingerprint.input';
/** Set on alert records: the reason (new_group, threshold, regression, severity, …). */
export const ATTR_ALERT_REASON = 'unitrack.alert.reason';

export const ATTR_EXCEPTION_TYPE = 'exception.type';
export const ATTR_EXCEPTION_MESSAGE = 'exception.message';
export const ATTR_EXCEPTION_STACKTRACE = 'exception.stacktrace';
export const ATTR_USER_ID = 'user.id';
export const ATTR_SERVICE_NAME = 'service.name';
export const ATTR_SERVICE_VERSION = 'service.version';

/** Baggage keys that carry correlation IDs across processes. */
export const BAGGAGE_CORRELATION_ID = 'unitrack.correlation_id';
export const BAGGAGE_REQUEST_ID = 'unitrack.request_id';
