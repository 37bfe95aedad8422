import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fingerprints of the encryption keys, compared at boot so that a changed key fails startup
 * (libs/payments/src/crypto/encryption-key-verifier.ts).
 */
export class EncryptionKeyChecks1796333245718 implements MigrationInterface {
  name = 'EncryptionKeyChecks1796333245718';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "encryption_key_checks" ("name" character varying(80) NOT NULL, "check_value" character varying(64) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_61263f7f624f067aaf42260b452" PRIMARY KEY ("name"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "encryption_key_checks"`);
  }
}
