/** Wall clock, injectable (`PaymentsModuleOptions.clock`) so tests can move time. */
export interface PaymentsClock {
  now(): Date;
}

export const systemClock: PaymentsClock = { now: () => new Date() };
