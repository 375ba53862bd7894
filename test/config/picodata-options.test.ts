import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { buildPicodataOptions, parsePicodataOptions, type PicodataOptions } from '../../src/config/picodata-options.js';

function throwsConfig(fn: () => unknown, option: string, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.equal(e.option, option);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

test('nothing set: nothing is sent', () => {
  assert.deepEqual(buildPicodataOptions(), { options: undefined, warnings: [] });
  assert.deepEqual(buildPicodataOptions({}, ''), { options: undefined, warnings: [] });
  assert.deepEqual(buildPicodataOptions({ readPreference: undefined }), { options: undefined, warnings: [] });
});

test('every typed option maps to its Picodata name', () => {
  const typed: PicodataOptions = {
    readPreference: 'replica', forward: 'ro_to_rw', sqlMotionRowMax: 10000, sqlVdbeOpcodeMax: 0,
    queryMetadata: true, stmtInvalidation: false,
  };
  assert.deepEqual(buildPicodataOptions(typed), {
    options: 'read_preference=replica,forward=ro_to_rw,sql_motion_row_max=10000,sql_vdbe_opcode_max=0,'
      + 'pico_query_metadata=true,pico_stmt_invalidation=false',
    warnings: [],
  });
});

test('the order of typed keys does not change the string (usable as a pool key)', () => {
  const a = buildPicodataOptions({ queryMetadata: true, readPreference: 'any' }).options;
  const b = buildPicodataOptions({ readPreference: 'any', queryMetadata: true }).options;
  assert.equal(a, b);
});

test('typed options are validated, naming the option and the allowed values', () => {
  throwsConfig(() => buildPicodataOptions({ readPreference: 'master' as never }), 'readPreference',
    /must be one of 'leader', 'replica', 'any', got 'master'/);
  throwsConfig(() => buildPicodataOptions({ forward: true as never }), 'forward', /'on', 'off', 'ro_to_rw', got true/);
  throwsConfig(() => buildPicodataOptions({ sqlMotionRowMax: -1 }), 'sqlMotionRowMax', /integer >= 0, got -1/);
  throwsConfig(() => buildPicodataOptions({ sqlVdbeOpcodeMax: 1.5 }), 'sqlVdbeOpcodeMax', /got 1\.5/);
  throwsConfig(() => buildPicodataOptions({ queryMetadata: 'true' as never }), 'queryMetadata', /true or false/);
  throwsConfig(() => buildPicodataOptions({ readPrefernce: 'any' } as never), 'readPrefernce',
    /unknown option 'readPrefernce' in Picodata options \(did you mean 'readPreference'\?\)/);
});

test('parse: pairs in order, unknown names only warn', () => {
  const r = parsePicodataOptions('read_preference=replica,sql_motion_row_max=9223372036854775807,some_future=x');
  assert.deepEqual(r.pairs, [['read_preference', 'replica'], ['sql_motion_row_max', '9223372036854775807'], ['some_future', 'x']]);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0], /unknown Picodata option 'some_future'.*ignores it/);
  assert.match(parsePicodataOptions('read_preferense=any').warnings[0], /did you mean 'read_preference'/);
  assert.deepEqual(parsePicodataOptions(''), { pairs: [], warnings: [] });
});

test('parse: anything that would make Picodata drop the connection is an error', () => {
  const cases: Array<[string, RegExp]> = [
    ['read_preference', /'read_preference' is not a name=value pair/],
    ['read_preference=replica,', /'' is not a name=value pair/],
    [',a=b', /'' is not a name=value pair/],
    ['=x', /'' is not an option name/],
    ['Read_Preference=any', /'Read_Preference' is not an option name/],
    ['read_preference=any, forward=off', /' forward' is not an option name/],
    ['a=b=c', /value of 'a' must be non-empty, without ','/],
    ['a=', /value of 'a' must be non-empty/],
    ['a= b', /value of 'a'/],
    ['read_preference=Leader', /read_preference must be one of 'leader', 'replica', 'any', got 'Leader'/],
    ['forward=yes', /forward must be one of 'on', 'off', 'ro_to_rw', got 'yes'/],
    ['sql_motion_row_max=-1', /sql_motion_row_max must be an integer from 0 to 9223372036854775807, got '-1'/],
    ['sql_motion_row_max=+5', /got '\+5'/],
    ['sql_vdbe_opcode_max=9223372036854775808', /sql_vdbe_opcode_max must be an integer/],
    ['pico_query_metadata=1', /pico_query_metadata must be 'true' or 'false', got '1'/],
    ['pico_stmt_invalidation=TRUE', /'true' or 'false'/],
    ['forward=on,forward=off', /'forward' is given twice/],
    ['-c read_preference=any', /not libpq's '-c name=value'/],
  ];
  for (const [raw, pattern] of cases) throwsConfig(() => parsePicodataOptions(raw), 'options', pattern);
});

test('merge: raw order kept, typed wins and the override is reported', () => {
  const r = buildPicodataOptions({ readPreference: 'replica', forward: 'off' }, 'sql_motion_row_max=100,read_preference=leader');
  assert.equal(r.options, 'sql_motion_row_max=100,read_preference=replica,forward=off');
  assert.deepEqual(r.warnings, ['readPreference=replica overrides read_preference=leader from the raw options string']);

  const same = buildPicodataOptions({ readPreference: 'leader' }, 'read_preference=leader');
  assert.deepEqual(same, { options: 'read_preference=leader', warnings: [] });

  const unknown = buildPicodataOptions({}, 'future_knob=1');
  assert.equal(unknown.options, 'future_knob=1');
  assert.equal(unknown.warnings.length, 1);
});

test('merge: a malformed raw string is refused even with typed options', () => {
  throwsConfig(() => buildPicodataOptions({ readPreference: 'any' }, 'oops'), 'options', /not a name=value pair/);
});
