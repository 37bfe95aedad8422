import { Payment, PaymentStatus, WebhookEvent } from 'nestjs-kr-payments';
import type { KispgSimulator } from 'nestjs-kr-payments/testing';
import { bootPaymentsApp, TEST_ENCRYPTION, type ShopApp } from '../../support/harness';
import { customer, useKispgShop } from './kispg-shop.fixtures';

/**
 * KISPG notifications end to end, against the trust rules of docs/gateways/kispg.md#webhook-trust-rules: the source
 * allowlist, the hash, and a duplicate applied once. Notifications the simulator delivers on its own are covered in
 * kispg-lifecycle.e2e.spec.ts.
 */
describe('KISPG notifications', () => {
  const harness = useKispgShop();
  const { gatewayOptions, nextOrderId, windowReturn, rowOf, eventsFor, postNotification } = harness;
  let sim: KispgSimulator;
  let shop: ShopApp;
  beforeAll(() => {
    ({ sim, shop } = harness);
  });

  it('a notification from a source outside the allowlist is refused with 403 and changes nothing', async () => {
    // Default webhookAllowedSources: KISPG's two IPs, not 127.0.0.1.
    const strict = await bootPaymentsApp(
      { gateways: { kispg: { ...gatewayOptions(), webhookAllowedSources: undefined } }, encryption: TEST_ENCRYPTION },
      'forRoot',
    );
    try {
      const orderId = nextOrderId();
      const { checkout } = await strict.payments.prepare({
        gateway: 'kispg',
        orderId,
        amount: 6_000,
        orderName: '머그',
        method: 'VIRTUAL_ACCOUNT',
        customer,
        returnUrl: 'https://shop.example/r',
      });
      const returned = sim.authenticate(checkout.fields as Record<string, string>);
      const issued = await strict.payments.confirmReturn('kispg', returned);
      sim.setNotifyUrl(undefined); // only the hand-posted notification below
      sim.deposit(returned.tid);
      sim.setNotifyUrl(`${shop.url}/payments/webhooks/kispg`);
      const response = await postNotification(strict.url, sim.notificationFor(returned.tid, 'deposit'));
      expect(response.status).toBe(403);
      const row = await strict.dataSource.manager.findOneByOrFail(Payment, { id: issued.id });
      expect(row.status).toBe(PaymentStatus.WAITING_FOR_DEPOSIT);
      expect(await strict.dataSource.manager.count(WebhookEvent)).toBe(0);
    } finally {
      await strict.close();
    }
  });

  it('a notification with a bad hash is refused (401) and changes nothing', async () => {
    sim.setNotifyUrl(undefined);
    try {
      const { orderId, returned } = await windowReturn(6_000, 'VIRTUAL_ACCOUNT');
      const issued = await shop.payments.confirmReturn('kispg', returned);
      sim.deposit(returned.tid);
      const genuine = sim.notificationFor(returned.tid, 'deposit');
      const forged = await postNotification(shop.url, { ...genuine, hashStr: 'ab'.repeat(32) });
      expect(forged.status).toBe(401);
      const tampered = await postNotification(shop.url, { ...genuine, amt: '1' });
      expect(tampered.status).toBe(401);
      expect((await rowOf(issued.id)).status).toBe(PaymentStatus.WAITING_FOR_DEPOSIT);
      expect(await eventsFor(orderId)).toHaveLength(0);
    } finally {
      sim.setNotifyUrl(`${shop.url}/payments/webhooks/kispg`);
    }
  });

  it('a duplicate notification is applied once (one inbox row, one read-back) and answered 200 OK both times', async () => {
    sim.setNotifyUrl(undefined);
    try {
      const { orderId, returned } = await windowReturn(6_000, 'VIRTUAL_ACCOUNT');
      const issued = await shop.payments.confirmReturn('kispg', returned);
      sim.deposit(returned.tid);
      const body = sim.notificationFor(returned.tid, 'deposit');
      const queriesBefore = sim.requestsTo('POST', '/v2/order').length;
      const first = await postNotification(shop.url, body);
      expect(first.status).toBe(200);
      expect(await first.text()).toBe('OK');
      expect(first.headers.get('content-type')).toContain('text/plain');
      const second = await postNotification(shop.url, body);
      expect(second.status).toBe(200);
      expect(sim.requestsTo('POST', '/v2/order').length - queriesBefore).toBe(1);
      expect(await eventsFor(orderId)).toHaveLength(1);
      expect((await rowOf(issued.id)).status).toBe(PaymentStatus.PAID);
    } finally {
      sim.setNotifyUrl(`${shop.url}/payments/webhooks/kispg`);
    }
  });
});
