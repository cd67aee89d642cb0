import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultRegistry } from '../../cli/components.ts';
import { compileCondition } from '../../model/ottl/ottl-evaluator.ts';
import { OttlError } from '../../model/ottl/ottl-parser.ts';
import { ProtoError } from '../../model/wire/proto-reader.ts';
import { ConfigError } from '../../pipeline/config/config-error.ts';
import { resolveConfig } from '../../pipeline/config/service-config.ts';
import { parseConfigText } from '../../pipeline/config/source.ts';
import { normalizeMessage } from '../../processors/fingerprint/message-normalizer.ts';
import { decodeLogsJson, decodeTracesJson, OtlpJsonError } from '../../receivers/otlp/json-decode.ts';
import { decodeLogsProto } from '../../receivers/otlp/proto-logs.ts';
import { decodeTracesProto } from '../../receivers/otlp/proto-traces.ts';
import { FULL, recordResult } from '../helpers/reliability-summary.ts';

const RUNS = FULL ? 20_000 : 500;
const CORPUS = join(import.meta.dirname, 'corpus');
const corpus = (prefix: string) =>
  readdirSync(CORPUS)
    .filter((f) => f.startsWith(prefix))
    .map((f) => readFileSync(join(CORPUS, f)));

/** Only the documented error for bad input may come out; anything else is a defect. */
function only(errorClass: new (...args: never[]) => Error, fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof errorClass)) throw error;
  }
}

const EMPTY_PROTO = Buffer.from([]);
// A valid-ish LogsData skeleton to mutate: resource_logs { scope_logs { log_records { body { string } } } }.
const SEED_PROTO = Buffer.from('0a13121112' + '0f2a0d0a0b' + Buffer.from('hello world').toString('hex'), 'hex');

