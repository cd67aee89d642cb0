/**
 * Dynamic values replaced in messages before hashing, in precedence order (after Sentry's
 * parameterization, with its users' complaints addressed: HTTP-like status codes and version
 * strings stay, so different failures are not merged; every number, ID and time is replaced, so
 * unique values do not split groups). Placeholders are `<WORD>`: no later pattern matches them.
 */
/** True when the text has a digit. */
const digit = (t: string) => /\d/.test(t);
/** True when the text has a digit, a dot and a digit (every IPv4 address has). */
const dottedDigits = (t: string) => /\d\.\d/.test(t);
/** True when a digit is followed (after an optional space) by a character a duration's unit starts with. */
const digitUnit = (t: string) => /\d ?[nuµmsh]/.test(t);
/** True when the text has seven hex digits in a row (every hex token the pattern replaces has). */
const hexRun = (t: string) => {
  let run = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i) | 0x20; // folds A-F onto a-f (digits already have the bit)
    if ((c >= 48 && c <= 57) || (c >= 97 && c <= 102)) {
      if (++run === 7) return true;
    } else run = 0;
  }
  return false;
};
/** True when the text has `::` or at least seven colons (every IPv6 form below has one or the other). */
const ipv6Colons = (t: string) => {
  if (t.includes('::')) return true;
  let n = 0;
  for (let i = t.indexOf(':'); i !== -1 && n < 7; i = t.indexOf(':', i + 1)) n++;
  return n >= 7;
};

/**
 * Host names: two or more dotted labels ending in a known suffix, lowercase. Not every name that
 * looks like one: file names (`index.ts`, `config.yaml`), versions (`1.2.3`), `e.g.` and property
 * paths (`user.id`, `this.client.send`) are ordinary text. So the last label must be a listed
 * suffix: one dot is enough for those that name nothing else (`example.com`, `redis.local`,
 * `billing.internal.corp`); suffixes that are also file extensions or words (`.md`, `.py`, `.rs`,
 * `.sh`, `.io`, `.dev`, `.ca`, …) need two dots (`api.myapp.dev`, while `README.md` and
 * `Dockerfile.dev` stay), and suffixes that are common property names (`.id`, `.name`, `.email`,
 * `.test`, `.to`, `.is`) are not listed. A name inside a path (after `/` or `\`), an address
 * (after `@`) or a longer dotted run (`java.net.SocketTimeoutException`) is not a host.
 */
const HOST_SUFFIXES = [
  ...['com', 'net', 'org', 'edu', 'gov', 'mil', 'co', 'biz', 'xyz', 'cloud', 'arpa'],
  ...['uk', 'de', 'fr', 'jp', 'cn', 'ru', 'br', 'au', 'nl', 'eu', 'ch', 'se', 'kr', 'nz', 'ie', 'dk', 'fi', 'pt', 'cz', 'hu'],
  ...['ro', 'gr', 'il', 'za', 'mx', 'ar', 'cl', 'tw', 'hk', 'sg', 'tr', 'ua', 'vn', 'th'],
  // Private and reserved names (RFC 6762, 6761, 2606; ICANN's .internal).
  ...['corp', 'internal', 'intranet', 'lan', 'local', 'localdomain', 'localhost', 'example'],
];
const HOST_SUFFIXES_TWO_DOTS = [
  ...['dev', 'io', 'app', 'ai', 'me', 'it', 'be', 'at', 'us', 'no', 'in', 'ca', 'es', 'cc', 'tv', 'home'],
  ...['md', 'py', 'rs', 'sh', 'pl', 'so', 'ps', 'ml', 'zip', 'mov'],
];
const SUFFIXES = new Set([...HOST_SUFFIXES, ...HOST_SUFFIXES_TWO_DOTS]);
const LABEL = '[A-Za-z0-9][A-Za-z0-9_-]*';
// One pass per start: labels, then a suffix; a two-dot suffix looks back for `.label.` before it.
const HOST = new RegExp(
  `\\b(?<![.@/\\\\-])${LABEL}(?:\\.${LABEL})*\\.(?:${HOST_SUFFIXES.join('|')}|(?<=\\.${LABEL}\\.)(?:${HOST_SUFFIXES_TWO_DOTS.join('|')}))(?::\\d{1,5})?(?![\\w-]|\\.[\\w-])`,
  'g',
);
/** A host name's label character: a letter, digit, `_` or `-`. */
const labelChar = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;
/**
 * True when a dot is followed by a listed suffix that ends a dotted run: the regex above is the
 * costliest pattern, and most dotted text (file names, property paths, sentences) has none.
 */
