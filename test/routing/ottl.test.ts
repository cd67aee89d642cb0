import { describe, expect, it } from 'vitest';
import {
  compileCondition,
  compileStatement,
  MAX_MATCH_INPUT,
  type RoutingContext,
  SEVERITY_ENUMS,
} from '../../model/ottl/ottl-evaluator.ts';
import { OttlError, parseCondition } from '../../model/ottl/ottl-parser.ts';
import { rec } from '../processors/harness.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const error = rec({
  severity: 'high',
  eventName: 'payment_failed',
  body: 'Card declined: out of funds',
  traceId: TRACE,
  spanId: '00f067aa0ba902b7',
  attributes: {
    'unitrack.category': 'task',
    'unitrack.alert.reason': 'new_group',
    'http.status_code': 502,
    ratio: 0.25,
    retry: true,
    nested: { inner: { k: 'v' }, list: ['a', 'b'] },
  },
});
const info = rec({
  severity: 'info',
  eventName: 'user_login',
  body: { message: 'ok', code: 7 },
  attributes: { 'unitrack.category': 'dashboard' },
});
const bare = rec({ severity: 'debug', eventName: '', resourceAttributes: { 'service.name': 'billing-canary' } });

/** [condition, context, [matches for error, info, bare]] */
const TABLE: [string, RoutingContext, [boolean, boolean, boolean]][] = [
  ['severity_number >= SEVERITY_NUMBER_ERROR', 'log', [true, false, false]],
  ['severity_number >= 17', 'log', [true, false, false]],
  ['severity_number < SEVERITY_NUMBER_INFO', 'log', [false, false, true]],
  ['severity_number == SEVERITY_NUMBER_INFO', 'log', [false, true, false]],
  ['severity_number <= SEVERITY_NUMBER_INFO4', 'log', [false, true, true]],
  ['severity_text == "HIGH"', 'log', [true, false, false]],
  ['severity_text != "HIGH"', 'log', [false, true, true]],
  ['event_name == "payment_failed"', 'log', [true, false, false]],
  ['event_name == ""', 'log', [false, false, true]],
  ['body == "Card declined: out of funds"', 'log', [true, false, false]],
  ['body["code"] == 7', 'log', [false, true, false]],
  ['IsMatch(body, "declined")', 'log', [true, false, false]],
  ['IsMatch(body, "(?i)^card DECLINED")', 'log', [true, false, false]],
  ['IsMatch(body, "\\"code\\":7")', 'log', [false, true, false]],
  ['attributes["unitrack.alert.reason"] != nil', 'log', [true, false, false]],
  ['attributes["unitrack.alert.reason"] == nil', 'log', [false, true, true]],
  ['attributes["unitrack.category"] == "task" or attributes["unitrack.category"] == "dashboard"', 'log', [true, true, false]],
  ['attributes["http.status_code"] >= 500 and attributes["http.status_code"] < 600', 'log', [true, false, false]],
  ['attributes["http.status_code"] == "502"', 'log', [false, false, false]],
  ['attributes["http.status_code"] != "502"', 'log', [true, true, true]],
  ['attributes["ratio"] < 0.5', 'log', [true, false, false]],
  ['attributes["retry"] == true', 'log', [true, false, false]],
  ['attributes["retry"] > false', 'log', [false, false, false]],
  ['attributes["nested"]["inner"]["k"] == "v"', 'log', [true, false, false]],
  ['attributes["nested"]["list"][1] == "b"', 'log', [true, false, false]],
  ['attributes["missing"]["deeper"] == nil', 'log', [true, true, true]],
  ['IsMatch(attributes["http.status_code"], "^5\\\\d\\\\d$")', 'log', [true, false, false]],
  ['IsMatch(attributes["missing"], ".*")', 'log', [false, false, false]],
  ['not severity_number >= SEVERITY_NUMBER_ERROR', 'log', [false, true, true]],
  ['not (severity_number >= SEVERITY_NUMBER_ERROR or event_name == "user_login")', 'log', [false, false, true]],
  ['(severity_number > 1 and event_name != "") or resource.attributes["service.name"] == "billing-canary"', 'log', [true, true, true]],
  ['severity_number > 1 and (event_name != "" or false)', 'log', [true, true, false]],
  ['true', 'log', [true, true, true]],
  ['false or nil == nil', 'log', [true, true, true]],
  ['trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"', 'log', [true, false, false]],
  ['trace_id.string == "4bf92f3577b34da6a3ce929d0e0e4736"', 'log', [true, false, false]],
  ['span_id == "00f067aa0ba902b7"', 'log', [true, false, false]],
  ['log.severity_number >= SEVERITY_NUMBER_WARN', 'log', [true, false, false]],
  ['resource.attributes["service.name"] == "checkout"', 'log', [true, true, false]],
  ['instrumentation_scope.name == "unitrack"', 'log', [true, true, true]],
  ['-1 < severity_number', 'log', [true, true, true]],
  // The resource context sees the resource's attributes, under either spelling.
  ['attributes["service.name"] == "checkout"', 'resource', [true, true, false]],
  ['resource.attributes["service.name"] == "billing-canary"', 'resource', [false, false, true]],
  ['IsMatch(attributes["service.name"], ".*-canary$")', 'resource', [false, false, true]],
];

