// Where a hand-written model card lives in a version (register --card), apart from the card builder
// so that register does not load it.
/** The artifact path a hand-written card is stored under. */
export const CARD_PATH = 'MODEL_CARD.md';
/** The largest hand-written card stored or read back: a card is prose, never data. */
export const MAX_CARD_BYTES = 1024 * 1024;
