/** The partner registry: who may call the DCI APIs, with which keys, credentials and limits. */
export * from './service';
export { partnerKeyResolver, partnerKeySource, type KeyResolverOptions, type PartnerKeySource } from './keyResolver';
export { PartnerRateLimiter, type RateDecision } from './rateLimiter';
export { SharedRateLimiter } from './sharedRateLimiter';
