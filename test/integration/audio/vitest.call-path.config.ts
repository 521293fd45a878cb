/**
 * Runs the through-server audio tests (*.call-test.ts), which the default configuration does not
 * include while Strowger's call path (INVITE handling, dialplan, bridge) is still landing:
 *
 *   npx vitest run --config test/integration/audio/vitest.call-path.config.ts
 *
 * Once they pass, rename the file to *.test.ts so that `npm test` (and .ci/run) runs them.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: resolve(dirname(fileURLToPath(import.meta.url)), '../../..'),
  test: {
    include: ['test/integration/audio/*.call-test.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
