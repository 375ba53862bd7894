import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { DEFAULT_PORT, parseDsn } from '../../src/config/parse-dsn.js';
import { redactDsn } from '../../src/config/redact-dsn.js';

/** Asserts a ConfigError for `dsn` matching every pattern; returns its message. */
function dsnError(dsn: string, ...patterns: RegExp[]): string {
  let message = '';
  assert.throws(() => parseDsn(dsn), (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.equal(e.option, 'dsn');
    for (const p of patterns) assert.match(e.message, p);
    message = e.message;
    return true;
  });
  return message;
}

test('a simple URI, with the default port', () => {
  assert.deepEqual(parseDsn('postgresql://admin:T0psecret@localhost'), {
    hosts: [{ host: 'localhost', port: DEFAULT_PORT }], user: 'admin', password: 'T0psecret', params: {},
  });
  assert.equal(DEFAULT_PORT, 4327);
  assert.deepEqual(parseDsn('postgres://u@10.0.0.1:5432/db/'), {
    hosts: [{ host: '10.0.0.1', port: 5432 }], user: 'u', database: 'db/', params: {},
  });
  assert.deepEqual(parseDsn('  POSTGRESQL://u@h/\n').hosts, [{ host: 'h', port: 4327 }]);
  assert.equal(parseDsn('postgresql://u:@h').password, '');
  assert.equal(parseDsn('postgresql://u@h/').database, undefined);
});

test('multi-host with IPv6', () => {
  const d = parseDsn('postgresql://u:p@h1:4327,h2:4328,[::1]:4329,[fe80::1%25eth0],node-3.example.com');
  assert.deepEqual(d.hosts, [
    { host: 'h1', port: 4327 },
    { host: 'h2', port: 4328 },
    { host: '::1', port: 4329 },
    { host: 'fe80::1%eth0', port: 4327 },
    { host: 'node-3.example.com', port: 4327 },
  ]);
});

test('user, password and database are percent-decoded', () => {
  const d = parseDsn('postgresql://us%40er:p%40ss%3Aw%2Ford%25@h/my%20db');
  assert.equal(d.user, 'us@er');
  assert.equal(d.password, 'p@ss:w/ord%');
  assert.equal(d.database, 'my db');
  // An unencoded '@' or ':' in the password still works: the last '@' ends it, the first ':' starts it.
  const raw = parseDsn('postgresql://admin:T0p@sec:ret@h1,h2');
  assert.equal(raw.password, 'T0p@sec:ret');
  assert.deepEqual(raw.hosts.map((h) => h.host), ['h1', 'h2']);
});

test('query parameters map to typed fields', () => {
  const d = parseDsn('postgresql://u@h?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&sslcert=/c.pem&sslkey=/k.pem'
    + '&connect_timeout=10&application_name=my%20app&read_preference=replica'
    + '&options=sql_motion_row_max%3D10000%2Cpico_query_metadata%3Dtrue&');
  assert.deepEqual(d.params, {
    sslmode: 'verify-full', sslrootcert: '/etc/ca.pem', sslcert: '/c.pem', sslkey: '/k.pem', connectTimeoutMs: 10_000,
    applicationName: 'my app', readPreference: 'replica', options: 'sql_motion_row_max=10000,pico_query_metadata=true',
  });
  // Unencoded '=' and ',' in options are fine: only the first '=' separates the parameter's name.
  assert.equal(parseDsn('postgresql://u@h?options=forward=off,read_preference=any').params.options, 'forward=off,read_preference=any');
  assert.deepEqual(parseDsn('postgresql://u@h?options=').params, {});
});

test('connect_timeout: whole seconds, 0 means no limit', () => {
  assert.equal(parseDsn('postgresql://u@h?connect_timeout=0').params.connectTimeoutMs, Infinity);
  assert.equal(parseDsn('postgresql://u@h?connect_timeout=1').params.connectTimeoutMs, 1000);
  assert.equal(parseDsn('postgresql://u@h?connect_timeout=2147483').params.connectTimeoutMs, 2_147_483_000);
  for (const bad of ['-1', '1.5', 'abc', '', '2147484', ' 5']) {
    dsnError(`postgresql://u@h?connect_timeout=${encodeURIComponent(bad)}`, /connect_timeout must be whole seconds from 0 \(no limit\) to 2147483/);
  }
});

