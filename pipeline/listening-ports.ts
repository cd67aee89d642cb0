/**
 * The TCP ports unitrack's own servers listen on in this process (the dashboard, the OTLP
 * receiver), so an application's http instrumentation can tell unitrack's requests from its own
 * (`ignoreUnitrackRequests`). Two servers of one process cannot share a port, so the local port
 * of a request's socket names its server; no header needs to be trusted.
 */
import type { Server } from 'node:net';

// One registry per process even if unitrack is loaded twice (an ESM and a CommonJS copy).
const KEY = Symbol.for('unitrack.listeningPorts');
const holder = globalThis as { [KEY]?: Map<number, number> };
const ports: Map<number, number> = (holder[KEY] ??= new Map());

/** Registers the server's port while it listens: call before `listen()`. */
export function registerListeningPort(server: Server): void {
  server.on('listening', () => {
    const a = server.address();
    if (!a || typeof a !== 'object') return;
    const port = a.port;
    ports.set(port, (ports.get(port) ?? 0) + 1);
    server.once('close', () => {
      const n = (ports.get(port) ?? 1) - 1;
      if (n > 0) ports.set(port, n);
      else ports.delete(port);
    });
  });
}

/** True when one of unitrack's servers listens on this local port. */
export function isUnitrackPort(port: number | undefined): boolean {
  return port !== undefined && ports.has(port);
}

/** The ports unitrack listens on now. */
export function unitrackPorts(): number[] {
  return [...ports.keys()];
}
