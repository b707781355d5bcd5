// Generates the client's wire types, src/client/wire.gen.ts, from the server's OpenAPI
// document, docs/openapi.json (WebSocket frames and close codes included), with
// openapi-typescript. crates/confab-server/tests/openapi.rs keeps that document
// current with the Rust types; this keeps the TypeScript current with the document.
//
//   node scripts/wire.mjs           writes the file             (npm run wire)
//   node scripts/wire.mjs --check   fails if the file is stale  (npm run wire:check)
import { readFile, writeFile } from 'node:fs/promises';
import openapiTS, { astToString } from 'openapi-typescript';

const source = new URL('../../docs/openapi.json', import.meta.url);
const target = new URL('../src/client/wire.gen.ts', import.meta.url);

const HEADER = `// Generated from docs/openapi.json by openapi-typescript (web/scripts/wire.mjs).
// Do not edit: run \`npm run wire\` in web/ after docs/openapi.json changes.
// Import the types through ./types.ts.

`;

// Only the schemas (components): they are the wire types, and the client makes its
// REST calls by hand. (The paths would add unused types, keyed by operation ids.)
const { openapi, info, components } = JSON.parse(await readFile(source, 'utf8'));
const nodes = await openapiTS({ openapi, info, components }, {
  // A true TS enum only where the schema names its members (x-enum-varnames): the
  // close codes. Every other enum stays a union of string literals.
  enum: true,
  conditionalEnums: true,
  silent: true,
});
const generated = HEADER + astToString(nodes);

if (process.argv.includes('--check')) {
  const committed = await readFile(target, 'utf8').catch(() => '');
  if (committed !== generated) {
    console.error('src/client/wire.gen.ts is not what docs/openapi.json generates: run `npm run wire` in web/ and commit the result.');
    process.exit(1);
  }
} else {
  await writeFile(target, generated);
}
