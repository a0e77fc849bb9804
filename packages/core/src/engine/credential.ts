// The credential check of a complete request, before any attempt is stored or any PSP is called: core
// refuses anything card-number-like whatever the adapter (that part also runs for every field in the
// service's request parsing), then the gateway's own shape check (`validateCredential`) runs.
import { AcpError } from '../errors.js';
import { containsPan, panRefusalMessage } from '../pan.js';
import type { PaymentGatewayV1 } from '../ports.js';
import type { CheckoutSessionCompleteRequest } from '../spec/2026-04-17/schemas.generated.js';

/** The refusal for a complete request's credential, or undefined when it may be stored and sent. */
export function credentialError(
  request: CheckoutSessionCompleteRequest,
  gateway: Pick<PaymentGatewayV1, 'validateCredential'>,
  root = '$',
): AcpError | undefined {
  const payment = request.payment_data;
  const instrument = payment?.instrument as
    | { type?: unknown; credential?: { type?: unknown; token?: unknown } }
    | undefined;
  const credential = instrument?.credential;
  const token = credential?.token;
  const tokenParam = `${root}.payment_data.instrument.credential.token`;
  if (typeof token !== 'string') return undefined; // beginComplete reports a missing token
  if (containsPan(token))
    return new AcpError('invalid', panRefusalMessage(tokenParam), { param: tokenParam });
  if (!gateway.validateCredential || !payment?.handler_id) return undefined;
  const checked = gateway.validateCredential({
    handlerId: payment.handler_id,
    instrumentType: typeof instrument?.type === 'string' ? instrument.type : 'card',
    credential: { type: typeof credential?.type === 'string' ? credential.type : '', token },
  });
  if (checked.ok) return undefined;
  const param = `${root}.payment_data.instrument.credential.${checked.field}`;
  return new AcpError('invalid', `${param}: ${checked.message}`, { param });
}
