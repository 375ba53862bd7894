/** The pure parts of the CLI's output: table cells, command tags, arguments shown in messages, argv parsing. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { parseCliArgs } from '../../src/cli/cli-args.js';
import { formatCommandTag } from '../../src/cli/command-tag.js';
import { showArgument } from '../../src/cli/dsn-argument.js';
import { escapeControl, formatTable } from '../../src/cli/format-table.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { packageVersion } from '../../src/cli/version.js';

test('control characters are escaped, so a value never breaks a row', () => {
  assert.equal(escapeControl('a\nb\r\nc\td'), 'a\\nb\\r\\nc\\td');
  assert.equal(escapeControl('\x1b[2J\x00\x7f\u0085\u2028'), '\\x1b[2J\\x00\\x7f\\x85\\u2028');
  assert.equal(escapeControl('plain é 表 \\n'), 'plain é 表 \\n', 'printable text and backslashes stay');
  const table = formatTable(['a\nb', 'c'], [['x\ny', '1'], ['z', 'tab\there']]);
  const lines = table.split('\n');
  assert.equal(lines.length, 4, 'header, rule and two rows');
  assert.deepEqual(lines, ['a\\nb  c', '----  ---------', 'x\\ny  1', 'z     tab\\there']);
});

test('duplicate column names are both shown', () => {
  assert.equal(formatTable(['a', 'a'], [['1', '2']]), 'a  a\n-  -\n1  2');
});

test('a command tag has its count only where the protocol gives one', () => {
  assert.equal(formatCommandTag('CREATE TABLE', 0), 'CREATE TABLE');
  assert.equal(formatCommandTag('DROP INDEX', 0), 'DROP INDEX');
  assert.equal(formatCommandTag('INSERT', 3), 'INSERT 3');
  assert.equal(formatCommandTag('UPDATE', 0), 'UPDATE 0');
  assert.equal(formatCommandTag('DELETE', 2), 'DELETE 2');
});

test('an argument shown in a message has its password hidden, its control characters escaped and its length bounded', () => {
  assert.equal(showArgument('postgresql://u:pw@h/db'), 'postgresql://u:***@h/db');
  assert.equal(showArgument('u:pw@h:4327'), 'u:***@h:4327');
  assert.equal(showArgument('host=h password=pw'), 'host=h password=***');
  assert.equal(showArgument('SELECT\n1'), 'SELECT\\n1');
  const long = showArgument(`SELECT ${'x'.repeat(200)}`);
  assert.equal(long.length, 60);
  assert.ok(long.endsWith('…'));
});

test('numbers that look negative are arguments, not options; everything after -- is an argument', () => {
  const options = { json: { type: 'boolean', description: '' }, interval: { type: 'string', description: '' } } as const;
  assert.deepEqual(parseCliArgs(['query', 'SELECT $1, $2, $3', '-5', '-1.5e3', '-.5', '--json'], options), {
    positionals: ['query', 'SELECT $1, $2, $3', '-5', '-1.5e3', '-.5'],
    values: { json: true },
  });
  assert.deepEqual(parseCliArgs(['a', '--', '-x', '--json'], options), { positionals: ['a', '-x', '--json'], values: {} });
  assert.deepEqual(parseCliArgs(['--interval=500', 'b'], options), { positionals: ['b'], values: { interval: '500' } });
  assert.throws(() => parseCliArgs(['-5x'], options), (e) => e instanceof UsageError && /unknown option '-5'/.test(e.message));
});

test('the version is found from src/cli (tsx) and from dist/ or a chunk of the installed package', () => {
  assert.match(packageVersion(), /^\d+\.\d+\.\d+/);
  const root = mkdtempSync(join(tmpdir(), 'picots-version-'));
  try {
    const pkg = join(root, 'node_modules', 'picots');
    mkdirSync(join(pkg, 'dist'), { recursive: true });
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'some-app', version: '1.0.0' }));
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'picots', version: '9.8.7' }));
    assert.equal(packageVersion(pathToFileURL(join(pkg, 'dist', 'cli.js')).href), '9.8.7');
    assert.equal(packageVersion(pathToFileURL(join(pkg, 'dist', 'chunk-ABC.js')).href), '9.8.7');
    assert.throws(() => packageVersion(pathToFileURL(join(root, 'elsewhere', 'x.js')).href), /package.json was not found/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
