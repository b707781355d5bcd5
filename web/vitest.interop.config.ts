// The MLS interoperability test (web/interop): the web client's engine (ts-mls) and
// the Rust client's (openmls, through `confab-testkit mls-peer`) in the same groups
// of a real confab server. Run with `npm run interop`; needs CONFAB_TESTKIT_BIN (and
// CONFAB_BIN) or a cargo build in target/. Kept apart from `npm test` (src/** only).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['interop/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // One server per file; the scenarios of a file run one after another.
    fileParallelism: false,
  },
});
