// Decoder vs iced-x86 on a seeded sample of random byte strings per mode (the full >= 1M per mode run is
// `node dist/scripts/decoder-oracle.js --count 1000000`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatOracle, runDecoderOracle } from '../../../support/decode-oracle.js';

const COUNT = 100_000;

for (const bits of [16, 32, 64] as const) {
  test(`decoder agrees with iced-x86 on ${COUNT} random ${bits}-bit strings`, () => {
    const r = runDecoderOracle(bits, COUNT, 0x1234 + bits);
    console.log(formatOracle(r));
    assert.ok(r.compared > COUNT / 2, `too few strings compared (${r.compared}): the generator lost its bias`);
    assert.equal(r.diffCount, 0, r.diffs.join('\n'));
  });
}
