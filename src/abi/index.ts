export * from './api.js';
export * from './constants.js';
export * from './device-clock.js';
export * from './errors.js';
export * from './types.js';
