import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The webhook inbox's processing claim (a lease), so concurrent duplicates of one event are processed once. */
export class WebhookInboxClaims1796332800000 implements MigrationInterface {
  name = 'WebhookInboxClaims1796332800000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "webhook_events" ADD "claimed_until" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "webhook_events" ADD "claim_token" uuid`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "webhook_events" DROP COLUMN "claim_token"`);
    await queryRunner.query(`ALTER TABLE "webhook_events" DROP COLUMN "claimed_until"`);
  }
}
