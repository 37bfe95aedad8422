import { MigrationInterface, QueryRunner } from 'typeorm';

export class PaymentListIndexes1796400000002 implements MigrationInterface {
  name = 'PaymentListIndexes1796400000002';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "ix_payments_customer_created_at_id" ON "payments" ("customer_key", "created_at", "id") `,
    );
    await queryRunner.query(`CREATE INDEX "ix_payments_created_at_id" ON "payments" ("created_at", "id") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_payments_created_at_id"`);
    await queryRunner.query(`DROP INDEX "ix_payments_customer_created_at_id"`);
  }
}
