/**
 * `npm run check:package`: checks the package as users get it. Packs the checkout (`npm pack`, whose
 * `prepack` builds dist/), installs the tarball into a scratch app, then there:
 *   - imports `picots`, `picots/testkit` and `picots/resource-pool` as ESM and requires them as CommonJS,
 *     and checks that errors the testkit throws are `instanceof PicotsError` (scripts/package-check/*.{mjs,cjs});
 *   - type-checks a small TypeScript file against the installed declarations (ESM and CommonJS resolution);
 *   - runs the `picots` binary;
 *   - with kysely and drizzle-orm (optional peer dependencies) installed next to it, compiles and runs a
 *     TypeScript file that runs typed queries through `picots/kysely` and `picots/drizzle` against a stand-in
 *     cluster (a real PostgreSQL, as the tests use) and checks that their transactions are refused
 *     (scripts/package-check/orm.ts);
 *   - checks that each class is defined once per format (the CLI and the testkit share the library's code),
 *     that source maps carry no sources, and that the files the manifest names are in the tarball;
 * and lints the tarball with publint and @arethetypeswrong/cli (node16 profile).
 *
 * The only network it may use is the npm registry, and only for what the local npm cache lacks (the
 * install prefers the cache: after `npm ci` it holds everything). Every command has a time limit, and the
 * temporary directory goes away at the end, on failure and on Ctrl-C too.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURES = join(ROOT, 'scripts', 'package-check');
const BIN = join(ROOT, 'node_modules', '.bin');
/**
 * Per command. The slowest is `npm pack` (a full build of five entries, declarations included, which takes
 * close to three minutes on a busy shared machine) or a cold-cache install.
 */
const COMMAND_TIMEOUT_MS = 300_000;
const KILL_GRACE_MS = 5_000;
/** Classes that must exist once per format: the CLI and the testkit use the library's copy, not their own. */
const SHARED_CLASSES = ['PicotsError', 'ConfigError', 'NoTransactionsError', 'ResourcePool', 'Connection', 'Client'];

const work = mkdtempSync(join(tmpdir(), 'picots-package-check-'));
const removeWork = (): void => rmSync(work, { recursive: true, force: true });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    removeWork();
    process.exit(128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const)[signal]);
  });
}

/** npm without the update check, audit or funding calls: nothing but the registry, and only when needed. */
const NPM_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  npm_config_update_notifier: 'false',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
};

interface Ran {
  code: number | null;
  output: string;
}

