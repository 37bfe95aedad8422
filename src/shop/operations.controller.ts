import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { Response } from 'express';
import { PaymentsHealth } from 'nestjs-kr-payments';

/**
 * Operations routes of the shop: `GET /health` (a @nestjs/terminus check over the library's PaymentsHealth: 503 when
 * the database is unreachable or the library's migrations are not applied; gateway outages show as `degraded` without
 * failing it) and `GET /metrics` (the library's Prometheus registry). Both are the host's choice to expose: put them
 * behind your own network rules; the library registers neither route itself.
 */
@ApiTags('operations')
@Controller()
export class OperationsController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly payments: PaymentsHealth,
  ) {}

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([() => this.paymentsIndicator()]);
  }

  @Get('metrics')
  @Header('cache-control', 'no-store')
  async metrics(@Res() response: Response): Promise<void> {
    response.setHeader('content-type', this.payments.metricsContentType);
    response.send(await this.payments.metrics());
  }

  private async paymentsIndicator(): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('payments');
    const report = await this.payments.check();
    const details = {
      database: report.database,
      migrations: report.migrations,
      gateways: report.gateways,
      outboxLagSeconds: report.outboxLagSeconds,
      repairBacklog: report.repairBacklog,
    };
    return report.status === 'up' ? indicator.up(details) : indicator.down(details);
  }
}
