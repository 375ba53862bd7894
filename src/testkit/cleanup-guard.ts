/**
 * Servers still running when the process exits (normal end, an uncaught exception, `process.exit()`)
 * are shut down from an `exit` handler. Such a handler runs synchronously and cannot wait: it may only
 * send signals. When the process dies without running it (SIGKILL, a test runner's timeout), the
 * server's supervisor notices and shuts the server down instead (see supervisor.ts).
 *
 * The registry is process-wide because the event it serves, the process's exit, is.
 */

/** Something to tear down when the process exits. */
export interface Guarded {
  /** Synchronous, best effort, must not throw. */
  onExit(): void;
}

const guarded = new Set<Guarded>();
let exitHandlerInstalled = false;

/** Registers `entry` until the returned function is called. */
export function guardUntilStopped(entry: Guarded): () => void {
  if (!exitHandlerInstalled) {
    exitHandlerInstalled = true;
    process.on('exit', () => {
      for (const g of guarded) g.onExit();
      guarded.clear();
    });
  }
  guarded.add(entry);
  return () => {
    guarded.delete(entry);
  };
}
