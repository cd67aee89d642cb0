import { describe, expect, it } from 'vitest';
import { topInAppFrame } from '../../processors/fingerprint/stack-frame.ts';

// Records from the OpenTelemetry Python SDK carry Python tracebacks in exception.stacktrace
// (found by test/interop/python-sdk.test.ts): the innermost in-app frame groups them, as for V8.
const traceback = (fn: string, line: number) =>
  [
    'Traceback (most recent call last):',
    '  File "/srv/app/checkout.py", line 12, in main',
    '    pay(order)',
    `  File "/srv/app/Payments.py", line ${line}, in ${fn}`,
    '    client.charge(order)',
    '  File "/srv/venv/lib/python3.12/site-packages/stripe/api.py", line 88, in charge',
    '    raise CardError(msg)',
    '  File "/usr/lib/python3.12/json/decoder.py", line 5, in decode',
    '    return x',
    '  File "/srv/app/checkout.py", line 40, in <lambda>',
    '    key=lambda o: o.id',
    'stripe.CardError: card declined',
  ].join('\n');

describe('the top in-app frame of a Python traceback', () => {
  it('is the innermost frame outside site-packages, the standard library and anonymous functions', () => {
    expect(topInAppFrame(traceback('pay', 20))).toEqual({ file: 'payments.py', fn: 'pay' });
    expect(topInAppFrame(traceback('pay', 99))).toEqual(topInAppFrame(traceback('pay', 20)));
    expect(topInAppFrame(traceback('refund', 20))).toEqual({ file: 'payments.py', fn: 'refund' });
  });

  it('comes from the raised exception of a chained traceback, not its cause', () => {
    const chained = [
      'Traceback (most recent call last):',
      '  File "/srv/app/db.py", line 3, in connect',
      '    sock.connect()',
      'ConnectionRefusedError: refused',
      '',
      'The above exception was the direct cause of the following exception:',
      '',
      'Traceback (most recent call last):',
      '  File "/srv/app/repo.py", line 9, in load',
      '    raise RepoError() from e',
      'RepoError',
    ].join('\n');
    expect(topInAppFrame(chained)).toEqual({ file: 'repo.py', fn: 'load' });
  });

  it('keeps a module top level and is undefined when every frame is a library', () => {
    expect(topInAppFrame('Traceback (most recent call last):\n  File "/srv/app/run.py", line 1, in <module>\n    main()\nE')).toEqual({
      file: 'run.py',
      fn: '<module>',
    });
    expect(
      topInAppFrame('Traceback (most recent call last):\n  File "<frozen runpy>", line 198, in _run_module_as_main\nSystemExit: 1'),
    ).toBeUndefined();
  });
});
