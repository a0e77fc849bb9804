// TEST-ONLY stand-in for Stripe's idempotency, shared by every process on one PostgreSQL schema: a charge is
// a row keyed by its idempotency key (INSERT … ON CONFLICT DO NOTHING), and a repeated key returns the
// stored outcome instead of charging again; `reconcile` reads the row (like retrieving the PaymentIntent).
// The table (`<schema>.test_psp_charges`) is created by the test before any worker starts.

/**
 * @param {import('pg').Pool} pool
 * @param {string} schema
 * @param {{ onCharged?: (req: { sessionId: string }) => Promise<void> }} [hooks]
 */
export function createSharedPostgresPsp(pool, schema, hooks = {}) {
  let seq = 0;
  const table = `"${schema}".test_psp_charges`;
  const get = async (key) => {
    const { rows } = await pool.query(
      `SELECT result::text AS result FROM ${table} WHERE idempotency_key = $1`,
      [key],
    );
    return rows[0] ? JSON.parse(rows[0].result) : undefined;
  };
  return {
    version: 1,
    /** @param {import('@acp/core').ChargeRequest} req */
    async charge(req) {
      const paymentId = `pi_shared_${process.pid}_${++seq}`;
      const result =
        req.credential.token === 'spt_test_declined'
          ? { status: 'declined', code: 'card_declined', message: 'The card was declined.', paymentId }
          : { status: 'succeeded', paymentId, amount: req.amount, currency: req.currency };
      const inserted = await pool.query(
        `INSERT INTO ${table} (idempotency_key, session_id, payment_id, status, result, pid)
         VALUES ($1, $2, $3, $4, $5::json, $6) ON CONFLICT (idempotency_key) DO NOTHING`,
        [req.idempotencyKey, req.sessionId, paymentId, result.status, JSON.stringify(result), process.pid],
      );
      const stored = await get(req.idempotencyKey);
      if (inserted.rowCount === 1 && hooks.onCharged) await hooks.onCharged(req);
      return stored;
    },
    /** @param {import('@acp/core').PaymentAttempt} attempt */
    async reconcile(attempt) {
      return (await get(attempt.idempotencyKey)) ?? { status: 'not_found' };
    },
  };
}
