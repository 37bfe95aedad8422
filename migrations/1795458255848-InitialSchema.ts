import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1795458255848 implements MigrationInterface {
  name = 'InitialSchema1795458255848';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "billing_keys" ("id" uuid NOT NULL, "gateway" character varying(32) NOT NULL, "customer_key" character varying(300) NOT NULL, "billing_key_ciphertext" text NOT NULL, "key_id" character varying(64) NOT NULL, "billing_key_hash" character varying(64) NOT NULL, "status" character varying(16) NOT NULL, "method" character varying(32), "card_issuer_code" character varying(8), "card_number_masked" character varying(32), "card_type" character varying(16), "authenticated_at" TIMESTAMP WITH TIME ZONE, "deleted_at" TIMESTAMP WITH TIME ZONE, "raw" jsonb, "version" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_7268c353852c37a67df30ad5a80" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_billing_keys_customer" ON "billing_keys"  ("gateway", "customer_key") `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_billing_keys_gateway_hash" ON "billing_keys"  ("gateway", "billing_key_hash") `,
    );
    await queryRunner.query(
      `CREATE TABLE "cash_receipts" ("id" uuid NOT NULL, "gateway" character varying(32) NOT NULL, "payment_id" uuid, "order_id" character varying(64) NOT NULL, "order_name" character varying(100) NOT NULL, "amount" bigint NOT NULL, "tax_free_amount" bigint NOT NULL DEFAULT '0', "type" character varying(20) NOT NULL, "identity_number_ciphertext" text NOT NULL, "key_id" character varying(64) NOT NULL, "identity_number_hash" character varying(64) NOT NULL, "receipt_key" character varying(200), "cancel_receipt_key" character varying(200), "issue_number" character varying(32), "status" character varying(16) NOT NULL, "receipt_url" character varying(512), "failure_code" character varying(64), "failure_message" character varying(512), "issued_at" TIMESTAMP WITH TIME ZONE, "canceled_at" TIMESTAMP WITH TIME ZONE, "raw" jsonb, "version" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_7eea20f4ca01c7acbea74cdaf3a" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_cash_receipts_identity_hash" ON "cash_receipts"  ("identity_number_hash") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_cash_receipts_receipt_key" ON "cash_receipts"  ("gateway", "receipt_key") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_cash_receipts_gateway_order" ON "cash_receipts"  ("gateway", "order_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "payment_cancels" ("id" uuid NOT NULL, "payment_id" uuid NOT NULL, "amount" bigint NOT NULL, "tax_free_amount" bigint NOT NULL DEFAULT '0', "reason" character varying(200) NOT NULL, "status" character varying(16) NOT NULL, "idempotency_key" character varying(300) NOT NULL, "transaction_key" character varying(200), "refund_account" jsonb, "canceled_at" TIMESTAMP WITH TIME ZONE, "failure_code" character varying(64), "failure_message" character varying(512), "raw" jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_e69cada5657941d36a1c18d55d8" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_payment_cancels_transaction_key" ON "payment_cancels"  ("transaction_key") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_payment_cancels_idempotency" ON "payment_cancels"  ("payment_id", "idempotency_key") `,
    );
    await queryRunner.query(
      `CREATE TABLE "payments" ("id" uuid NOT NULL, "gateway" character varying(32) NOT NULL, "order_id" character varying(64) NOT NULL, "gateway_payment_key" character varying(200), "type" character varying(16) NOT NULL DEFAULT 'NORMAL', "method" character varying(32), "status" character varying(24) NOT NULL, "currency" character varying(3) NOT NULL DEFAULT 'KRW', "amount" bigint NOT NULL, "balance_amount" bigint NOT NULL, "canceled_amount" bigint NOT NULL DEFAULT '0', "pending_cancel_amount" bigint NOT NULL DEFAULT '0', "tax_free_amount" bigint NOT NULL DEFAULT '0', "vat" bigint, "order_name" character varying(100) NOT NULL, "customer_key" character varying(300), "customer_name" character varying(100), "customer_email" character varying(100), "customer_phone" character varying(20), "approved_at" TIMESTAMP WITH TIME ZONE, "va_bank_code" character varying(10), "va_account_number" character varying(40), "va_holder_name" character varying(100), "va_due_date" TIMESTAMP WITH TIME ZONE, "webhook_secret_hash" character varying(64), "billing_key_id" uuid, "failure_code" character varying(64), "failure_message" character varying(512), "last_transaction_key" character varying(64), "receipt_url" character varying(512), "metadata" jsonb, "raw" jsonb, "version" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_197ab7af18c93fbb0c9b28b4a59" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_payments_status_updated_at" ON "payments"  ("status", "updated_at") `);
    await queryRunner.query(
      `CREATE INDEX "ix_payments_gateway_payment_key" ON "payments"  ("gateway", "gateway_payment_key") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_payments_gateway_order_id" ON "payments"  ("gateway", "order_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "webhook_events" ("id" uuid NOT NULL, "gateway" character varying(32) NOT NULL, "dedupe_key" character varying(300) NOT NULL, "event_type" character varying(64) NOT NULL, "status" character varying(16) NOT NULL, "verification" character varying(16) NOT NULL, "attempts" integer NOT NULL DEFAULT '0', "payment_id" uuid, "order_id" character varying(64), "source_ip" character varying(64), "payload" jsonb, "last_error" character varying(1000), "received_at" TIMESTAMP WITH TIME ZONE NOT NULL, "processed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_4cba37e6a0acb5e1fc49c34ebfd" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_webhook_events_status" ON "webhook_events"  ("status", "received_at") `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_webhook_events_dedupe" ON "webhook_events"  ("gateway", "dedupe_key") `,
    );
    await queryRunner.query(
      `ALTER TABLE "payment_cancels" ADD CONSTRAINT "FK_82d956082d7d9335bf898339830" FOREIGN KEY ("payment_id") REFERENCES "payments"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "payment_cancels" DROP CONSTRAINT "FK_82d956082d7d9335bf898339830"`);
    await queryRunner.query(`DROP INDEX "uq_webhook_events_dedupe"`);
    await queryRunner.query(`DROP INDEX "ix_webhook_events_status"`);
    await queryRunner.query(`DROP TABLE "webhook_events"`);
    await queryRunner.query(`DROP INDEX "uq_payments_gateway_order_id"`);
    await queryRunner.query(`DROP INDEX "ix_payments_gateway_payment_key"`);
    await queryRunner.query(`DROP INDEX "ix_payments_status_updated_at"`);
    await queryRunner.query(`DROP TABLE "payments"`);
    await queryRunner.query(`DROP INDEX "uq_payment_cancels_idempotency"`);
    await queryRunner.query(`DROP INDEX "ix_payment_cancels_transaction_key"`);
    await queryRunner.query(`DROP TABLE "payment_cancels"`);
    await queryRunner.query(`DROP INDEX "uq_cash_receipts_gateway_order"`);
    await queryRunner.query(`DROP INDEX "ix_cash_receipts_receipt_key"`);
    await queryRunner.query(`DROP INDEX "ix_cash_receipts_identity_hash"`);
    await queryRunner.query(`DROP TABLE "cash_receipts"`);
    await queryRunner.query(`DROP INDEX "uq_billing_keys_gateway_hash"`);
    await queryRunner.query(`DROP INDEX "ix_billing_keys_customer"`);
    await queryRunner.query(`DROP TABLE "billing_keys"`);
  }
}
