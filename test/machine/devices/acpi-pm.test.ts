// The ACPI PM1a blocks: each expectation cites the ACPI 6.0 specification section it follows; the power-off
// sequence is Linux's acpi_hw_legacy_sleep (SLP_TYP first, then SLP_TYP | SLP_EN, as one 16-bit write each).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ACPI_PM1A_CNT_PORT,
  ACPI_PM1A_EVT_PORT,
  ACPI_S5_SLP_TYP,
  AcpiPm,
} from '../../../src/machine/devices/acpi-pm.js';
import type { GuestEnd } from '../../../src/machine/guest-end.js';

/** Whatever end the machine passes in (it will add a power-off kind); the device returns it unchanged. */
const OFF: GuestEnd = { kind: 'reset' };

describe('ACPI PM1a', () => {
  it('SCI_EN reads 1: with SMI_CMD 0 the machine is always in ACPI mode (5.2.9 SMI_CMD, 4.8.3.2.1)', () => {
    const pm = new AcpiPm(() => OFF);
    assert.equal(pm.read(ACPI_PM1A_CNT_PORT, 2) & 1, 1);
    pm.write(ACPI_PM1A_CNT_PORT, 2, 0);
    assert.equal(pm.read(ACPI_PM1A_CNT_PORT, 2) & 1, 1);
  });

  it('SLP_TYP = \\_S5 with SLP_EN ends the run; SLP_EN reads 0 (4.8.3.2.1 PM1 control registers)', () => {
    const pm = new AcpiPm(() => OFF);
    const typ = ACPI_S5_SLP_TYP << 10;
    assert.equal(pm.write(ACPI_PM1A_CNT_PORT, 2, typ | 1), undefined);
    assert.equal(pm.read(ACPI_PM1A_CNT_PORT, 2), typ | 1);
    assert.equal(pm.write(ACPI_PM1A_CNT_PORT, 2, typ | 0x2000 | 1), OFF);
  });

  it('another sleeping state wakes at once with WAK_STS, which a 1 clears (4.8.3.1.1 PM1 status registers)', () => {
    const pm = new AcpiPm(() => OFF);
    assert.equal(pm.write(ACPI_PM1A_CNT_PORT, 2, (1 << 10) | 0x2000), undefined);
    assert.equal(pm.read(ACPI_PM1A_EVT_PORT, 2), 0x8000);
    pm.write(ACPI_PM1A_EVT_PORT, 2, 0x0001);
    assert.equal(pm.read(ACPI_PM1A_EVT_PORT, 2), 0x8000);
    pm.write(ACPI_PM1A_EVT_PORT, 2, 0x8000);
    assert.equal(pm.read(ACPI_PM1A_EVT_PORT, 4), 0);
    const copy = new AcpiPm(() => OFF);
    copy.restore(pm.save());
    assert.deepEqual(copy.save(), pm.save());
  });
});
