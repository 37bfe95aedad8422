export { NicePayGatewayModule } from './nicepay.module';
export { NicePayGateway } from './nicepay.gateway';
export { NicePayGatewayOptions, NicePayTimeoutOptions } from './nicepay.types';
