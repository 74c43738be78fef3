import type { TurnStarter } from '../../turns/index.js';
import type { HttpDelivery } from '../delivery/http-delivery.js';

/**
 * What the routes of the earlier systems' APIs need: each is a thin wire format over the same runs, started
 * by the same turns (so every chat route spends the same chat budget), delivered by the same follower.
 */
export interface LegacyRoutesOptions {
  turns: TurnStarter;
  delivery: HttpDelivery;
  maxMessageChars: number;
}