describe('OTTL conditions', () => {
  it.each(TABLE)('%s (%s)', (condition, context, expected) => {
    const match = compileCondition(condition, context);
    expect([error, info, bare].map((r) => match(r))).toEqual(expected);
  });

  it('knows every SEVERITY_NUMBER enum of OpenTelemetry', () => {
    expect(SEVERITY_ENUMS.SEVERITY_NUMBER_TRACE).toBe(1);
    expect(SEVERITY_ENUMS.SEVERITY_NUMBER_DEBUG).toBe(5);
    expect(SEVERITY_ENUMS.SEVERITY_NUMBER_INFO3).toBe(11);
    expect(SEVERITY_ENUMS.SEVERITY_NUMBER_WARN).toBe(13);
    expect(SEVERITY_ENUMS.SEVERITY_NUMBER_ERROR4).toBe(20);
    expect(SEVERITY_ENUMS.SEVERITY_NUMBER_FATAL4).toBe(24);
    expect(Object.keys(SEVERITY_ENUMS)).toHaveLength(25);
  });

  it('binds not tighter than and, and and tighter than or', () => {
    expect(parseCondition('not true and false or true')).toEqual({
      kind: 'or',
      left: { kind: 'and', left: { kind: 'not', operand: expect.objectContaining({ kind: 'value' }) }, right: expect.anything() },
      right: expect.anything(),
    });
  });

  it('runs routing statements', () => {
    expect(compileStatement('route()', 'log')(info)).toBe(true);
    expect(compileStatement('route() where severity_number >= SEVERITY_NUMBER_ERROR', 'log')(error)).toBe(true);
    expect(compileStatement('route() where severity_number >= SEVERITY_NUMBER_ERROR', 'log')(info)).toBe(false);
  });

  it('bounds what IsMatch reads', () => {
    const long = rec({ body: `${'a'.repeat(MAX_MATCH_INPUT)}needle` });
    expect(compileCondition('IsMatch(body, "needle")', 'log')(long)).toBe(false);
    expect(compileCondition('IsMatch(body, "^a+$")', 'log')(long)).toBe(true);
  });

  it.each([
    ['', 'the condition is empty'],
    [
      'severity_number',
      'expected a comparison operator (==, !=, <, <=, >, >=) after severity_number, found end of condition (at column 16)',
    ],
    ['severity_number = 9', 'unexpected "=" (compare with "==") (at column 17)'],
    ['severity_number >= ', 'expected a value, path or function, found end of condition'],
    ['severity_number >= 9 and', 'expected a value, path or function, found end of condition'],
    ['(severity_number >= 9', 'expected ")", found end of condition'],
    ['severity_number >= 9)', 'unexpected ")"'],
    ['severity_number >= 9 severity_number < 3', 'unexpected "severity_number" (join conditions with "and" or "or") (at column 22)'],
    ['body == "open', 'unterminated string (at column 9)'],
    ["body == 'x'", 'strings take double quotes in OTTL'],
    ['severity_number >= SEVERITY_NUMBER_LOUD', 'unknown enum "SEVERITY_NUMBER_LOUD"'],
    ['severity >= 9', 'unknown path "severity"'],
    ['attributes[k] == 1', 'expected a string key or an index inside [ ], found "k"'],
    ['severity_number["x"] == 1', '"severity_number" cannot be indexed'],
    ['Concat(body, "x") == "y"', 'unknown function "Concat" (supported: IsMatch)'],
    ['IsMatch(body)', 'IsMatch takes 2 arguments'],
    ['IsMatch(body, attributes["re"])', "IsMatch's pattern must be a string literal"],
    ['IsMatch(body, "(unclosed")', 'IsMatch: invalid regular expression'],
    ['trace_id == 0x4bf9', 'bytes literals are not supported'],
    ['body == "a" && body == "b"', 'unexpected character "&"'],
  ])('rejects %j', (condition, message) => {
    expect(() => compileCondition(condition, 'log')).toThrow(OttlError);
    expect(() => compileCondition(condition, 'log')).toThrow(message);
  });

  it('allows only resource paths in the resource context, and says so', () => {
    expect(() => compileCondition('severity_number >= SEVERITY_NUMBER_ERROR', 'resource')).toThrow(
      /"severity_number" is not available in the resource context.*set "context: log"/,
    );
    expect(() => compileCondition('body == "x"', 'resource')).toThrow(/not available in the resource context/);
  });

  it('reports columns of statements relative to the statement', () => {
    expect(() => compileStatement('route() where severity_number = 1', 'log')).toThrow('(at column 31)');
    expect(() => compileStatement('drop() where true', 'log')).toThrow('a routing statement is "route()" or "route() where <condition>"');
  });
});
