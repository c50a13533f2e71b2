// An interrupt message on the APIC bus (SDM vol. 3 10.6.1 ICR fields, 82093AA redirection entry fields): what an
// IOAPIC pin, an IPI or a self-IPI sends to the local APICs.

/** Delivery modes (SDM vol. 3 10.6.1, ICR bits 10:8; 82093AA 3.2.4, redirection entry bits 10:8). */
export const DeliveryMode = {
  Fixed: 0,
  LowestPriority: 1,
  Smi: 2,
  Nmi: 4,
  Init: 5,
  StartUp: 6,
  ExtInt: 7,
} as const;
export type DeliveryMode = (typeof DeliveryMode)[keyof typeof DeliveryMode];

export interface ApicMessage {
  vector: number;
  deliveryMode: number;
  /** Destination mode: false = physical (an APIC ID), true = logical (matched against LDR/DFR). */
  logical: boolean;
  /** The destination field: 8 bits in xAPIC and IOAPIC messages, 32 in x2APIC. */
  dest: number;
  /** Trigger mode: true = level. A level-triggered fixed interrupt sets the TMR bit, so its EOI is broadcast. */
  level: boolean;
}
