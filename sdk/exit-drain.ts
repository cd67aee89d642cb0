/**
 * One place where unitrack's set-ups (initTracking's, each unitrackProcessor's) drain when the
 * process ends: on `beforeExit` when the event loop is empty, and on SIGTERM/SIGINT. One listener
 * per event serves them all, so "unitrack is the only listener" means what it says.
 */
export interface ExitDrain {
  /** True when records were accepted since the last flush began. */
  pending(): boolean;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
  /** Drain on SIGTERM/SIGINT too (else only on beforeExit). */
  signals: boolean;
}

const drains = new Set<ExitDrain>();
const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
let listening = false;
let signalsListening = false;
let stopping = false;

/** Registers a drain; the returned function unregisters it. */
export function registerExitDrain(drain: ExitDrain): () => void {
  drains.add(drain);
  update();
  return () => {
    drains.delete(drain);
    update();
  };
}

function update(): void {
  const wantSignals = [...drains].some((d) => d.signals);
  if (drains.size > 0 && !listening) process.on('beforeExit', onBeforeExit);
  if (drains.size === 0 && listening) process.removeListener('beforeExit', onBeforeExit);
  listening = drains.size > 0;
  if (wantSignals && !signalsListening) for (const s of SIGNALS) process.on(s, onSignal);
  if (!wantSignals && signalsListening) for (const s of SIGNALS) process.removeListener(s, onSignal);
  signalsListening = wantSignals;
}

/**
 * The loop is empty: flush what is pending. The flush's own I/O brings `beforeExit` back once it
 * is done; nothing is pending then, so the process ends.
 */
function onBeforeExit(): void {
  for (const d of drains) if (d.pending()) void d.flush().catch(() => {});
}

/**
 * When unitrack is the only listener, the process would have ended: shut down (nothing accepted
 * is lost), then re-raise the signal so it ends as it would have. Otherwise the application
 * decides when to stop; flush what it tracked so far, and let its own shutdown drain the rest.
 */
function onSignal(signal: NodeJS.Signals): void {
  const alone = process.listenerCount(signal) === 1;
  if (stopping) {
    // A second signal while draining: stop waiting.
    if (alone) reraise(signal);
    return;
  }
  stopping = true;
  const targets = [...drains].filter((d) => d.signals);
  void Promise.allSettled(targets.map((d) => (alone ? d.shutdown() : d.flush()))).finally(() => {
    stopping = false;
    if (alone) reraise(signal);
  });
}

function reraise(signal: NodeJS.Signals): void {
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  signalsListening = false;
  process.kill(process.pid, signal);
}
