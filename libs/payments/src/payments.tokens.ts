/** DI tokens of the library. */
export const PAYMENTS_RESOLVED_OPTIONS = Symbol('KR_PAYMENTS_RESOLVED_OPTIONS');
export const PAYMENTS_DATA_SOURCE = Symbol('KR_PAYMENTS_DATA_SOURCE');
/** The wall clock every service reads (`options.clock`, else the system clock). */
export const PAYMENTS_CLOCK = Symbol('KR_PAYMENTS_CLOCK');
/** The library's logger (`options.logger`, else Nest's Logger with context `KrPayments`). */
export const PAYMENTS_LOGGER = Symbol('KR_PAYMENTS_LOGGER');
