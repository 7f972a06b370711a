export * from './identity.module.js';
export * from './passwords/password-hasher.js';
export * from './passwords/password-policy.js';
export * from './registration/registration.service.js';
export * from './users/normalize-email.js';
export * from './users/users.service.js';
export * from './verification/email-verification.service.js';