const hostSuffix = (t: string) => {
  for (let i = t.indexOf('.'); i !== -1; i = t.indexOf('.', i + 1)) {
    let j = i + 1;
    while (j < t.length && t.charCodeAt(j) >= 97 && t.charCodeAt(j) <= 122) j++;
    if (j === i + 1 || j - i > 12 || labelChar(t.charCodeAt(j)) || (t.charCodeAt(j) === 46 && labelChar(t.charCodeAt(j + 1)))) continue;
    if (SUFFIXES.has(t.slice(i + 1, j))) return true;
  }
  return false;
};

/**
 * [pattern, placeholder, guard]: the guard is a cheap test that is false only when the pattern
 * cannot match (a character every match contains is absent), so most patterns are skipped on
 * most messages.
 */
export const MESSAGE_PATTERNS: readonly (readonly [RegExp, string, (text: string) => boolean])[] = [
  // W3C traceparent: version-traceid-spanid-flags.
  [/\b[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}\b/gi, '<TRACEPARENT>', (t) => t.includes('-')],
  [/\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/g, '<EMAIL>', (t) => t.includes('@')],
  [/\b[a-z][a-z0-9+.-]{1,15}:\/\/[^\s"'<>)\]]+/gi, '<URL>', (t) => t.includes('://')],
  [HOST, '<HOST>', hostSuffix],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<UUID>', (t) => t.includes('-')],
  // The value half of key=value pairs (quoted or bare).
  [/\b([A-Za-z_][\w.-]{0,63})=(?:"[^"\n]{0,512}"|'[^'\n]{0,512}'|[^\s,;&)\]}]{1,512})/g, '$1=<VALUE>', (t) => t.includes('=')],
  // Dates and times: ISO 8601, RFC 1123, clock times.
  [/\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?(?!\w)/g, '<TIME>', (t) => t.includes('-')],
  [
    /\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2}(?: (?:GMT|UTC|[+-]\d{4}))?/g,
    '<TIME>',
    (t) => t.includes(', '),
  ],
  [/\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,9})?\b/g, '<TIME>', (t) => t.includes(':')],
  // IPv4 (with an optional port) and IPv6.
  [/\b(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?::\d{1,5})?\b/g, '<IP>', dottedDigits],
  [
    /\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b|\b(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,5})?(?![\w:])|(?<![\w:])::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?(?![\w:])/gi,
    '<IP>',
    ipv6Colons,
  ],
  // File paths: absolute, home- or dot-relative, Windows, or relative with an extension. A path
  // after an HTTP method is a route: it stays, and the patterns below replace its IDs
  // (`GET /orders/<NUM>`), so `/slow` and `/orders/7` are different groups. The relative form
  // never starts after a slash (inside a route, or a path already replaced).
  [
    /(?<![\w<>/])(?<!\b(?:GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) )(?:[A-Za-z]:\\|~\/|\.{1,2}\/|\/)(?:[\w.@+-]+[/\\])*[\w.@+-]+/g,
    '<PATH>',
    (t) => t.includes('/') || t.includes('\\'),
  ],
  [/(?<![/\\])\b(?:[\w.@-]+\/)+[\w.@-]+\.[A-Za-z]\w{0,5}\b/g, '<PATH>', (t) => t.includes('/')],
  // Durations.
  [
    /\b\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h)\b|\b\d+(?:\.\d+)? ?(?:milliseconds?|seconds?|secs?|minutes?|mins?|hours?)\b/g,
    '<DURATION>',
    digitUnit,
  ],
  // Memory addresses, then hashes and long hex tokens (md5, sha1, sha256, git SHAs) that contain a digit.
  [/\b0x[0-9a-f]{1,16}\b/gi, '<ADDR>', (t) => t.includes('0x') || t.includes('0X')],
  [/\b(?=[0-9a-f]{0,127}\d)(?=[0-9a-f]{0,127}[a-f])[0-9a-f]{7,128}\b/gi, '<HEX>', hexRun],
  // Numbers, but not inside words (utf8, sha256, ipv6), not version strings (1.2.3, v2.0),
  // and not status or error codes ("status 404", "HTTP 503", "code 13").
  [/(?<![\w.])(?<!\b(?:status|code|http|errno|exit code|error)[\s:#]{0,3})-?\d+(?:\.\d+)?(?!\w|\.\d)/gi, '<NUM>', digit],
];
