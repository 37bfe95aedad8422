export * from './embedded-database';
export * from './test-database';
