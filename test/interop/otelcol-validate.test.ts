import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.ts';
import { otelcolBinary, otelcolValidate, repo } from './helpers/otelcol.ts';

// Every file in collector-config/otelcol/ is a valid config for the otelcol distribution that
// scripts/build-otelcol.sh builds (the components unitrack's docs point users at).

const dir = join(repo, 'collector-config', 'otelcol');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'));
const build = otelcolBinary();
const skip = 'skip' in build ? build.skip : undefined;
if (skip) console.warn(`otelcol interop skipped: ${skip}`);

describe.skipIf(skip !== undefined)(`otelcol validate collector-config/otelcol/*${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let bin = '';
  beforeAll(() => {
    if ('error' in build) throw new Error(build.error);
    if ('bin' in build) bin = build.bin;
  });

  it('has configs to check', () => {
    expect(files).toEqual(expect.arrayContaining(['gateway.yaml', 'scale-out.yaml']));
  });

  it.each(files)('%s passes otelcol validate', (file) => {
    const tmp = tempDir('unitrack-otelcol-validate-');
    const r = otelcolValidate(bin, join(dir, file), { ARCHIVE_PATH: join(tmp, 'archive.jsonl') });
    expect(r.code, r.output).toBe(0);
  });

  it('rejects a config with an unknown component (validate is not a no-op)', () => {
    const tmp = tempDir('unitrack-otelcol-validate-');
    const path = join(tmp, 'bad.yaml');
    writeFileSync(
      path,
      'receivers: { otlp: { protocols: { http: {} } } }\nexporters: { nosuch: {} }\nservice: { pipelines: { logs: { receivers: [otlp], exporters: [nosuch] } } }\n',
    );
    const r = otelcolValidate(bin, path);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/nosuch/);
  });
});
