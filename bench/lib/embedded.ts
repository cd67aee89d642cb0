import { join } from 'node:path';

/**
 * unitrack's embedded default pipeline, as an application gets it from `initTracking()`, with its
 * files under `tmpDir` and the dashboard on `dashboard` (a free port unless told).
 */
export async function startEmbedded(tmpDir: string, dashboard = '127.0.0.1:0') {
  process.env.UNITRACK_DASHBOARD_ENDPOINT = dashboard;
  const sdk = await import('../../sdk/index.ts');
  sdk.initTracking({ dataDir: join(tmpDir, 'data'), handleSignals: false, serviceName: 'bench' });
  return sdk;
}
