// The full ALU-vs-host-CPU run: `node dist/scripts/alu-oracle/run.js --per-form 20000 [--seed N]`.
// The native harness is generated and built with gcc at run time (support/alu-oracle.ts). Exits 1 on
// any difference.
import { formatAluOracle, runAluOracle } from '../../support/alu-oracle.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const t0 = Date.now();
const r = runAluOracle(arg('per-form', 20_000), arg('seed', 0x5eed), 60);
console.log(`${formatAluOracle(r)}\n  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
process.exit(r.diffCount === 0 && !r.skipped ? 0 : 1);
