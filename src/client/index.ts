/** `streamforge/client`: what browsers and Node clients import. */
export { applyComponentEvent, mergeComponents } from './merge-components.js';
export type { Column, ComponentEvent, ComponentState, RunEvent } from '../protocol/index.js';
