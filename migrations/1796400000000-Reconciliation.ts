import { MigrationInterface, QueryRunner } from 'typeorm';

export class Reconciliation1796400000000 implements MigrationInterface {
  name = 'Reconciliation1796400000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "reconciliation_runs" ("id" uuid NOT NULL, "gateway" character varying(32) NOT NULL, "merchant_id" character varying(64) NOT NULL, "business_date" date NOT NULL, "kind" character varying(16) NOT NULL, "status" character varying(16) NOT NULL, "lease_owner" character varying(128), "lease_until" TIMESTAMP WITH TIME ZONE, "cursor" character varying(200), "pages" integer NOT NULL DEFAULT '0', "staged_rows" integer NOT NULL DEFAULT '0', "summary" jsonb, "error" character varying(512), "started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "finished_at" TIMESTAMP WITH TIME ZONE, "supersedes_run_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_4edbdb165c9e754997036a4176a" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_reconciliation_runs_key" ON "reconciliation_runs"  ("gateway", "merchant_id", "business_date", "kind", "started_at") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_reconciliation_runs_one_running" ON "reconciliation_runs"  ("gateway", "merchant_id", "business_date", "kind") WHERE "status" = 'RUNNING'`,
    );
    await queryRunner.query(
      `CREATE TABLE "reconciliation_items" ("id" uuid NOT NULL, "run_id" uuid NOT NULL, "category" character varying(24) NOT NULL, "payment_id" uuid, "transaction_key" character varying(200), "gateway_payment_key" character varying(200), "order_id" character varying(64), "transaction_kind" character varying(16), "expected_amount" bigint, "actual_amount" bigint, "expected_status" character varying(32), "actual_status" character varying(32), "repair_action" character varying(40) NOT NULL, "resolution" character varying(16) NOT NULL DEFAULT 'OPEN', "resolved_by" character varying(128), "resolved_at" TIMESTAMP WITH TIME ZONE, "note" character varying(1000), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_6732b25a7c254bdea87be127da6" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_reconciliation_items_payment" ON "reconciliation_items"  ("payment_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_reconciliation_items_run_category" ON "reconciliation_items"  ("run_id", "category") `,
    );
    await queryRunner.query(
      `CREATE TABLE "reconciliation_gateway_rows" ("run_id" uuid NOT NULL, "transaction_key" character varying(200) NOT NULL, "kind" character varying(16) NOT NULL, "payment_key" character varying(200), "order_id" character varying(64), "amount" bigint, "status" character varying(32), "transacted_at" TIMESTAMP WITH TIME ZONE, "payment_id" uuid, "source" character varying(16) NOT NULL, "note" character varying(512), CONSTRAINT "PK_876bc10076b76c80b2c9b73014d" PRIMARY KEY ("run_id", "transaction_key"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "reconciliation_gateway_rows"`);
    await queryRunner.query(`DROP INDEX "ix_reconciliation_items_run_category"`);
    await queryRunner.query(`DROP INDEX "ix_reconciliation_items_payment"`);
    await queryRunner.query(`DROP TABLE "reconciliation_items"`);
    await queryRunner.query(`DROP INDEX "uq_reconciliation_runs_one_running"`);
    await queryRunner.query(`DROP INDEX "ix_reconciliation_runs_key"`);
    await queryRunner.query(`DROP TABLE "reconciliation_runs"`);
  }
}
