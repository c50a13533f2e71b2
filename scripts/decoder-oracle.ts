// The full decoder-vs-iced-x86 run: `node dist/scripts/decoder-oracle.js --count 1000000 [--seed N] [--mode 64]`.
// Exits 1 when any difference is found.
import { formatOracle, runDecoderOracle } from '../support/decode-oracle.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const count = arg('count', 1_000_000);
const seed = arg('seed', 0x5eed);
const only = arg('mode', 0);
let diffs = 0;
for (const bits of [16, 32, 64] as const) {
  if (only && only !== bits) continue;
  const t0 = Date.now();
  const r = runDecoderOracle(bits, count, seed + bits, 40);
  diffs += r.diffCount;
  console.log(`${formatOracle(r)}\n  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}
process.exit(diffs === 0 ? 0 : 1);