describe('hostile input', () => {
  it('the protobuf decoders refuse malformed input with ProtoError only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        only(ProtoError, () => decodeLogsProto(bytes));
        only(ProtoError, () => decodeTracesProto(bytes));
      }),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: SEED_PROTO.length - 1 }), fc.integer({ min: 0, max: 255 }), (at, value) => {
        const mutated = Buffer.from(SEED_PROTO);
        mutated[at] = value;
        only(ProtoError, () => decodeLogsProto(mutated));
      }),
      { numRuns: RUNS },
    );
    expect(decodeLogsProto(EMPTY_PROTO).records).toEqual([]);
    expect(decodeLogsProto(SEED_PROTO).records[0].body).toBe('hello world');
    for (const c of corpus('proto-')) only(ProtoError, () => decodeLogsProto(c));
    recordResult({ area: 'input', check: 'OTLP protobuf decoders', detail: `${2 * RUNS} random and mutated bodies, no crash` });
  });

  it('refuses deeply nested values instead of overflowing the stack', () => {
    // kvlist inside kvlist, 10,000 deep.
    const depth = 100_000;
    const value = `${'{"kvlistValue":{"values":[{"key":"k","value":'.repeat(depth)}{"stringValue":"x"}${'}]}}'.repeat(depth)}`;
    const body = Buffer.from(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":${value}}]}]}]}`);
    expect(() => decodeLogsJson(body)).toThrow(OtlpJsonError);
    expect(() => decodeLogsJson(Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`))).toThrow(OtlpJsonError);
  });

  it('the JSON decoders refuse malformed input with OtlpJsonError only', () => {
    const anyJson = fc.jsonValue({ maxDepth: 6 });
    const shaped = fc.record({
      resourceLogs: fc.array(
        fc.record({
          scopeLogs: fc.array(
            fc.record({
              logRecords: fc.array(
                fc.dictionary(
                  fc.constantFrom('body', 'timeUnixNano', 'traceId', 'spanId', 'attributes', 'severityNumber', 'flags', '__proto__'),
                  anyJson,
                ),
              ),
            }),
          ),
        }),
      ),
    });
    fc.assert(
      fc.property(fc.oneof(anyJson, shaped), (value) => {
        const body = Buffer.from(JSON.stringify(value) ?? 'null');
        only(OtlpJsonError, () => decodeLogsJson(body));
        only(OtlpJsonError, () => decodeTracesJson(body));
      }),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => only(OtlpJsonError, () => decodeLogsJson(Buffer.from(text)))),
      { numRuns: RUNS },
    );
    for (const c of corpus('json-')) only(OtlpJsonError, () => decodeLogsJson(c));
    recordResult({ area: 'input', check: 'OTLP JSON decoders', detail: `${3 * RUNS} random documents, no crash` });
  });

  it('the config loader answers every YAML with a config or a ConfigError', () => {
    const keys = fc.constantFrom(
      'receivers',
      'processors',
      'exporters',
      'connectors',
      'service',
      'pipelines',
      'otlp',
      'jsonfile',
      'sampler',
      'routing',
      'table',
      '__proto__',
      'constructor',
    );
    const tree = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.string({ maxLength: 20 }),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(keys, tie('node'), { maxKeys: 4 }),
      ),
    })).node;
    const registry = defaultRegistry();
    fc.assert(
      fc.property(tree, (value) => {
        const yaml = JSON.stringify(value) ?? 'null';
        only(ConfigError, () => resolveConfig(parseConfigText(yaml), registry, {}));
      }),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (yaml) => only(ConfigError, () => resolveConfig(parseConfigText(yaml), registry, {}))),
      { numRuns: RUNS },
    );
    for (const c of corpus('yaml-')) only(ConfigError, () => resolveConfig(parseConfigText(c.toString()), registry, {}));
    recordResult({ area: 'input', check: 'YAML config loader', detail: `${2 * RUNS} random configs, ConfigError only` });
  });

  it('the OTTL parser answers every condition with a predicate or an OttlError', () => {
    const token = fc.constantFrom(
      'severity_number',
      'attributes["k"]',
      'body',
      '==',
      '!=',
      '>=',
      '<',
      'and',
      'or',
      'not',
      '(',
      ')',
      '"s"',
      '3',
      'nil',
      'true',
      'IsMatch(body, "a+")',
      'SEVERITY_NUMBER_ERROR',
      ',',
      '[',
      ']',
      '"',
      '\\',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(token, { maxLength: 12 }).map((t) => t.join(' ')),
          fc.string({ maxLength: 200 }),
        ),
        (text) => {
          only(OttlError, () => compileCondition(text, 'log'));
        },
      ),
      { numRuns: RUNS },
    );
    recordResult({ area: 'input', check: 'OTTL condition parser', detail: `${RUNS} random conditions, OttlError only` });
  });

  it('the normalizer returns bounded text for any message, including adversarial ones', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3000, unit: 'binary' }), (m) => {
        expect(normalizeMessage(m).length).toBeLessThanOrEqual(2049);
      }),
      { numRuns: RUNS },
    );
    // Inputs built to make backtracking regexes explode: they must finish (bounded input).
    const adversarial = [
      `${'a'.repeat(50_000)}@`,
      `${'0'.repeat(50_000)}x`,
      `http://${'a.'.repeat(20_000)}`,
      `${'1.'.repeat(20_000)}`,
      `${'a=b '.repeat(10_000)}`,
      `/${'a/'.repeat(20_000)}`,
      `${'::'.repeat(20_000)}1`,
      `${'ab12'.repeat(20_000)}`,
    ];
    for (const m of adversarial) expect(typeof normalizeMessage(m)).toBe('string');
    // A pattern that would backtrack exponentially is refused when the config loads.
    expect(() => compileCondition(`IsMatch(body, "(a+)+$")`, 'log')).toThrow(/backtrack catastrophically/);
    expect(compileCondition(`IsMatch(body, "^a+!$")`, 'log')({ body: `${'a'.repeat(16_000)}!`, attributes: {} } as never)).toBe(true);
    recordResult({
      area: 'input',
      check: 'normalizer and IsMatch regexes',
      detail: `${RUNS} random + ${adversarial.length + 1} adversarial inputs completed`,
    });
  });
});
