import { MigrationInterface, QueryRunner } from 'typeorm';

export class RecoveryColumns1796331902397 implements MigrationInterface {
  name = 'RecoveryColumns1796331902397';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "payment_cancels" ADD "absent_reads" integer NOT NULL DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE "payments" ADD "attempt_payment_key" character varying(200)`);
    await queryRunner.query(`ALTER TABLE "payments" ADD "approval_sent_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "payments" ADD "truth_observed_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(
      `ALTER TABLE "payments" ADD CONSTRAINT "ck_payments_pending_fits" CHECK ("pending_cancel_amount" >= 0 AND "canceled_amount" + "pending_cancel_amount" <= "amount")`,
    );
    await queryRunner.query(
      `ALTER TABLE "payments" ADD CONSTRAINT "ck_payments_canceled_range" CHECK ("canceled_amount" >= 0 AND "canceled_amount" <= "amount")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "payments" DROP CONSTRAINT "ck_payments_canceled_range"`);
    await queryRunner.query(`ALTER TABLE "payments" DROP CONSTRAINT "ck_payments_pending_fits"`);
    await queryRunner.query(`ALTER TABLE "payments" DROP COLUMN "truth_observed_at"`);
    await queryRunner.query(`ALTER TABLE "payments" DROP COLUMN "approval_sent_at"`);
    await queryRunner.query(`ALTER TABLE "payments" DROP COLUMN "attempt_payment_key"`);
    await queryRunner.query(`ALTER TABLE "payment_cancels" DROP COLUMN "absent_reads"`);
  }
}
