/** DI tokens of the library. */
export const PAYMENTS_RESOLVED_OPTIONS = Symbol('KR_PAYMENTS_RESOLVED_OPTIONS');
export const PAYMENTS_DATA_SOURCE = Symbol('KR_PAYMENTS_DATA_SOURCE');
