import { describe, expect, it } from 'vitest';
import { computeFingerprint, customFingerprint } from '../../processors/fingerprint/fingerprint.ts';
import { MessageNormalizer, normalizeMessage } from '../../processors/fingerprint/message-normalizer.ts';
import { topInAppFrame } from '../../processors/fingerprint/stack-frame.ts';

describe('the message normalizer', () => {
  it.each([
    ['UUIDs', 'Request 550e8400-e29b-41d4-a716-446655440000 failed', 'Request <UUID> failed'],
    ['numbers', 'User 12345 not found, retried 3 times.', 'User <NUM> not found, retried <NUM> times.'],
    ['negative and decimal numbers', 'balance -42.5 below 0', 'balance <NUM> below <NUM>'],
    ['URLs', 'GET https://api.example.com/v1/users?id=7 failed', 'GET <URL> failed'],
    ['absolute paths', 'Cannot read /var/app/data/file-2024.json', 'Cannot read <PATH>'],
    ['relative paths', 'Opened ./src/app/main.ts and src/lib/util.js', 'Opened <PATH> and <PATH>'],
    ['Windows paths', 'Missing C:\\Users\\bob\\app.log', 'Missing <PATH>'],
    ['ISO timestamps', 'timeout at 2026-11-22T18:03:12.123Z', 'timeout at <TIME>'],
    ['dates', 'report for 2026-11-22 missing', 'report for <TIME> missing'],
    ['clock times', 'job started 18:03:12 late', 'job started <TIME> late'],
    ['RFC 1123 dates', 'expired Sun, 22 Nov 2026 18:03:12 GMT', 'expired <TIME>'],
    ['memory addresses', 'segfault at 0x7ffd5e8e3a40', 'segfault at <ADDR>'],
    ['IPv4 with a port', 'Connection to 10.0.0.12:5432 refused', 'Connection to <IP> refused'],
    ['IPv6', 'bind fe80::1ff:fe23:4567:890a failed', 'bind <IP> failed'],
    ['emails', 'Mail to john.doe+x@example.org bounced', 'Mail to <EMAIL> bounced'],
    ['traceparent', 'bad 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'bad <TRACEPARENT>'],
    ['durations', 'slow: 250ms then 1.5s then 12 seconds', 'slow: <DURATION> then <DURATION> then <DURATION>'],
    ['hashes and git SHAs', 'commit a1b2c3d, sha 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12', 'commit <HEX>, sha <HEX>'],
    ['md5', 'checksum 9e107d9d372bb6826bd81d3542a419d6 mismatch', 'checksum <HEX> mismatch'],
    ['key=value values', 'user=alice role="admin" retry=true', 'user=<VALUE> role=<VALUE> retry=<VALUE>'],
    ['only the first two non-empty lines', 'line one\n\n   line two 42\nline three 99', 'line one\nline two <NUM>'],
  ])('replaces %s', (_name, input, expected) => {
    expect(normalizeMessage(input)).toBe(expected);
  });

  it.each([
    ['version strings', 'upgrade to v1.2.3 failed, node 24.1.0 required'],
    ['words that contain digits', 'utf8 decode failed in sha256 for ipv6 over http2'],
    ['HTTP status codes', 'GET returned status 404'],
    ['status codes after HTTP', 'HTTP 503 from upstream'],
    ['hex-looking words without digits', 'deadbeef cafe facade'],
  ])('keeps %s', (_name, input) => {
    expect(normalizeMessage(input)).toBe(input);
  });

  it.each([
    ['a host name', 'getaddrinfo ENOTFOUND api.example.com', 'getaddrinfo ENOTFOUND <HOST>'],
    ['a private host name', 'getaddrinfo ENOTFOUND billing.internal.corp', 'getaddrinfo ENOTFOUND <HOST>'],
    ['a host name with a port', 'connect ECONNREFUSED db-01.prod.internal:5432', 'connect ECONNREFUSED <HOST>'],
    ['a host name at the end of a sentence', 'no answer from redis.local.', 'no answer from <HOST>.'],
    ['a country suffix', 'bbc.co.uk unreachable', '<HOST> unreachable'],
    ['a two-dot suffix with two dots', 'TLS failed for api.myapp.dev and cdn.site.io', 'TLS failed for <HOST> and <HOST>'],
    ['a host name before a route', 'fetch api.example.com/v1/users.json failed', 'fetch <HOST>/v1/users.json failed'],
  ])('replaces %s', (_name, input, expected) => {
    expect(normalizeMessage(input)).toBe(expected);
  });

  it.each([
    ['file names', 'Cannot find module index.ts, failed to parse config.yaml'],
    ['file names whose extension is also a country', 'see README.md, manage.py, lib.rs, deploy.sh and Dockerfile.dev'],
    ['version numbers', 'requires node 24.1.0 or v1.2.3'],
    ['abbreviations', 'use e.g. the default, i.e. none'],
    ['property paths', 'user.id is undefined; this.client.send is not a function; req.body.email missing'],
    ['a property named like a suffix', 'The "options.ca" property must be of type string'],
    ['package names', 'java.net.SocketTimeoutException in socket.io, Vue.js and Node.js'],
    ['upper-case words', 'ASP.NET failed'],
  ])('keeps %s', (_name, input) => {
    expect(normalizeMessage(input)).toBe(input);
  });

  it.each([
    ['numeric IDs', 'GET /orders/7 took 30 ms', 'GET /orders/<NUM> took <NUM> ms'],
    ['UUIDs', 'Cannot GET /api/v1/users/550e8400-e29b-41d4-a716-446655440000', 'Cannot GET /api/v1/users/<UUID>'],
    ['hex IDs', 'POST /api/groups/9e107d9d372bb682/ignore failed', 'POST /api/groups/<HEX>/ignore failed'],
    ['query values', 'GET /search?q=shoes&page=2 failed', 'GET /search?q=<VALUE>&page=<VALUE> failed'],
    ['IDs inside a file name', 'GET /download/report-2024.pdf', 'GET /download/report-<NUM>.pdf'],
    ['nothing in a static route', 'DELETE /static/app.min.js took long', 'DELETE /static/app.min.js took long'],
  ])('keeps the static segments of a route after an HTTP method, replacing %s', (_name, input, expected) => {
    expect(normalizeMessage(input)).toBe(expected);
  });

  it('still replaces file paths whole', () => {
    expect(normalizeMessage('Cannot read /var/app/orders/7/file.json')).toBe('Cannot read <PATH>');
    expect(normalizeMessage('cannot load /var/www/example.com/index.html')).toBe('cannot load <PATH>');
  });

  it('bounds the work on huge messages', () => {
    const huge = `${'9'.repeat(100_000)} ${'a-'.repeat(100_000)}`;
    expect(normalizeMessage(huge).length).toBeLessThanOrEqual(1024);
  });

  it('caches: a message seen before is a lookup', () => {
    const n = new MessageNormalizer(2);
    n.normalize('a 1');
    n.normalize('a 1');
    n.normalize('b 2');
    n.normalize('c 3');
    n.normalize('a 1');
    expect(n.hits).toBe(1);
    expect(n.misses).toBe(4);
  });
});

describe('fingerprints', () => {
  const fp = (message: string, extra: { type?: string; component?: string; stack?: string } = {}) =>
    computeFingerprint({
      type: extra.type,
      normalizedMessage: normalizeMessage(message),
      frame: extra.stack ? topInAppFrame(extra.stack) : undefined,
      component: extra.component,
    });

  it('are equal for messages that differ only in dynamic values', () => {
    expect(fp('User 12 not found at 2026-01-01T00:00:00Z (req 550e8400-e29b-41d4-a716-446655440000)')).toBe(
      fp('User 99871 not found at 2026-11-22T18:03:12Z (req 123e4567-e89b-12d3-a456-426614174000)'),
    );
    expect(fp('timeout after 250ms calling http://a.example/x')).toBe(fp('timeout after 3s calling https://b.example/y?z=1'));
  });

  it('are equal for host names, and for routes that differ only in IDs', () => {
    expect(fp('getaddrinfo ENOTFOUND api.example.com')).toBe(fp('getaddrinfo ENOTFOUND billing.internal.corp'));
    expect(fp('GET /orders/7 took 30 ms')).toBe(fp('GET /orders/8 took 31 ms'));
    expect(fp('Cannot read /var/app/a.json')).toBe(fp('Cannot read /srv/b/c.json'));
  });

  it('differ for routes with different static segments', () => {
    expect(fp('GET /slow took 30 ms')).not.toBe(fp('GET /orders/7 took 30 ms'));
    expect(fp('GET /orders/7 took 30 ms')).not.toBe(fp('POST /orders/7 took 30 ms'));
    expect(fp('GET /api/v1/users/7 failed')).not.toBe(fp('GET /api/v2/users/7 failed'));
  });

  it('differ for different errors', () => {
    expect(fp('GET returned status 404')).not.toBe(fp('GET returned status 500'));
    expect(fp('User not found', { type: 'NotFoundError' })).not.toBe(fp('User not found', { type: 'TypeError' }));
    expect(fp('User not found', { component: 'billing' })).not.toBe(fp('User not found', { component: 'auth' }));
    expect(fp('requires v1.2.3')).not.toBe(fp('requires v2.0.0'));
  });

  it('are 32 lowercase hex characters', () => {
    expect(fp('x')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('use the top in-app frame without line numbers, skipping libraries and anonymous frames', () => {
    const stack = (line: number) =>
      [
        'TypeError: boom',
        '    at Object.<anonymous> (/app/src/index.ts:3:1)',
        '    at parse (/app/node_modules/lib/parse.js:10:5)',
        '    at node:internal/process:1:1',
        `    at Checkout.pay (/app/src/Checkout.ts:${line}:7)`,
        '    at main (/app/src/main.ts:1:1)',
      ].join('\n');
    expect(topInAppFrame(stack(10))).toEqual({ file: 'checkout.ts', fn: 'Checkout.pay' });
    expect(fp('boom', { stack: stack(10) })).toBe(fp('boom', { stack: stack(99) }));
    expect(fp('boom', { stack: stack(10) })).not.toBe(fp('boom', { stack: stack(10).replace('Checkout.pay', 'Checkout.refund') }));
    expect(topInAppFrame('Error: x\n    at /app/node_modules/a.js:1:1\n    at <anonymous>')).toBeUndefined();
  });

  it('honour a custom fingerprint with {{ default }}', () => {
    const computed = () => 'abc';
    expect(customFingerprint(['{{ default }}', 'tenant-a'], computed)).toBe(customFingerprint(['{{ default }}', 'tenant-a'], computed));
    expect(customFingerprint(['{{ default }}', 'tenant-a'], computed)).not.toBe(customFingerprint(['{{ default }}', 'tenant-b'], computed));
    expect(customFingerprint(['checkout'], computed)).toMatch(/^[0-9a-f]{32}$/);
  });
});
