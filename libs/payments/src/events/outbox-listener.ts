import type { LoggerService } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { OUTBOX_CHANNEL } from './outbox';

interface NotifyingClient {
  query(sql: string): Promise<unknown>;
  on(event: 'notification', listener: () => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  removeAllListeners(event: string): void;
}

/**
 * LISTEN on the outbox channel with one connection taken from the DataSource's pool. A lost connection is only
 * logged: the dispatcher's poll still finds every due event, NOTIFY just makes it sooner.
 */
export class OutboxListener {
  private constructor(
    private readonly client: NotifyingClient,
    private readonly release: (error?: Error) => void,
  ) {}

  static async start(dataSource: DataSource, onNotify: () => void, logger: LoggerService): Promise<OutboxListener> {
    const driver = dataSource.driver as PostgresDriver;
    const [client, release] = (await driver.obtainMasterConnection()) as [NotifyingClient, (error?: Error) => void];
    client.on('notification', onNotify);
    client.on('error', (error) =>
      logger.warn?.(`outbox: LISTEN connection lost (${error.message}); polling only`, 'KrPayments:events'),
    );
    await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    return new OutboxListener(client, release);
  }

  async stop(): Promise<void> {
    this.client.removeAllListeners('notification');
    try {
      await this.client.query(`UNLISTEN ${OUTBOX_CHANNEL}`);
      this.release();
    } catch (error) {
      // A broken connection is destroyed rather than returned to the pool.
      this.release(error as Error);
    }
  }
}
