import { describe, expect, it } from 'vitest';
import { ATTR_EXCEPTION_MESSAGE, ATTR_EXCEPTION_STACKTRACE } from '../../model/attributes.ts';
import { Telemetry } from '../../model/telemetry.ts';
import { redactionConfig } from '../../processors/redaction/redaction-factory.ts';
import { type RedactionOptions, RedactionProcessor } from '../../processors/redaction/redaction-processor.ts';
import { isCardNumber, luhn } from '../../processors/redaction/secret-patterns.ts';
import { isSensitiveKey } from '../../processors/redaction/sensitive-keys.ts';
import { Collect, type RecordSpec, rec } from './harness.ts';

const M = '[REDACTED]';

function redact(spec: RecordSpec, options: Partial<RedactionOptions> = {}) {
  const out = new Collect();
  const telemetry = new Telemetry();
  const p = new RedactionProcessor(out, { telemetry, ...options });
  p.onEmit(rec(spec));
  const kind = (k: string) => telemetry.value('unitrack_redaction_redacted_total', { processor: 'redaction', kind: k });
  return { r: out.records[0], telemetry, kind };
}
const text = (s: string, options: Partial<RedactionOptions> = {}) => redact({ body: s }, options).r.body;

describe('redaction: keys named like secrets', () => {
  it.each([
    ['password', true],
    ['db.password', true],
    ['userPassword', true],
    ['passwd', true],
    ['client_secret', true],
    ['clientSecret', true],
    ['token', true],
    ['accessToken', true],
    ['refresh_token', true],
    ['csrftoken', true],
    ['Authorization', true],
    ['http.request.header.authorization', true],
    ['cookie', true],
    ['Set-Cookie', true],
    ['api_key', true],
    ['apikey', true],
    ['apiKey', true],
    ['x-api-key', true],
    ['X-API-KEY', true],
    ['aws_secret_access_key', true],
    ['private_key', true],
    ['session_id', true],
    // Not secrets: counts, authors, keys of other kinds.
    ['gen_ai.usage.input_tokens', false],
    ['max_tokens', false],
    ['author', false],
    ['keyboard', false],
    ['monkey', false],
    ['user.id', false],
    ['http.route', false],
  ])('%s → %s', (key, sensitive) => {
    expect(isSensitiveKey(key)).toBe(sensitive);
  });

  it('masks whole values under such keys, at any depth, and counts them', () => {
    const { r, kind, telemetry } = redact({
      attributes: {
        password: 'hunter2',
        'x-api-key': 'abc',
        pin_code: 1234,
        request: { headers: { Authorization: 'Bearer abc.def.ghi', accept: 'json' }, cookies: ['a'] },
        list: [{ token: 't1' }, { name: 'ok' }],
        input_tokens: 512,
      },
    });
    expect(r.attributes).toMatchObject({
      password: M,
      'x-api-key': M,
      pin_code: 1234,
      request: { headers: { Authorization: M, accept: 'json' }, cookies: M },
      list: [{ token: M }, { name: 'ok' }],
      input_tokens: 512,
    });
    expect(kind('key')).toBe(5);
    expect(telemetry.value('unitrack_redaction_records_total', { processor: 'redaction' })).toBe(1);
  });

  it('copies nested values on write: the original objects are untouched', () => {
    const headers = { authorization: 'Basic dXNlcjpwYXNz' };
    const { r } = redact({ attributes: { headers } });
    expect(r.attributes.headers).toEqual({ authorization: M });
    expect(headers.authorization).toBe('Basic dXNlcjpwYXNz');
  });

  it('honours allow_keys, block_keys and the mask text', () => {
    const { r } = redact(
      { attributes: { token_budget: 'Bearer abcdef123456', customer_ref: 'C-1', password: 'x' } },
      { allowKeys: ['Token_Budget'], blockKeys: ['customer_ref'], mask: '****' },
    );
    expect(r.attributes).toEqual({ token_budget: 'Bearer abcdef123456', customer_ref: '****', password: '****' });
  });
});

