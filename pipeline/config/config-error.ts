/** One problem in a config, at a YAML path such as `processors.sampler.rates.medium`. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
  /** `file:line:column` when the path can be found in a source file. */
  location?: string;
}

/** Every problem found in a config at once, so that one `validate` run reports them all. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  /** What was found besides the errors (unset variables, unused components), for `validate` to show too. */
  readonly warnings: readonly string[];

  constructor(issues: readonly ConfigIssue[], warnings: readonly string[] = []) {
    super(`invalid config:\n${issues.map((i) => `  ${i.location ? `${i.location} ` : ''}${i.path || '(root)'}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
    this.warnings = warnings;
  }
}

/** Joins path segments the way users read YAML paths: `a.b[2].c`. */
export function joinPath(base: string, segments: readonly PropertyKey[]): string {
  let out = base;
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out ? `.${String(s)}` : String(s);
  }
  return out;
}
