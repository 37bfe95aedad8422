import {
  WindowParamError,
  appendQuery,
  messagePage,
  redirectAnswer,
  serveWindow,
  windowPage,
} from '../common/payment-window';
import type { ParsedRequest, SimulatorAnswer } from '../common/simulator-http';

/**
 * Path of the clickable approval page: `?payToken=<from make-payment>&returnUrl=<optional http(s) URL>`. It stands for
 * the Toss app's `checkoutPayment({ params: { payToken } })` sheet. The pay API sits behind mutual TLS a browser cannot
 * pass, so the page is served on a plain-HTTP listener of its own (`AppsInTossSimulator.windowUrl`).
 */
export const APPS_IN_TOSS_WINDOW_PATH = '/window/pay';

/**
 * What the returnUrl gets: `payToken, orderNo, success` (`true` / `false`, as checkoutPayment resolves) and on failure
 * `reason`. These query names are the simulator's: the real sheet answers the mini-app's JavaScript, not a URL.
 */
const REASONS = { decline: 'DECLINED', abandon: 'USER_CANCELED' } as const;

export interface AppsInTossWindowHandlers {
  peek: (payToken: string) => Record<string, unknown> | undefined;
  /** As `AppsInTossSimulator.authenticate`: PAY_STANDBY → PAY_APPROVED. */
  authenticate: (payToken: string) => void;
  /** As `AppsInTossSimulator.cancelWindow`: → PAY_CANCEL. */
  cancelWindow: (payToken: string) => void;
}

/**
 * Serves the approval page. Approve marks the payment approved as `authenticate` does; Abandon closes the sheet as
 * `cancelWindow` does (PAY_CANCEL); Decline (the buyer's payment method refused) changes nothing, so the payment stays
 * PAY_STANDBY. Then the browser goes to returnUrl, or, without one, sees the result.
 */
export function serveAppsInTossWindow(request: ParsedRequest, handlers: AppsInTossWindowHandlers): SimulatorAnswer {
  return serveWindow(request, 'AppsInTossSimulator', {
    show: (params) => {
      const payToken = params.text('payToken', 200);
      params.optionalUrl('returnUrl');
      const payment = payable(payToken, handlers);
      return windowPage({
        gateway: 'Apps-in-Toss TossPay',
        details: [
          ['Product', String(payment.productDesc ?? '')],
          ['Order no', String(payment.orderNo ?? '')],
          ['Amount', `${Number(payment.amount).toLocaleString('en-US')} KRW`],
          ['Status', String(payment.payStatus)],
        ],
        postTo: `${APPS_IN_TOSS_WINDOW_PATH}?${new URLSearchParams(params.fields()).toString()}`,
        note: 'Approve authenticates the payToken; the shop then executes it over mutual TLS.',
      });
    },
    act: (action, params) => {
      const payToken = params.text('payToken', 200);
      const returnUrl = params.optionalUrl('returnUrl');
      const payment = payable(payToken, handlers);
      if (action === 'approve') handlers.authenticate(payToken);
      if (action === 'abandon') handlers.cancelWindow(payToken);
      const result: Record<string, string> = {
        payToken,
        orderNo: String(payment.orderNo),
        success: String(action === 'approve'),
        ...(action === 'approve' ? {} : { reason: REASONS[action] }),
      };
      if (returnUrl) return redirectAnswer(appendQuery(returnUrl, result));
      const status = String(handlers.peek(payToken)?.payStatus);
      return messagePage(
        200,
        action === 'approve' ? 'Payment approved' : 'Payment not approved',
        `payToken ${payToken}: ${status}${action === 'approve' ? '' : ` (${REASONS[action]})`}`,
      );
    },
  });
}

/** The payment behind the token; only one still waiting for the buyer can be shown or clicked. */
function payable(payToken: string, handlers: AppsInTossWindowHandlers): Record<string, unknown> {
  const payment = handlers.peek(payToken);
  if (!payment) throw new WindowParamError('payToken', 'is not a payment of this simulator');
  if (payment.payStatus !== 'PAY_STANDBY')
    throw new WindowParamError('payToken', `is ${String(payment.payStatus)}, not waiting for the buyer`);
  return payment;
}
