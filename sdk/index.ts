/** unitrack's public API (DESIGN.md, Public API). */

export * as attributes from '../model/attributes.ts';
export { parseSeverity, SEVERITIES, type Severity, type SeverityInput, severityFromNumber } from '../model/severity.ts';
export { type Correlation, currentCorrelation, withCorrelation } from './correlation.ts';
export * from './groups.ts';
export { embeddedService, flushTracking, type InitOptions, initTracking, sdkTelemetry, shutdownTracking } from './init.ts';
export { ignoreUnitrackRequests } from './instrumentation.ts';
export { type McpTrackEvent, type TrackEvent, track, trackDashboardEvent, trackError, trackHealthEvent, trackMcpEvent } from './track.ts';
export { UnitrackProcessor, type UnitrackProcessorOptions, unitrackProcessor } from './unitrack-processor.ts';
