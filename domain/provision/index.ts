/**
 * The rule of a pool's provisioner, pure: which queued tasks get a one-shot worker launched
 * for them, from which runtime template and why (fit, then a warm worker before a cold
 * launch, then cost), and how launches end and back off. It decides on the pool's own fold.
 */
export { initialState, defaultProvisionConfig } from './state.ts';
export type { ProvisionConfig, ProvisionState } from './state.ts';
export { evolve, evolveInPlace } from './evolve.ts';
export { decide } from './decide.ts';
export { chooseRuntime } from './choose-runtime.ts';
export type { ChoiceContext, RuntimeDecision } from './choose-runtime.ts';
export { templateCapability } from './template-capability.ts';
export { retryDelay } from './retry-delay.ts';
