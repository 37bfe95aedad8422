import { MigrationInterface, QueryRunner } from 'typeorm';

export class BillingEngine1796357983456 implements MigrationInterface {
  name = 'BillingEngine1796357983456';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "billing_attempts" ("id" uuid NOT NULL, "cycle_id" uuid NOT NULL, "subscription_id" uuid NOT NULL, "attempt_no" integer NOT NULL, "gateway" character varying(32) NOT NULL, "order_id" character varying(64) NOT NULL, "payment_id" uuid, "status" character varying(16) NOT NULL, "claims" integer NOT NULL DEFAULT '0', "transient_retries" integer NOT NULL DEFAULT '0', "next_try_at" TIMESTAMP WITH TIME ZONE NOT NULL, "lease_owner" character varying(128), "lease_until" TIMESTAMP WITH TIME ZONE, "decline_class" character varying(16), "decline_code" character varying(64), "decline_message" character varying(512), "finished_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_324da89bc0236f7cc106e96c1cf" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_billing_attempts_status_next_try" ON "billing_attempts"  ("status", "next_try_at") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_billing_attempts_one_open" ON "billing_attempts"  ("cycle_id") WHERE "status" IN ('PENDING', 'PROCESSING', 'UNKNOWN')`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_billing_attempts_one_succeeded" ON "billing_attempts"  ("cycle_id") WHERE "status" = 'SUCCEEDED'`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_billing_attempts_order_id" ON "billing_attempts"  ("order_id") `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_billing_attempts_cycle_attempt" ON "billing_attempts"  ("cycle_id", "attempt_no") `,
    );
    await queryRunner.query(
      `CREATE TABLE "billing_cycles" ("id" uuid NOT NULL, "subscription_id" uuid NOT NULL, "cycle_no" integer NOT NULL, "amount" bigint NOT NULL, "tax_free_amount" bigint NOT NULL DEFAULT '0', "period_start" TIMESTAMP WITH TIME ZONE NOT NULL, "period_end" TIMESTAMP WITH TIME ZONE NOT NULL, "due_at" TIMESTAMP WITH TIME ZONE NOT NULL, "next_attempt_at" TIMESTAMP WITH TIME ZONE, "status" character varying(16) NOT NULL, "attempt_count" integer NOT NULL DEFAULT '0', "payment_id" uuid, "paid_at" TIMESTAMP WITH TIME ZONE, "last_decline_class" character varying(16), "last_decline_code" character varying(64), "version" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_e2b9ae007fe8816495a934414bc" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_billing_cycles_status_next_attempt" ON "billing_cycles"  ("status", "next_attempt_at") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_billing_cycles_subscription_cycle" ON "billing_cycles"  ("subscription_id", "cycle_no") `,
    );
    await queryRunner.query(
      `CREATE TABLE "subscriptions" ("id" uuid NOT NULL, "gateway" character varying(32) NOT NULL, "customer_key" character varying(300) NOT NULL, "billing_key_id" uuid NOT NULL, "order_name" character varying(100) NOT NULL, "amount" bigint NOT NULL, "tax_free_amount" bigint NOT NULL DEFAULT '0', "pending_amount" bigint, "pending_tax_free_amount" bigint, "interval_unit" character varying(8) NOT NULL, "interval_count" integer NOT NULL DEFAULT '1', "anchor_day" smallint NOT NULL, "anchor_month" smallint, "first_charge_date" date NOT NULL, "charge_time" character varying(5) NOT NULL, "time_zone" character varying(64) NOT NULL, "current_period_start" TIMESTAMP WITH TIME ZONE, "current_period_end" TIMESTAMP WITH TIME ZONE, "next_charge_at" TIMESTAMP WITH TIME ZONE, "cycle_no" integer NOT NULL DEFAULT '0', "status" character varying(16) NOT NULL, "status_reason" character varying(64), "dunning" jsonb NOT NULL, "metadata" jsonb, "cancel_at_period_end" boolean NOT NULL DEFAULT false, "canceled_at" TIMESTAMP WITH TIME ZONE, "version" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a87248d73155605cf782be9ee5e" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_subscriptions_customer" ON "subscriptions"  ("customer_key") `);
    await queryRunner.query(`CREATE INDEX "ix_subscriptions_next_charge_at" ON "subscriptions"  ("next_charge_at") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_subscriptions_next_charge_at"`);
    await queryRunner.query(`DROP INDEX "ix_subscriptions_customer"`);
    await queryRunner.query(`DROP TABLE "subscriptions"`);
    await queryRunner.query(`DROP INDEX "uq_billing_cycles_subscription_cycle"`);
    await queryRunner.query(`DROP INDEX "ix_billing_cycles_status_next_attempt"`);
    await queryRunner.query(`DROP TABLE "billing_cycles"`);
    await queryRunner.query(`DROP INDEX "uq_billing_attempts_cycle_attempt"`);
    await queryRunner.query(`DROP INDEX "uq_billing_attempts_order_id"`);
    await queryRunner.query(`DROP INDEX "uq_billing_attempts_one_succeeded"`);
    await queryRunner.query(`DROP INDEX "uq_billing_attempts_one_open"`);
    await queryRunner.query(`DROP INDEX "ix_billing_attempts_status_next_try"`);
    await queryRunner.query(`DROP TABLE "billing_attempts"`);
  }
}