/** Runs a command with a time limit; its output is echoed and also returned. */
function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = NPM_ENV): Promise<Ran> {
  console.error(`\n$ ${[command, ...args].map((a) => a.replace(work, '$TMP')).join(' ')}`);
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      process.stderr.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      console.error(`check-package: ${command} passed ${COMMAND_TIMEOUT_MS} ms; stopping it`);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS).unref();
    }, COMMAND_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`could not start ${command}: ${error.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, output });
    });
  });
}

async function mustRun(what: string, command: string, args: readonly string[], cwd: string): Promise<string> {
  const { code, output } = await run(command, args, cwd);
  if (code !== 0) throw new Error(`${what} failed (exit ${code})`);
  return output;
}

function npmArgs(...args: string[]): [string, string[]] {
  const npmCli = process.env.npm_execpath;
  return npmCli ? [process.execPath, [npmCli, ...args]] : ['npm', args];
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** Every path package.json points at (main, module, types, bin, each export target) is in the package. */
function checkManifestTargets(pkgDir: string): void {
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as Record<string, unknown>;
  const targets: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') targets.push(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk([manifest.main, manifest.module, manifest.types, manifest.bin, manifest.exports]);
  const missing = targets.filter((t) => !statSync(join(pkgDir, t), { throwIfNoEntry: false })?.isFile());
  if (missing.length > 0) throw new Error(`the tarball lacks files package.json names: ${missing.join(', ')}`);
  console.error(`check-package: all ${targets.length} paths named in package.json are in the tarball`);
}

/** One definition of each shared class per format, no sources inside source maps. */
function checkBuiltFiles(pkgDir: string): void {
  const files = filesUnder(join(pkgDir, 'dist'));
  for (const ext of ['.js', '.cjs']) {
    const code = files.filter((f) => f.endsWith(ext)).map((f) => ({ f, text: readFileSync(f, 'utf8') }));
    for (const name of SHARED_CLASSES) {
      const definition = new RegExp(`\\b${name} = (\\(_class\\d* = )?class\\b`);
      const definedIn = code.filter(({ text }) => definition.test(text)).map(({ f }) => relative(pkgDir, f));
      if (definedIn.length !== 1) {
        throw new Error(`class ${name} is defined in ${definedIn.length} ${ext} files (want 1): ${definedIn.join(', ')}`);
      }
    }
  }
  // The optional peer dependencies are loaded by their own entries only: `picots` works without them.
  const peerImport = /(?:from\s*|require\(\s*|import\(\s*)["'](?:kysely|drizzle-orm)(?:\/[^"']*)?["']/;
  const ownEntry = (f: string): boolean => /^dist\/(?:kysely|drizzle)\//.test(relative(pkgDir, f).split('\\').join('/'));
  const leaking = files.filter((f) => /\.c?js$/.test(f) && !ownEntry(f) && peerImport.test(readFileSync(f, 'utf8')));
  if (leaking.length > 0) throw new Error(`kysely or drizzle-orm is loaded outside picots/kysely and picots/drizzle: ${leaking.map((f) => relative(pkgDir, f)).join(', ')}`);
  const withSources = files.filter((f) => f.endsWith('.map') && 'sourcesContent' in JSON.parse(readFileSync(f, 'utf8')));
  if (withSources.length > 0) throw new Error(`source maps carry sourcesContent: ${withSources.join(', ')}`);
  console.error(`check-package: ${SHARED_CLASSES.join(', ')} defined once per format; kysely and drizzle-orm loaded by their entries only; no sourcesContent in maps`);
}

async function main(): Promise<void> {
  const [npm, npmPrefix] = npmArgs();
  const packDir = join(work, 'pack');
  const app = join(work, 'app');
  mkdirSync(packDir);
  mkdirSync(app);

  await mustRun('npm pack', npm, [...npmPrefix, 'pack', '--pack-destination', packDir], ROOT);
  const tarballs = readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
  if (tarballs.length !== 1) throw new Error(`npm pack left ${tarballs.length} tarballs`);
  const tarball = join(packDir, tarballs[0]);
  console.error(`check-package: ${tarballs[0]}, ${Math.round(statSync(tarball).size / 1024)} KiB`);

  // @types/node at the version the checkout uses, so the install needs nothing the cache lacks.
  const typesNode = JSON.parse(readFileSync(join(ROOT, 'node_modules', '@types', 'node', 'package.json'), 'utf8')) as { version: string };
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'picots-package-check', private: true, type: 'module' }, null, 2)}\n`);
  // The optional peer dependencies, at the versions the checkout tests with, for the ORM entries.
  const peers = ['kysely', 'drizzle-orm'].map((name) => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
    return `${name}@${version}`;
  });
  await mustRun('installing the tarball', npm, [...npmPrefix, 'install', '--prefer-offline', '--no-package-lock', tarball, `@types/node@${typesNode.version}`, ...peers], app);

  const pkgDir = join(app, 'node_modules', 'picots');
  checkManifestTargets(pkgDir);
  checkBuiltFiles(pkgDir);

  // A PostgreSQL "server directory" with no psql and an empty PATH: the testkit throws its StandInError.
  const fakeBindir = join(app, 'fake-pg-bin');
  const emptyPath = join(app, 'empty-path');
  mkdirSync(fakeBindir);
  mkdirSync(emptyPath);
  for (const program of ['initdb', 'postgres']) {
    writeFileSync(join(fakeBindir, program), '#!/bin/sh\nexit 1\n');
    chmodSync(join(fakeBindir, program), 0o755);
  }
  for (const fixture of ['esm.mjs', 'cjs.cjs', 'types.ts', 'types-cjs.cts']) copyFileSync(join(FIXTURES, fixture), join(app, fixture));
  await mustRun('the ESM entries', process.execPath, ['esm.mjs', fakeBindir, emptyPath], app);
  await mustRun('the CommonJS entries', process.execPath, ['cjs.cjs', fakeBindir, emptyPath], app);

  const tsconfig = {
    compilerOptions: { strict: true, module: 'node16', moduleResolution: 'node16', target: 'ES2022', types: ['node'], noEmit: true, skipLibCheck: false },
    files: ['types.ts', 'types-cjs.cts'],
  };
  writeFileSync(join(app, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  await mustRun('type-checking against the installed declarations', join(BIN, 'tsc'), ['-p', app], app);

  // The ORM entries: compiled (type-checked against the installed declarations), then run. Without
  // skipLibCheck, drizzle-orm's own declarations fail (they name mysql2, SQLite and other optional drivers);
  // picots/kysely's declarations are lib-checked by the step above (types.ts imports it).
  copyFileSync(join(FIXTURES, 'orm.ts'), join(app, 'orm.ts'));
  const ormTsconfig = {
    compilerOptions: { strict: true, module: 'node16', moduleResolution: 'node16', target: 'ES2022', types: ['node'], outDir: 'orm-out', rootDir: '.', skipLibCheck: true },
    files: ['orm.ts'],
  };
  writeFileSync(join(app, 'tsconfig.orm.json'), `${JSON.stringify(ormTsconfig, null, 2)}\n`);
  await mustRun('type-checking and compiling the ORM check', join(BIN, 'tsc'), ['-p', join(app, 'tsconfig.orm.json')], app);
  await mustRun('picots/kysely and picots/drizzle against a stand-in', process.execPath, [join('orm-out', 'orm.js')], app);

  const help = await mustRun('the picots binary', npm, [...npmPrefix, 'exec', '--no', '--', 'picots', '--help'], app);
  if (!help.includes('usage:')) throw new Error('`picots --help` printed no usage');
  // The CLI reads its version from package.json at run time: this proves it finds the installed one from dist/.
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const shown = await mustRun('picots --version', npm, [...npmPrefix, 'exec', '--no', '--', 'picots', '--version'], app);
  if (!shown.includes(`picots ${version}`)) throw new Error(`\`picots --version\` printed ${JSON.stringify(shown.trim())}, not picots ${version}`);

  const lint = await mustRun('publint', join(BIN, 'publint'), ['run', tarball, '--strict'], ROOT);
  if (!lint.includes('All good!')) throw new Error('publint has suggestions, warnings or errors (see above)');
  await mustRun('@arethetypeswrong/cli', join(BIN, 'attw'), [tarball, '--profile', 'node16', '--no-definitely-typed', '--no-emoji', '--no-color'], ROOT);
}

const started = Date.now();
main().then(
  () => {
    removeWork();
    console.error(`\ncheck-package: the packed package works (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  },
  (error: unknown) => {
    removeWork();
    console.error(`\ncheck-package: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
