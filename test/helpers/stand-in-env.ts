/**
 * The environment variable through which `npm test` (scripts/run-tests.ts) hands its shared stand-in
 * to the test files: the JSON of `StandIn.describe()`.
 */
export const STAND_IN_ENV = 'PICOTS_TEST_STANDIN';
