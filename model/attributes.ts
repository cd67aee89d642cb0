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
/**
 * Alerts: the fingerprint processor marks the record that raised one with the reason
 * (new_group, threshold, window, users, regression, severity, rule) and the group summary, so routing
 * can send it down the notification path and the webhook can build its payload. Records carrying
 * a reason are never sampled out or rate-limited.
 */
export const ATTR_ALERT_REASON = 'unitrack.alert.reason';
/** The detail of the reason, e.g. the threshold crossed ("100"). */
export const ATTR_ALERT_DETAIL = 'unitrack.alert.detail';
/** The name of the configured rule that raised the alert (reason `rule`): routing can send each rule its own way. */
export const ATTR_ALERT_RULE = 'unitrack.alert.rule';
export const ATTR_GROUP_TITLE = 'unitrack.group.title';
/** ISO 8601 times. */
export const ATTR_GROUP_FIRST_SEEN = 'unitrack.group.first_seen';
export const ATTR_GROUP_LAST_SEEN = 'unitrack.group.last_seen';
/** On an alert's record: the group's distinct users so far (an estimate past a few hundred). */
export const ATTR_GROUP_USERS = 'unitrack.group.users';
/** The MCP server an MCP event concerns (`trackMcpEvent`'s `server`): the MCP semantic conventions name none. */
export const ATTR_MCP_SERVER = 'unitrack.mcp.server';

export const ATTR_EXCEPTION_TYPE = 'exception.type';
export const ATTR_EXCEPTION_MESSAGE = 'exception.message';
export const ATTR_EXCEPTION_STACKTRACE = 'exception.stacktrace';
export const ATTR_USER_ID = 'user.id';
export const ATTR_SERVICE_NAME = 'service.name';
export const ATTR_SERVICE_VERSION = 'service.version';

/** Baggage keys that carry correlation IDs across processes. */
export const BAGGAGE_CORRELATION_ID = 'unitrack.correlation_id';
export const BAGGAGE_REQUEST_ID = 'unitrack.request_id';
