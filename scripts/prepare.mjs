// @ts-check
/**
 * The `prepare` script: builds dist/ so that `npm install <checkout>` and `npm install <git url>` get a
 * working package (npm runs `prepare` for those, and on a plain `npm ci` / `npm install` in the checkout).
 *
 * Plain JavaScript on purpose: it runs before anything is compiled, with no help from tsx.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const command = process.env.npm_command;
// `npm pack` and `npm publish` run `prepack` (which builds) and then `prepare`: one build is enough.
if (command === 'pack' || command === 'publish') process.exit(0);

try {
  createRequire(import.meta.url).resolve('tsup/package.json');
} catch {
  console.error(
    `picots prepare: dist/ is built with the devDependencies, which are not installed in ${process.cwd()}.\n` +
      'Run `npm ci` there first (it builds dist/), then install from it again. `npm ci --omit=dev --ignore-scripts` ' +
      'installs the runtime dependency only, without building.',
  );
  process.exit(1);
}

const npm = process.env.npm_execpath;
const result = npm
  ? spawnSync(process.execPath, [npm, 'run', 'build'], { stdio: 'inherit' })
  : spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
if (result.error) throw result.error;
process.exit(result.status ?? 1);
