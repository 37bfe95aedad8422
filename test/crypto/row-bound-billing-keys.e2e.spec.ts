import {
  BillingKey,
  EncryptionError,
  FieldCipher,
  Payment,
  PaymentStatus,
  type BillingKeyView,
  type EncryptedValue,
} from 'nestjs-kr-payments';
import { BillingKeyStore } from '../../libs/payments/src/billing-keys/billing-key.store';
import { TossShopFixture } from '../gateways/toss/toss-e2e.fixtures';
import { TEST_ENCRYPTION } from '../support/harness';

/** How billing keys and identity numbers were encrypted before row binding: the column name alone. */
const LEGACY_BILLING_KEY_AAD = 'billing_keys.billing_key';
const billingKeyAad = (rowId: string) => `billing_keys.billing_key:${rowId}`;

/**
 * Row-bound encryption through the public PaymentsService, against the Toss simulator: a billing-key ciphertext
 * copied into another row is refused before any write or gateway call, and rows written the old way keep working and
 * are rewritten under their row binding on first use.
 */
describe('row-bound encryption of billing keys and identity numbers', () => {
  const toss = TossShopFixture.use();
  let seq = 0;

  const cipher = () => toss.shop.app.get(FieldCipher, { strict: false });
  const issueKey = async (): Promise<BillingKeyView> => {
    const customerKey = `cust_rowbound_${Date.now().toString(36)}_${++seq}`;
    const auth = toss.sim.authenticateBilling({ customerKey });
    return toss.shop.payments.issueBillingKey({ gateway: 'toss', customerKey, authKey: auth.authKey });
  };
  const storedRow = (id: string) =>
    toss.shop.dataSource
      .createQueryBuilder(BillingKey, 'b')
      .addSelect('b.billingKeyCiphertext')
      .where('b.id = :id', { id })
      .getOneOrFail();
  const storedValue = async (id: string): Promise<EncryptedValue> => {
    const row = await storedRow(id);
    return { keyId: row.keyId, ciphertext: row.billingKeyCiphertext };
  };
  const secretOf = async (id: string) => cipher().decrypt(await storedValue(id), billingKeyAad(id));
  const overwrite = (id: string, value: EncryptedValue) =>
    toss.shop.dataSource.query('UPDATE billing_keys SET billing_key_ciphertext = $1, key_id = $2 WHERE id = $3', [
      value.ciphertext,
      value.keyId,
      id,
    ]);
  /** Requests that would use a billing key: charges (POST) and deletions (DELETE) of /v1/billing/<key>. */
  const billingKeyCalls = (since: number) =>
    toss.sim.requests
      .slice(since)
      .filter((r) => /^\/v1\/billing\/[^/]+$/.test(r.path) && !r.path.includes('authorizations'));
  const chargeOf = (billingKeyId: string, idempotencyKey: string) =>
    toss.shop.payments.chargeBillingKey({ billingKeyId, amount: 9_900, orderName: '행 바인딩 구독', idempotencyKey });

  it('stores each billing key bound to its row: the column-only AAD and another row id do not decrypt it', async () => {
    const key = await issueKey();
    const value = await storedValue(key.id);
    expect(value.keyId).toBe(TEST_ENCRYPTION.activeKeyId);
    expect(cipher().decrypt(value, billingKeyAad(key.id))).toMatch(/\S/);
    expect(() => cipher().decrypt(value, LEGACY_BILLING_KEY_AAD)).toThrow(EncryptionError);
    expect(() => cipher().decrypt(value, billingKeyAad(crypto.randomUUID()))).toThrow(EncryptionError);
  });

  it("a ciphertext copied into another customer's row fails with ENCRYPTION_ERROR; charge and delete change nothing", async () => {
    const [victim, target] = [await issueKey(), await issueKey()];
    await overwrite(target.id, await storedValue(victim.id));
    const copied = await storedRow(target.id);
    const [paymentsBefore, requestsBefore] = [
      await toss.shop.dataSource.manager.count(Payment),
      toss.sim.requests.length,
    ];

    const charge = chargeOf(target.id, 'copied-cycle-1');
    await expect(charge).rejects.toBeInstanceOf(EncryptionError);
    await expect(charge).rejects.toMatchObject({ code: 'ENCRYPTION_ERROR' });
    await expect(toss.shop.payments.deleteBillingKey(target.id)).rejects.toMatchObject({ code: 'ENCRYPTION_ERROR' });

    expect(billingKeyCalls(requestsBefore)).toEqual([]); // the simulator received no charge and no deletion
    expect(await toss.shop.dataSource.manager.count(Payment)).toBe(paymentsBefore);
    const after = await storedRow(target.id);
    expect(after).toEqual(copied); // not re-encrypted, not deleted, same version
    expect(after.status).toBe('ACTIVE');
    // The victim's own row still charges with the victim's key.
    const paid = await chargeOf(victim.id, 'victim-cycle-1');
    expect(paid.status).toBe(PaymentStatus.PAID);
  });

  it('a row written the legacy way under an old ring key charges, and is rewritten once under its row binding', async () => {
    const key = await issueKey();
    const secret = await secretOf(key.id);
    const oldRing = new FieldCipher({ ...TEST_ENCRYPTION, activeKeyId: 'k2' });
    await overwrite(key.id, oldRing.encrypt(secret, LEGACY_BILLING_KEY_AAD));
    const before = await storedRow(key.id);
    expect(before.keyId).toBe('k2');
    const requestsBefore = toss.sim.requests.length;

    // Two charges at once read the legacy value; the compare-and-set lets one rewrite it.
    const charges = await Promise.all([chargeOf(key.id, 'legacy-cycle-1'), chargeOf(key.id, 'legacy-cycle-2')]);
    expect(charges.map((payment) => payment.status)).toEqual([PaymentStatus.PAID, PaymentStatus.PAID]);
    const sentKeys = billingKeyCalls(requestsBefore).map((r) => decodeURIComponent(r.path.split('/').pop() ?? ''));
    expect(sentKeys).toEqual([secret, secret]);

    const after = await storedRow(key.id);
    expect(after.keyId).toBe(TEST_ENCRYPTION.activeKeyId);
    expect(after.version).toBe(before.version + 1);
    const rewritten = { keyId: after.keyId, ciphertext: after.billingKeyCiphertext };
    expect(cipher().decrypt(rewritten, billingKeyAad(key.id))).toBe(secret);
    expect(() => cipher().decrypt(rewritten, LEGACY_BILLING_KEY_AAD)).toThrow(EncryptionError);
    // The lookup hash is not bound to the row and did not change: lookups by value still find the row.
    expect(after.billingKeyHash).toBe(before.billingKeyHash);
    const found = await toss.shop.app.get(BillingKeyStore, { strict: false }).findByValue('toss', secret);
    expect(found?.id).toBe(key.id);

    const third = await chargeOf(key.id, 'legacy-cycle-3');
    expect(third.status).toBe(PaymentStatus.PAID);
    expect((await storedRow(key.id)).version).toBe(after.version); // already row-bound: nothing more to rewrite
  });

  it('a legacy ciphertext copied into another row is refused too (its plaintext is not that row’s key)', async () => {
    const [victim, target] = [await issueKey(), await issueKey()];
    await overwrite(target.id, cipher().encrypt(await secretOf(victim.id), LEGACY_BILLING_KEY_AAD));
    const copied = await storedRow(target.id);
    const [paymentsBefore, requestsBefore] = [
      await toss.shop.dataSource.manager.count(Payment),
      toss.sim.requests.length,
    ];

    await expect(chargeOf(target.id, 'legacy-copy-1')).rejects.toMatchObject({ code: 'ENCRYPTION_ERROR' });
    await expect(toss.shop.payments.deleteBillingKey(target.id)).rejects.toMatchObject({ code: 'ENCRYPTION_ERROR' });
    expect(billingKeyCalls(requestsBefore)).toEqual([]);
    expect(await toss.shop.dataSource.manager.count(Payment)).toBe(paymentsBefore);
    expect(await storedRow(target.id)).toEqual(copied);
  });

  it('a billing key deleted after a legacy read is deleted at the gateway with its own key', async () => {
    const key = await issueKey();
    const secret = await secretOf(key.id);
    await overwrite(key.id, cipher().encrypt(secret, LEGACY_BILLING_KEY_AAD));
    const requestsBefore = toss.sim.requests.length;
    const deleted = await toss.shop.payments.deleteBillingKey(key.id);
    expect(deleted.status).toBe('DELETED');
    const calls = billingKeyCalls(requestsBefore);
    expect(calls.map((r) => [r.method, decodeURIComponent(r.path.split('/').pop() ?? '')])).toEqual([
      ['DELETE', secret],
    ]);
    expect(cipher().decrypt(await storedValue(key.id), billingKeyAad(key.id))).toBe(secret);
  });

  it('stores a cash-receipt identity number bound to its row', async () => {
    const paid = await toss.paidCardPayment(12_000);
    const receipt = await toss.shop.payments.issueCashReceipt({
      paymentId: paid.id,
      type: 'INCOME_DEDUCTION',
      identityNumber: '01098765432',
    });
    const [stored] = (await toss.shop.dataSource.query(
      'SELECT identity_number_ciphertext AS ciphertext, key_id AS "keyId" FROM cash_receipts WHERE id = $1',
      [receipt.id],
    )) as EncryptedValue[];
    expect(cipher().decrypt(stored, `cash_receipts.identity_number:${receipt.id}`)).toBe('01098765432');
    expect(() => cipher().decrypt(stored, 'cash_receipts.identity_number')).toThrow(EncryptionError);
    expect(() => cipher().decrypt(stored, `cash_receipts.identity_number:${paid.id}`)).toThrow(EncryptionError);
  });
});
