/** A frame as grouping sees it: no line or column, which change with every edit. */
export interface GroupingFrame {
  /** Lowercased file basename, without query strings. */
  file: string;
  fn: string;
}

// V8 frames: "    at fn (file:line:col)", "    at file:line:col", "    at async fn (…)", "    at new Foo (…)".
const FRAME = /^\s*at (?:(?:async |new )?(.*?) \()?(.*?)(?::\d+)?(?::\d+)?\)?$/;

/** The first in-app frame of a V8 stack (its first exception only: a `Caused by:` part is ignored). */
export function topInAppFrame(stack: string): GroupingFrame | undefined {
  if (stack.includes(PY_TRACEBACK)) return topInAppPythonFrame(stack);
  let n = 0;
  for (const raw of stack.split('\n', 200)) {
    if (raw.startsWith('Caused by:')) break;
    const line = raw.length > 1024 ? raw.slice(0, 1024) : raw;
    if (!line.trimStart().startsWith('at ')) continue;
    if (++n > 100) break;
    const m = FRAME.exec(line);
    if (!m) continue;
    const fn = (m[1] ?? '').trim();
    const location = m[2] ?? '';
    if (isLibraryFrame(location)) continue;
    if (!fn || fn === '<anonymous>' || fn.endsWith('.<anonymous>')) continue;
    return { file: basename(location), fn };
  }
  return undefined;
}

function isLibraryFrame(location: string): boolean {
  return (
    location.includes('node_modules') ||
    location.startsWith('node:') ||
    location.startsWith('internal/') ||
    location === 'native' ||
    location === '<anonymous>'
  );
}

function basename(location: string): string {
  const path = location.replace(/^file:\/\//, '').split(/[?#]/)[0];
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return path.slice(slash + 1).toLowerCase();
}

// Python tracebacks (records from the OpenTelemetry Python SDK): '  File "path", line N, in fn',
// outermost call first. A chained traceback prints the cause first and the raised exception last.
const PY_TRACEBACK = 'Traceback (most recent call last):';
const PY_FRAME = /^\s*File "(.*)", line \d+, in (.+)$/;

/** The innermost in-app frame of a Python traceback's last exception. */
function topInAppPythonFrame(stack: string): GroupingFrame | undefined {
  const lines = stack.slice(stack.lastIndexOf(PY_TRACEBACK)).split('\n');
  let n = 0;
  for (let i = lines.length - 1; i >= 0 && n < 100; i--) {
    const raw = lines[i];
    const m = raw.length > 1024 ? null : PY_FRAME.exec(raw);
    if (!m) continue;
    n++;
    const location = m[1] ?? '';
    const fn = (m[2] ?? '').trim();
    if (isPythonLibraryFrame(location)) continue;
    // Lambdas and comprehensions are anonymous; `<module>` names a file's top level.
    if (!fn || (fn.startsWith('<') && fn !== '<module>')) continue;
    return { file: basename(location), fn };
  }
  return undefined;
}

function isPythonLibraryFrame(location: string): boolean {
  return (
    location.startsWith('<') || // <frozen runpy>, <string>
    location.includes('site-packages') ||
    location.includes('dist-packages') ||
    /[\\/]lib[\\/]python\d+(\.\d+)?[\\/]/.test(location) // the standard library
  );
}
