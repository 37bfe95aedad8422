/**
 * nestjs-kr-payments/testing — gateway simulators and test helpers for your own e2e tests.
 */
export * from './clock';
export * from './toss';
export * from './nicepay';
export * from './kispg';
export * from './apps-in-toss';
export * from './postgres';
