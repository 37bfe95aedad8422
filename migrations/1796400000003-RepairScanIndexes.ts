import { MigrationInterface, QueryRunner } from 'typeorm';

export class RepairScanIndexes1796400000003 implements MigrationInterface {
  name = 'RepairScanIndexes1796400000003';

  // Index names unqualified: they resolve through the connection's search_path, so the migration also runs where the
  // tables live in their own schema (paymentsTypeOrmOptions({ schema })).
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_payments_status_updated_at"`);
    await queryRunner.query(
      `CREATE INDEX "ix_payment_cancels_repair" ON "payment_cancels"  ("created_at") WHERE "status" IN ('UNKNOWN', 'PENDING')`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_payments_repair_abandoned" ON "payments"  ("created_at") WHERE "status" = 'READY'`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_payments_repair_deposit" ON "payments"  ("va_due_date") WHERE "status" = 'WAITING_FOR_DEPOSIT'`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_payments_repair_approval" ON "payments"  ("status", "updated_at") WHERE "status" IN ('UNKNOWN', 'IN_PROGRESS')`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_payments_repair_approval"`);
    await queryRunner.query(`DROP INDEX "ix_payments_repair_deposit"`);
    await queryRunner.query(`DROP INDEX "ix_payments_repair_abandoned"`);
    await queryRunner.query(`DROP INDEX "ix_payment_cancels_repair"`);
    await queryRunner.query(
      `CREATE INDEX "ix_payments_status_updated_at" ON "payments" USING btree ("status", "updated_at") `,
    );
  }
}
