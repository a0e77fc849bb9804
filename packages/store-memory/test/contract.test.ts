import { checkoutStoreContract } from '@acp/core/testing';
import { createMemoryStore } from '../src/index.js';

checkoutStoreContract('memory', () => ({ store: createMemoryStore() }));