describe('redaction: secrets inside values', () => {
  it.each([
    ['bearer token', 'call failed with Authorization Bearer 9f8e7d6c5b4a3210abcd', `call failed with Authorization Bearer ${M}`, 'bearer'],
    ['basic credentials', 'sent Basic dXNlcjpwYXNzd29yZA== to proxy', `sent Basic ${M} to proxy`, 'bearer'],
    [
      'JWT',
      'session eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U expired',
      `session ${M} expired`,
      'jwt',
    ],
    ['Visa number with spaces', 'charge 4111 1111 1111 1111 declined', `charge ${M} declined`, 'card'],
    ['Mastercard number', 'card=5555555555554444', `card=${M}`, 'card'],
    ['Amex number with dashes', 'amex 3782-822463-10005 ok', `amex ${M} ok`, 'card'],
    [
      'API key in a URL query',
      'GET https://api.example.com/v1/items?api_key=sk12345&page=2 failed',
      `GET https://api.example.com/v1/items?api_key=${M}&page=2 failed`,
      'query',
    ],
    [
      'key in a URL query',
      'fetch https://maps.example.com/geo?q=berlin&key=AIzaSyA-123 failed',
      `fetch https://maps.example.com/geo?q=berlin&key=${M} failed`,
      'query',
    ],
    ['access token in a URL query', 'redirect to /cb?access_token=abc123&state=x', `redirect to /cb?access_token=${M}&state=x`, 'query'],
    ['password=value', 'login failed for bob password=hunter2 retry', `login failed for bob password=${M} retry`, 'key_value'],
    ['JSON-ish secret', 'payload {"client_secret":"s3cr3t","id":7}', `payload {"client_secret":"${M}","id":7}`, 'key_value'],
    ['header line', 'Authorization: Bearer abc123def456', `Authorization: ${M}`, 'key_value'],
    ['provider key', 'using AKIAIOSFODNN7EXAMPLE for s3', `using ${M} for s3`, 'provider_key'],
    ['GitHub token', 'token ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 leaked', `token ${M} leaked`, 'provider_key'],
    ['private key block', 'key -----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY----- end', `key ${M} end`, 'private_key'],
  ])('%s', (_name, input, expected, kind) => {
    const { r, kind: count } = redact({ body: input });
    expect(r.body).toBe(expected);
    expect(count(kind)).toBeGreaterThan(0);
  });

  it('leaves look-alikes alone', () => {
    for (const s of [
      'Basic information about the order',
      'order 4111 1111 1111 1112 (not a valid checksum)',
      'epoch 1700000000000 ms',
      'tokens: 512 used',
      'GET /items?page=2&sort=asc',
      'the author: Jane',
      'mail bob@example.com',
      'version 1.2.3, uuid 550e8400-e29b-41d4-a716-446655440000',
    ]) {
      expect(text(s)).toBe(s);
    }
  });

  it('masks email addresses only when asked', () => {
    expect(text('mail bob@example.com now', { redactEmails: true })).toBe(`mail ${M} now`);
    expect(text('https://x.test/u?email=bob@example.com', { redactEmails: true })).toBe(`https://x.test/u?email=${M}`);
  });

  it('scans exception.message and exception.stacktrace, nested values and arrays, and card numbers given as numbers', () => {
    const { r } = redact({
      attributes: {
        [ATTR_EXCEPTION_MESSAGE]: 'request to https://x.test/?token=abc123 failed',
        [ATTR_EXCEPTION_STACKTRACE]: 'Error: password=hunter2\n    at login (auth.js:10:5)',
        nested: { deeper: ['Bearer abcdefgh12345678'] },
        card: 4111111111111111,
      },
      body: { message: 'charge 4242424242424242', user: 'bob' },
    });
    expect(r.attributes[ATTR_EXCEPTION_MESSAGE]).toBe(`request to https://x.test/?token=${M} failed`);
    expect(r.attributes[ATTR_EXCEPTION_STACKTRACE]).toBe(`Error: password=${M}\n    at login (auth.js:10:5)`);
    expect(r.attributes.nested).toEqual({ deeper: [`Bearer ${M}`] });
    expect(r.attributes.card).toBe(M);
    expect(r.body).toEqual({ message: `charge ${M}`, user: 'bob' });
  });

  it('checks cards with Luhn and network prefixes', () => {
    expect(luhn('4111111111111111')).toBe(true);
    expect(luhn('4111111111111112')).toBe(false);
    expect(isCardNumber('378282246310005')).toBe(true);
    // Valid checksum, but no card network starts with 1.
    expect(isCardNumber('1000000000009')).toBe(false);
  });

  it('does nothing to records without secrets (same values, nothing counted)', () => {
    const attributes = { nested: { a: 'plain text', n: 5 } };
    const { r, telemetry } = redact({ attributes, body: 'all good' });
    expect(r.attributes.nested).toBe(attributes.nested);
    expect(r.body).toBe('all good');
    expect(telemetry.value('unitrack_redaction_records_total', { processor: 'redaction' })).toBe(0);
  });

  it('has the documented defaults', () => {
    expect(redactionConfig.parse({})).toEqual({ allow_keys: [], block_keys: [], mask: M, redact_emails: false });
  });
});
