import { defineConfig, type Options } from 'tsup';

/**
 * The package's public entries (package.json `exports`): `.`, `./testkit`, `./resource-pool`, `./kysely`,
 * `./drizzle`. Kysely and drizzle-orm are optional peer dependencies, so tsup leaves their imports external.
 */
const libraryEntries = {
  index: 'src/index.ts',
  'testkit/index': 'src/testkit/index.ts',
  'resource-pool/index': 'src/resource-pool/index.ts',
  'kysely/index': 'src/kysely/index.ts',
  'drizzle/index': 'src/drizzle/index.ts',
};

/**
 * Code splitting puts what several entries share (the error classes, the protocol, the cluster code) into
 * one chunk per format, so `instanceof PicotsError` holds for an error thrown by the testkit, and the CLI
 * loads the library's own chunks instead of a second copy of it.
 */
const common: Options = {
  target: 'node20',
  splitting: true,
  // Maps give stack traces the source's file and line; the sources themselves would be most of the tarball.
  sourcemap: true,
  esbuildOptions(options) {
    options.sourcesContent = false;
  },
};

// `npm run build` empties dist/ first: the three builds below run at the same time, so none of them may clean.
export default defineConfig([
  {
    ...common,
    // The CLI is ESM only; its shebang comes from src/cli/bin.ts, so only dist/cli.js carries one.
    entry: { ...libraryEntries, cli: 'src/cli/bin.ts' },
    format: ['esm'],
  },
  {
    ...common,
    entry: libraryEntries,
    format: ['cjs'],
  },
  {
    entry: libraryEntries,
    format: ['esm', 'cjs'],
    target: 'node20',
    // @internal members are not part of the API: keep them out of the published declarations.
    dts: { only: true, compilerOptions: { stripInternal: true } },
  },
]);
