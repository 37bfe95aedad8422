import { MigrationInterface, QueryRunner } from 'typeorm';

export class PaymentEvents1796400000001 implements MigrationInterface {
  name = 'PaymentEvents1796400000001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "payment_events" ("id" uuid NOT NULL, "sequence" BIGSERIAL NOT NULL, "type" character varying(64) NOT NULL, "aggregate_type" character varying(32) NOT NULL, "aggregate_id" uuid NOT NULL, "payload" jsonb NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, "dispatched_at" TIMESTAMP WITH TIME ZONE, "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL, "lease_until" TIMESTAMP WITH TIME ZONE, "last_error" character varying(512), CONSTRAINT "UQ_91d007fffb596d9407e205b2cf9" UNIQUE ("sequence"), CONSTRAINT "PK_9f1d16fc78b33e676940a32e8b5" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_payment_events_dispatched" ON "payment_events"  ("dispatched_at") WHERE "dispatched_at" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_payment_events_aggregate_pending" ON "payment_events"  ("aggregate_id", "sequence") WHERE "dispatched_at" IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_payment_events_due" ON "payment_events"  ("next_attempt_at", "sequence") WHERE "dispatched_at" IS NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_payment_events_due"`);
    await queryRunner.query(`DROP INDEX "ix_payment_events_aggregate_pending"`);
    await queryRunner.query(`DROP INDEX "ix_payment_events_dispatched"`);
    await queryRunner.query(`DROP TABLE "payment_events"`);
  }
}
