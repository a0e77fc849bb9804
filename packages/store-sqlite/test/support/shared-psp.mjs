// TEST-ONLY stand-in for Stripe's idempotency, shared by every process on one SQLite file: a charge is a
// row keyed by its idempotency key (INSERT … ON CONFLICT DO NOTHING), and a repeated key returns the stored
// outcome instead of charging again; `reconcile` reads the row (like retrieving the PaymentIntent). The table
// (`test_psp_charges`) is created by the test before any worker starts.

/**
 * @param {import('better-sqlite3').Database} db
 * @param {{ onCharged?: (req: { sessionId: string }) => Promise<void> }} [hooks]
 */
export function createSharedSqlitePsp(db, hooks = {}) {
  let seq = 0;
  const insert = db.prepare(
    `INSERT INTO test_psp_charges (idempotency_key, session_id, payment_id, status, result, pid)
     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING`,
  );
  const get = db.prepare('SELECT result FROM test_psp_charges WHERE idempotency_key = ?');
  return {
    version: 1,
    /** @param {import('@acp/core').ChargeRequest} req */
    async charge(req) {
      const paymentId = `pi_shared_${process.pid}_${++seq}`;
      const result =
        req.credential.token === 'spt_test_declined'
          ? { status: 'declined', code: 'card_declined', message: 'The card was declined.', paymentId }
          : { status: 'succeeded', paymentId, amount: req.amount, currency: req.currency };
      const inserted = insert.run(
        req.idempotencyKey,
        req.sessionId,
        paymentId,
        result.status,
        JSON.stringify(result),
        process.pid,
      ).changes;
      const stored = JSON.parse(get.get(req.idempotencyKey).result);
      if (inserted === 1 && hooks.onCharged) await hooks.onCharged(req);
      return stored;
    },
    /** @param {import('@acp/core').PaymentAttempt} attempt */
    async reconcile(attempt) {
      const row = get.get(attempt.idempotencyKey);
      return row ? JSON.parse(row.result) : { status: 'not_found' };
    },
  };
}
