import { checkoutStoreContract } from '@acp/core/contracts';
import { createMemoryStore } from '../src/index.js';

checkoutStoreContract('memory', () => ({ store: createMemoryStore() }));
