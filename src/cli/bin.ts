#!/usr/bin/env node
import { processIo } from './cli-io.js';
import { EXIT, main } from './main.js';

// The first Ctrl-C asks the running command to stop and close its connections; a second one leaves at once.
const interrupt = new AbortController();
const onSigint = (): void => {
  if (interrupt.signal.aborted) process.exit(EXIT.interrupted);
  interrupt.abort(new Error('interrupted by Ctrl-C'));
};
process.on('SIGINT', onSigint);
// A closed pipe (`picots topology --watch | head`) ends the command quietly instead of crashing on EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  interrupt.abort(error);
});

main(process.argv.slice(2), processIo(interrupt.signal)).then(
  (code) => {
    process.off('SIGINT', onSigint);
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`picots: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT.failed;
  },
);
