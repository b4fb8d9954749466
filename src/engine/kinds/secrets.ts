// Secrets: a service-account token Secret comes back with its own keys; the target's token
// controller writes the token for the new account.
import { deleteKeys, immutableData, type KindRule } from './rule.ts';

const TOKEN_KEYS = ['token', 'ca.crt', 'namespace'];
const TOKEN_UID_ANNOTATION = 'kubernetes.io/service-account.uid';

export const secrets: KindRule = {
  appliesTo: ['secrets'],
  phase: 'secrets',
  clean(obj, _ctx, changes) {
    if (obj.type !== 'kubernetes.io/service-account-token') return;
    deleteKeys(obj.data as Record<string, unknown> | undefined, TOKEN_KEYS, 'data.', changes, "the target cluster's token controller writes them for the account");
    deleteKeys(obj.metadata.annotations, [TOKEN_UID_ANNOTATION], 'annotation ', changes, 'the account is a new object in the target');
  },
  immutableChanges: immutableData,
};
