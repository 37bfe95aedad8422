import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import type { DataSource, EntityMetadata, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * Whole entities out of a hand-written statement. The hot paths (billing claims, guarded updates) join and update in
 * one round trip, which the query builder cannot express; this keeps their rows typed exactly as TypeORM would hydrate
 * them (bigint money through its transformer, timestamps as Date) without the builder's per-query cost.
 *
 * `columns()` is the select list `alias."col" AS "alias__col"`; `hydrate(row)` reads those back into an entity.
 */
export class EntityRows<T extends ObjectLiteral> {
  private readonly metadata: EntityMetadata;
  private readonly columnList: readonly ColumnMetadata[];

  constructor(
    private readonly dataSource: DataSource,
    target: EntityTarget<T>,
    readonly alias: string,
    /** `alias__col` for our own select lists; `_` reads the raw rows of TypeORM's query builder (`alias_col`). */
    private readonly separator: '__' | '_' = '__',
  ) {
    this.metadata = dataSource.getMetadata(target);
    this.columnList = this.metadata.columns;
  }

  /** The select list for this entity under its alias. */
  columns(): string {
    return this.columnList
      .map((column) => `${this.alias}."${column.databaseName}" AS "${this.key(column)}"`)
      .join(', ');
  }

  /** The entity in a row selected with `columns()`. */
  hydrate(row: Record<string, unknown>): T {
    const entity = this.metadata.create() as T;
    for (const column of this.columnList) {
      const value = this.dataSource.driver.prepareHydratedValue(row[this.key(column)], column);
      column.setEntityValue(entity, value);
    }
    return entity;
  }

  private key(column: ColumnMetadata): string {
    return `${this.alias}${this.separator}${column.databaseName}`;
  }
}

/**
 * `"col" = $n, ...` for a patch of entity properties, with each value prepared as TypeORM would persist it (money
 * through its transformer, JSON stringified). The values are appended to `params`.
 */
export function setClause<T extends ObjectLiteral>(
  dataSource: DataSource,
  target: EntityTarget<T>,
  patch: Partial<T>,
  params: unknown[],
): string {
  const metadata = dataSource.getMetadata(target);
  return Object.entries(patch)
    .filter(([, value]) => value !== undefined)
    .map(([property, value]) => {
      const column = metadata.findColumnWithPropertyName(property);
      if (!column) throw new Error(`${metadata.name} has no column for ${property}`);
      const prepared = dataSource.driver.preparePersistentValue(value, column) as unknown;
      return `"${column.databaseName}" = $${params.push(prepared)}`;
    })
    .join(', ');
}

/**
 * `INSERT INTO "table" (...) VALUES (...) RETURNING <generated>` for one entity: every property that is set, prepared
 * as TypeORM would persist it; unset ones take the column's default. Returns the statement; values go to `params`.
 */
export function insertStatement<T extends ObjectLiteral>(
  dataSource: DataSource,
  target: EntityTarget<T>,
  entity: T,
  params: unknown[],
): string {
  const metadata = dataSource.getMetadata(target);
  const columns: string[] = [];
  const values: string[] = [];
  for (const column of metadata.columns) {
    const value: unknown = column.getEntityValue(entity);
    if (value === undefined) continue;
    columns.push(`"${column.databaseName}"`);
    values.push(`$${params.push(dataSource.driver.preparePersistentValue(value, column))}`);
  }
  const generated = metadata.columns
    .filter((column) => column.isVersion || column.isCreateDate || column.isUpdateDate)
    .map((column) => `"${column.databaseName}" AS "${column.propertyName}"`);
  return `INSERT INTO "${metadata.tableName}" (${columns.join(', ')}) VALUES (${values.join(', ')})
          RETURNING ${generated.join(', ')}`;
}