test('sslmode must be one of the libpq modes picots supports', () => {
  dsnError('postgresql://u:pw@h?sslmode=requre',
    /sslmode must be one of 'disable', 'prefer', 'require', 'verify-ca', 'verify-full', got 'requre' \(did you mean 'require'\?\)/);
  dsnError('postgresql://u@h?sslmode=allow', /got 'allow'/);
  dsnError('postgresql://u@h?sslmode=disable&sslrootcert=/ca.pem', /cannot be used with sslmode=disable/);
  dsnError('postgresql://u@h?sslcert=/c.pem', /sslcert and sslkey must be given together/);
  dsnError('postgresql://u@h?sslrootcert=', /sslrootcert must be a file path/);
});

test('options and read_preference are validated', () => {
  dsnError('postgresql://u@h?options=read_preference', /in query parameter options: 'read_preference' is not a name=value pair/);
  dsnError('postgresql://u@h?options=-c%20x%3D1', /not libpq's '-c name=value'/);
  dsnError('postgresql://u@h?read_preference=master', /read_preference must be one of 'leader', 'replica', 'any'/);
  dsnError('postgresql://u@h?read_preference=any&options=read_preference%3Dleader', /contradicts read_preference=leader/);
  parseDsn('postgresql://u@h?read_preference=any&options=read_preference%3Dany');
});

test('unknown and misplaced query parameters', () => {
  dsnError('postgresql://u@h?ssl_mode=require', /unknown query parameter 'ssl_mode' \(did you mean 'sslmode'\?\); allowed: sslmode, sslrootcert/);
  dsnError('postgresql://u@h?target_session_attrs=read-write', /unknown query parameter 'target_session_attrs'; allowed:/);
  dsnError('postgresql://u@h?host=h2', /unsupported query parameter 'host': put the hosts in the URI/);
  dsnError('postgresql://u@h?sslnegotiation=direct', /only the default TLS negotiation/);
  dsnError('postgresql://u@h?sslmode=require&sslmode=disable', /'sslmode' is given twice/);
  dsnError('postgresql://u@h?sslmode', /query parameter 'sslmode' has no value/);
  dsnError('postgresql://u@h?constructor=1', /unknown query parameter 'constructor'/);
});

test('user is required', () => {
  dsnError('postgresql://h:4327/db', /a user is required \(Picodata has no default user\)/);
  dsnError('postgresql://:pw@h', /a user is required/);
});

test('keyword/value strings and other schemes are refused', () => {
  const m = dsnError('host=h1 user=admin password=Zq9Secret', /keyword\/value strings .* are not supported, only URIs/);
  assert.ok(!m.includes('Zq9Secret'));
  dsnError('mysql://u:Zq9Secret@h', /unsupported scheme 'mysql:\/\/'/);
  dsnError('localhost:4327', /must be a URI/);
  dsnError('host = h user = u', /keyword\/value strings/);
  assert.throws(() => parseDsn(42 as never), /dsn: must be a string, got 42/);
});

test('bad hosts and ports', () => {
  dsnError('postgresql://u@h:0', /the port of host 1 must be an integer from 1 to 65535, got '0'/);
  dsnError('postgresql://u@h1,h2:65536', /the port of host 2 .* got '65536'/);
  dsnError('postgresql://u@h:', /the port of host 1 .* got ''/);
  dsnError('postgresql://u@h:43a7', /got '43a7'/);
  dsnError('postgresql://u@', /no host/);
  dsnError('postgresql://u@/db', /no host/);
  dsnError('postgresql://u@h1,,h2', /host 2 is empty/);
  dsnError('postgresql://u@::1', /write an IPv6 address in brackets/);
  dsnError('postgresql://u@[::1', /host 1 is not \[ipv6\] or \[ipv6\]:port/);
  dsnError('postgresql://u@[::1]4327', /host 1 is not \[ipv6\]/);
  dsnError('postgresql://u@[not-v6]:4327', /host 1 'not-v6' is not an IPv6 address/);
  dsnError('postgresql://u@%2Fvar%2Frun', /host 1 '\/var\/run' is not a host name or IP address/);
  dsnError('postgresql://u@h%zz', /bad percent-encoding in the host 1/);
});

test('bad percent-encoding and NUL', () => {
  dsnError('postgresql://u%zz@h', /bad percent-encoding in the user/);
  dsnError('postgresql://u:pa%zzss@h', /bad percent-encoding in the password/);
  dsnError('postgresql://u@h/d%zz', /bad percent-encoding in the database name/);
  dsnError('postgresql://u@h?application_name=%E0%A4%A', /bad percent-encoding in the query parameter 'application_name'/);
  dsnError('postgresql://u%00@h', /the user contains a NUL character/);
});

test('an @ outside the userinfo is refused, so the password is never mistaken for a host', () => {
  dsnError('postgresql://u:pa/ss@h/db', /'@' after the host list, or '\/' or '\?' in the password: percent-encode them as %40, %2F, %3F/);
  dsnError('postgresql://u:pa?ss@h', /'@' after the host list/);
  dsnError('postgresql://u@h?application_name=me@x', /'@' after the host list/);
});

test('the password never appears in an error message', () => {
  const secret = 'Zq9Secret';
  const enc = encodeURIComponent;
  const bad = [
    `postgresql://admin:${secret}@h:0`,
    `postgresql://admin:${secret}@h1,,h2`,
    `postgresql://admin:${secret}@[::1`,
    `postgresql://admin:${secret}@::1`,
    `postgresql://admin:${secret}@`,
    `postgresql://admin:${secret}@h?sslmode=bogus`,
    `postgresql://admin:${secret}@h?unknown=1`,
    `postgresql://admin:${secret}@h?options=x`,
    `postgresql://admin:${secret}%zz@h`,
    `postgresql://admin:${secret}@h%zz`,
    `postgresql://:${secret}@h`,
    `postgresql://${secret}@h:4327/db?password=${secret}`,
    `postgresql://admin@h?password=${secret}`,
    `postgresql://admin@h?sslpassword=${secret}`,
    `postgresql://admin:${secret}/x@h`,
    `postgresql://admin:${secret}?x@h:4327`,
    `postgresql://admin:a@${secret}:0`,
    `postgresql://admin:${secret}:${secret}@h:x,h:1`,
    `postgresql://admin:${secret}@h ${secret}`,
    `postgresql://admin:${secret} ${secret}@h:0`,
    `mysql://admin:${secret}@h`,
    `admin:${secret}@h`,
    `host=h user=admin password=${secret}`,
    `postgresql://admin:${enc(secret + '@/?')}@h:0`,
  ];
  for (const dsn of bad) {
    assert.throws(() => parseDsn(dsn), (e: unknown) => {
      assert.ok(e instanceof ConfigError, `${dsn}: ${String(e)}`);
      // The user part of one case is the secret itself; a user name is not hidden, so skip that one.
      if (!dsn.startsWith(`postgresql://${secret}@`) && !dsn.startsWith('postgresql://admin:a@')) {
        assert.ok(!e.message.includes(secret), `password leaked for ${dsn}: ${e.message}`);
      }
      return true;
    });
  }
});

test('redactDsn hides passwords, also in multi-host and malformed URIs', () => {
  const cases: Array<[string, string]> = [
    ['postgresql://admin:T0psecret@h:4327/db', 'postgresql://admin:***@h:4327/db'],
    ['postgresql://admin:p%40ss@h1:4327,h2:4328,[::1]:4327/db?sslmode=require', 'postgresql://admin:***@h1:4327,h2:4328,[::1]:4327/db?sslmode=require'],
    ['postgresql://admin:T0p@sec@h', 'postgresql://admin:***@h'],
    ['postgresql://admin:pa/ss@h/db', 'postgresql://admin:***@h/db'],
    ['postgresql://admin:pa?ss@h', 'postgresql://admin:***@h'],
    ['postgresql://admin@h:4327', 'postgresql://admin@h:4327'],
    ['postgresql://h:4327/db', 'postgresql://h:4327/db'],
    ['postgresql://admin:@h', 'postgresql://admin:***@h'],
    ['postgres://u@h?password=secret&sslmode=require', 'postgres://u@h?password=***&sslmode=require'],
    ['postgres://u@h?sslmode=require&PASSWORD=secret', 'postgres://u@h?sslmode=require&PASSWORD=***'],
    ['postgres://u@h?sslpassword=secret', 'postgres://u@h?sslpassword=***'],
    ['host=h user=u password=secret dbname=d', 'host=h user=u password=*** dbname=d'],
    ["host=h password = 'a \\' b' user=u", 'host=h password = *** user=u'],
    ["password='unterminated and more", 'password=***'],
    ['connecting to postgresql://a:b@h1 and postgres://c:d@h2 failed', 'connecting to postgresql://a:***@h1 and postgres://c:***@h2 failed'],
    ['{"dsn":"postgresql://a:x\\"y@h"}', '{"dsn":"postgresql://a:***@h"}'],
    ['no dsn here', 'no dsn here'],
    // An '@' in the query makes it hide more than the password: never less.
    ['postgresql://a:b@h?application_name=me@x', 'postgresql://a:***@x'],
  ];
  for (const [input, expected] of cases) assert.equal(redactDsn(input), expected, input);
});
