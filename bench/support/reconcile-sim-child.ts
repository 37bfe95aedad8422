import { performance } from 'node:perf_hooks';
import { TossSimulator } from 'nestjs-kr-payments/testing';
import { gatewayRows } from './reconcile-plan';
import type { SimulatorCommand, SimulatorReply } from './reconcile-simulator';

/**
 * Child process of the reconcile benchmark (forked by SimulatorProcess): one Toss simulator on 127.0.0.1, seeded in
 * bulk from the plan, answering the library's list pages and read-backs over real HTTP. Exits when told to or when
 * its parent goes away, so a crashed benchmark leaves no simulator behind.
 */
async function main(): Promise<void> {
  const sim = await TossSimulator.start({ port: 0 });
  const reply = (message: SimulatorReply) => process.send?.(message);
  process.on('disconnect', () => void sim.stop().finally(() => process.exit(0)));
  process.on('message', (command: SimulatorCommand) => {
    try {
      if (command.type === 'seed') {
        const started = performance.now();
        const rows = gatewayRows(command.plan);
        sim.seedTransactions(rows);
        reply({ type: 'seeded', transactions: rows.length, ms: Math.round(performance.now() - started) });
      } else if (command.type === 'stats') {
        reply({
          type: 'stats',
          stats: {
            listPages: sim.requestsTo('GET', '/v1/transactions').length,
            readBacks: sim.requestsTo('GET', '/v1/payments/').length,
            requests: sim.requests.length,
            maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
          },
        });
      } else if (command.type === 'stop') {
        void sim.stop().finally(() => process.exit(0));
      }
    } catch (error) {
      reply({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  });
  reply({ type: 'ready', url: sim.url });
}

main().catch((error: unknown) => {
  console.error('reconcile simulator process:', error);
  process.exit(1);
});
