export { AppsInTossGatewayModule, createAppsInTossGateway } from './apps-in-toss.module';
export { AppsInTossGateway, type AppsInTossGatewayDependencies } from './apps-in-toss.gateway';
export { AppsInTossGatewayOptions, AppsInTossTimeoutOptions } from './apps-in-toss.types';
export type { AppsInTossCertificateInfo, AppsInTossCertificateSet } from './apps-in-toss.crypto';
