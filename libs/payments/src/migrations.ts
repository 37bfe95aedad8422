export { PAYMENTS_MIGRATIONS } from '../../../migrations';
