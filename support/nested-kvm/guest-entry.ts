// Inside the nested guest: every test file given on the command line, imported in one Node process (one V8
// start-up under TCG instead of one per file), with whatever --test-reporter node was started with.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

for (const file of process.argv.slice(2)) await import(pathToFileURL(resolve(file)).href);
