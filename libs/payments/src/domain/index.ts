export * from './approval-outcome';
export * from './clock';
export * from './errors';
export * from './ids';
export * from './money';
export * from './payment-status';
export * from './validation';
