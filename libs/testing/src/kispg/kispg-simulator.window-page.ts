import { autoPostPage, serveWindow, windowPage } from '../common/payment-window';
import type { ParsedRequest, SimulatorAnswer } from '../common/simulator-http';

/**
 * Path of the clickable payment window: the shop's page POSTs the very form it would post to `/v2/auth` (the library's
 * checkout `fields`) here instead. `/v2/auth` itself completes at once, as the tests that post to it expect; this path
 * waits for the buyer's click. The buttons POST the same fields back, with `simAction`.
 */
export const KISPG_WINDOW_PATH = '/window/auth';

/**
 * Serves the window. Every click ends in the form POST to returnUrl that `/v2/auth` makes: Approve with exactly what
 * `KispgSimulator.authenticate` returns for the form (mid, encData, ediDate window, byte limits and a used ordNo are
 * checked then, a refusal posted like KISPG posts one), Decline and Abandon with its `outcome: 'failure'` answer (KISPG
 * publishes no codes, so both carry the simulator's authDeclined code).
 */
export function serveKispgWindow(
  request: ParsedRequest,
  authenticate: (form: Record<string, string>, outcome: 'success' | 'failure') => Record<string, string>,
): SimulatorAnswer {
  return serveWindow(request, 'KispgSimulator', {
    show: (params) => {
      // The fields a buyer sees, and where the result goes: checked before the window opens.
      const goodsNm = params.text('goodsNm', 200);
      const ordNo = params.text('ordNo', 40);
      const goodsAmt = params.amount('goodsAmt');
      params.text('mid', 20);
      params.url('returnUrl');
      return windowPage({
        gateway: 'KISPG',
        details: [
          ['Goods', goodsNm],
          ['Order no', ordNo],
          ['Amount', `${goodsAmt.toLocaleString('en-US')} KRW`],
          ['Method', params.optionalText('payMethod', 20) ?? 'CARD'],
        ],
        postTo: KISPG_WINDOW_PATH,
        hidden: params.fields(),
        note: 'Every button posts the result to the shop’s returnUrl.',
      });
    },
    act: (action, params) => {
      const returnUrl = params.url('returnUrl');
      const result = authenticate(params.fields(), action === 'approve' ? 'success' : 'failure');
      return autoPostPage('KISPG', returnUrl, result);
    },
  });
}
