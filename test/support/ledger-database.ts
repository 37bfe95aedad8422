import { DataSource } from 'typeorm';
import { PAYMENTS_ENTITIES, PAYMENTS_MIGRATIONS } from 'nestjs-kr-payments';

/** A DataSource on `url` with the library's entities and every migration run: for tests that use the tables directly. */
export async function openMigratedDataSource(url: string): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    entities: [...PAYMENTS_ENTITIES],
    migrations: [...PAYMENTS_MIGRATIONS],
    migrationsRun: true,
    logging: false,
  });
  return dataSource.initialize();
}
