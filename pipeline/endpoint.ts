// Network endpoints as configs write them (otelcol's "host:port") and as start-up prints them (URLs).
import type { AddressInfo } from 'node:net';

/** "host:port", "[::1]:port" or ":port" (all interfaces, as otelcol reads it). */
export function splitEndpoint(endpoint: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(endpoint.replace(/^https?:\/\//, ''));
  if (!m) throw new Error(`endpoint "${endpoint}" is not host:port`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port: Number(m[3]) };
}

/** The URL of a bound address: `http://127.0.0.1:4318`, `http://[::1]:4318`. */
export function httpUrl(address: AddressInfo): string {
  const host = address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
