import { PaymentStatus, type PaymentView } from 'nestjs-kr-payments';
import type { TossSimulator } from 'nestjs-kr-payments/testing';
import { URLS, type ShopApp } from './harness';

let issued = 0;

/**
 * A Toss virtual account issued through the simulated window and confirmed, its own webhooks settled: the payment
 * waits for the buyer's deposit. `label` names the order (and prefixes its orderId) so a failure says which test made it.
 */
export async function tossWaitingForDeposit(
  shop: ShopApp,
  sim: TossSimulator,
  label: string,
  amount: number,
): Promise<{ payment: PaymentView; paymentKey: string; orderId: string }> {
  issued += 1;
  const orderId = `${label}_${Date.now().toString(36)}_${issued}`;
  const order = { orderId, amount, orderName: label, method: 'VIRTUAL_ACCOUNT' as const };
  await shop.payments.prepare({ ...URLS, gateway: 'toss', ...order });
  const window = sim.authenticatePayment(order);
  const payment = await shop.payments.confirm({ gateway: 'toss', orderId, amount, paymentKey: window.paymentKey });
  if (payment.status !== PaymentStatus.WAITING_FOR_DEPOSIT) {
    throw new Error(`${orderId}: expected WAITING_FOR_DEPOSIT after confirm, got ${payment.status}`);
  }
  await sim.webhooksIdle();
  return { payment, paymentKey: window.paymentKey, orderId };
}
